"""The figures of the planning pages: ranked dots with intervals, capacity lines, power curves.

Plain matplotlib ``Figure`` objects (no pyplot state), every text drawn
literally (:func:`analysis.plotting.literal_text`: region names from the data may
hold ``$`` or markup), colours by role from :mod:`analysis.plotting`. The words
come from the caller; :func:`analysis.evaluation.charts.show` displays a figure
with its alt text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis import plotting

__all__ = ["plot_capacity", "plot_power_curve", "plot_ranked_intervals"]


@plotting.literal_text
def plot_ranked_intervals(
    labels: Sequence[str],
    point: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    *,
    title: str,
    xlabel: str,
    highlight: Sequence[bool] | None = None,
    legend: tuple[str, str] | None = None,
    cut: float | None = None,
    beyond: float | None = None,
    beyond_label: str | None = None,
    tick_label: Callable[[float], str] | None = None,
) -> Figure:
    """One row per item, first at the top: a dot at ``point`` and a line from ``low`` to ``high``.

    Parameters
    ----------
    labels
        Row labels (region names), in the order shown, first at the top.
    point, low, high
        The value and its interval per row (ranks, years).
    title, xlabel
        Figure title and x-axis label.
    highlight
        Rows drawn in the pilot colour (chosen regions); the others in grey.
    legend
        Words for highlighted and other rows, shown under the figure.
    cut
        Draw a dashed line at this value (the last chosen rank + 0.5).
    beyond, beyond_label
        Values at or above ``beyond`` mean "not within the range shown" (no gap
        before the horizon): drawn at ``beyond`` with an arrow and labelled.
    tick_label
        Formats the x ticks (whole numbers by default).
    """
    n = len(labels)
    fig = Figure(figsize=(7.5, max(2.2, 0.32 * n + 1.3)))
    ax = fig.subplots()
    y = np.arange(n)[::-1]
    chosen = np.asarray(highlight if highlight is not None else [False] * n, dtype=bool)
    x, lo, hi = (np.asarray(v, dtype=float) for v in (point, low, high))
    colours = np.where(chosen, plotting.PILOT, plotting.REFERENCE)
    for k in range(n):
        ax.plot([lo[k], hi[k]], [y[k], y[k]], color=colours[k], linewidth=2.2, alpha=0.8)
    past = np.zeros(n, dtype=bool) if beyond is None else x >= beyond
    for mask, marker in ((~past, "o"), (past, ">")):
        ax.scatter(x[mask], y[mask], c=colours[mask], marker=marker, s=42, zorder=3)
    if cut is not None:
        ax.axvline(cut, color=plotting.REFERENCE, linestyle="--", linewidth=1)
    ax.set_yticks(y, list(labels))
    ax.set_ylim(-0.7, n - 0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    label = tick_label or (lambda v: f"{v:.0f}")
    if beyond is not None and beyond_label:
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda v, _: beyond_label if v >= beyond else label(v))
        )
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: label(v)))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", color="0.9")
    ax.set_axisbelow(True)
    span = np.concatenate([lo, hi, x])
    ax.set_xlim(np.nanmin(span) - 0.6, np.nanmax(span) + 0.6)
    if legend is not None:
        handles = [
            ax.scatter([], [], c=plotting.PILOT, s=42, label=legend[0]),
            ax.scatter([], [], c=plotting.REFERENCE, s=42, label=legend[1]),
        ]
        fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False)
        fig.tight_layout(rect=(0, 0.6 / fig.get_figheight(), 1, 1))
    else:
        fig.tight_layout()
    return fig


@plotting.literal_text
def plot_capacity(
    series: pd.DataFrame,
    names: dict[str, str],
    *,
    title: str,
    ylabel: str,
    band_label: str,
    need_label: str,
    percent: Callable[[float], str],
    columns: int = 2,
) -> Figure:
    """Capacity as a share of need per year, one small panel per region, with its band.

    Parameters
    ----------
    series
        Rows per region and year: ``region_id``, ``year``, ``ratio``, ``ratio_low``,
        ``ratio_high`` (one scenario). Regions are drawn in order of appearance.
    names
        Region id -> the name shown above its panel.
    title, ylabel, band_label, need_label
        Words of the figure.
    percent
        Formats a share as a percentage in the report's language.
    columns
        Panels per row.
    """
    regions = list(dict.fromkeys(series["region_id"]))
    rows = max(1, int(np.ceil(len(regions) / columns)))
    fig = Figure(figsize=(7.5, 2.3 * rows + 0.9))
    axes = np.atleast_1d(fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False))
    flat = axes.ravel()
    for ax, region in zip(flat, regions, strict=False):
        one = series[series["region_id"] == region].sort_values("year")
        ax.fill_between(
            one["year"], one["ratio_low"], one["ratio_high"], color=plotting.PILOT, alpha=0.2,
            linewidth=0, label=band_label,
        )  # fmt: skip
        ax.plot(one["year"], one["ratio"], color=plotting.PILOT, linewidth=2)
        ax.axhline(1.0, color=plotting.CONCERN, linestyle="--", linewidth=1.2, label=need_label)
        ax.set_title(names.get(region, region), fontsize=10)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(v)))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        ax.grid(color="0.92")
    for ax in flat[len(regions) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    handles, labels = flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


@plotting.literal_text
def plot_power_curve(
    curve: pd.DataFrame,
    simulated: pd.DataFrame,
    *,
    target: float,
    required: int | None,
    title: str,
    xlabel: str,
    ylabel: str,
    labels: dict[str, str],
    percent: Callable[[float], str],
) -> Figure:
    """Power against the number of pilot practices: analytic lines and simulated points.

    Parameters
    ----------
    curve
        ``n_treated``, ``power_normal`` and ``power_t`` per number of pilot practices.
    simulated
        ``n_treated``, ``power`` and ``mc_se`` of the simulated pilots (may be empty).
    target
        The power aimed for (a dashed line).
    required
        Pilot practices needed (a dotted line), if found.
    title, xlabel, ylabel
        Words of the figure.
    labels
        Words for ``normal``, ``t``, ``simulated`` and ``target``.
    percent
        Formats a share as a percentage in the report's language.
    """
    fig = Figure(figsize=(7.5, 3.8))
    ax = fig.subplots()
    ax.plot(curve["n_treated"], curve["power_t"], color=plotting.ESTIMATE, label=labels["t"])
    ax.plot(
        curve["n_treated"], curve["power_normal"], color=plotting.ESTIMATE, linestyle="--",
        label=labels["normal"],
    )  # fmt: skip
    if not simulated.empty:
        ax.errorbar(
            simulated["n_treated"], simulated["power"], yerr=1.96 * simulated["mc_se"],
            fmt="o", color=plotting.COMPARISON, capsize=3, label=labels["simulated"],
        )  # fmt: skip
    ax.axhline(target, color=plotting.REFERENCE, linestyle=":", linewidth=1.2)
    if required is not None:
        ax.axvline(required, color=plotting.REFERENCE, linestyle=":", linewidth=1.2)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(v)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(color="0.92")
    ax.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    return fig
