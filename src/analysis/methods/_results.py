"""Shared pieces of every method's result object.

Each estimator returns a result whose ``effects`` is a tidy DataFrame with one
row per estimate and the columns of :data:`EFFECT_COLUMNS` (plus the index
columns of that method, e.g. ``cohort`` and ``time``). Log-link models add
:data:`RATIO_COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

EFFECT_COLUMNS = ["estimate", "std_error", "ci_low", "ci_high", "p_value"]
RATIO_COLUMNS = ["ratio", "ratio_ci_low", "ratio_ci_high"]


def normal_effects(
    estimate: np.ndarray | pd.Series | float,
    std_error: np.ndarray | pd.Series | float,
    *,
    alpha: float = 0.05,
    critical: float | None = None,
) -> pd.DataFrame:
    """Tidy Wald effects from estimates and standard errors (normal reference).

    Parameters
    ----------
    estimate, std_error
        Point estimates and their standard errors, same length.
    alpha
        1 - confidence level.
    critical
        Critical value to use instead of the normal quantile (for example a
        simultaneous-band value from a bootstrap).

    Returns
    -------
    pandas.DataFrame
        Columns ``estimate``, ``std_error``, ``ci_low``, ``ci_high``, ``p_value``.
    """
    est = np.atleast_1d(np.asarray(estimate, dtype=float))
    se = np.atleast_1d(np.asarray(std_error, dtype=float))
    z = stats.norm.ppf(1 - alpha / 2) if critical is None else critical
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(est / se))
    return pd.DataFrame(
        {
            "estimate": est,
            "std_error": se,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "p_value": p,
        }
    )


def add_ratio_columns(effects: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of log-scale ``effects`` with exponentiated ratio columns."""
    out = effects.copy()
    out["ratio"] = np.exp(out["estimate"])
    out["ratio_ci_low"] = np.exp(out["ci_low"])
    out["ratio_ci_high"] = np.exp(out["ci_high"])
    return out


@dataclass(frozen=True)
class Overall:
    """A single summary estimate (for example an aggregated ATT)."""

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float

    def as_dict(self) -> dict[str, float]:
        """The four numbers as a plain dictionary."""
        return {
            "estimate": self.estimate,
            "std_error": self.std_error,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }


def format_effects(effects: pd.DataFrame, title: str, digits: int = 4) -> str:
    """Plain-text table used by the ``summary()`` methods."""
    return f"{title}\n{'=' * len(title)}\n{effects.round(digits).to_string(index=False)}"
