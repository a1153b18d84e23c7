"""Callaway & Sant'Anna (2021) group-time average treatment effects.

A vectorised NumPy re-implementation of the R package ``did`` (``att_gt`` and
``aggte``, balanced panels) with the 2x2 estimators of R ``DRDID`` that ``did``
calls: ``drdid_panel`` (``method="dr"``, R's default), ``reg_did_panel``
(``"reg"``) and ``std_ipw_did_panel`` (``"ipw"``).

Implementation notes (all mirror R ``did``/``DRDID``/``BMisc``):

* outcomes are pivoted once into a units x periods matrix; without covariates
  every ATT(g,t) and its influence function is computed in one set of array
  operations, with covariates each 2x2 cell is a least-squares fit plus a small
  Newton logit (covariates are taken from the earlier period of the pair);
* influence functions are kept as an ``n_units x n_cells`` matrix, rescaled by
  ``n / n_cell`` as in ``compute.att_gt``; analytic standard errors are
  ``sqrt(mean(IF^2) / n)`` (clustered at the unit);
* the multiplier bootstrap draws Rademacher weights, as
  ``BMisc::multiplier_bootstrap`` does (its documentation: "This function uses
  Rademechar weights"); standard errors are the IQR-based
  ``(q75 - q25) / (qnorm(.75) - qnorm(.25))`` and the simultaneous critical
  value is the ``1 - alpha`` quantile (R ``type = 1``) of the sup-t statistic;
* aggregations follow ``compute.aggte`` including the influence-function term
  for estimated cohort weights (``wif``), with the group-overall term built
  from the distinct cohorts (R ``did`` PR #223).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.methods._results import EFFECT_COLUMNS, Overall, format_effects, normal_effects

Control = Literal["never_treated", "not_yet_treated"]
Method = Literal["dr", "reg", "ipw"]
BasePeriod = Literal["varying", "universal"]
AggregateKind = Literal["simple", "group", "dynamic", "calendar"]

_CONTROLS = ("never_treated", "not_yet_treated")
_METHODS = ("dr", "reg", "ipw")
_BASE_PERIODS = ("varying", "universal")
_KINDS = ("simple", "group", "dynamic", "calendar")
_METHOD_NAMES = {
    "dr": "doubly robust (DRDID drdid_panel)",
    "reg": "outcome regression (DRDID reg_did_panel)",
    "ipw": "normalised IPW (DRDID std_ipw_did_panel)",
}
_ZERO_SE = np.sqrt(np.finfo(float).eps) * 10  # R: se <= sqrt(.Machine$double.eps)*10 -> NA
_IQR_SCALE = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)
_TRIM_LEVEL = 0.995  # DRDID trim.level
_OVERLAP_LIMIT = 0.999  # did: max(pscore) >= 0.999 -> overlap violated
_BOOT_CHUNK = 4_000_000  # multiplier draws generated per chunk (memory bound)


# ----------------------------------------------------------------------------
# result objects
# ----------------------------------------------------------------------------


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
class _Boot:
    """How to regenerate the multiplier-bootstrap draws (same draws every time)."""

    iterations: int
    entropy: Any


@dataclass(frozen=True, eq=False)
class AggregateResult:
    """Aggregated ATT(g,t) (R ``aggte``).

    Attributes
    ----------
    kind
        ``"simple"``, ``"group"``, ``"dynamic"`` or ``"calendar"``.
    overall
        Overall summary ATT with a pointwise normal confidence interval.
    effects
        One row per ``event_time`` / ``cohort`` / ``time`` (empty for
        ``"simple"``) with estimate, standard error, confidence band and p-value.
    critical_value
        Critical value of the band in ``effects`` (simultaneous with bootstrap).
    """

    kind: str
    overall: Overall
    effects: pd.DataFrame
    critical_value: float
    alpha: float
    bootstrap: int | None
    influence: np.ndarray = field(repr=False)

    def summary(self) -> str:
        """Plain-text summary in the spirit of R ``summary(aggte(...))``."""
        o = self.overall
        level = round(100 * (1 - self.alpha))
        band = "simultaneous" if self.bootstrap else "pointwise"
        lines = [
            f"Aggregated ATT ({self.kind})",
            f"Overall ATT {o.estimate:.4f} (SE {o.std_error:.4f}), "
            f"{level}% CI [{o.ci_low:.4f}, {o.ci_high:.4f}]",
        ]
        if len(self.effects):
            lines.append(
                format_effects(
                    self.effects,
                    f"{self.kind} effects ({band} {level}% band,"
                    f" critical value {self.critical_value:.3f})",
                )
            )
        return "\n".join(lines)

    def plot(
        self,
        ax: Any = None,
        *,
        xlabel: str | None = None,
        ylabel: str = "ATT",
        title: str | None = None,
        labels: tuple[str, str] = ("pre", "post"),
    ) -> Any:
        """Point estimates with their band (event-study plot for ``"dynamic"``).

        Parameters
        ----------
        ax
            Axes to draw on; default a new figure.
        xlabel, ylabel, title
            Axis labels and title; defaults name the aggregation.
        labels
            Legend entries of the points before and after the start.

        Returns
        -------
        matplotlib.figure.Figure
        """
        if not len(self.effects):
            raise ValueError("a 'simple' aggregation has no effects to plot")
        fig, ax = _figure_axes(ax)
        index = self.effects.columns[0]
        x = self.effects[index].to_numpy(dtype=float)
        post = x >= 0 if index == "event_time" else np.ones(len(x), dtype=bool)
        _errorbars(ax, x, self.effects, post, labels)
        ax.axhline(0, color="grey", linewidth=0.8)
        if index == "event_time":
            ax.axvline(-0.5, color="grey", linestyle=":", linewidth=0.8)
        ax.set_xlabel(xlabel or index.replace("_", " "))
        ax.set_ylabel(ylabel)
        ax.set_title(title or f"Aggregated ATT by {index.replace('_', ' ')}")
        return fig


@dataclass(frozen=True, eq=False)
class AttGtResult:
    """Group-time average treatment effects (R ``att_gt``).

    Attributes
    ----------
    effects
        One row per ATT(g,t): ``cohort``, ``time``, ``estimate``, ``std_error``,
        ``ci_low``, ``ci_high``, ``p_value``. With ``bootstrap`` the band uses the
        simultaneous (uniform) critical value, as R ``cband=TRUE``.
    pretest
        Wald pre-test of parallel trends (analytic covariance, as in R).
    critical_value
        Critical value used for ``ci_low`` / ``ci_high``.
    n_units
        Number of units used (after dropping units treated in the first period).
    """

    effects: pd.DataFrame
    pretest: PreTest
    critical_value: float
    n_units: int
    control: str
    method: str
    base_period: str
    anticipation: int
    alpha: float
    bootstrap: int | None
    influence: np.ndarray = field(repr=False)
    unit_cohort: np.ndarray = field(repr=False)
    _boot: _Boot | None = field(repr=False, default=None)

    def aggregate(
        self,
        kind: AggregateKind,
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
    ) -> AggregateResult:
        """Aggregate the ATT(g,t) as R ``aggte(type=kind)``.

        Parameters
        ----------
        kind
            ``"simple"`` (cohort-size weighted average of post-treatment cells),
            ``"group"`` (by cohort), ``"dynamic"`` (event study) or
            ``"calendar"`` (by period).
        min_e, max_e
            Event-time window ``min_e <= t - g <= max_e`` (original time units)
            for ``dynamic``, ``simple`` and ``group`` (the last two only use
            post-treatment cells); ignored, with a warning, for ``calendar``.
        balance_e
            Dynamic only: keep cohorts observed for at least ``balance_e``
            periods after treatment.

        Returns
        -------
        AggregateResult

        Examples
        --------
        >>> res = att_gt(df, outcome="y", unit="id", time="t", cohort="g")  # doctest: +SKIP
        >>> res.aggregate("dynamic", min_e=-3, max_e=3).overall  # doctest: +SKIP
        """
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
        if balance_e is not None and kind != "dynamic":
            raise ValueError("balance_e only applies to kind='dynamic'")
        return _aggregate(self, kind, float(min_e), float(max_e), balance_e)

    def summary(self) -> str:
        """Plain-text summary in the spirit of R ``summary(att_gt(...))``."""
        band = "simultaneous" if self.bootstrap else "pointwise"
        level = round(100 * (1 - self.alpha))
        se_kind = f"multiplier bootstrap ({self.bootstrap} draws)" if self.bootstrap else "analytic"
        p = self.pretest.p_value
        return "\n".join(
            [
                format_effects(self.effects, "Group-time average treatment effects ATT(g,t)"),
                f"{level}% {band} band, critical value {self.critical_value:.3f}; {se_kind} SEs",
                "P-value for pre-test of parallel trends assumption: "
                + ("n/a" if np.isnan(p) else f"{p:.5f}"),
                f"Control group: {self.control.replace('_', ' ')}; anticipation periods: "
                f"{self.anticipation}; base period: {self.base_period}",
                f"Estimation method: {_METHOD_NAMES[self.method]}; units: {self.n_units}",
            ]
        )

    def plot(self) -> Any:
        """ATT(g,t) by period, one panel per cohort, with confidence bands.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from matplotlib.figure import Figure

        cohorts = self.effects["cohort"].unique()
        fig = Figure(figsize=(8, 2.4 * len(cohorts)), layout="constrained")
        axes = fig.subplots(len(cohorts), 1, sharex=True, squeeze=False)[:, 0]
        for ax, g in zip(axes, cohorts, strict=True):
            sub = self.effects[self.effects["cohort"] == g]
            x = sub["time"].to_numpy(dtype=float)
            _errorbars(ax, x, sub, x >= g)
            ax.axhline(0, color="grey", linewidth=0.8)
            ax.set_title(f"Cohort {g:g}")
            ax.set_ylabel("ATT(g,t)")
        axes[-1].set_xlabel("time")
        return fig


def _figure_axes(ax: Any) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4), layout="constrained")
    return fig, fig.subplots()


def _errorbars(
    ax: Any,
    x: np.ndarray,
    eff: pd.DataFrame,
    post: np.ndarray,
    labels: tuple[str, str] = ("pre", "post"),
) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    est = eff["estimate"].to_numpy(dtype=float)
    lo, hi = eff["ci_low"].to_numpy(dtype=float), eff["ci_high"].to_numpy(dtype=float)
    for mask, colour, label in ((~post, "tab:red", labels[0]), (post, "tab:blue", labels[1])):
        if mask.any():
            ax.errorbar(
                x[mask],
                est[mask],
                yerr=[est[mask] - lo[mask], hi[mask] - est[mask]],
                fmt="o",
                color=colour,
                capsize=3,
                label=label,
            )
    ax.legend(loc="best", fontsize="small")


# ----------------------------------------------------------------------------
# public entry point
# ----------------------------------------------------------------------------


def att_gt(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    control: Control = "never_treated",
    covariates: list[str] | None = None,
    method: Method = "dr",
    anticipation: int = 0,
    base_period: BasePeriod = "varying",
    bootstrap: int | None = None,
    seed: int | None = None,
    alpha: float = 0.05,
) -> AttGtResult:
    """Callaway & Sant'Anna (2021) group-time ATTs for a staggered pilot.

    Reproduces R ``did::att_gt`` on a balanced panel (``panel=TRUE``, no
    sampling weights). ``data`` is never modified.

    Parameters
    ----------
    data
        Long panel: one row per unit and period.
    outcome, unit, time, cohort
        Column names. ``cohort`` is the first treated period (same scale as
        ``time``); 0 or missing means never treated.
    control
        Comparison units: ``"never_treated"`` or ``"not_yet_treated"``
        (never treated plus units first treated after ``t + anticipation``).
    covariates
        Baseline covariates for conditional parallel trends (intercept added).
    method
        ``"dr"`` (Sant'Anna & Zhao doubly robust, R default), ``"reg"`` or
        ``"ipw"``. Without covariates all three give the unconditional DiD.
    anticipation
        Number of periods before ``cohort`` in which units may already react.
    base_period
        ``"varying"`` (pre-period cells compare adjacent periods) or
        ``"universal"`` (all cells against period ``g - anticipation - 1``).
    bootstrap
        Number of multiplier-bootstrap draws; ``None`` gives analytic
        influence-function standard errors (R ``bstrap=FALSE``).
    seed
        Seed of the bootstrap draws.
    alpha
        1 - confidence level.

    Returns
    -------
    AttGtResult

    Examples
    --------
    >>> res = att_gt(panel, outcome="visits", unit="practice", time="month",
    ...              cohort="start_month", control="not_yet_treated")  # doctest: +SKIP
    >>> res.effects.head()  # doctest: +SKIP
    >>> res.aggregate("group").overall  # doctest: +SKIP
    """
    _check_options(control, method, base_period, anticipation, bootstrap, alpha)
    panel = _build_panel(data, outcome, unit, time, cohort, list(covariates or []))
    panel = _apply_cohort_rules(panel, control, anticipation)
    cells = _plan_cells(panel, control, anticipation, base_period)
    att, inf = _estimate_cells(panel, cells, method)
    boot = None if bootstrap is None else _Boot(bootstrap, np.random.SeedSequence(seed).entropy)
    return _finish(
        panel,
        cells,
        att,
        inf,
        boot,
        control=control,
        method=method,
        base_period=base_period,
        anticipation=anticipation,
        alpha=alpha,
    )


# ----------------------------------------------------------------------------
# input handling
# ----------------------------------------------------------------------------


def _check_options(
    control: str,
    method: str,
    base_period: str,
    anticipation: int,
    bootstrap: int | None,
    alpha: float,
) -> None:
    for name, value, allowed in (
        ("control", control, _CONTROLS),
        ("method", method, _METHODS),
        ("base_period", base_period, _BASE_PERIODS),
    ):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    if isinstance(anticipation, bool) or int(anticipation) != anticipation or anticipation < 0:
        raise ValueError(f"anticipation must be a non-negative integer, got {anticipation!r}")
    if bootstrap is not None and (
        isinstance(bootstrap, bool) or int(bootstrap) != bootstrap or bootstrap < 1
    ):
        raise ValueError(f"bootstrap must be None or a positive integer, got {bootstrap!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


@dataclass
class _Panel:
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


def _build_panel(
    data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, covariates: list[str]
) -> _Panel:
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
    return _Panel(times, unit_g, ymat.reshape(n, T), x, x_const)


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


def _apply_cohort_rules(panel: _Panel, control: str, anticipation: int) -> _Panel:
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


def _keep_periods(panel: _Panel, keep: np.ndarray) -> _Panel:
    x = None if panel.x is None else panel.x[keep]
    return _Panel(panel.times[keep], panel.cohort, panel.y[:, keep], x, panel.x_constant)


def _keep_units(panel: _Panel, keep: np.ndarray) -> _Panel:
    x = None if panel.x is None else panel.x[:, keep]
    return _Panel(panel.times, panel.cohort[keep], panel.y[keep], x, panel.x_constant)


# ----------------------------------------------------------------------------
# group-time cells
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cells:
    """One entry per ATT(g,t) cell, in R's order (cohort, then time)."""

    g: np.ndarray
    t: np.ndarray
    cur: np.ndarray  # period index of t
    base: np.ndarray  # period index of the base (reference) period
    threshold: np.ndarray  # not-yet-treated: cohorts > threshold are controls
    base_zero: np.ndarray  # universal base period: the normalised cell


def _plan_cells(panel: _Panel, control: str, anticipation: int, base_period: str) -> _Cells:
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
    return _Cells(
        g.astype(float),
        times[cur],
        cur.astype(int),
        base.astype(int),
        thr.astype(float),
        zero.astype(bool),
    )


def _control_masks(cohort: np.ndarray, cells: _Cells) -> np.ndarray:
    """(n, K) comparison-unit indicator: never treated, or treated after the threshold."""
    later = (cohort[:, None] > cells.threshold[None, :]) & (cohort[:, None] != cells.g[None, :])
    return (cohort[:, None] == 0) | later


def _estimate_cells(panel: _Panel, cells: _Cells, method: str) -> tuple[np.ndarray, np.ndarray]:
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
        bad |= n_t / np.maximum(n_t + n_c, 1) >= _OVERLAP_LIMIT
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
    panel: _Panel, cells: _Cells, dy: np.ndarray, treat: np.ndarray, ctrl: np.ndarray, method: str
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
                    ps_cache[key] = _logit_fit(x, d)
                ps = ps_cache[key]
            a, phi = _two_by_two(dy[sub, k], d, x, ps, method)
        except _CellError as err:
            warnings.warn(
                f"ATT(g,t) for cohort {cells.g[k]:g}, time {cells.t[k]:g} set to NaN: {err}",
                stacklevel=4,
            )
            att[k], inf[:, k] = np.nan, np.nan
            continue
        att[k] = a
        inf[sub, k] = n / sub.sum() * phi
    return att, inf


# ----------------------------------------------------------------------------
# DRDID 2x2 panel estimators (unit weights)
# ----------------------------------------------------------------------------


class _CellError(RuntimeError):
    """A 2x2 cell that R ``did`` would report as NA."""


def _logit_fit(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Fitted probabilities of a logit of ``d`` on ``x`` (Newton-Raphson MLE)."""
    if d.all() or not d.any():
        raise _CellError("no treated or no comparison units")
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(d.mean() / (1 - d.mean()))
    for _ in range(100):
        p = _expit(x @ beta)
        hess = (x * (p * (1 - p))[:, None]).T @ x
        try:
            step = np.linalg.solve(hess, x.T @ (d - p))
        except np.linalg.LinAlgError as err:
            raise _CellError("singular propensity-score design") from err
        beta += step
        if np.max(np.abs(step)) <= 1e-10 * (1 + np.max(np.abs(beta))):
            break
    else:
        raise _CellError("propensity score did not converge (overlap violated)")
    p = _expit(x @ beta)
    if p.max() >= _OVERLAP_LIMIT:
        raise _CellError("overlap condition violated (propensity score >= 0.999)")
    return p


def _ill_conditioned(m: np.ndarray) -> bool:
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
    if _ill_conditioned(gram):
        raise _CellError("not enough comparison units to run the outcome regression")
    beta = np.linalg.solve(gram, xc.T @ dy[c])
    out = x @ beta
    asy = (x * np.where(c, dy - out, 0.0)[:, None]) @ np.linalg.inv(gram / len(d))
    return out, asy


def _ps_if(x: np.ndarray, d: np.ndarray, ps: np.ndarray) -> np.ndarray:
    """Asymptotic linear representation of the logit coefficients (DRDID)."""
    hess = (x * (ps * (1 - ps))[:, None]).T @ x
    return (x * (d - ps)[:, None]) @ (np.linalg.inv(hess) * len(d))


def _two_by_two(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, ps: np.ndarray | None, method: str
) -> tuple[float, np.ndarray]:
    if method == "reg":
        return _reg_did(dy, d, x)
    ps = np.minimum(ps, 1 - 1e-6)
    keep = d | (ps < _TRIM_LEVEL)
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


# ----------------------------------------------------------------------------
# inference
# ----------------------------------------------------------------------------


def _analytic_se(inf: np.ndarray) -> np.ndarray:
    n = inf.shape[0]
    se = np.sqrt(np.mean(inf**2, axis=0) / n)
    return np.where(se > _ZERO_SE, se, np.nan)


def _bootstrap_draws(inf: np.ndarray, boot: _Boot) -> np.ndarray:
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


def _bootstrap_inference(inf: np.ndarray, boot: _Boot, alpha: float) -> tuple[np.ndarray, float]:
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


def _standard_errors(inf: np.ndarray, boot: _Boot | None, alpha: float) -> tuple[np.ndarray, float]:
    """Analytic SEs and normal critical value, or bootstrap SEs and sup-t value."""
    se = _analytic_se(inf)
    z = float(stats.norm.ppf(1 - alpha / 2))
    if boot is None:
        return se, z
    bse, crit = _bootstrap_inference(inf, boot, alpha)
    se = np.where(np.isnan(se), np.nan, bse)
    return se, crit if np.isfinite(crit) else z


def _pretest(att: np.ndarray, inf: np.ndarray, cells: _Cells, anticipation: int) -> PreTest:
    """Wald test of the pre-treatment ATT(g,t) with the analytic covariance (R)."""
    n = inf.shape[0]
    se = _analytic_se(inf)
    pre = np.flatnonzero((cells.g - anticipation > cells.t) & ~np.isnan(se))
    if not len(pre):
        return PreTest(np.nan, np.nan, 0)
    v = inf[:, pre].T @ inf[:, pre] / n
    if _ill_conditioned(v):
        warnings.warn(
            "Not returning pre-test Wald statistic due to singular covariance matrix", stacklevel=3
        )
        return PreTest(np.nan, np.nan, len(pre))
    a = att[pre]
    w = float(n * a @ np.linalg.solve(v, a))
    return PreTest(w, float(stats.chi2.sf(w, len(pre))), len(pre))


def _finish(
    panel: _Panel,
    cells: _Cells,
    att: np.ndarray,
    inf: np.ndarray,
    boot: _Boot | None,
    *,
    control: str,
    method: str,
    base_period: str,
    anticipation: int,
    alpha: float,
) -> AttGtResult:
    se, crit = _standard_errors(inf, boot, alpha)
    effects = pd.concat(
        [
            pd.DataFrame({"cohort": cells.g, "time": cells.t}),
            normal_effects(att, se, alpha=alpha, critical=crit),
        ],
        axis=1,
    )
    return AttGtResult(
        effects=effects,
        pretest=_pretest(att, inf, cells, anticipation),
        critical_value=crit,
        n_units=inf.shape[0],
        control=control,
        method=method,
        base_period=base_period,
        anticipation=anticipation,
        alpha=alpha,
        bootstrap=None if boot is None else boot.iterations,
        influence=inf,
        unit_cohort=panel.cohort,
        _boot=boot,
    )


# ----------------------------------------------------------------------------
# aggregation (R compute.aggte)
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Agg:
    """Arrays needed by the aggregations, derived from an AttGtResult."""

    g: np.ndarray
    t: np.ndarray
    att: np.ndarray
    inf: np.ndarray
    pg: np.ndarray  # cohort share of each cell's cohort
    cohort: np.ndarray  # unit cohorts

    def window(self, min_e: float, max_e: float) -> np.ndarray:
        """Post-treatment cells with event time ``t - g`` in [min_e, max_e]."""
        e = self.t - self.g
        return (self.g <= self.t) & (e >= min_e) & (e <= max_e)


def _agg_inputs(res: AttGtResult) -> _Agg:
    eff = res.effects
    g, t = eff["cohort"].to_numpy(dtype=float), eff["time"].to_numpy(dtype=float)
    att = eff["estimate"].to_numpy(dtype=float)
    if np.isnan(att).any():
        bad = eff.loc[np.isnan(att), ["cohort", "time"]].to_records(index=False).tolist()
        raise ValueError(f"cannot aggregate: ATT(g,t) missing for (cohort, time) {bad}")
    pg = (res.unit_cohort[:, None] == g[None, :]).mean(axis=0)
    return _Agg(g, t, att, res.influence, pg, res.unit_cohort)


def _weighted(a: _Agg, keep: np.ndarray, with_wif: bool = True) -> tuple[float, np.ndarray]:
    """Cohort-size weighted average of cells ``keep`` and its influence function."""
    pg = a.pg[keep]
    w = pg / pg.sum()
    est = float(a.att[keep] @ w)
    inf = a.inf[:, keep] @ w
    if with_wif:
        inf = inf + _wif_dot(a.g[keep], pg, a.att[keep], a.cohort)
    return est, inf


def _wif_dot(groups: np.ndarray, pg: np.ndarray, att: np.ndarray, cohort: np.ndarray) -> np.ndarray:
    """``wif(keepers, pg, ...) %*% att``: effect of estimating the cohort weights.

    Computed without the (n x k) matrix: for unit i the indicator part is the
    sum of ``att`` (or the count) over selected cells of unit i's cohort.
    """
    s = pg.sum()
    ug, inv = np.unique(groups, return_inverse=True)
    att_sum, count = np.bincount(inv, weights=att), np.bincount(inv).astype(float)
    pos = np.searchsorted(ug, cohort)
    pos = np.minimum(pos, len(ug) - 1)
    hit = ug[pos] == cohort
    ind_att = np.where(hit, att_sum[pos], 0.0) - pg @ att
    ind_one = np.where(hit, count[pos], 0.0) - s
    return ind_att / s - ind_one * (pg @ att) / s**2


def _aggregate(
    res: AttGtResult, kind: str, min_e: float, max_e: float, balance_e: int | None
) -> AggregateResult:
    a = _agg_inputs(res)
    if kind == "calendar" and (np.isfinite(min_e) or np.isfinite(max_e)):
        warnings.warn("min_e and max_e are ignored for kind='calendar'", stacklevel=3)
    if kind == "simple":
        keep = a.window(min_e, max_e)
        if not keep.any():
            raise ValueError(
                "No group-time average treatment effects fall within the "
                f"requested window [{min_e}, {max_e}]"
            )
        est, inf = _weighted(a, keep)
        return _package(res, kind, est, inf, None, None, np.empty((len(inf), 0)))
    builder = {"group": _by_group, "dynamic": _by_event, "calendar": _by_calendar}[kind]
    index_name, index, ests, infs, est, inf = builder(a, min_e, max_e, balance_e)
    return _package(res, kind, est, inf, index_name, index, infs, ests)


def _by_group(a: _Agg, min_e: float, max_e: float, balance_e: int | None) -> tuple:
    glist = np.unique(a.g)
    window = a.window(min_e, max_e)
    empty = [g for g in glist if not (window & (a.g == g)).any()]
    if empty:
        raise ValueError(
            "No group-time average treatment effects fall within the requested "
            f"window [{min_e}, {max_e}] for cohort(s) {empty}"
        )
    ests, infs = [], []
    for g in glist:
        est, inf = _weighted(a, window & (a.g == g), with_wif=False)
        ests.append(est)
        infs.append(inf)
    ests_a, infs_a = np.array(ests), np.column_stack(infs)
    pgg = (a.cohort[:, None] == glist[None, :]).mean(axis=0)
    w = pgg / pgg.sum()
    overall_inf = infs_a @ w + _wif_dot(glist, pgg, ests_a, a.cohort)
    return "cohort", glist, ests_a, infs_a, float(ests_a @ w), overall_inf


def _by_event(a: _Agg, min_e: float, max_e: float, balance_e: int | None) -> tuple:
    e = a.t - a.g
    eseq = np.unique(e)
    include = np.ones(len(e), dtype=bool)
    if balance_e is not None:
        include = _balanced_cohorts(a, e, balance_e)
        tmax, tmin = a.t.max(), a.t.min()
        eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - tmax + tmin)]
    eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
    eseq = np.array([v for v in eseq if ((e == v) & include).any()])
    if not len(eseq):
        raise ValueError("no event time left to aggregate")
    pairs = [_weighted(a, (e == v) & include) for v in eseq]
    ests, infs = np.array([p[0] for p in pairs]), np.column_stack([p[1] for p in pairs])
    post = eseq >= 0
    if not post.any():
        return "event_time", eseq, ests, infs, np.nan, np.full(infs.shape[0], np.nan)
    return "event_time", eseq, ests, infs, float(ests[post].mean()), infs[:, post].mean(axis=1)


def _balanced_cohorts(a: _Agg, e: np.ndarray, balance_e: int) -> np.ndarray:
    """Cells of cohorts observed at every event time 0..balance_e (R ``balance_e``)."""
    eligible = a.t.max() - a.g >= balance_e
    required = set(np.unique(e[eligible & (e >= 0) & (e <= balance_e)]))
    keep = [g for g in np.unique(a.g[eligible]) if required <= set(e[a.g == g])]
    if not keep:
        raise ValueError(f"no cohort is observed for balance_e={balance_e} periods after treatment")
    return np.isin(a.g, keep)


def _by_calendar(a: _Agg, min_e: float, max_e: float, balance_e: int | None) -> tuple:
    tlist = np.unique(a.t)
    tlist = tlist[tlist >= a.g.min()]
    pairs = [_weighted(a, (a.t == t) & (a.g <= a.t)) for t in tlist]
    ests, infs = np.array([p[0] for p in pairs]), np.column_stack([p[1] for p in pairs])
    return "time", tlist, ests, infs, float(ests.mean()), infs.mean(axis=1)


def _package(
    res: AttGtResult,
    kind: str,
    est: float,
    inf: np.ndarray,
    index_name: str | None,
    index: np.ndarray | None,
    infs: np.ndarray,
    ests: np.ndarray | None = None,
) -> AggregateResult:
    z = float(stats.norm.ppf(1 - res.alpha / 2))
    se = float(_standard_errors(inf[:, None], res._boot, res.alpha)[0][0])
    overall = Overall(est, se, est - z * se, est + z * se)
    if index_name is None:
        effects = pd.DataFrame(columns=EFFECT_COLUMNS, dtype=float)
        crit = z
    else:
        ses, crit = _standard_errors(infs, res._boot, res.alpha)
        crit = max(crit, z)  # R falls back to pointwise when the band is narrower
        effects = pd.concat(
            [
                pd.DataFrame({index_name: index}),
                normal_effects(ests, ses, alpha=res.alpha, critical=crit),
            ],
            axis=1,
        )
    return AggregateResult(
        kind=kind,
        overall=overall,
        effects=effects,
        critical_value=crit,
        alpha=res.alpha,
        bootstrap=res.bootstrap,
        influence=inf,
    )
