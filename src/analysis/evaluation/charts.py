"""The figures of a region report, in the reader's words, and how a notebook shows them.

Every figure comes with its alt text (what it shows, for screen readers and for
readers whose images do not load); :func:`show` puts both in the notebook, and
the report template writes the alt text into the page.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis import plotting
from analysis.evaluation.load import RegionData
from analysis.ids import require_safe_id
from analysis.methods.did import AttGtResult
from analysis.reporting.files import atomic_write_bytes
from analysis.words import Words


def show(figure: Figure, *, alt: str, dpi: int = 96) -> None:
    """Display a figure once in a notebook, as PNG with its alt text, and release it.

    Works for figures made with or without pyplot (the library's plot methods
    build plain ``Figure`` objects, which IPython would otherwise print as text).
    Texts in the figure are drawn literally: names from the data may hold ``$``.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    display(Image(data=_png(figure, dpi), format="png", metadata={"alt": alt}))
    plt.close(figure)


def _png(figure: Figure, dpi: int) -> bytes:
    """The figure as PNG, every text drawn literally (tick labels made while drawing, too)."""
    import matplotlib as mpl

    buffer = io.BytesIO()
    with mpl.rc_context(plotting.LITERAL_TEXT):
        plotting.literal_figure_text(figure).savefig(
            buffer, format="png", dpi=dpi, bbox_inches="tight"
        )
    return buffer.getvalue()


def save_figure(figure: Figure, folder: Path | str, name: str, *, dpi: int = 150) -> Path:
    """Write a figure as ``<folder>/<name>.png`` (the folder is made) and return the path.

    ``name`` becomes a file name, so it must be a safe id
    (:func:`analysis.ids.require_safe_id`): a region id from the data cannot
    write outside ``folder``. The file is replaced in one step.

    Examples
    --------
    >>> save_figure(Figure(), "figures", "../x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.errors.WorkbenchError: figure name '../x' is not a safe id. Fix: ...
    """
    path = Path(folder) / f"{require_safe_id(name, what='figure name')}.png"
    return atomic_write_bytes(path, _png(figure, dpi))


def intervention_starts(data: RegionData) -> list[tuple[str, pd.Timestamp]]:
    """The region's interventions with their first start, in order of starting."""
    if data.interventions.empty:
        return []
    first = data.interventions.groupby("intervention")["start_date"].min().sort_values()
    return [(str(code), pd.Timestamp(start)) for code, start in first.items()]


@plotting.literal_text
def plot_trends(data: RegionData, outcome: str, words: Words) -> tuple[Figure, str]:
    """Monthly mean of ``outcome`` per practice, pilot against comparison, every start marked.

    Returns
    -------
    tuple
        The figure and its alt text.
    """
    indicator = words.indicator(outcome)
    fig = Figure(figsize=(8, 3.4))
    ax = fig.subplots()
    groups = (
        (data.pilot_practices, words.text("chart.pilot_practices"), plotting.PILOT),
        (data.comparison_practices, words.text("chart.comparison_practices"), plotting.COMPARISON),
    )
    for frame, name, colour in groups:
        if not frame.empty:
            series = frame.groupby("month")[outcome].mean()
            ax.plot(pd.to_datetime(series.index), series.to_numpy(), label=name, color=colour)
    starts = intervention_starts(data)
    for (code, start), style in zip(starts, plotting.START_STYLES * 2, strict=False):
        name = words.text("chart.start_of", intervention=words.intervention(code))
        ax.axvline(start, color=plotting.REFERENCE, linestyle=style, linewidth=1.2, label=name)
    ax.set_title(indicator.title())
    ax.set_ylabel(indicator.unit)
    if outcome_is_share(words, outcome):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: words.percent(v, 0)))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: words.number(v, _decimals(ax))))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    fig.tight_layout()
    names = words.listing([words.intervention(code) for code, _ in starts])
    started = words.text("chart.alt_starts", interventions=names)
    alt = words.text("chart.alt_trend", outcome=indicator.name, unit=indicator.unit, start=started)
    return fig, alt


def outcome_is_share(words: Words, outcome: str) -> bool:
    """True for outcomes shown in percentage points (shares)."""
    return words.indicators[outcome].scale == "share"


def _decimals(ax: object) -> int:
    """Decimals that tell the y ticks of ``ax`` apart."""
    ticks = ax.get_yticks()  # type: ignore[attr-defined]
    step = float(np.min(np.diff(ticks))) if len(ticks) > 1 else 1.0
    return max(0, -math.floor(math.log10(step))) if step > 0 else 0


@plotting.literal_text
def plot_event_study(result: AttGtResult, outcome: str, words: Words) -> tuple[Figure, str]:
    """Effect per quarter since the start, in the report's language and units.

    ``result`` is the region's ``att_gt`` fit (quarterly periods). Rate and count
    outcomes were divided by each practice's pre-pilot mean, so their effects read
    as a percentage of that level; shares read in percentage points. The y ticks
    are round numbers in that unit (1, 2 or 5 times a power of ten), labelled with
    as many decimals as their step needs.
    """
    indicator = words.indicator(outcome)
    share = outcome_is_share(words, outcome)
    fig = result.aggregate("dynamic").plot(
        xlabel=words.text("chart.quarters_since_start"),
        ylabel=words.text("chart.effect_pp" if share else "chart.effect_vs_baseline"),
        title=words.text("chart.event_study_title", outcome=indicator.title()),
        labels=(words.text("chart.before_start"), words.text("chart.after_start")),
    )
    ax = fig.axes[0]
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    ticks = 100 * ax.get_yticks()
    step = float(np.min(np.diff(ticks))) if len(ticks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    unit = " pp" if share else "%"
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{words.number(100 * v, decimals, sign=True)}{unit}")
    )
    return fig, words.text("chart.alt_event_study", outcome=indicator.name)
