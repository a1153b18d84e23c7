"""Inference: analytic and multiplier-bootstrap standard errors, the pre-test (R ``mboot``).

Influence functions are kept as an ``n_units x n_cells`` matrix; analytic
standard errors are ``sqrt(mean(IF^2) / n)`` (clustered at the unit). The
multiplier bootstrap draws Rademacher weights as ``BMisc::multiplier_bootstrap``;
standard errors are IQR-based and the simultaneous critical value is the
``1 - alpha`` quantile (R ``type = 1``) of the sup-t statistic.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from analysis.methods.did._cells import Cells
from analysis.methods.did._estimators import ill_conditioned

_ZERO_SE = np.sqrt(np.finfo(float).eps) * 10  # R: se <= sqrt(.Machine$double.eps)*10 -> NA
_IQR_SCALE = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)
_BOOT_CHUNK = 4_000_000  # multiplier draws generated per chunk (memory bound)


@dataclass(frozen=True)
class PreTest:
    """Wald pre-test that all pre-treatment ATT(g,t) are zero (R ``did`` summary).

    ``p_value`` is not rounded (R prints ``round(p, 5)``). ``statistic`` and
    ``p_value`` are NaN when there is no usable pre-treatment cell.
    """

    statistic: float
    p_value: float
    df: int

    def __getitem__(self, key: str) -> float:
        return self.as_dict()[key]

    def as_dict(self) -> dict[str, float]:
        """The test as a plain dictionary."""
        return {"statistic": self.statistic, "p_value": self.p_value, "df": self.df}


@dataclass(frozen=True)
class Boot:
    """How to regenerate the multiplier-bootstrap draws (same draws every time)."""

    iterations: int
    entropy: Any


def _analytic_se(inf: np.ndarray) -> np.ndarray:
    n = inf.shape[0]
    se = np.sqrt(np.mean(inf**2, axis=0) / n)
    return np.where(se > _ZERO_SE, se, np.nan)


def _bootstrap_draws(inf: np.ndarray, boot: Boot) -> np.ndarray:
    """R ``sqrt(n) * BMisc::multiplier_bootstrap(inf, biters)``: (biters, K) draws.

    The same Rademacher weights are regenerated from ``boot.entropy`` for every
    call, so cell-level and aggregated results share one set of draws.
    """
    n = inf.shape[0]
    clean = np.nan_to_num(inf, nan=0.0)
    rng = np.random.default_rng(np.random.SeedSequence(boot.entropy))
    out = np.empty((boot.iterations, inf.shape[1]))
    step = max(1, _BOOT_CHUNK // max(n, 1))
    for start in range(0, boot.iterations, step):
        stop = min(start + step, boot.iterations)
        signs = 1.0 - 2.0 * rng.integers(0, 2, size=(stop - start, n))
        out[start:stop] = signs @ clean
    out /= np.sqrt(n)
    out[:, np.isnan(inf).any(axis=0)] = np.nan
    return out


def _bootstrap_inference(inf: np.ndarray, boot: Boot, alpha: float) -> tuple[np.ndarray, float]:
    """R ``mboot``: IQR-based standard errors and the sup-t critical value."""
    n = inf.shape[0]
    bres = _bootstrap_draws(inf, boot)
    ok = np.isfinite(bres).all(axis=0) & ((bres**2).sum(axis=0) > _ZERO_SE)
    se = np.full(inf.shape[1], np.nan)
    if not ok.any():
        return se, np.nan
    q75, q25 = np.quantile(bres[:, ok], [0.75, 0.25], axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / _IQR_SCALE
    se[ok] = sigma / np.sqrt(n)
    sigma = np.where(sigma > _ZERO_SE, sigma, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        tstat = np.abs(bres[:, ok] / sigma)
    tmax = np.max(np.where(np.isnan(tstat), -np.inf, tstat), axis=1)
    tmax = tmax[np.isfinite(tmax)]
    crit = np.quantile(tmax, 1 - alpha, method="inverted_cdf") if len(tmax) else np.nan
    return np.where(se > _ZERO_SE, se, np.nan), float(crit)


def standard_errors(inf: np.ndarray, boot: Boot | None, alpha: float) -> tuple[np.ndarray, float]:
    """Analytic SEs and normal critical value, or bootstrap SEs and sup-t value."""
    se = _analytic_se(inf)
    z = float(stats.norm.ppf(1 - alpha / 2))
    if boot is None:
        return se, z
    bse, crit = _bootstrap_inference(inf, boot, alpha)
    se = np.where(np.isnan(se), np.nan, bse)
    return se, crit if np.isfinite(crit) else z


def pretest(att: np.ndarray, inf: np.ndarray, cells: Cells, anticipation: int) -> PreTest:
    """Wald test of the pre-treatment ATT(g,t) with the analytic covariance (R)."""
    n = inf.shape[0]
    se = _analytic_se(inf)
    pre = np.flatnonzero((cells.g - anticipation > cells.t) & ~np.isnan(se))
    if not len(pre):
        return PreTest(np.nan, np.nan, 0)
    v = inf[:, pre].T @ inf[:, pre] / n
    if ill_conditioned(v):
        warnings.warn(
            "Not returning pre-test Wald statistic due to singular covariance matrix", stacklevel=3
        )
        return PreTest(np.nan, np.nan, len(pre))
    a = att[pre]
    w = float(n * a @ np.linalg.solve(v, a))
    return PreTest(w, float(stats.chi2.sf(w, len(pre))), len(pre))
