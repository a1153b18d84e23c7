"""The figures of a region report, in the reader's words, and how a notebook shows them.

Every figure comes with its alt text (what it shows, for screen readers and for
readers whose images do not load); :func:`show` puts both in the notebook, and
the report template writes the alt text into the page.

A report draws the same kind of figure once per outcome. :func:`trend_figures`
and :func:`event_study_figures` draw them on one figure that they redraw for
each outcome (the axes, ticks, legend and start lines are made once), at a fixed
size laid out by :func:`analysis.plotting.place_single_axes`. The trend figures
of a region share one plot area, so their time axes line up, and only what
differs between outcomes is drawn again (:class:`analysis.plotting.RedrawnFigure`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.collections import LineCollection
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator, Formatter, MaxNLocator

from analysis import plotting
from analysis.evaluation.load import RegionData
from analysis.ids import require_safe_id
from analysis.methods.did import AttGtResult
from analysis.reporting.files import atomic_write_bytes
from analysis.words import Words

#: Sizes of the report's figures, in inches (at :data:`analysis.plotting.DPI`).
TREND_SIZE = (8.0, 3.4)
EVENT_STUDY_SIZE = (7.0, 4.0)


def show(figure: Figure, *, alt: str, dpi: int = plotting.DPI) -> None:
    """Display a figure once in a notebook, as PNG with its alt text, and release it.

    Works for figures made with or without pyplot (the library's plot methods
    build plain ``Figure`` objects, which IPython would otherwise print as text).
    Texts in the figure are drawn literally: names from the data may hold ``$``.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    png = plotting.figure_png(figure, dpi=dpi)
    display(Image(data=png, format="png", metadata={"alt": alt}))
    plt.close(figure)


def save_figure(figure: Figure, folder: Path | str, name: str, *, dpi: int = 150) -> Path:
    """Write a figure as ``<folder>/<name>.png`` (the folder is made) and return the path.

    ``name`` becomes a file name, so it must be a safe id
    (:func:`analysis.ids.require_safe_id`): a region id from the data cannot
    write outside ``folder``. The file is replaced in one step. Texts are drawn
    literally, as :func:`show` draws them.

    Examples
    --------
    >>> save_figure(Figure(), "figures", "../x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.errors.WorkbenchError: figure name '../x' is not a safe id. Fix: ...
    """
    path = Path(folder) / f"{require_safe_id(name, what='figure name')}.png"
    return atomic_write_bytes(path, plotting.figure_png(figure, dpi=dpi))


def intervention_starts(data: RegionData) -> list[tuple[str, pd.Timestamp]]:
    """The region's interventions with their first start, in order of starting."""
    if data.interventions.empty:
        return []
    first = data.interventions.groupby("intervention")["start_date"].min().sort_values()
    return [(str(code), pd.Timestamp(start)) for code, start in first.items()]


def outcome_is_share(words: Words, outcome: str) -> bool:
    """True for outcomes shown in percentage points (shares)."""
    return words.indicators[outcome].scale == "share"


def tick_decimals(values: Sequence[float]) -> int:
    """Decimals that tell ticks ``values`` apart: 0 for a step of 1 or more, 1 for 0.5, ...

    Examples
    --------
    >>> tick_decimals([0, 2500, 5000]), tick_decimals([0.5, 1.0]), tick_decimals([12.5])
    (0, 1, 0)
    """
    step = float(np.min(np.diff(values))) if len(values) > 1 else 1.0
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0


class TickLabels(Formatter):
    """Tick labels in the report's language, with as many decimals as their step needs.

    Parameters
    ----------
    words
        The report's words (number format).
    factor
        Multiplies each tick value (100 for a share shown in %).
    suffix
        Written after each number (``"%"``, ``" pp"``).
    sign
        Write ``+`` before positive numbers.
    """

    def __init__(self, words: Words, *, factor: float = 1.0, suffix: str = "", sign: bool = False):
        self.words, self.factor, self.suffix, self.sign = words, factor, suffix, sign

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        """All labels of one axis at once: the decimals follow from their step."""
        scaled = [self.factor * v for v in values]
        decimals = tick_decimals(scaled)
        return [f"{self.words.number(v, decimals, sign=self.sign)}{self.suffix}" for v in scaled]

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.format_ticks([x])[0]


class TrendChart:
    """Monthly mean of an outcome per practice, pilot against comparison, every start marked.

    One figure for a region, redrawn for each outcome by :meth:`draw`.
    """

    def __init__(self, data: RegionData, words: Words) -> None:
        self.words = words
        self.layout = plotting.FixedLayout(plotting.place_single_axes)
        self.figure = plotting.RedrawnFigure(
            figsize=TREND_SIZE, dpi=plotting.DPI, layout=self.layout
        )
        ax = self.axes = self.figure.subplots()
        groups = (
            (data.pilot_practices, "chart.pilot_practices", plotting.PILOT),
            (data.comparison_practices, "chart.comparison_practices", plotting.COMPARISON),
        )
        self._lines = []
        self._means: dict[tuple[int, str], np.ndarray] = {}
        dates = []
        for frame, key, colour in groups:
            if not frame.empty:
                months = pd.to_datetime(np.sort(frame["month"].unique()))
                (line,) = ax.plot(months, np.full(len(months), np.nan), color=colour)
                line.set_label(words.text(key))
                self._lines.append((frame.groupby("month"), line))
                dates += [months[0], months[-1]]
        starts = intervention_starts(data)
        for (code, start), style in zip(starts, plotting.START_STYLES * 2, strict=False):
            name = words.text("chart.start_of", intervention=words.intervention(code))
            ax.axvline(  # under the data lines: a redrawn figure draws those last
                start,
                color=plotting.REFERENCE,
                linestyle=style,
                linewidth=1.2,
                label=name,
                zorder=1.9,
            )
            dates.append(start)
        if dates:  # one time axis for every outcome: the months of the data, ticks made once
            first, last = mdates.date2num(min(dates)), mdates.date2num(max(dates))
            margin = ax.margins()[0] * (last - first)
            ax.set_xlim(first - margin, last + margin)
            ticks = ax.xaxis.get_majorticklocs()
            labels = ax.xaxis.get_major_formatter().format_ticks(ticks)
            ax.xaxis.set_major_locator(FixedLocator(ticks))
            ax.xaxis.set_major_formatter(FixedFormatter(labels))
        ax.legend(ncol=2, frameon=False)  # below the axes (plotting.place_single_axes)
        names = words.listing([words.intervention(code) for code, _ in starts])
        self._starts = words.text("chart.alt_starts", interventions=names)

    def keep_plot_area(self, outcomes: list[str]) -> None:
        """Draw every outcome's figure in the same plot area and redraw only what differs.

        The plot area is the one in which the texts of all ``outcomes`` fit; the
        time axis, legend and start lines are then drawn once, and each outcome
        draws its lines, y axis and title over them.
        """
        self.layout.fix_plot_area(self.figure, (self.draw(o) for o in outcomes))
        self.figure.changing = [
            *(line for _, line in self._lines),
            self.axes.yaxis,
            *self.axes.spines.values(),  # over the tick marks, as in a whole draw
            self.axes.title,
        ]

    def draw(self, outcome: str) -> tuple[Figure, str]:
        """The figure of ``outcome`` (the same figure as before, redrawn) and its alt text."""
        indicator = self.words.indicator(outcome)
        for monthly, line in self._lines:
            means = self._means.get((id(line), outcome))
            if means is None:
                means = self._means[id(line), outcome] = monthly[outcome].mean().to_numpy(float)
            line.set_ydata(means)
        ax = self.axes
        ax.relim()
        ax.autoscale_view(scalex=False)
        ax.set_title(indicator.title(), y=1.0)
        ax.set_ylabel(indicator.unit)
        share = outcome_is_share(self.words, outcome)
        ax.yaxis.set_major_formatter(
            TickLabels(self.words, factor=100, suffix="%") if share else TickLabels(self.words)
        )
        alt = self.words.text(
            "chart.alt_trend", outcome=indicator.name, unit=indicator.unit, start=self._starts
        )
        return plotting.literal_figure_text(self.figure), alt


def trend_figures(
    data: RegionData, outcomes: Iterable[str], words: Words
) -> Iterator[tuple[Figure, str]]:
    """The trend figure and alt text of each outcome, drawn on one figure.

    Each figure is the previous one redrawn: show (or save) it before taking the next.

    Examples
    --------
    >>> for figure, alt in trend_figures(data, outcomes, words):  # doctest: +SKIP
    ...     show(figure, alt=alt)
    """
    chart = TrendChart(data, words)
    outcomes = list(outcomes)
    chart.keep_plot_area(outcomes)
    for outcome in outcomes:
        yield chart.draw(outcome)


def plot_trends(data: RegionData, outcome: str, words: Words) -> tuple[Figure, str]:
    """Monthly mean of ``outcome`` per practice, pilot against comparison, every start marked.

    Returns
    -------
    tuple
        The figure and its alt text.
    """
    return TrendChart(data, words).draw(outcome)


class _Intervals:
    """Estimates with their intervals in one colour: points, bars and caps, redrawable."""

    def __init__(self, ax: object, colour: str, label: str) -> None:
        self.bars = LineCollection([], colors=colour, zorder=2)
        ax.add_collection(self.bars)  # type: ignore[attr-defined]
        style = {"color": colour, "linestyle": "none", "zorder": 2}
        (self.caps,) = ax.plot([], [], marker="_", markersize=6, **style)  # type: ignore[attr-defined]
        (self.points,) = ax.plot([], [], marker="o", **style | {"zorder": 2.1})  # type: ignore[attr-defined]
        self.handle = ErrorbarContainer(
            (self.points, (self.caps,), (self.bars,)), has_yerr=True, label=label
        )

    def set(self, x: np.ndarray, estimate: np.ndarray, low: np.ndarray, high: np.ndarray) -> bool:
        """Show these estimates; False when there are none."""
        self.points.set_data(x, estimate)
        self.caps.set_data(np.r_[x, x], np.r_[low, high])
        self.bars.set_segments([[(a, b), (a, c)] for a, b, c in zip(x, low, high, strict=True)])
        return len(x) > 0


class EventStudyChart:
    """Effect per quarter since the start, in the report's language and units.

    One figure, redrawn for each outcome by :meth:`draw`. Rate and count outcomes
    were divided by each practice's pre-pilot mean, so their effects read as a
    percentage of that level; shares read in percentage points. The y ticks are
    round numbers in that unit (1, 2 or 5 times a power of ten), labelled with as
    many decimals as their step needs.
    """

    def __init__(self, words: Words) -> None:
        self.words = words
        self.layout = plotting.FixedLayout(plotting.place_single_axes)
        self.figure = plotting.RedrawnFigure(
            figsize=EVENT_STUDY_SIZE, dpi=plotting.DPI, layout=self.layout
        )
        ax = self.axes = self.figure.subplots()
        self._groups = (
            _Intervals(ax, plotting.REFERENCE, words.text("chart.before_start")),
            _Intervals(ax, plotting.ESTIMATE, words.text("chart.after_start")),
        )
        self._zero = ax.axhline(0.0, color=plotting.REFERENCE, linewidth=0.8, zorder=0)
        # under the zero line, which a redrawn figure draws over the kept pixels
        ax.axvline(-0.5, color=plotting.REFERENCE, linestyle=":", linewidth=0.8, zorder=-0.1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.set_xlabel(words.text("chart.quarters_since_start"))
        self._legend: tuple[bool, ...] = ()
        self._effects: dict[int, pd.DataFrame] = {}
        self._scalex = True

    def keep_plot_area(self, fits: list[tuple[str, AttGtResult]]) -> None:
        """Draw every fit's figure in the same plot area and redraw only what differs.

        The quarters axis spans those of all ``fits`` and the plot area fits the
        texts of all of them; the axes, the start line and the legend are then
        drawn once, and each outcome draws its zero line, estimates, y axis and
        title over them.
        """
        self._effects = {id(fit): fit.aggregate("dynamic").effects for _, fit in fits}
        spans = []
        for outcome, fit in fits:
            self.draw(fit, outcome)
            spans.append(self.axes.get_xlim())
        if spans:
            self.axes.set_xlim(min(a for a, _ in spans), max(b for _, b in spans))
            self._scalex = False
        self.layout.fix_plot_area(self.figure, (self.draw(fit, o) for o, fit in fits))
        self.figure.changing = [  # the zero line moves with the y axis
            self._zero,
            *(a for g in self._groups for a in (g.bars, g.caps, g.points)),
            self.axes.yaxis,
            *self.axes.spines.values(),  # over the tick marks, as in a whole draw
            self.axes.title,
        ]

    def draw(self, result: AttGtResult, outcome: str) -> tuple[Figure, str]:
        """The event-study figure of ``outcome`` from its ``att_gt`` fit, and its alt text."""
        words, ax = self.words, self.axes
        effects = self._effects.get(id(result))
        if effects is None:
            effects = result.aggregate("dynamic").effects
        x = effects["event_time"].to_numpy(dtype=float)
        columns = [effects[c].to_numpy(dtype=float) for c in ("estimate", "ci_low", "ci_high")]
        post = x >= 0
        shown = tuple(
            group.set(x[mask], *(c[mask] for c in columns))
            for group, mask in zip(self._groups, (~post, post), strict=True)
        )
        if shown != self._legend:  # a legend entry for each group with estimates
            handles = [g.handle for g, s in zip(self._groups, shown, strict=True) if s]
            ax.legend(handles=handles, ncol=2, fontsize="small", frameon=False)
            self._legend = shown
            self.figure.static_key = shown  # the legend is drawn with the kept pixels
        ax.relim()
        ax.autoscale_view(scalex=self._scalex)
        indicator = words.indicator(outcome)
        share = outcome_is_share(words, outcome)
        ax.set_ylabel(words.text("chart.effect_pp" if share else "chart.effect_vs_baseline"))
        ax.set_title(words.text("chart.event_study_title", outcome=indicator.title()), y=1.0)
        ax.yaxis.set_major_formatter(
            TickLabels(words, factor=100, suffix=" pp" if share else "%", sign=True)
        )
        figure = plotting.literal_figure_text(self.figure)  # names from the data drawn as written
        return figure, words.text("chart.alt_event_study", outcome=indicator.name)


def event_study_figures(
    fits: Iterable[tuple[str, AttGtResult]], words: Words
) -> Iterator[tuple[Figure, str]]:
    """The event-study figure and alt text of each ``(outcome, att_gt fit)``, on one figure.

    Each figure is the previous one redrawn: show (or save) it before taking the next.
    """
    chart = EventStudyChart(words)
    fits = list(fits)
    chart.keep_plot_area(fits)
    for outcome, fit in fits:
        yield chart.draw(fit, outcome)


def plot_event_study(result: AttGtResult, outcome: str, words: Words) -> tuple[Figure, str]:
    """Effect per quarter since the start, in the report's language and units.

    ``result`` is the region's ``att_gt`` fit (quarterly periods); see
    :class:`EventStudyChart`.
    """
    return EventStudyChart(words).draw(result, outcome)
