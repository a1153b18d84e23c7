"""What each indicator's chart says, as data: segments, limits, signals and the two icons.

Per indicator the monitor computes one :class:`IndicatorChart`:

* the values, and for a seasonal indicator (``seasonal = true`` in the
  indicator catalogue) the values seasonally adjusted with the pattern of the
  baseline months (:mod:`analysis.methods.seasonal`), which are charted
  instead; with fewer than two years of baseline the indicator is charted as
  it is and the reading says so;
* its *segments*: the baseline sets the first centre line and limits; when a
  sustained shift (7 or more points on one side of the mean, the Making Data
  Count rule) starts in the months just after a logged change (a PDSA *do*
  step, a staffing change or an intervention start, see
  :mod:`analysis.evaluation.monitor.annotations`), the limits are recalculated
  from the shift's first month on and the chart draws the step (as R ``NHSRplotthedots``
  does with ``rebase``): the new level is the process now, and only a further
  change is a signal;
* a run chart (Anhøj rules) and an XmR chart (Making Data Count rules) per
  segment: :func:`analysis.methods.run_chart` and
  :func:`analysis.methods.xmr_chart` unchanged, so a series without steps
  shows exactly what those functions find;
* its :class:`Signal` s in the latest :data:`RECENT_MONTHS` months of the last
  segment, the variation icon of the latest point and, against a target, the
  assurance icon.

Words are made from these objects by :mod:`analysis.evaluation.monitor.words`;
nothing here is text for a reader.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis.evaluation.monitor.annotations import Marker
from analysis.evaluation.monitor.series import BASELINE_MIN, Baseline, choose_baseline
from analysis.methods._options import Improvement
from analysis.methods.seasonal import SEASONAL_BASELINE_MIN, SeasonalPattern, seasonal_pattern
from analysis.methods.spc import (
    RUN_LENGTH,
    Assurance,
    RunChartResult,
    VariationIcon,
    XmrChartResult,
    assurance,
    run_chart,
    variation_icon,
    xmr_chart,
)
from analysis.words.indicators import Indicator, builtin_indicators

RECENT_MONTHS = 6  # signals are reported for the latest months
#: A shift counts as following a logged change when it starts in the change's month or
#: within this many months after it.
CHANGE_LAG = 2
MAX_STEPS = 3  # recalculations of the limits per chart, at most

SignalRule = Literal[
    "outside_limits", "shift", "trend", "two_of_three", "long_run", "few_crossings"
]
Nature = Literal["improvement", "concern", "neutral"]
XMR_RULES: tuple[SignalRule, ...] = ("outside_limits", "shift", "trend", "two_of_three")


@dataclass(frozen=True)
class Signal:
    """One signal of one indicator's chart.

    Attributes
    ----------
    indicator
        The indicator (a region-month column).
    rule
        The XmR rule (``outside_limits``, ``shift``, ``trend``, ``two_of_three``),
        the run-chart rule (``long_run``, ``few_crossings``), or ``step``: the
        limits were recalculated after a sustained shift that followed a logged
        change (:func:`signal_history` only).
    direction
        ``up`` or ``down``; ``None`` for too few crossings.
    nature
        ``improvement`` or ``concern`` by the indicator's better direction, else ``neutral``.
    first, last
        First and last month of the points that make it.
    ongoing
        Whether it includes the latest point.
    points
        Points flagged (or, for a long run, its length; for few crossings the crossings).
    """

    indicator: str
    rule: SignalRule
    direction: Literal["up", "down"] | None
    nature: Nature
    first: pd.Timestamp
    last: pd.Timestamp
    ongoing: bool
    points: int

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two editions' signals the same signal: indicator, rule, direction."""
        return self.indicator, self.rule, self.direction or ""

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (months as ``YYYY-MM``)."""
        return {
            "indicator": self.indicator,
            "rule": self.rule,
            "direction": self.direction,
            "nature": self.nature,
            "first": f"{self.first:%Y-%m}",
            "last": f"{self.last:%Y-%m}",
            "ongoing": self.ongoing,
            "points": self.points,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Signal:
        """The inverse of :meth:`to_dict`."""
        return cls(
            str(data["indicator"]),
            data["rule"],  # type: ignore[arg-type]
            data.get("direction"),  # type: ignore[arg-type]
            data["nature"],  # type: ignore[arg-type]
            pd.Timestamp(f"{data['first']}-01"),
            pd.Timestamp(f"{data['last']}-01"),
            bool(data["ongoing"]),
            int(data["points"]),  # type: ignore[call-overload]
        )


@dataclass(frozen=True)
class Segment:
    """A stretch of a chart with its own centre line and limits.

    Attributes
    ----------
    run, xmr
        The run chart and XmR chart of the segment's points (NaN months left
        out of the XmR chart, which needs a complete series).
    baseline_points
        Leading points of the segment that set its centre lines and limits.
    change
        The logged change the segment starts with (``None`` for the first).
    """

    run: RunChartResult
    xmr: XmrChartResult
    baseline_points: int
    change: Marker | None = None

    @property
    def first(self) -> pd.Timestamp:
        """The segment's first month."""
        return pd.Timestamp(self.run.data.index[0])

    @property
    def last(self) -> pd.Timestamp:
        """The segment's last month."""
        return pd.Timestamp(self.run.data.index[-1])

    @property
    def baseline_end(self) -> pd.Timestamp:
        """The last month of the segment's baseline."""
        return pd.Timestamp(self.xmr.data.index[self.baseline_points - 1])


@dataclass(frozen=True)
class IndicatorChart:
    """Everything the monitor shows about one indicator.

    Attributes
    ----------
    indicator
        The region-month column.
    values
        The values as measured, by month (missing months as NaN).
    charted
        What the chart shows: ``values``, or seasonally adjusted (``pattern``).
    pattern
        The seasonal pattern taken out, or ``None``.
    seasonal
        Whether the catalogue calls the indicator seasonal (the pattern may
        still be missing with too short a baseline).
    baseline
        The months of the first segment's baseline.
    segments
        One or more; a later one starts at a logged change (a step).
    signals
        The signals of the latest :data:`RECENT_MONTHS` months of the last segment.
    variation
        The variation icon of the latest point (``None`` without a chart).
    assurance
        The assurance icon against ``target`` (``None`` without a target or direction).
    target
        The study's target for the indicator, if any.
    improvement
        ``increase`` or ``decrease`` when the indicator has a better direction.
    """

    indicator: str
    values: pd.Series
    charted: pd.Series
    pattern: SeasonalPattern | None
    seasonal: bool
    baseline: Baseline
    segments: tuple[Segment, ...]
    signals: tuple[Signal, ...]
    variation: VariationIcon | None
    assurance: Assurance | None
    target: float | None
    improvement: Improvement | None

    @property
    def enough(self) -> bool:
        """Whether there were enough months for a chart."""
        return bool(self.segments)

    @property
    def latest(self) -> tuple[pd.Timestamp | None, float]:
        """The latest month with a value, and that value as measured."""
        known = self.values.dropna()
        if known.empty:
            return None, float("nan")
        return pd.Timestamp(known.index[-1]), float(known.iloc[-1])

    @property
    def steps(self) -> tuple[Segment, ...]:
        """The segments that start at a logged change (where the limits were recalculated)."""
        return self.segments[1:]


def improvement_of(indicator: Indicator | None) -> Improvement | None:
    """``decrease`` when lower is better, ``increase`` when higher is; ``None`` when neutral.

    Examples
    --------
    >>> catalogue = builtin_indicators()
    >>> improvement_of(catalogue["referral_rate_medical_specialist"])
    'decrease'
    >>> improvement_of(catalogue["gp_contact_rate"]) is None
    True
    """
    better = indicator.better if indicator is not None else "neutral"
    return {"lower": "decrease", "higher": "increase"}.get(better)  # type: ignore[return-value]


# --------------------------------------------------------------------------- charts


def indicator_chart(
    series: pd.DataFrame,
    indicator: str,
    *,
    start: pd.Timestamp | None,
    changes: Sequence[Marker] = (),
    target: float | None = None,
    catalogue: Mapping[str, Indicator] | None = None,
    recent: int = RECENT_MONTHS,
) -> IndicatorChart:
    """The chart of one indicator as data (see the module docstring).

    Parameters
    ----------
    series
        Output of :func:`~analysis.evaluation.monitor.series.monitor_series`.
    indicator
        A column of ``series``.
    start
        The pilot's first month, or ``None``: the baseline is the months before it.
    changes
        The markers of the region (:func:`~analysis.evaluation.monitor.annotations.action_markers`);
        its actions and starts may start a new segment.
    target
        The study's target for the indicator.
    catalogue
        The indicator catalogue (better direction, seasonality); the built-in one by default.
    recent
        Months at the end in which signals are reported.

    Examples
    --------
    >>> s = pd.DataFrame({"month": pd.date_range("2023-01-01", periods=24, freq="MS"),
    ...                   "third_next_available_days": [10.0, 11.0] * 6 + [5.0, 6.0] * 6})
    >>> chart = indicator_chart(s, "third_next_available_days", start=None)
    >>> [(sig.rule, sig.direction, sig.nature) for sig in chart.signals][:2]
    [('outside_limits', 'down', 'improvement'), ('shift', 'down', 'improvement')]
    >>> chart.variation
    'improvement_low'
    """
    if indicator not in series.columns:
        raise ValueError(f"{indicator!r} is not a column of the series")
    catalogue = catalogue if catalogue is not None else builtin_indicators()
    entry = catalogue.get(indicator)
    seasonal = bool(entry and entry.seasonal)
    improvement = improvement_of(entry)
    values = pd.Series(
        series[indicator].to_numpy(dtype=float),
        index=pd.DatetimeIndex(pd.to_datetime(series["month"]), name="month"),
        name=indicator,
    )
    minimum = SEASONAL_BASELINE_MIN if seasonal else BASELINE_MIN
    baseline = choose_baseline(series, start, minimum=minimum)
    multiplicative = entry is None or entry.scale == "ratio"
    pattern = _pattern(values, baseline.points, multiplicative=multiplicative) if seasonal else None
    charted = pattern.adjust(values) if pattern is not None else values
    segments = _segments(charted, baseline.points, changes, improvement)
    signals = _signals(indicator, segments[-1], recent) if segments else ()
    last = segments[-1].xmr if segments else None
    return IndicatorChart(
        indicator=indicator,
        values=values,
        charted=charted,
        pattern=pattern,
        seasonal=seasonal,
        baseline=baseline,
        segments=tuple(segments),
        signals=tuple(signals),
        variation=variation_icon(last) if last is not None else None,
        assurance=assurance(last, target) if last is not None else None,
        target=target,
        improvement=improvement,
    )


def _pattern(values: pd.Series, baseline: int, *, multiplicative: bool) -> SeasonalPattern | None:
    """The seasonal pattern of the baseline, or ``None`` when it cannot be estimated."""
    try:
        return seasonal_pattern(values, baseline=baseline, multiplicative=multiplicative)
    except ValueError:
        return None


def _segment(
    values: pd.Series, baseline: int, improvement: Improvement | None, change: Marker | None
) -> Segment | None:
    """Run and XmR chart of one segment, limits from its first ``baseline`` points with a value."""
    valid = values.notna().to_numpy()
    if valid.sum() < 2:
        return None
    points = int(valid[:baseline].sum())
    base = min(points, int(valid.sum())) if points >= 2 else None
    run = run_chart(values, baseline=min(baseline, len(values)) if base else None)
    xmr = xmr_chart(values[valid], baseline=base, improvement=improvement)
    return Segment(run, xmr, base or int(valid.sum()), change)


def _segments(
    charted: pd.Series, baseline: int, changes: Sequence[Marker], improvement: Improvement | None
) -> list[Segment]:
    """The first segment, then a new one at each logged change a sustained shift follows."""
    first = _segment(charted, baseline, improvement, None)
    if first is None:
        return []
    segments = [first]
    # in date order; of changes in the same month an intervention start explains best
    candidates = sorted(
        (m for m in changes if m.is_change), key=lambda m: (m.month, m.kind != "start")
    )
    while len(segments) <= MAX_STEPS:
        current = segments[-1]
        found = next(
            (
                (step, begin)
                for step, side, begin in _steps(current, candidates, after=current.baseline_end)
                if _sustained(current, charted[charted.index >= begin], side)
            ),
            None,
        )
        segment = (
            _segment(charted[charted.index >= found[1]], BASELINE_MIN, improvement, found[0])
            if found
            else None
        )
        if found is None or segment is None:
            break
        earlier = charted[(charted.index >= current.first) & (charted.index < found[1])]
        base = current.baseline_points if current.change is None else BASELINE_MIN
        segments[-1] = _segment(earlier, base, improvement, current.change) or current
        segments.append(segment)
    return segments


def _steps(
    segment: Segment, changes: Sequence[Marker], *, after: pd.Timestamp
) -> Iterator[tuple[Marker, int, pd.Timestamp]]:
    """Each logged change a shift of ``segment`` follows: the change, side (1 up, -1 down), month.

    A logged change after ``after`` (the end of the segment's baseline) is
    followed by a shift when, in its month or up to :data:`CHANGE_LAG` months
    later, a point begins 7 (:data:`~analysis.methods.spc.RUN_LENGTH`) points
    that are all part of a shift on one side of the mean (Making Data Count's
    rule), however early that shift began. The month is that point's: the new
    segment starts there, so that the months between the change and the
    shift (the old level) do not enter the new limits.
    """
    d = segment.xmr.data
    shift = d["shift"].to_numpy(dtype=bool)
    sides = np.sign(d["relative_to_mean"].to_numpy()).astype(int)
    months = pd.DatetimeIndex(d.index)
    for change in changes:
        if change.month <= after:
            continue
        window = (months >= change.month) & (
            months <= change.month + pd.DateOffset(months=CHANGE_LAG)
        )
        for i in np.flatnonzero(window):
            run = slice(i, i + RUN_LENGTH)
            if len(shift[run]) == RUN_LENGTH and shift[run].all() and len(set(sides[run])) == 1:
                yield change, int(sides[i]), pd.Timestamp(months[i])
                break


def _sustained(before: Segment, after: pd.Series, direction: int) -> bool:
    """Whether the level from the change on moved the shift's way by one standard deviation.

    The level is the mean of the first :data:`BASELINE_MIN` values from the
    change on (what the new segment's centre line would be); one standard
    deviation of an XmR chart is its mean moving range / 1.128 (the limits are
    three of them from the mean). Until there are :data:`BASELINE_MIN` values
    the limits are not recalculated: limits of fewer points would move with
    every new month (and a run at a ceiling, such as 100% of practices
    accepting patients, would have none), so the shift stays a signal against
    the old limits until the new level has a year of data.
    """
    known = after.dropna()
    if len(known) < BASELINE_MIN:
        return False
    level = known.iloc[:BASELINE_MIN].mean()
    sigma = before.xmr.mean_moving_range / 1.128
    moved = level - before.xmr.mean
    return bool(np.sign(moved) == direction and abs(moved) >= sigma)


# --------------------------------------------------------------------------- signals


def _nature(variation: str) -> Nature:
    if variation.endswith("improvement"):
        return "improvement"
    if variation.endswith("concern"):
        return "concern"
    return "neutral"


def _blocks(flags: np.ndarray, sides: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` positions of each block of consecutive flagged points on one side."""
    blocks: list[tuple[int, int]] = []
    for i in np.flatnonzero(flags):
        if blocks and blocks[-1][1] == i - 1 and sides[i] == sides[i - 1]:
            blocks[-1] = (blocks[-1][0], i)
        else:
            blocks.append((i, i))
    return blocks


def _xmr_signals(
    indicator: str, xmr: XmrChartResult, recent: int, *, merge: bool = True
) -> list[Signal]:
    """The XmR chart's special causes reaching the latest ``recent`` points, per rule and side.

    A shift or trend counts whole when it reaches the latest months; of points
    outside or close to the limits only those in the latest months count. With
    ``merge`` the blocks of one rule and side become one signal.
    """
    d = xmr.data
    tail_start = max(len(d) - recent, 0)
    values = d["value"].to_numpy()
    sides = np.sign(d["relative_to_mean"].to_numpy()).astype(int)
    found = []
    for rule in XMR_RULES:
        flags = d[rule].to_numpy(dtype=bool)
        for begin, end in _blocks(flags, np.zeros_like(sides) if rule == "trend" else sides):
            if end < tail_start:
                continue
            if rule in ("outside_limits", "two_of_three"):
                begin = max(begin, tail_start)
            rows = d.iloc[begin : end + 1]
            up = (values[end] > values[begin]) if rule == "trend" else sides[end] > 0
            found.append(
                Signal(
                    indicator,
                    rule,
                    "up" if up else "down",
                    _nature(str(rows["variation"].iloc[-1])),
                    pd.Timestamp(rows.index[0]),
                    pd.Timestamp(rows.index[-1]),
                    bool(end == len(d) - 1),
                    len(rows),
                )
            )
    return _merge(found) if merge else found


def _merge(signals: list[Signal]) -> list[Signal]:
    """One signal per rule and direction: the span from the first block to the last."""
    merged: dict[tuple[str, str, str], Signal] = {}
    for s in signals:
        if s.key in merged:
            m = merged[s.key]
            s = Signal(
                s.indicator,
                s.rule,
                s.direction,
                s.nature,
                m.first,
                s.last,
                s.ongoing,
                m.points + s.points,
            )
        merged[s.key] = s
    return list(merged.values())


def _run_signals(
    indicator: str, run: RunChartResult, improvement: Improvement | None, recent: int
) -> list[Signal]:
    """The run chart's signals: a long run reaching the latest ``recent`` months, few crossings.

    Too few crossings is a property of the whole (current) segment.
    """
    d = run.data
    found = []
    useful = d.index[d["useful"].to_numpy(dtype=bool)]
    long = d[(d["run_length"] > (run.longest_run_limit or 0)).fillna(False).to_numpy(dtype=bool)]
    rows = long[long["run"] == long["run"].max()] if run.runs_signal else long.iloc[0:0]
    if len(rows) and rows.index[-1] >= d.index[max(len(d) - recent, 0)]:
        up = int(rows["side"].iloc[0]) > 0
        nature: Nature = "neutral"
        if improvement is not None:
            nature = "improvement" if up == (improvement == "increase") else "concern"
        first, last = pd.Timestamp(rows.index[0]), pd.Timestamp(rows.index[-1])
        ongoing = bool(rows.index[-1] == useful[-1])
        direction = "up" if up else "down"
        found.append(
            Signal(indicator, "long_run", direction, nature, first, last, ongoing, len(rows))
        )
    if run.crossings_signal:
        first, last = pd.Timestamp(d.index[0]), pd.Timestamp(d.index[-1])
        found.append(
            Signal(indicator, "few_crossings", None, "neutral", first, last, True, run.crossings)
        )
    return found


def _signals(indicator: str, segment: Segment, recent: int) -> list[Signal]:
    xmr = _xmr_signals(indicator, segment.xmr, recent)
    return xmr + _run_signals(indicator, segment.run, segment.xmr.improvement, recent)


def signal_history(chart: IndicatorChart) -> tuple[Signal, ...]:
    """Every special cause of the chart over all its months, and its steps, in time order.

    Where :attr:`IndicatorChart.signals` says what the chart signals *now*, this
    is what it signalled at any time: each XmR special cause of each segment,
    and a ``step`` signal where a segment starts (its direction and nature those
    of the change in the mean). The programme learning page asks which actions
    such signals followed.
    """
    found: list[Signal] = []
    for before, segment in zip((None, *chart.segments), chart.segments, strict=False):
        found += _xmr_signals(chart.indicator, segment.xmr, len(segment.xmr.data), merge=False)
        if before is not None:
            up = segment.xmr.mean > before.xmr.mean
            nature: Nature = "neutral"
            if chart.improvement is not None:
                nature = "improvement" if up == (chart.improvement == "increase") else "concern"
            found.append(
                Signal(
                    chart.indicator,
                    "step",
                    "up" if up else "down",
                    nature,
                    segment.first,
                    segment.last,
                    segment is chart.segments[-1],
                    len(segment.xmr.data),
                )
            )
    return tuple(sorted(found, key=lambda s: s.first))


def monitor_charts_data(
    series: pd.DataFrame,
    indicators: Sequence[str],
    *,
    start: pd.Timestamp | None,
    markers: Sequence[Marker] = (),
    targets: Mapping[str, float] | None = None,
    catalogue: Mapping[str, Indicator] | None = None,
) -> list[IndicatorChart]:
    """:func:`indicator_chart` for each indicator, in order."""
    return [
        indicator_chart(
            series,
            indicator,
            start=start,
            changes=markers,
            target=(targets or {}).get(indicator),
            catalogue=catalogue,
        )
        for indicator in indicators
    ]
