"""The 2x2 panel estimators of R ``DRDID`` (unit weights).

``drdid_panel`` (doubly robust, ``method="dr"``), ``reg_did_panel``
(outcome regression, ``"reg"``) and ``std_ipw_did_panel`` (normalised IPW,
``"ipw"``), each with its influence function.
"""

from __future__ import annotations

import numpy as np

TRIM_LEVEL = 0.995  # DRDID trim.level
OVERLAP_LIMIT = 0.999  # did: max(pscore) >= 0.999 -> overlap violated


class CellError(RuntimeError):
    """A 2x2 cell that R ``did`` would report as NA."""


def logit_fit(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Fitted probabilities of a logit of ``d`` on ``x`` (Newton-Raphson MLE)."""
    if d.all() or not d.any():
        raise CellError("no treated or no comparison units")
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(d.mean() / (1 - d.mean()))
    for _ in range(100):
        p = _expit(x @ beta)
        hess = (x * (p * (1 - p))[:, None]).T @ x
        try:
            step = np.linalg.solve(hess, x.T @ (d - p))
        except np.linalg.LinAlgError as err:
            raise CellError("singular propensity-score design") from err
        beta += step
        if np.max(np.abs(step)) <= 1e-10 * (1 + np.max(np.abs(beta))):
            break
    else:
        raise CellError("propensity score did not converge (overlap violated)")
    p = _expit(x @ beta)
    if p.max() >= OVERLAP_LIMIT:
        raise CellError("overlap condition violated (propensity score >= 0.999)")
    return p


def ill_conditioned(m: np.ndarray) -> bool:
    """R ``rcond(m) < .Machine$double.eps`` (1-norm reciprocal condition number)."""
    try:
        rcond = 1.0 / np.linalg.cond(m, 1)
    except np.linalg.LinAlgError:
        return True
    return not np.isfinite(rcond) or rcond < np.finfo(float).eps


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * z))


def _ols_control(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS of dy on x among controls; returns fitted values and the IF of beta."""
    c = ~d
    xc = x[c]
    gram = xc.T @ xc
    if ill_conditioned(gram):
        raise CellError("not enough comparison units to run the outcome regression")
    beta = np.linalg.solve(gram, xc.T @ dy[c])
    out = x @ beta
    asy = (x * np.where(c, dy - out, 0.0)[:, None]) @ np.linalg.inv(gram / len(d))
    return out, asy


def _ps_if(x: np.ndarray, d: np.ndarray, ps: np.ndarray) -> np.ndarray:
    """Asymptotic linear representation of the logit coefficients (DRDID)."""
    hess = (x * (ps * (1 - ps))[:, None]).T @ x
    return (x * (d - ps)[:, None]) @ (np.linalg.inv(hess) * len(d))


def two_by_two(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, ps: np.ndarray | None, method: str
) -> tuple[float, np.ndarray]:
    if method == "reg":
        return _reg_did(dy, d, x)
    ps = np.minimum(ps, 1 - 1e-6)
    keep = d | (ps < TRIM_LEVEL)
    w_t = (keep & d).astype(float)
    w_c = keep * ps * (~d) / (1 - ps)
    if method == "ipw":
        return _ipw_did(dy, d, x, ps, w_t, w_c)
    return _dr_did(dy, d, x, ps, w_t, w_c)


def _reg_did(dy: np.ndarray, d: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """DRDID ``reg_did_panel``."""
    out, asy = _ols_control(dy, d, x)
    w = d.astype(float)
    eta_t, eta_c = np.mean(w * dy) / w.mean(), np.mean(w * out) / w.mean()
    inf_t = (w * dy - w * eta_t) / w.mean()
    inf_c = (w * out - w * eta_c + asy @ np.mean(w[:, None] * x, axis=0)) / w.mean()
    return eta_t - eta_c, inf_t - inf_c


def _ipw_did(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, ps: np.ndarray, w_t: np.ndarray, w_c: np.ndarray
) -> tuple[float, np.ndarray]:
    """DRDID ``std_ipw_did_panel`` (normalised IPW, trimmed)."""
    eta_t, eta_c = np.mean(w_t * dy) / w_t.mean(), np.mean(w_c * dy) / w_c.mean()
    inf_t = (w_t * dy - w_t * eta_t) / w_t.mean()
    m2 = np.mean((w_c * (dy - eta_c))[:, None] * x, axis=0)
    inf_c = (w_c * dy - w_c * eta_c + _ps_if(x, d, ps) @ m2) / w_c.mean()
    return eta_t - eta_c, inf_t - inf_c


def _dr_did(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, ps: np.ndarray, w_t: np.ndarray, w_c: np.ndarray
) -> tuple[float, np.ndarray]:
    """DRDID ``drdid_panel`` (locally efficient doubly robust, traditional)."""
    out, asy = _ols_control(dy, d, x)
    r = dy - out
    eta_t, eta_c = np.mean(w_t * r) / w_t.mean(), np.mean(w_c * r) / w_c.mean()
    inf_t = w_t * r - w_t * eta_t - asy @ np.mean(w_t[:, None] * x, axis=0)
    m2 = np.mean((w_c * (r - eta_c))[:, None] * x, axis=0)
    inf_c = w_c * r - w_c * eta_c + _ps_if(x, d, ps) @ m2 - asy @ np.mean(w_c[:, None] * x, axis=0)
    return eta_t - eta_c, inf_t / w_t.mean() - inf_c / w_c.mean()
