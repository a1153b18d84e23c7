"""One chart per indicator, as in NHS "Making Data Count", with numbered markers.

The chart shows the values as points coloured by their variation (grey common
cause, blue improvement, orange concern, purple a change without a better
direction), the mean and process limits of each segment (a recalculation after
a logged change is drawn as a step, with a dotted line where it happens), the
target where one is set, and the baseline months shaded. Seasonal indicators
show their seasonally adjusted values, with the values as measured as a faint
line behind them.

Under the chart, on its own strip of the time axis, each action, intervention
start and external event is a numbered marker; markers of the same or
neighbouring months are stacked so that no two overlap, and no text is printed
on the chart itself: the numbers are explained in the list under the chart
(:func:`~analysis.evaluation.monitor.annotations.marker_list_md`).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from analysis import plotting
from analysis.evaluation.monitor.annotations import Marker
from analysis.evaluation.monitor.signals import IndicatorChart, Segment
from analysis.methods.spc import VARIATION_COLOURS
from analysis.words import Words

WIDTH_INCHES = 9.5
MARKER_POINTS = 11.0  # diameter of a numbered marker
_MARKER_STYLE = {
    "action": ("o", plotting.ACTION),
    "start": ("D", plotting.REFERENCE),
    "context": ("s", "0.65"),
}
_HALF_MONTH = pd.Timedelta(days=15)


def marker_levels(months: Sequence[pd.Timestamp], min_gap: int) -> list[int]:
    """A stack level per marker so that markers closer than ``min_gap`` months never share one.

    Markers are placed in date order, each on the lowest level free of the
    markers placed within ``min_gap - 1`` months before it.

    Examples
    --------
    >>> months = pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-06-01"])
    >>> marker_levels(list(months), min_gap=2)
    [0, 1, 2, 0]
    """
    placed: list[tuple[pd.Period, int]] = []
    levels = []
    for month in months:
        period = pd.Timestamp(month).to_period("M")
        taken = {lvl for other, lvl in placed if (period - other).n < min_gap}
        level = next(k for k in range(len(placed) + 1) if k not in taken)
        placed.append((period, level))
        levels.append(level)
    return levels


@plotting.literal_text
def monitor_figure(chart: IndicatorChart, markers: Sequence[Marker], words: Words) -> Figure:
    """The chart of one indicator with its numbered markers on a strip below.

    Parameters
    ----------
    chart
        From :func:`~analysis.evaluation.monitor.signals.indicator_chart`.
    markers
        The region's markers (shown when within the chart's months).
    words
        The report's words (legend, title).

    Returns
    -------
    matplotlib.figure.Figure
    """
    title = words.indicator(chart.indicator).title()
    if not chart.enough:
        fig = Figure(figsize=(WIDTH_INCHES, 2.0), layout="constrained")
        fig.suptitle(title)
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, words.text("monitor.not_enough"), ha="center", va="center")
        return fig
    months = chart.charted.index
    shown = [m for m in markers if months[0] <= m.month <= months[-1]]
    plot_width = WIDTH_INCHES * 72 * 0.78  # points, without the legend column
    gap = max(1, int(np.ceil(MARKER_POINTS * 1.15 / (plot_width / max(len(months), 1)))))
    levels = marker_levels([m.month for m in shown], gap)
    depth = max(levels, default=-1) + 1
    strip = 0.35 + 0.22 * max(depth, 1)
    fig = Figure(figsize=(WIDTH_INCHES, 4.3 + strip), layout="constrained")
    fig.suptitle(title)
    ax, ax_marks = fig.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [4.3, strip], "hspace": 0.02}
    )
    _draw_chart(ax, chart, words)
    _draw_markers(ax_marks, shown, levels, depth)
    for segment in chart.steps:
        for axes in (ax, ax_marks):
            axes.axvline(segment.first - _HALF_MONTH, color="0.3", linestyle=":", linewidth=1)
    _legend(ax, chart, shown, words)
    locator = mdates.AutoDateLocator(maxticks=10)
    ax_marks.xaxis.set_major_locator(locator)
    ax_marks.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax_marks.set_xlim(months[0] - _HALF_MONTH * 2, months[-1] + _HALF_MONTH * 2)
    return fig


def _draw_chart(ax: Axes, chart: IndicatorChart, words: Words) -> None:
    baseline = chart.segments[0]
    if baseline.baseline_points < len(baseline.xmr.data):
        first, last = baseline.xmr.data.index[[0, baseline.baseline_points - 1]]
        ax.axvspan(first - _HALF_MONTH, last + _HALF_MONTH, color="0.93", zorder=0)
    if chart.pattern is not None:
        ax.plot(chart.values.index, chart.values, color="0.8", linewidth=1, zorder=1)
    ax.plot(chart.charted.index, chart.charted, color="0.6", linewidth=1, zorder=2)
    for segment in chart.segments:
        _draw_segment(ax, segment)
    if chart.target is not None:
        ax.axhline(chart.target, color=plotting.SIGNAL, linestyle="-.", linewidth=1.2)
    if words.indicators.get(chart.indicator) and words.indicators[chart.indicator].scale == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.tick_params(labelbottom=False)


def _draw_segment(ax: Axes, segment: Segment) -> None:
    d = segment.xmr.data
    for kind, colour in VARIATION_COLOURS.items():
        sel = (d["variation"] == kind).to_numpy()
        if sel.any():
            ax.scatter(d.index[sel], d["value"][sel], color=colour, s=18, zorder=3)
    left, right = d.index[0] - _HALF_MONTH, d.index[-1] + _HALF_MONTH
    xmr = segment.xmr
    ax.hlines(xmr.mean, left, right, color="0.15", linewidth=1.3, zorder=2)
    ax.hlines(
        [xmr.lower_limit, xmr.upper_limit], left, right, color="0.35", linestyle="--", linewidth=1
    )


def _draw_markers(ax: Axes, markers: Sequence[Marker], levels: Sequence[int], depth: int) -> None:
    for marker, level in zip(markers, levels, strict=True):
        shape, colour = _MARKER_STYLE[marker.kind]
        ax.plot(
            [marker.month],
            [level],
            marker=shape,
            markersize=MARKER_POINTS,
            color=colour,
            markeredgecolor="white",
            linestyle="none",
            zorder=3,
        )
        ax.annotate(
            str(marker.number),
            (marker.month, level),
            ha="center",
            va="center",
            fontsize=6.5 if marker.number < 100 else 5.5,
            color="white" if marker.kind != "context" else "black",
            fontweight="bold",
            zorder=4,
        )
    ax.set_ylim(-0.7, max(depth, 1) - 0.3)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def _legend(ax: Axes, chart: IndicatorChart, markers: Sequence[Marker], words: Words) -> None:
    """Legend right of the chart: what the lines, colours and markers mean."""
    t = words.section("monitor")
    handles = [
        Line2D(
            [],
            [],
            color="0.6",
            marker="o",
            markersize=4,
            label=t["legend_adjusted"] if chart.pattern is not None else t["legend_values"],
        ),
    ]
    if chart.pattern is not None:
        handles.append(Line2D([], [], color="0.8", label=t["legend_measured"]))
    shown_kinds = set(chart.segments[-1].xmr.data["variation"]) | {
        k for s in chart.segments for k in s.xmr.data["variation"]
    }
    for kind, colour in VARIATION_COLOURS.items():
        if kind in shown_kinds and kind != "common_cause":
            handles.append(
                Line2D([], [], color=colour, marker="o", linestyle="none", label=t[kind])
            )
    handles += [
        Line2D([], [], color="0.15", linewidth=1.3, label=t["legend_mean"]),
        Line2D([], [], color="0.35", linestyle="--", label=t["legend_limits"]),
    ]
    if chart.steps:
        handles.append(Line2D([], [], color="0.3", linestyle=":", label=t["legend_step"]))
    if chart.target is not None:
        handles.append(
            Line2D([], [], color=plotting.SIGNAL, linestyle="-.", label=t["legend_target"])
        )
    if chart.segments[0].baseline_points < len(chart.segments[0].xmr.data):
        handles.append(Line2D([], [], color="0.85", linewidth=6, label=t["legend_baseline"]))
    for kind in ("action", "start", "context"):
        if any(m.kind == kind for m in markers):
            shape, colour = _MARKER_STYLE[kind]
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=shape,
                    color=colour,
                    linestyle="none",
                    markersize=7,
                    label=t[f"legend_{kind}"],
                )
            )
    legend = ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize="small",
        frameon=False,
    )
    legend.set_alignment("left")


def figure_alt(chart: IndicatorChart, markers: Sequence[Marker], words: Words) -> str:
    """The figure's alt text: what it shows, in a sentence."""
    return words.text(
        "chart.alt_monitor",
        outcome=words.indicator(chart.indicator).name,
        n=len([m for m in markers if chart.enough and chart.charted.index[0] <= m.month]),
    )
