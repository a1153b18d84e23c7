"""Group-time cells (R ``compute.att_gt``): which ATT(g,t) to estimate and against whom.

Without covariates every ATT(g,t) and its influence function is computed in
one set of array operations; with covariates each 2x2 cell is a least-squares
fit plus a small Newton logit (covariates taken from the earlier period of
the pair).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from analysis.methods.did._estimators import OVERLAP_LIMIT, CellError, logit_fit, two_by_two
from analysis.methods.did._prepare import Panel


@dataclass(frozen=True)
class Cells:
    """One entry per ATT(g,t) cell, in R's order (cohort, then time)."""

    g: np.ndarray
    t: np.ndarray
    cur: np.ndarray  # period index of t
    base: np.ndarray  # period index of the base (reference) period
    threshold: np.ndarray  # not-yet-treated: cohorts > threshold are controls
    base_zero: np.ndarray  # universal base period: the normalised cell


def plan_cells(panel: Panel, control: str, anticipation: int, base_period: str) -> Cells:
    """Cell list and base periods exactly as R ``compute.att_gt``."""
    times, varying = panel.times, base_period == "varying"
    rows: list[tuple[float, int, int, float, bool]] = []
    for g in panel.glist:
        pre = np.flatnonzero(times + anticipation < g)
        last_pre = int(pre[-1]) if len(pre) else None
        for ti in range(len(times) - 1 if varying else len(times)):
            cur = ti + 1 if varying else ti
            base = ti if varying else last_pre
            if base is None or (g - anticipation <= times[cur] and last_pre is None):
                warnings.warn(
                    f"There are no pre-treatment periods for the group first treated "
                    f"at {g:g}; units from this group are dropped",
                    stacklevel=3,
                )
                break
            threshold = times[max(cur, base)] + anticipation
            if g - anticipation <= times[cur]:
                base = last_pre
            rows.append((g, cur, base, threshold, (not varying) and base == cur))
    if not rows:
        raise ValueError("no ATT(g,t) can be estimated")
    g, cur, base, thr, zero = (np.array(v) for v in zip(*rows, strict=True))
    if control == "never_treated":
        thr = np.full(len(g), np.inf)
    return Cells(
        g.astype(float),
        times[cur],
        cur.astype(int),
        base.astype(int),
        thr.astype(float),
        zero.astype(bool),
    )


def _control_masks(cohort: np.ndarray, cells: Cells) -> np.ndarray:
    """(n, K) comparison-unit indicator: never treated, or treated after the threshold."""
    later = (cohort[:, None] > cells.threshold[None, :]) & (cohort[:, None] != cells.g[None, :])
    return (cohort[:, None] == 0) | later


def estimate_cells(panel: Panel, cells: Cells, method: str) -> tuple[np.ndarray, np.ndarray]:
    treat = panel.cohort[:, None] == cells.g[None, :]
    ctrl = _control_masks(panel.cohort, cells)
    dy = panel.y[:, cells.cur] - panel.y[:, cells.base]
    if panel.x is None:
        att, inf = _unconditional(dy, treat, ctrl, method)
    else:
        att, inf = _conditional(panel, cells, dy, treat, ctrl, method)
    att[cells.base_zero], inf[:, cells.base_zero] = 0.0, 0.0
    return att, inf


def _unconditional(
    dy: np.ndarray, treat: np.ndarray, ctrl: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """All cells at once: difference of mean changes and its influence function.

    With an intercept-only design ``reg``, ``ipw`` and ``dr`` coincide; the
    ``n / n1`` rescaling of R folds into ``n * (T(dy-m1)/n_t - C(dy-m0)/n_c)``.
    """
    n = dy.shape[0]
    n_t, n_c = treat.sum(axis=0), ctrl.sum(axis=0)
    bad = (n_t == 0) | (n_c == 0)
    if method in ("dr", "ipw"):
        bad |= n_t / np.maximum(n_t + n_c, 1) >= OVERLAP_LIMIT
    with np.errstate(invalid="ignore", divide="ignore"):
        m1 = np.where(treat, dy, 0.0).sum(axis=0) / n_t
        m0 = np.where(ctrl, dy, 0.0).sum(axis=0) / n_c
        inf = n * (np.where(treat, dy - m1, 0.0) / n_t - np.where(ctrl, dy - m0, 0.0) / n_c)
    att = m1 - m0
    _flag_bad(bad, att, inf)
    return att, inf


def _flag_bad(bad: np.ndarray, att: np.ndarray, inf: np.ndarray) -> None:
    if bad.any():
        warnings.warn(
            f"{int(bad.sum())} ATT(g,t) cell(s) could not be estimated (no treated "
            "or comparison units, or overlap violated); set to NaN",
            stacklevel=4,
        )
        att[bad], inf[:, bad] = np.nan, np.nan


def _conditional(
    panel: Panel, cells: Cells, dy: np.ndarray, treat: np.ndarray, ctrl: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Cell-by-cell DRDID estimators with covariates (cached propensity fits)."""
    n, K = dy.shape
    att, inf = np.full(K, np.nan), np.zeros((n, K))
    ps_cache: dict[tuple[int, bytes], np.ndarray] = {}
    for k in np.flatnonzero(~cells.base_zero):
        sub = treat[:, k] | ctrl[:, k]
        d = treat[sub, k]
        xi = 0 if panel.x_constant else min(cells.cur[k], cells.base[k])
        x = panel.x[xi][sub]
        try:
            ps = None
            if method != "reg":
                key = (xi, sub.tobytes() + d.tobytes())
                if key not in ps_cache:
                    ps_cache[key] = logit_fit(x, d)
                ps = ps_cache[key]
            a, phi = two_by_two(dy[sub, k], d, x, ps, method)
        except CellError as err:
            warnings.warn(
                f"ATT(g,t) for cohort {cells.g[k]:g}, time {cells.t[k]:g} set to NaN: {err}",
                stacklevel=4,
            )
            att[k], inf[:, k] = np.nan, np.nan
            continue
        att[k] = a
        inf[sub, k] = n / sub.sum() * phi
    return att, inf
