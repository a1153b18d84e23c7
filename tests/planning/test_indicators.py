"""Need indicators from the processed demo: each one checked against the panel directly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.data.survey import read_survey
from analysis.errors import WorkbenchError
from analysis.evaluation.survey import wave_means
from analysis.planning.indicators import disclosure_unit, need_indicators
from analysis.planning.inputs import missing_inputs, read_input
from analysis.planning.selection import need_scores, rank_stability
from analysis.planning.selection_report import ranking_table, values_table, withheld
from analysis.words import Words

INDICATORS = [
    "gp_fte_per_10000",
    "patient_stop_share",
    "third_next_available_days",
    "workload_score",
    "population_75_share",
    "contacts_per_gp_fte",
]


@pytest.fixture(scope="module")
def processed(demo_data: Path) -> Path:
    return demo_data / "processed"


@pytest.fixture(scope="module")
def flemish(processed: Path):
    return need_indicators(processed, INDICATORS, country="BE", as_of="2025-01-01", months=12)


def test_the_window_and_the_candidates(flemish, processed):
    assert flemish.window == (pd.Timestamp("2024-01-01"), pd.Timestamp("2025-01-01"))
    regions = pd.read_parquet(processed / "regions.parquet")
    regions = regions[regions["country"] == "BE"]
    started = regions.loc[regions["first_start"] < "2025-01-01", "region_id"]
    assert len(started) == 4 and not set(started) & set(flemish.regions["region_id"])
    later = regions.loc[regions["first_start"] == "2025-01-01", "region_id"]
    assert set(later) <= set(flemish.regions["region_id"]), "a pilot starting later may be chosen"
    assert (flemish.regions["country"] == "BE").all()


def test_panel_indicators_are_the_region_sums_over_the_window(flemish, processed):
    panel = pd.read_parquet(processed / "practice_month.parquet")
    window = panel[(panel["month"] >= "2024-01-01") & (panel["month"] < "2025-01-01")]
    values = flemish.values()
    for region in ("BE-ELZ08", "BE-ELZ02"):  # a pilot zone starting 2025 and a one-practice zone
        mine = window[window["region_id"] == region]
        assert values.loc[region, "gp_fte_per_10000"] == pytest.approx(
            10_000 * mine["gp_fte"].sum() / mine["list_size"].sum()
        )
        assert values.loc[region, "contacts_per_gp_fte"] == pytest.approx(
            mine["gp_contacts"].sum() / mine["gp_fte"].sum()
        )
        assert values.loc[region, "patient_stop_share"] == pytest.approx(
            mine["patient_stop_share"].mean()
        )
        assert values.loc[region, "third_next_available_days"] == pytest.approx(
            mine["third_next_available_days"].mean()
        )
        practices = flemish.regions.set_index("region_id").loc[region, "n_practices"]
        assert practices == mine["practice_id"].nunique()


def test_survey_and_population_indicators(flemish, processed):
    survey = read_survey(processed)
    assert flemish.survey_wave == pd.Timestamp("2024-10-01")
    wave = survey[(survey["wave"] == "2024-10-01") & (survey["region_id"] == "BE-ELZ08")]
    expected = wave_means(wave, "workload_score")["mean"].iloc[0]
    assert flemish.values().loc["BE-ELZ08", "workload_score"] == pytest.approx(expected)
    population = read_input(processed, "population")
    zone = population[(population["region_id"] == "BE-ELZ08") & (population["year"] == 2025)]
    share = zone.loc[zone["age_group"] == "75+", "population"].sum() / zone["population"].sum()
    assert flemish.values().loc["BE-ELZ08", "population_75_share"] == pytest.approx(share)


def test_values_from_few_practices_or_gps_are_withheld(flemish):
    hidden = withheld(flemish, threshold=10)
    one_practice = flemish.regions.loc[flemish.regions["n_practices"] == 1, "region_id"]
    assert hidden.loc[one_practice, "patient_stop_share"].all()
    assert hidden.loc[one_practice, "workload_score"].all()
    assert not hidden["gp_fte_per_10000"].any() and not hidden["population_75_share"].any()
    assert not withheld(flemish, threshold=1).to_numpy().any()
    assert [disclosure_unit(i) for i in INDICATORS] == [
        None, "practices", None, "respondents", None, None,
    ]  # fmt: skip


def test_the_ranking_table_withholds_and_never_shows_a_score(flemish):
    weights = dict.fromkeys(INDICATORS, 1.0)
    directions = {i: "higher" for i in INDICATORS} | {"gp_fte_per_10000": "lower"}
    scores = need_scores(flemish.values(), weights, directions)
    stability = rank_stability(flemish, weights, directions, top_n=6, n_replicates=50)
    words = Words("nl", "BE")
    table = ranking_table(
        scores, stability, flemish, words, threshold=10, show=len(flemish.regions)
    )
    names = flemish.regions.set_index("region_id")["name"]
    one = flemish.regions.loc[flemish.regions["n_practices"] == 1, "region_id"]
    rows = table.set_index("regio").loc[names[one]]
    assert rows["patiëntenstop"].isna().all()
    assert rows["fte huisarts per 10.000 patiënten"].notna().all()
    assert set(rows["praktijken"]) == {"<10"}
    assert table["rang"].str.fullmatch(r"\d+e").all(), "ranks read as ordinals"
    shown = values_table(flemish, list(one[:2]), words, threshold=10)
    assert shown["patiëntenstop"].iloc[:2].isna().all()


def test_an_unknown_indicator_or_country_is_one_clear_error(processed):
    with pytest.raises(WorkbenchError, match="unknown indicator.*gp_ftes"):
        need_indicators(processed, ["gp_ftes"], country="BE")
    with pytest.raises(WorkbenchError, match="no regions of country 'DE'"):
        need_indicators(processed, INDICATORS, country="DE")
    with pytest.raises(WorkbenchError, match="no practice-months"):
        need_indicators(processed, INDICATORS, country="BE", as_of="2010-01-01")


def test_missing_planning_inputs_are_named(tmp_path):
    assert missing_inputs(tmp_path, ["population", "training"]) == ["population", "training"]
    assert read_input(tmp_path, "population").empty
    with pytest.raises(ValueError, match="not a planning input"):
        read_input(tmp_path, "regions")
