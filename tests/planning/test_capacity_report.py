"""The capacity page in words: what it shows, what it withholds, in which order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import plotting
from analysis.planning.capacity import BAND_AGES, RegionCapacity, capacity_outlook
from analysis.planning.capacity_report import (
    by_gap_year,
    gap_words,
    left_out_words,
    outlook_figure,
    outlook_table,
    shown_regions,
)
from analysis.words import Words

HOSTILE = "<b>$\\euro$</b> Zorg_*regio*"


def region(region_id: str, heads: float, band: str, graduates: float) -> RegionCapacity:
    counts = np.zeros(len(BAND_AGES))
    counts[list(BAND_AGES).index(band)] = heads
    years = range(2026, 2036)
    return RegionCapacity(
        region_id=region_id,
        country="NL",
        base_year=2026,
        heads=counts,
        hours=np.where(counts > 0, 40.0, 0.0),
        hours_per_fte=40.0,
        new_gp_hours=40.0,
        listed=2_000.0 * heads,
        population=pd.DataFrame({"all": [20_000.0 * heads] * len(years)}, index=years),
        contacts=np.array([5.0]),
        reference_contacts=5.0,
        graduates=np.full(len(years) - 1, graduates),
        settle_share=np.full(len(years) - 1, 0.5),
        patients_per_fte=2_000.0,
    )


def outlook():
    regions = [
        region("OLD", 12, "60-64", 0.0),  # retires soon: the gap opens first
        region("YOUNG", 15, "35-44", 40.0),  # trains and keeps its GPs: no gap
        region("MID", 20, "55-59", 5.0),
        region("FEW", 3, "60-64", 0.0),  # fewer GPs than the threshold
    ]
    ranges = {"retirement_age": [65.0, 66.0, 67.0], "leaving_per_year": [0.0, 0.01, 0.02]}
    return capacity_outlook(
        regions, ranges=ranges, scenarios={"baseline": {}, "training_places": {}}, n_draws=20,
        skipped={"GONE": "no_gps"},
    )  # fmt: skip


def test_regions_with_few_gps_are_withheld_and_the_rest_ordered_by_the_gap():
    result = outlook()
    shown, withheld = shown_regions(result, threshold=10)
    assert withheld == ["FEW"] and set(shown) == {"OLD", "YOUNG", "MID"}
    order = by_gap_year(result, shown)
    assert order[0] == "OLD" and order[-1] == "YOUNG"
    words = Words("nl")
    names = {"OLD": HOSTILE, "YOUNG": "Jong", "MID": "Midden"}
    table = outlook_table(
        result, names, words, shown=shown, scenarios=["baseline", "training_places"], threshold=10
    )
    assert table["regio"].tolist() == [names[r] for r in order]
    assert "FEW" not in " ".join(table.astype(str).to_numpy().ravel())
    gap = table["jaar waarin het tekort begint (bereik)"]
    assert gap.iloc[-1] == "na 2035" and gap.iloc[0].startswith("20")
    assert table["getelde huisartsen"].tolist() == ["12", "20", "15"]
    text = left_out_words(withheld, result.skipped, words, threshold=10)
    assert "1 regio's met minder dan 10 getelde huisartsen" in text
    assert "geen getelde huisartsen in de gegevens" in text


def test_gap_words():
    words = Words("en")
    assert gap_words(2029.0, 2026, 2035, words) == "2029"
    assert gap_words(2026.0, 2026, 2035, words) == "already in 2026"
    assert gap_words(float("nan"), 2026, 2035, words) == "after 2035"
    assert gap_words(2036.0, 2026, 2035, words) == "after 2035"


def test_the_ranking_figure_draws_data_text_literally():
    result = outlook()
    shown, _ = shown_regions(result, threshold=10)
    figure, alt = outlook_figure(
        result, {"OLD": HOSTILE, "YOUNG": "Jong", "MID": "Midden"}, Words("nl"), shown=shown
    )
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels[0] == HOSTILE, "the earliest gap at the top, its name as written"
    assert plotting.figure_png(figure, dpi=50).startswith(b"\x89PNG"), (
        "mathtext would fail on $\\euro$"
    )
    assert "3 regio's" in alt and "2035" in alt
