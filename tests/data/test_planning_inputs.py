"""The planning inputs: realistic in the demo, validated by the ingest, optional for a study."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from rawedit import set_cell

from analysis.data.contract import AGE_GROUPS, PLANNING_TABLES
from analysis.data.demo import generate_demo
from analysis.data.demo import planning as demo_planning
from analysis.data.ingest import ingest
from analysis.errors import InputError


def test_the_demo_population_grows_ages_and_reaches_2035(demo_processed: Path) -> None:
    population = pd.read_parquet(demo_processed / "population.parquet")
    regions = pd.read_parquet(demo_processed / "regions.parquet")
    assert set(population["region_id"]) == set(regions["region_id"])
    assert set(population["age_group"]) == set(AGE_GROUPS)
    assert population.groupby("region_id")["year"].max().eq(2035).all()
    first = population.groupby("region_id")["year"].transform("min") == population["year"]
    totals = population[first].groupby("region_id")["population"].sum()
    expected = regions.set_index("region_id")["population"]
    assert ((totals - expected.reindex(totals.index)).abs() <= 3).all(), "rounding per group"
    share = population.pivot_table(
        index=["region_id", "year"], columns="age_group", values="population"
    ).pipe(lambda t: t["75+"] / t.sum(axis=1))
    change = share.groupby("region_id").agg(lambda s: s.iloc[-1] - s.iloc[0])
    assert (change > 0).all(), "every region ages"
    assert population.loc[population["year"] > 2026, "projected"].all()
    assert not population.loc[population["year"] <= 2021, "projected"].any()


def test_the_demo_contacts_gps_and_training_are_plausible(demo_processed: Path) -> None:
    rates = pd.read_parquet(demo_processed / "contact_rates.parquet")
    population = pd.read_parquet(demo_processed / "population.parquet")
    regions = pd.read_parquet(demo_processed / "regions.parquet")
    per_person = {}
    for country, first_year in (("NL", 2014), ("BE", 2022)):
        ids = regions.loc[regions["country"] == country, "region_id"]
        rows = population[population["region_id"].isin(ids) & (population["year"] == first_year)]
        by_group = rows.groupby("age_group")["population"].sum()
        own = rates[rates["country"] == country].set_index("age_group")["contacts_per_year"]
        per_person[country] = float((by_group * own).sum() / by_group.sum())
    assert 4.6 < per_person["NL"] < 5.4 and 5.6 < per_person["BE"] < 6.5  # DESIGN.md
    workforce = pd.read_parquet(demo_processed / "gp_workforce.parquet")
    panel = pd.read_parquet(demo_processed / "practice_month.parquet")
    at_count = panel.merge(
        workforce[["practice_id", "date"]].drop_duplicates(),
        left_on=["practice_id", "month"],
        right_on=["practice_id", "date"],
    )
    heads = workforce.groupby(workforce["practice_id"].str[:2])["gps"].sum()
    fte = at_count.groupby("country")["gp_fte"].sum()
    assert 1.0 < heads["NL"] / fte["NL"] < 1.4 and 0.85 < heads["BE"] / fte["BE"] < 1.15
    older = (
        workforce[workforce["age_band"].isin(["60-64", "65+"])]
        .groupby(workforce["practice_id"].str[:2])["gps"]
        .sum()
    )
    assert older["BE"] / heads["BE"] > older["NL"] / heads["NL"], "Flanders' GPs are older"
    assert (workforce["region_id"] == workforce["practice_id"].map(
        panel.drop_duplicates("practice_id").set_index("practice_id")["region_id"]
    )).all()  # fmt: skip
    training = pd.read_parquet(demo_processed / "training.parquet").set_index(["region_id", "year"])
    knh, nli = training.loc["NL-KNH"], training.loc["NL-NLI"]
    assert knh.loc[2020:, "settle_share"].eq(0.75).all() and nli["settle_share"].max() < 0.75
    assert knh.loc[2020:, "graduates"].mean() > knh.loc[:2018, "graduates"].mean()


@pytest.mark.slow
def test_the_planning_inputs_never_change_the_other_files(
    demo_raw: Path,
    tmp_path: Path,
    hash_tree: Callable[[Path], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new planning input draws from its own stream: the panel and events keep their bytes."""
    monkeypatch.setattr(demo_planning, "PLANNING_STREAM", 99)
    other = hash_tree(generate_demo(tmp_path / "raw", seed=42))
    before = hash_tree(demo_raw)
    planning = {f"{name}.csv" for name in PLANNING_TABLES} - {"contact_rates.csv"}
    assert {k: v for k, v in other.items() if k not in planning} == {
        k: v for k, v in before.items() if k not in planning
    }
    assert all(other[name] != before[name] for name in planning)


@pytest.mark.parametrize(
    ("table", "line", "column", "value", "words"),
    [
        ("population", 3, "age_group", "80+", "allowed values are: 0-14, 15-44"),
        ("population", 2, "year", "35", "below the minimum 1900"),
        ("gp_workforce", 2, "practice_id", "NLNLI-P999", "does not exist in practices"),
        ("gp_workforce", 2, "age_band", "60+", "allowed values are: <35, 35-44"),
        ("gp_workforce", 3, "hours_per_week", "-4", "negative value '-4'"),
        ("training", 2, "settle_share", "1,5", "decimal comma"),
        ("training", 2, "settle_share", "1.5", "above the maximum 1"),
        ("contact_rates", 2, "country", "DE", "allowed values are: NL, BE"),
    ],
)
def test_a_bad_planning_input_names_file_line_column_and_fix(
    mini_raw: Path, tmp_path: Path, table: str, line: int, column: str, value: str, words: str
) -> None:
    set_cell(mini_raw / f"{table}.csv", line, column, value)
    with pytest.raises(InputError) as info:
        ingest(mini_raw, tmp_path / "processed")
    message = str(info.value)
    assert f"{table}.csv" in message and f"line {line}" in message, message
    assert f"column '{column}'" in message and words in message and "Fix:" in message, message
    assert not (tmp_path / "processed").exists()


def test_a_study_without_planning_inputs_ingests_and_writes_none(
    mini_raw: Path, tmp_path: Path
) -> None:
    for name in PLANNING_TABLES:
        (mini_raw / f"{name}.csv").unlink()
    summary = ingest(mini_raw, tmp_path / "processed")
    assert not any(
        (tmp_path / "processed" / f"{name}.parquet").exists() for name in PLANNING_TABLES
    )
    assert summary.n_practices == 4


def test_the_mini_study_s_planning_inputs_reach_the_processed_folder(
    mini_raw: Path, tmp_path: Path
) -> None:
    ingest(mini_raw, tmp_path / "processed")
    raw = pd.read_csv(mini_raw / "gp_workforce.csv")
    processed = pd.read_parquet(tmp_path / "processed" / "gp_workforce.parquet")
    assert len(processed) == len(raw) and processed["region_id"].notna().all()
    assert processed["gps"].sum() == raw["gps"].sum()
