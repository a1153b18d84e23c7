"""Figures draw text from the data literally: ``$`` is a dollar sign, not mathematics."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import plotting
from analysis.methods import its, pool, run_chart, xmr_chart

DATA_TEXT = "Zorg $\\euro$ _regio_ ^2"


def draw(figure: Figure) -> bytes:
    """Draw as a user would, outside any context the library sets."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def test_a_plain_figure_with_data_text_fails_without_the_guard():
    figure = Figure()
    figure.subplots().set_title(DATA_TEXT)
    with pytest.raises(ValueError, match="euro"):
        draw(figure)  # matplotlib's mathtext: what the guard exists for
    assert draw(plotting.literal_figure_text(figure))


def test_the_forest_plot_draws_region_names_literally():
    fit = pool([-0.2, -0.1, -0.3], [0.01, 0.02, 0.01], labels=[DATA_TEXT, "$x$", "b"])
    figure = fit.forest_plot(exponentiate=True, title=DATA_TEXT, xlabel=DATA_TEXT)
    assert draw(figure)
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert DATA_TEXT in labels


def test_spc_and_its_plots_draw_titles_from_the_data_literally():
    values = np.r_[np.full(12, 10.0), np.full(12, 14.0)] + np.tile([0.5, -0.5], 12)
    assert draw(run_chart(values).plot(title=DATA_TEXT))
    assert draw(xmr_chart(values).plot(title=DATA_TEXT))
    t = np.arange(1, 49)
    series = pd.DataFrame(
        {"y": 100 + (t > 24) * 10 + np.tile([1, -1], 24), "t": t, "after": (t > 24).astype(int)}
    )
    fit = its(series, outcome="y", time="t", intervention="after", family="gaussian")
    assert draw(fit.plot(title=DATA_TEXT, ylabel=DATA_TEXT))
