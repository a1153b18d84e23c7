"""Run charts (Anhøj rules) and XmR charts (NHS "Making Data Count" rules).

``run_chart`` follows R ``qicharts2`` (``qic(chart = "run")``, helper
``runs.analysis``): the centre line is the median (of the baseline points when
``baseline`` is given, then frozen); points on the median neither break nor
contribute to a run; the longest-run limit is ``round(log2(n_useful)) + 3``
and the crossings limit ``qbinom(0.05, n_useful - 1, 0.5)`` (Anhøj & Olesen
2014, PLoS ONE 9(11): e113825).

``xmr_chart`` follows R ``NHSRplotthedots`` (``ptd_spc``, internal
``ptd_spc_standard`` and ``ptd_calculate_point_type``): mean and mean moving
range of the baseline points, moving ranges at or above 3.267 x the mean
moving range screened out, process limits mean ± 2.66 x mean moving range,
"near" limits at two thirds of that distance, and four rules for special
cause variation with fixed lengths of seven.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from analysis import plotting
from analysis.methods._options import Improvement

Annotations = Sequence[tuple[Any, str]]
#: The Making Data Count variation icon of a chart's latest point: common cause, or a special
#: cause of improvement, concern or (without a better direction) neutral, high or low.
VariationIcon = Literal[
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
]
#: The Making Data Count assurance icon: does the process meet its target?
Assurance = Literal["consistent_pass", "consistent_fail", "inconsistent"]

XMR_LIMIT = 2.66  # 3 / d2 with d2 = 1.128
XMR_NEAR = 2 * XMR_LIMIT / 3  # "2 sigma"
MR_SCREEN = 3.267  # upper range limit of the moving range chart (D4)
RUN_LENGTH = 7  # NHSRplotthedots: shift and trend rules both need 7 points


# --------------------------------------------------------------------------- run chart


@dataclass(frozen=True, eq=False)
class RunChartResult:
    """Result of :func:`run_chart`.

    Attributes
    ----------
    median
        Centre line (median of the baseline points, frozen).
    n_useful
        Non-missing points not on the median.
    longest_run, longest_run_limit
        Longest run of useful points on one side of the median, and its upper
        limit ``round(log2(n_useful)) + 3`` (``None`` when ``n_useful == 0``).
    crossings, crossings_limit
        Number of times consecutive useful points fall on opposite sides of the
        median, and its lower limit ``qbinom(0.05, n_useful - 1, 0.5)``.
    runs_signal, crossings_signal, signal
        ``longest_run > longest_run_limit``, ``crossings < crossings_limit``,
        and either of the two (non-random variation).
    data
        One row per point: ``value``, ``median``, ``baseline`` (used for the
        median), ``side`` (-1 below, 0 on the median, 1 above, ``<NA>``
        missing), ``useful``, ``run`` (run number among useful points) and
        ``run_length``.
    """

    median: float
    n_useful: int
    longest_run: int
    longest_run_limit: int | None
    crossings: int
    crossings_limit: int | None
    runs_signal: bool
    crossings_signal: bool
    signal: bool
    data: pd.DataFrame

    def summary(self) -> str:
        """Plain-text summary of the runs analysis."""
        verdict = "non-random variation (signal)" if self.signal else "random variation only"
        return "\n".join(
            [
                "Run chart (Anhøj rules)",
                f"median = {self.median:.4g}; useful points = {self.n_useful} of {len(self.data)}",
                f"longest run = {self.longest_run} (signal if > {self.longest_run_limit})",
                f"crossings = {self.crossings} (signal if < {self.crossings_limit})",
                f"verdict: {verdict}",
            ]
        )

    @plotting.literal_text
    def plot(
        self,
        *,
        dates: Sequence[Any] | pd.Index | None = None,
        annotations: Annotations | None = None,
        title: str | None = None,
        ylabel: str | None = None,
    ) -> Figure:
        """Run chart with the median; a dashed red median marks a signal.

        Parameters
        ----------
        dates
            x values (dates or labels), one per point; defaults to the index of
            the input Series, else 1..n.
        annotations
            ``(x, text)`` pairs drawn as labelled vertical lines, for example
            the start of PDSA cycles or other actions.
        title, ylabel
            Plot title and y-axis label.
        """
        fig, ax, x = _new_chart(self.data, dates)
        colour, style = (plotting.SIGNAL, "--") if self.signal else ("0.3", "-")
        ax.plot(x, self.data["value"], marker="o", color=plotting.ESTIMATE, linewidth=1)
        ax.plot(
            x,
            self.data["median"],
            color=colour,
            linestyle=style,
            linewidth=1.2,
            label=f"median {self.median:.3g}",
        )
        _annotate(ax, annotations, x)
        ax.set_title(title or "Run chart")
        ax.set_ylabel(ylabel or "")
        ax.legend(loc="best", fontsize="small", frameon=False)
        fig.tight_layout()
        return fig


def run_chart(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    baseline: int | None = None,
) -> RunChartResult:
    """Run chart with the Anhøj rules, as R ``qicharts2``.

    Parameters
    ----------
    values
        Measurements in time order (a Series keeps its index as x values).
        Missing values (NaN) are skipped, as ``qicharts2`` does: they neither
        break nor contribute to a run.
    baseline
        Compute the median from the first ``baseline`` points only and freeze
        it (``qic(freeze = baseline)``); the runs analysis still uses every
        point.

    Returns
    -------
    RunChartResult

    Examples
    --------
    >>> res = run_chart([5, 7, 6, 8, 4, 6, 7, 9, 10, 11, 12, 11, 13, 12])
    >>> res.longest_run, res.longest_run_limit, res.crossings, res.crossings_limit
    (7, 7, 1, 4)
    >>> fig = res.plot(annotations=[(8, "PDSA 1: e-consults")])
    """
    y, index = _as_series(values)
    base = _baseline_mask(len(y), baseline)
    _check_enough(y[base], "baseline" if baseline is not None else "values")
    median = float(np.median(y[base & ~np.isnan(y)]))
    data = _runs_table(y, median, base, index)
    n_useful = int(data["useful"].sum())
    longest_limit, crossings_limit = _anhoej_limits(n_useful)
    longest = int(data["run_length"].max()) if n_useful else 0
    crossings = max(int(data["run"].max()) - 1, 0) if n_useful else 0
    runs_signal = longest_limit is not None and longest > longest_limit
    crossings_signal = crossings_limit is not None and crossings < crossings_limit
    return RunChartResult(
        median=median,
        n_useful=n_useful,
        longest_run=longest,
        longest_run_limit=longest_limit,
        crossings=crossings,
        crossings_limit=crossings_limit,
        runs_signal=bool(runs_signal),
        crossings_signal=bool(crossings_signal),
        signal=bool(runs_signal or crossings_signal),
        data=data,
    )


def _runs_table(y: np.ndarray, median: float, base: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Per-point side of the median and runs of useful points (NaN and on-median skipped)."""
    missing = np.isnan(y)
    side = np.sign(np.where(missing, median, y) - median).astype(int)
    useful = ~missing & (side != 0)
    sides = side[useful]
    run_id = np.concatenate([[0], np.cumsum(sides[1:] != sides[:-1])])[: len(sides)]
    lengths = np.bincount(run_id) if len(sides) else np.zeros(0, int)
    data = pd.DataFrame({"value": y, "median": median, "baseline": base}, index=index)
    data["side"] = pd.array(np.where(missing, None, side), dtype="Int64")
    data["useful"] = useful
    for col, vals in (("run", run_id + 1), ("run_length", lengths[run_id])):
        full = np.full(len(y), None, dtype=object)
        full[useful] = vals
        data[col] = pd.array(full, dtype="Int64")
    return data


def _anhoej_limits(n_useful: int) -> tuple[int | None, int | None]:
    """Longest-run and crossings limits for ``n_useful`` points (qicharts2).

    Python's ``round`` rounds half to even like R's ``round``; ``log2`` of an
    integer is never exactly x.5, so the rounding rule never matters here.
    ``qbinom(p, size, prob)`` is the smallest x with ``pbinom(x) >= p``, which
    is scipy's ``binom.ppf``; ``qbinom(0.05, 0, 0.5)`` is 0.
    """
    if n_useful == 0:
        return None, None
    longest = round(math.log2(n_useful)) + 3
    crossings = int(stats.binom.ppf(0.05, n_useful - 1, 0.5)) if n_useful > 1 else 0
    return longest, crossings


# --------------------------------------------------------------------------- XmR chart


@dataclass(frozen=True, eq=False)
class XmrChartResult:
    """Result of :func:`xmr_chart`.

    Attributes
    ----------
    mean, mean_moving_range
        Centre line and the (screened) mean moving range of the baseline.
    lower_limit, upper_limit
        Process limits ``mean ± 2.66 * mean_moving_range``.
    lower_near_limit, upper_near_limit
        Near ("2 sigma") limits ``mean ± 1.773 * mean_moving_range``.
    improvement
        Direction of improvement used to label special causes, or ``None``.
    data
        One row per point: ``value``, ``baseline``, ``mean``, the four limits,
        ``moving_range``, ``moving_range_excluded`` (baseline moving range
        screened out), ``relative_to_mean`` (-1, 0, 1), ``near_limits``
        (between a near limit and a process limit), the rule flags
        ``outside_limits``, ``trend``, ``two_of_three``, ``shift``, then
        ``special_cause`` (any rule), ``rule`` (the rule that labels the point,
        in NHSRplotthedots' order) and ``variation`` (``"common_cause"``,
        ``"special_cause_improvement"``, ``"special_cause_concern"``, or
        ``"special_cause_neutral_high"``/``"_low"`` without a direction).
    """

    mean: float
    mean_moving_range: float
    lower_limit: float
    upper_limit: float
    lower_near_limit: float
    upper_near_limit: float
    improvement: Improvement | None
    data: pd.DataFrame

    @property
    def signal(self) -> bool:
        """Whether any point shows special cause variation."""
        return bool(self.data["special_cause"].any())

    def summary(self) -> str:
        """Plain-text summary: limits and special-cause counts per rule."""
        d = self.data
        counts = ", ".join(
            f"{r} {int(d[r].sum())}" for r in ("outside_limits", "trend", "two_of_three", "shift")
        )
        latest = d["variation"].iloc[-1]
        return "\n".join(
            [
                "XmR chart (Making Data Count rules)",
                f"mean = {self.mean:.4g}; mean moving range = {self.mean_moving_range:.4g}",
                f"process limits {self.lower_limit:.4g} to {self.upper_limit:.4g}; "
                f"near limits {self.lower_near_limit:.4g} to {self.upper_near_limit:.4g}",
                f"points flagged by rule: {counts}",
                f"special-cause points: {int(d['special_cause'].sum())} of {len(d)}; "
                f"latest point: {latest}",
            ]
        )

    @plotting.literal_text
    def plot(
        self,
        *,
        dates: Sequence[Any] | pd.Index | None = None,
        annotations: Annotations | None = None,
        title: str | None = None,
        ylabel: str | None = None,
    ) -> Figure:
        """XmR chart with limits, special-cause points coloured by variation type.

        Parameters
        ----------
        dates
            x values (dates or labels), one per point; defaults to the index of
            the input Series, else 1..n.
        annotations
            ``(x, text)`` pairs drawn as labelled vertical lines (PDSA cycles,
            actions, external events).
        title, ylabel
            Plot title and y-axis label.
        """
        d = self.data
        fig, ax, x = _new_chart(d, dates)
        ax.plot(x, d["value"], color="0.6", linewidth=1, zorder=1)
        for kind, colour in VARIATION_COLOURS.items():
            sel = (d["variation"] == kind).to_numpy()
            if sel.any():
                ax.scatter(
                    np.asarray(x)[sel],
                    d["value"][sel],
                    color=colour,
                    zorder=2,
                    label=kind.replace("_", " "),
                )
        ax.plot(x, d["mean"], color="0.2", linewidth=1.2, label=f"mean {self.mean:.3g}")
        for col in ("lower_limit", "upper_limit"):
            ax.plot(x, d[col], color="0.3", linestyle="--", linewidth=1)
        for col in ("lower_near_limit", "upper_near_limit"):
            ax.plot(x, d[col], color="0.6", linestyle=":", linewidth=1)
        _annotate(ax, annotations, x)
        ax.set_title(title or "XmR chart")
        ax.set_ylabel(ylabel or "")
        ax.legend(loc="best", fontsize="small", frameon=False)
        fig.tight_layout()
        return fig


#: Marker colour per variation type, as in Making Data Count charts.
VARIATION_COLOURS = {
    "common_cause": "0.55",
    "special_cause_improvement": plotting.IMPROVEMENT,
    "special_cause_concern": plotting.CONCERN,
    "special_cause_neutral_high": plotting.NEUTRAL,
    "special_cause_neutral_low": plotting.NEUTRAL,
}


def xmr_chart(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    baseline: int | None = None,
    improvement: Improvement | None = None,
    screen_outliers: bool = True,
) -> XmrChartResult:
    """XmR (individuals) chart with the NHS "Making Data Count" rules.

    Reproduces R ``NHSRplotthedots::ptd_spc()``. Rules, all as in that package:

    * outside limits: a point above the upper or below the lower process limit;
    * shift: 7 or more consecutive points on the same side of the mean (a point
      exactly on the mean breaks the run);
    * trend: 7 or more consecutive points each strictly higher (or lower) than
      the one before (a tie breaks the trend);
    * two of three: 2 of 3 consecutive points between a near limit and the
      process limit, all 3 on the same side of the mean; only the points near
      the limit are flagged.

    Parameters
    ----------
    values
        Measurements in time order, without gaps (NaN raises an error, as
        NHSRplotthedots requires a complete series). A Series keeps its index.
    baseline
        Compute the mean and moving ranges from the first ``baseline`` points
        and freeze the limits (``fix_after_n_points``); the rules are applied
        to every point.
    improvement
        Whether an ``"increase"`` or a ``"decrease"`` is an improvement; labels
        special causes as improvement or concern. ``None`` labels them neutral.
    screen_outliers
        Drop baseline moving ranges >= 3.267 x their mean before recomputing
        the mean moving range (NHSRplotthedots default).

    Returns
    -------
    XmrChartResult

    Examples
    --------
    >>> res = xmr_chart([12, 14, 13, 15, 12, 13, 14, 13, 12, 14, 25, 13],
    ...                 improvement="decrease")
    >>> round(res.upper_limit, 2), res.data["variation"].iloc[10]
    (18.3, 'special_cause_concern')
    """
    y, index = _as_series(values)
    if np.isnan(y).any():
        raise ValueError(
            "values contain missing values at positions "
            f"{np.flatnonzero(np.isnan(y)).tolist()}; an XmR chart needs a complete series"
        )
    if improvement not in (None, "increase", "decrease"):
        raise ValueError(f"improvement must be 'increase', 'decrease' or None, got {improvement!r}")
    base = _baseline_mask(len(y), baseline)
    _check_enough(y[base], "baseline" if baseline is not None else "values")
    mean, amr, excluded = _xmr_centre(y[base], screen_outliers)
    data = pd.DataFrame({"value": y, "baseline": base, "mean": mean}, index=index)
    data["lower_limit"] = mean - XMR_LIMIT * amr
    data["upper_limit"] = mean + XMR_LIMIT * amr
    data["lower_near_limit"] = mean - XMR_NEAR * amr
    data["upper_near_limit"] = mean + XMR_NEAR * amr
    data["moving_range"] = np.concatenate([[np.nan], np.abs(np.diff(y))])
    data["moving_range_excluded"] = np.concatenate([excluded, np.zeros(len(y) - base.sum(), bool)])
    _add_rules(data, y, improvement)
    return XmrChartResult(
        mean=mean,
        mean_moving_range=amr,
        lower_limit=float(data["lower_limit"].iloc[0]),
        upper_limit=float(data["upper_limit"].iloc[0]),
        lower_near_limit=float(data["lower_near_limit"].iloc[0]),
        upper_near_limit=float(data["upper_near_limit"].iloc[0]),
        improvement=improvement,
        data=data,
    )


def variation_icon(xmr: XmrChartResult) -> VariationIcon:
    """The variation icon of the chart's latest point (Making Data Count).

    As R ``NHSRplotthedots`` chooses it: common cause, or the special cause's
    nature (improvement or concern, by the chart's ``improvement``; neutral
    without one) and side: an improvement is *high* when higher is better, a
    concern is *high* when lower is better.

    Examples
    --------
    >>> variation_icon(xmr_chart([5, 6, 5, 6, 5, 6, 5, 6, 5, 20], improvement="decrease"))
    'concern_high'
    """
    variation = str(xmr.data["variation"].iloc[-1])
    if variation == "common_cause":
        return "common_cause"
    if variation.startswith("special_cause_neutral_"):
        return f"neutral_{variation.rsplit('_', 1)[-1]}"  # type: ignore[return-value]
    nature = "improvement" if variation == "special_cause_improvement" else "concern"
    high = (xmr.improvement == "increase") == (nature == "improvement")
    return f"{nature}_{'high' if high else 'low'}"  # type: ignore[return-value]


def assurance(xmr: XmrChartResult, target: float | None) -> Assurance | None:
    """Whether the process meets ``target``, as R ``NHSRplotthedots`` decides it.

    A target beyond the upper process limit is always failed when higher is
    better (always met when lower is better), one below the lower limit the
    other way round; a target between the limits is met some months and not
    others (``inconsistent``). ``None`` without a target or without a better
    direction.

    Examples
    --------
    >>> chart = xmr_chart([12, 14, 13, 15, 12, 13, 14, 13, 12, 14], improvement="decrease")
    >>> assurance(chart, 20), assurance(chart, 13), assurance(chart, 5)
    ('consistent_pass', 'inconsistent', 'consistent_fail')
    """
    if target is None or xmr.improvement is None:
        return None
    increasing = xmr.improvement == "increase"
    if target > xmr.upper_limit:
        return "consistent_fail" if increasing else "consistent_pass"
    if target < xmr.lower_limit:
        return "consistent_pass" if increasing else "consistent_fail"
    return "inconsistent"


def _xmr_centre(y: np.ndarray, screen: bool) -> tuple[float, float, np.ndarray]:
    """Mean, (screened) mean moving range, and which moving ranges were excluded.

    The returned mask has one entry per point (the first point has no moving
    range). If screening would drop every moving range (all moving ranges 0)
    none is dropped, where NHSRplotthedots would produce NaN limits.
    """
    mr = np.abs(np.diff(y))
    amr = float(mr.mean())
    keep = mr < MR_SCREEN * amr if screen and amr > 0 else np.ones(len(mr), bool)
    return float(y.mean()), float(mr[keep].mean()), np.concatenate([[False], ~keep])


def _add_rules(data: pd.DataFrame, y: np.ndarray, improvement: Improvement | None) -> None:
    mean = data["mean"].to_numpy()
    outside = (y > data["upper_limit"].to_numpy()) | (y < data["lower_limit"].to_numpy())
    rtm = np.sign(y - mean).astype(int)
    near = ~outside & (
        (y < data["lower_near_limit"].to_numpy()) | (y > data["upper_near_limit"].to_numpy())
    )
    data["relative_to_mean"] = rtm
    data["near_limits"] = near
    data["outside_limits"] = outside
    flags = {
        "outside_limits": outside,
        "trend": _in_trend(y),
        "two_of_three": _two_of_three(near, rtm),
        "shift": _in_shift(rtm),
    }
    for name, flag in flags.items():
        data[name] = flag
    # one label per point, in NHSRplotthedots' order of precedence
    rule = np.select(list(flags.values()), list(flags), default="")
    data["special_cause"] = rule != ""
    data["rule"] = rule
    direction = np.where(rule == "trend", _trend_direction(y, flags["trend"]), rtm)
    data["variation"] = _variation(rule != "", direction, improvement)


def _windows_ending(flags: np.ndarray, length: int) -> np.ndarray:
    """Mark every point of each window of ``length`` points where ``flags`` holds at its end."""
    out = np.zeros(len(flags), bool)
    for end in np.flatnonzero(flags):
        out[end - length + 1 : end + 1] = True
    return out


def _in_shift(rtm: np.ndarray, length: int = RUN_LENGTH) -> np.ndarray:
    """Points in a run of >= ``length`` on one side of the mean (0 breaks a run)."""
    ends = np.zeros(len(rtm), bool)
    for i in range(length - 1, len(rtm)):
        window = rtm[i - length + 1 : i + 1]
        ends[i] = window[0] != 0 and np.all(window == window[0])
    return _windows_ending(ends, length)


def _in_trend(y: np.ndarray, length: int = RUN_LENGTH) -> np.ndarray:
    """Points in >= ``length`` consecutive strictly increasing or decreasing points."""
    steps = np.sign(np.diff(y))
    ends = np.zeros(len(y), bool)
    for i in range(length - 1, len(y)):
        window = steps[i - length + 1 : i]
        ends[i] = window[0] != 0 and np.all(window == window[0])
    return _windows_ending(ends, length)


def _trend_direction(y: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """Direction of the trend a point belongs to (NHSRplotthedots: the right-hand step
    when the next point is in the trend too, else the left-hand step)."""
    steps = np.sign(np.diff(y)).astype(int)
    right = np.concatenate([steps, steps[-1:]]) if len(steps) else np.zeros(len(y), int)
    left = np.concatenate([[0], steps])
    next_in = np.concatenate([trend[1:], [False]])
    return np.where(trend & next_in, right, left)


def _two_of_three(near: np.ndarray, rtm: np.ndarray) -> np.ndarray:
    """Near-limit points in a window of 3 with >= 2 near-limit points, all 3 on one side."""
    n = len(near)
    hit = np.zeros(n, bool)
    for start in range(n - 2):
        sl = slice(start, start + 3)
        if near[sl].sum() >= 2 and abs(rtm[sl].sum()) == 3:
            hit[sl] = True
    return hit & near


def _variation(
    special: np.ndarray, direction: np.ndarray, improvement: Improvement | None
) -> np.ndarray:
    if improvement is None:
        labels = np.where(direction > 0, "special_cause_neutral_high", "special_cause_neutral_low")
    else:
        sign = 1 if improvement == "increase" else -1
        labels = np.where(
            direction * sign > 0, "special_cause_improvement", "special_cause_concern"
        )
    return np.where(special, labels, "common_cause")


# --------------------------------------------------------------------------- shared helpers


def _as_series(values: object) -> tuple[np.ndarray, pd.Index]:
    """Copy values to a float array (the input is never modified) plus an index."""
    index = values.index if isinstance(values, pd.Series) else None
    try:
        y = np.array(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"values must be numeric: {err}") from None
    if y.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {y.shape}")
    if np.isinf(y).any():
        raise ValueError("values must be finite (inf found)")
    return y, index if index is not None else pd.RangeIndex(len(y))


def _baseline_mask(n: int, baseline: int | None) -> np.ndarray:
    if baseline is None:
        return np.ones(n, bool)
    if isinstance(baseline, bool) or not isinstance(baseline, int | np.integer):
        raise ValueError(f"baseline must be an integer number of points, got {baseline!r}")
    if not 2 <= baseline <= n:
        raise ValueError(
            f"baseline must be between 2 and the number of points ({n}), got {baseline}"
        )
    return np.arange(n) < baseline


def _check_enough(y: np.ndarray, what: str) -> None:
    if np.count_nonzero(~np.isnan(y)) < 2:
        raise ValueError(f"{what} must contain at least 2 non-missing points")


def _new_chart(data: pd.DataFrame, dates: Sequence[Any] | pd.Index | None):
    if dates is None:
        idx = data.index
        x = np.arange(1, len(data) + 1) if isinstance(idx, pd.RangeIndex) else idx
    else:
        x = pd.Index(dates)
        if len(x) != len(data):
            raise ValueError(f"dates has {len(x)} entries for {len(data)} points")
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    return fig, ax, _plottable(x)


def _plottable(x: Any) -> Any:
    """Numbers and dates plot as they are; other labels as categories."""
    x = pd.Index(x)
    if pd.api.types.is_numeric_dtype(x) or pd.api.types.is_datetime64_any_dtype(x):
        return x
    return x.astype(str)


def _annotate(ax: Axes, annotations: Annotations | None, x: Any) -> None:
    """Draw ``(x, text)`` annotations as labelled vertical lines."""
    for at, text in annotations or ():
        pos = _annotation_position(at, x)
        ax.axvline(pos, color="tab:green", linestyle=":", linewidth=1)
        ax.annotate(
            text,
            xy=(pos, 1),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize="small",
            color="tab:green",
        )


def _annotation_position(at: Any, x: pd.Index) -> Any:
    if pd.api.types.is_datetime64_any_dtype(x):
        return pd.Timestamp(at)
    if pd.api.types.is_numeric_dtype(x):
        return at
    if str(at) not in set(x):
        raise ValueError(f"annotation x {at!r} is not one of the chart's x labels")
    return str(at)
