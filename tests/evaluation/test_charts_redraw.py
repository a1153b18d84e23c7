"""Figures drawn on one figure and redrawn per outcome look as if each were drawn afresh."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image
from test_estimate import region_data

from analysis import plotting
from analysis.evaluation.charts import (
    EventStudyChart,
    TrendChart,
    event_study_figures,
    trend_figures,
)
from analysis.evaluation.estimate import evaluate_region
from analysis.words import Words

OUTCOMES = ["gp_contact_rate", "referral_rate_medical_specialist", "non_gp_contact_share"]


def _data():
    """Twelve practices, a pilot starting 2021-01, three outcomes of different units."""
    data = region_data()
    panel = data.panel.rename(columns={"rate": "gp_contact_rate"})
    panel["referral_rate_medical_specialist"] = panel["gp_contact_rate"] * 11.5
    panel["non_gp_contact_share"] = panel["gp_contact_rate"] / 100
    starts = pd.DataFrame(
        {"intervention": ["longer_consults"], "start_date": [pd.Timestamp("2021-01-01")]}
    )
    return data.__class__(data.region, panel, starts, data.events)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_redrawn_trend_figures_equal_figures_drawn_whole():
    data, words = _data(), Words("en")
    redrawn = [_pixels(plotting.figure_png(f)) for f, _ in trend_figures(data, OUTCOMES, words)]
    assert len(redrawn) == 3 and not np.array_equal(redrawn[0], redrawn[1])
    for outcome, pixels in zip(OUTCOMES, redrawn, strict=True):
        chart = TrendChart(data, words)  # same plot area, but every artist drawn
        chart.layout.fix_plot_area(chart.figure, (chart.draw(o) for o in OUTCOMES))
        whole, _ = chart.draw(outcome)
        assert whole.changing == []
        np.testing.assert_array_equal(_pixels(plotting.figure_png(whole)), pixels)


def test_redrawn_event_studies_equal_figures_drawn_whole():
    data, words = _data(), Words("en")
    evaluation = evaluate_region(data, OUTCOMES[:2])
    fits = [(o, fit) for (o, method), fit in evaluation.fits.items() if method == "att_gt"]
    assert len(fits) == 2
    redrawn = [_pixels(plotting.figure_png(f)) for f, _ in event_study_figures(fits, words)]
    for (outcome, fit), pixels in zip(fits, redrawn, strict=True):
        chart = EventStudyChart(words)
        chart.keep_plot_area(fits)
        chart.figure.changing = []  # every artist drawn
        whole, _ = chart.draw(fit, outcome)
        np.testing.assert_array_equal(_pixels(plotting.figure_png(whole)), pixels)
