"""The GP survey in the monitor: per wave up to the edition, the change between waves, k.

Checked against the demo's respondents themselves (``survey.csv``): the monitor
only sees practice-wave aggregates, and must give the same means, and the
change between waves that statsmodels finds on the respondents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from analysis.data.survey import SURVEY_ITEMS
from analysis.evaluation.monitor import (
    EditionRecord,
    monitor_edition,
    monitor_survey,
    since_previous,
    since_previous_md,
    survey_alt,
    survey_figure,
    survey_waves_table,
)
from analysis.words import Words, words_for


@pytest.fixture(scope="module")
def respondents(demo_raw: Path) -> pd.DataFrame:
    survey = pd.read_csv(demo_raw / "survey.csv", parse_dates=["wave"])
    practices = pd.read_csv(demo_raw / "practices.csv", dtype=str)
    return survey.merge(practices[["practice_id", "region_id"]], on="practice_id")


@pytest.fixture(scope="module")
def zone(respondents: pd.DataFrame, demo_processed: Path) -> str:
    """A Flemish pilot zone with the most GPs answering (three waves from autumn 2024)."""
    regions = pd.read_parquet(demo_processed / "regions.parquet")
    pilots = set(
        regions.loc[regions["first_start"].notna() & (regions["country"] == "BE"), "region_id"]
    )
    counts = respondents[respondents["region_id"].isin(pilots)].groupby("region_id").size()
    return str(counts.idxmax())


def test_means_and_changes_equal_those_of_the_respondents(demo_processed, respondents, zone):
    survey = monitor_survey(demo_processed, zone, threshold=1)
    own = respondents[respondents["region_id"] == zone]
    waves = sorted(own["wave"].unique())
    assert len(waves) >= 2 and f"{pd.Timestamp(waves[0]):%Y-%m}" == "2024-10"
    assert survey.waves == tuple(f"{pd.Timestamp(w):%Y-%m}" for w in waves)
    assert survey.items == list(SURVEY_ITEMS)
    for item in SURVEY_ITEMS:
        rows = survey.table[survey.table["item"] == item].set_index("wave")
        for before, after in zip(waves, waves[1:], strict=False):
            a = own.loc[own["wave"] == after, item].astype(float).dropna().to_numpy()
            b = own.loc[own["wave"] == before, item].astype(float).dropna().to_numpy()
            assert rows.loc[after, "n_respondents"] == len(a)
            assert rows.loc[after, "mean"] == pytest.approx(a.mean())
            compare = CompareMeans(DescrStatsW(a), DescrStatsW(b))
            low, high = compare.tconfint_diff(alpha=0.05, usevar="unequal")
            assert rows.loc[after, "change"] == pytest.approx(a.mean() - b.mean())
            assert (rows.loc[after, "change_low"], rows.loc[after, "change_high"]) == (
                pytest.approx(low),
                pytest.approx(high),
            )
        assert np.isnan(rows.loc[waves[0], "change"]), "the first wave has no change"


def test_waves_of_fewer_gps_than_k_show_no_mean_and_no_change(demo_processed, zone):
    survey = monitor_survey(demo_processed, zone, threshold=100_000)
    assert len(survey.table) > 0
    assert survey.table[["mean", "ci_low", "ci_high", "change"]].isna().all().all()
    table = survey_waves_table(survey, Words("nl"))
    assert set(table["respondents"]) == {"<100000"}
    assert set(table["survey_mean"]) == {"–"} and set(table["survey_change"]) == {"–"}
    figure = survey_figure(survey, Words("nl"))
    assert all(len(line.get_xdata()) == 0 for ax in figure.axes for line in ax.lines)


def test_an_edition_sees_the_waves_up_to_its_month(demo_processed, zone):
    before = monitor_survey(demo_processed, zone, threshold=10, as_of="2025-09")
    assert before.waves == ("2024-10",)
    assert monitor_survey(demo_processed, zone, threshold=10, as_of="2024-09").table.empty
    assert monitor_survey(demo_processed, zone, threshold=10, as_of="2025-10").waves == (
        "2024-10",
        "2025-10",
    )


def test_a_new_wave_is_said_since_the_previous_edition(demo_processed, zone):
    words = words_for("nl", "BE")
    edition = monitor_edition(demo_processed, zone, words, as_of="2025-10")
    previous = EditionRecord(
        zone, "2025-09", edition.signals, edition.record().actions, ("2024-10",)
    )
    since = since_previous(edition, previous)
    assert since.waves == ("2025-10",)
    text = since_previous_md(since, edition, words)
    assert "Nieuwe meting van de enquête onder huisartsen:** oktober 2025" in text
    assert since_previous(edition, edition.record()).waves == ()


def test_the_table_and_chart_in_words(demo_processed, zone):
    words = Words("en")
    survey = monitor_survey(demo_processed, zone, threshold=10)
    table = survey_waves_table(survey, words)
    assert list(table.columns) == ["outcome", "wave", "respondents", "survey_mean", "survey_change"]
    leave = table[table["outcome"] == words.indicator("intends_to_leave").title()]
    assert leave["survey_mean"].str.fullmatch(r"\d+\.\d% \(\d+\.\d% – \d+\.\d%\)").all()
    assert leave["survey_change"].iloc[1].endswith(" pp)"), "a share changes in points"
    workload = table[table["outcome"] == words.indicator("workload_score").title()]
    assert workload["wave"].tolist()[:2] == ["October 2024", "October 2025"]
    assert workload["survey_change"].iloc[0] == "–"
    assert " to " in workload["survey_change"].iloc[1]
    figure = survey_figure(survey, words)
    assert len([ax for ax in figure.axes if ax.get_visible()]) == len(SURVEY_ITEMS)
    alt = survey_alt(survey, words)
    assert alt.startswith("GP survey per wave") and "perceived workload from" in alt
