"""Data preparation (R ``pre_process_did``): options, the balanced panel as arrays, cohorts."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.methods._options import (
    BasePeriod,
    Control,
    DidMethod,
    require_alpha,
    require_choice,
    require_nonnegative_int,
    require_positive_int,
)


def check_options(
    control: str,
    method: str,
    base_period: str,
    anticipation: int,
    bootstrap: int | None,
    alpha: float,
) -> None:
    """Raise a clear error for an option outside its allowed values."""
    require_choice("control", control, Control)
    require_choice("method", method, DidMethod)
    require_choice("base_period", base_period, BasePeriod)
    require_nonnegative_int("anticipation", anticipation)
    require_positive_int("bootstrap", bootstrap, allow_none=True)
    require_alpha(alpha)


@dataclass
class Panel:
    """Balanced panel as arrays: units x periods outcome and covariate matrices."""

    times: np.ndarray  # (T,) sorted periods
    cohort: np.ndarray  # (n,) first treated period, 0 = never
    y: np.ndarray  # (n, T)
    x: np.ndarray | None  # (T, n, k) with intercept, None without covariates
    x_constant: bool  # covariates identical in every period
    glist: np.ndarray = field(default_factory=lambda: np.empty(0))


def _numeric(data: pd.DataFrame, col: str) -> np.ndarray:
    try:
        return data[col].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as err:
        raise ValueError(f"column {col!r} must be numeric") from err


def build_panel(
    data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, covariates: list[str]
) -> Panel:
    if not isinstance(data, pd.DataFrame):
        raise TypeError("data must be a pandas DataFrame")
    missing = [c for c in [outcome, unit, time, cohort, *covariates] if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {missing}")
    y, t, g = _numeric(data, outcome), _numeric(data, time), _numeric(data, cohort)
    _require_finite({outcome: y, time: t})
    units = data[unit].to_numpy()
    if pd.isna(units).any():
        raise ValueError(f"unit column {unit!r} has missing values")
    uid, ucode = np.unique(units, return_inverse=True)
    times, tcode = np.unique(t, return_inverse=True)
    n, T = len(uid), len(times)
    _check_balanced(ucode, tcode, uid, times)
    flat = ucode * T + tcode
    g = np.where(np.isnan(g), 0.0, g)
    unit_g = np.zeros(n)
    unit_g[ucode] = g
    if not np.array_equal(unit_g[ucode], g):
        raise ValueError(f"cohort column {cohort!r} must be constant within each unit")
    ymat = np.empty(n * T)
    ymat[flat] = y
    x = _covariate_array(data, covariates, flat, n, T)
    x_const = x is None or bool(np.all(x == x[:1]))
    return Panel(times, unit_g, ymat.reshape(n, T), x, x_const)


def _require_finite(columns: dict[str, np.ndarray]) -> None:
    for name, values in columns.items():
        bad = int((~np.isfinite(values)).sum())
        if bad:
            raise ValueError(
                f"column {name!r} has {bad} missing or non-finite values; "
                "att_gt needs a complete balanced panel"
            )


def _check_balanced(
    ucode: np.ndarray, tcode: np.ndarray, uid: np.ndarray, times: np.ndarray
) -> None:
    n, T = len(uid), len(times)
    counts = np.bincount(ucode * T + tcode, minlength=n * T).reshape(n, T)
    if (counts > 1).any():
        i, j = np.argwhere(counts > 1)[0]
        raise ValueError(
            f"duplicate rows: unit {uid[i]!r} appears more than once in period {times[j]:g}"
        )
    holes = counts == 0
    if holes.any():
        bad_units = np.flatnonzero(holes.any(axis=1))
        i = bad_units[0]
        raise ValueError(
            f"unbalanced panel: {len(bad_units)} of {n} units are missing at least one of the "
            f"{T} periods (e.g. unit {uid[i]!r} has no row for period "
            f"{times[np.flatnonzero(holes[i])[0]]:g}); att_gt requires a balanced panel"
        )


def _covariate_array(
    data: pd.DataFrame, covariates: list[str], flat: np.ndarray, n: int, T: int
) -> np.ndarray | None:
    if not covariates:
        return None
    cols = {c: _numeric(data, c) for c in covariates}
    _require_finite(cols)
    x = np.ones((n * T, len(covariates) + 1))
    x[flat, 1:] = np.column_stack(list(cols.values()))
    return x.reshape(n, T, -1).transpose(1, 0, 2).copy()


def apply_cohort_rules(panel: Panel, control: str, anticipation: int) -> Panel:
    """R ``pre_process_did``: late cohorts, missing never-treated, first-period cohorts."""
    coh, times = panel.cohort.copy(), panel.times
    coh[coh > times.max() + anticipation] = 0  # treated after the panel ends = never treated
    latest = None
    if not (coh == 0).any():
        if control == "never_treated":
            raise ValueError(
                "there are no never-treated units (cohort 0 or missing); use "
                "control='not_yet_treated'"
            )
        latest = coh.max()
        keep_t = times < latest - anticipation
        if not keep_t.any():
            raise ValueError("no period precedes the last cohort's treatment")
        panel = _keep_periods(panel, keep_t)
        times = panel.times
    early = (coh > 0) & (coh <= times[0] + anticipation)
    if early.any():
        warnings.warn(
            f"Dropped {int(early.sum())} units that were already treated in the first period.",
            stacklevel=3,
        )
        panel = _keep_units(panel, ~early)
        coh = coh[~early]
    panel.cohort = coh
    glist = np.unique(coh[coh > 0])
    panel.glist = glist if latest is None else glist[glist < latest]
    if not len(panel.glist):
        raise ValueError("no treated cohort with a pre-treatment period")
    return panel


def _keep_periods(panel: Panel, keep: np.ndarray) -> Panel:
    x = None if panel.x is None else panel.x[keep]
    return Panel(panel.times[keep], panel.cohort, panel.y[:, keep], x, panel.x_constant)


def _keep_units(panel: Panel, keep: np.ndarray) -> Panel:
    x = None if panel.x is None else panel.x[:, keep]
    return Panel(panel.times, panel.cohort[keep], panel.y[keep], x, panel.x_constant)
