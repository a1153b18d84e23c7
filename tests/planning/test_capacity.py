"""The capacity outlook's arithmetic against hand computations, and its inputs from the demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import WorkbenchError
from analysis.planning.capacity import (
    BAND_AGES,
    Assumptions,
    RegionCapacity,
    capacity_inputs,
    capacity_outlook,
    gap_year,
    project,
)

NO_RETIREMENT = {"retirement_age": 500.0, "retirement_spread": 1.0}


def region(
    *,
    band: str = "45-54",
    heads: float = 2.0,
    hours: float = 40.0,
    graduates: float = 0.0,
    settle: float = 0.5,
    population: dict[str, list[float]] | None = None,
    contacts: tuple[float, ...] = (5.0,),
    reference: float = 5.0,
    years: int = 4,
) -> RegionCapacity:
    """A small region: GPs in one band, 40,000 inhabitants, 4,000 of them on the lists."""
    counts = np.zeros(len(BAND_AGES))
    counts[list(BAND_AGES).index(band)] = heads
    pop = pd.DataFrame(population or {"all": [40_000.0] * years}, index=range(2026, 2026 + years))
    return RegionCapacity(
        region_id="R",
        country="NL",
        base_year=2026,
        heads=counts,
        hours=np.where(counts > 0, hours, 0.0),
        hours_per_fte=40.0,
        new_gp_hours=40.0,
        listed=4_000.0,
        population=pop,
        contacts=np.asarray(contacts),
        reference_contacts=reference,
        graduates=np.full(years - 1, graduates),
        settle_share=np.full(years - 1, settle),
        patients_per_fte=2_000.0,
    )


def test_supply_with_leaving_and_inflow_matches_a_hand_computation():
    """2 FTE, 10% leave each year; 10 graduates a year, half settle, 10% on these lists.

    By hand: new GPs per year = 10 x 0.5 x 0.1 = 0.5 FTE, arriving from the year after
    the count and then leaving like the others.
    t=0: 2; t=1: 2 x 0.9 + 0.5 = 2.3; t=2: 2 x 0.81 + 0.5 x 0.9 + 0.5 = 2.57;
    t=3: 2 x 0.729 + 0.5 x (0.81 + 0.9 + 1) = 2.813. Need: 10% of 40,000 inhabitants
    x 5 contacts / (2,000 patients per FTE x 5 contacts) = 2 FTE every year.
    """
    out = project(region(graduates=10.0), Assumptions(leaving_per_year=0.1, **NO_RETIREMENT))
    assert out["supply"][0] == pytest.approx([2.0, 2.3, 2.57, 2.813])
    assert out["need"][0] == pytest.approx([2.0] * 4)
    assert out["ratio"][0] == pytest.approx([1.0, 1.15, 1.285, 1.4065])


def test_gps_retire_at_the_retirement_age():
    """Ages 60.5 ... 64.5 spread evenly; with retirement at 65 sharp one in five goes a year."""
    out = project(
        region(band="60-64", heads=5.0, years=6),
        Assumptions(retirement_age=65.0, retirement_spread=0.01, leaving_per_year=0.0),
    )
    assert out["supply"][0] == pytest.approx([5.0, 4.0, 3.0, 2.0, 1.0, 0.0], abs=1e-9)


def test_need_grows_with_ageing_by_the_contacts_of_each_age_group():
    """Two age groups with 2 and 8 contacts a year; the older one grows by 1,000 a year.

    Need(t) = coverage x sum(pop x contacts) / (2,000 x reference), coverage 4,000 / 40,000.
    t=0: 0.1 x (30,000 x 2 + 10,000 x 8) / (2,000 x 3.5) = 2.0;
    t=1: 0.1 x (30,000 x 2 + 11,000 x 8) / 7,000 = 2.1143 (coverage fixed at the count).
    """
    population = {"young": [30_000.0, 30_000.0], "old": [10_000.0, 11_000.0]}
    out = project(
        region(population=population, contacts=(2.0, 8.0), reference=3.5, years=2),
        Assumptions(**NO_RETIREMENT, leaving_per_year=0.0),
    )
    assert out["need"][0] == pytest.approx([2.0, 0.1 * (60_000 + 88_000) / 7_000])


def test_trends_in_hours_and_contacts_compound():
    out = project(
        region(years=3),
        Assumptions(**NO_RETIREMENT, leaving_per_year=0.0, hours_trend=-0.1, contacts_trend=0.1),
    )
    assert out["supply"][0] == pytest.approx([2.0, 1.8, 1.62])
    assert out["need"][0] == pytest.approx([2.0, 2.2, 2.42])


def test_measures_count_as_fte_equivalents_from_their_year():
    """1 nurse FTE per 10,000 listed patients worth 0.3 GP FTE, and 0.5 PA worth 0.7:
    4,000 patients -> 0.4 x 0.3 + 0.2 x 0.7 = 0.26 FTE from 2028 on."""
    measures = Assumptions(
        **NO_RETIREMENT, leaving_per_year=0.0, nurse_fte_per_10000=1.0, pa_fte_per_10000=0.5,
        measures_from=2028,
    )  # fmt: skip
    out = project(region(), measures)
    assert out["supply"][0] == pytest.approx([2.0, 2.0, 2.26, 2.26])


def test_extra_training_places_add_graduates_who_settle_as_the_others():
    """2 extra graduates per 100,000 inhabitants: 0.8 a year for 40,000, half settle,
    10% on these lists: 0.04 FTE more each year from the year after the count."""
    out = project(
        region(graduates=10.0),
        Assumptions(**NO_RETIREMENT, leaving_per_year=0.0, extra_graduates_per_100000=2.0),
    )
    assert out["supply"][0] == pytest.approx([2.0, 2.54, 3.08, 3.62])


def test_the_gap_opens_in_the_first_year_below_need():
    years = np.array([2026, 2027, 2028])
    assert gap_year(years, np.array([[1.1, 0.99, 1.2]]))[0] == 2027
    assert np.isnan(gap_year(years, np.array([[1.0, 1.0, 1.0]]))[0])
    out = project(region(), Assumptions(**NO_RETIREMENT, leaving_per_year=0.1))
    assert gap_year(out["years"], out["ratio"])[0] == 2027


def test_the_band_comes_from_the_ranges_and_scenarios_share_the_draws():
    ranges_fixed = {"leaving_per_year": [0.05, 0.05, 0.05]}
    ranges_wide = {"leaving_per_year": [0.0, 0.05, 0.3]}
    scenarios = {"baseline": {}, "nurses": {"nurse_fte_per_10000": 5.0}}
    inputs = [region(graduates=10.0, years=10)]
    fixed = capacity_outlook(inputs, ranges=ranges_fixed, scenarios=scenarios, n_draws=50)
    wide = capacity_outlook(inputs, ranges=ranges_wide, scenarios=scenarios, n_draws=200)
    gaps = fixed.gaps.set_index("scenario")
    assert (gaps["gap_low"] == gaps["gap_high"]).all()
    lines = fixed.years[fixed.years["scenario"] == "baseline"]
    assert np.allclose(lines["ratio_low"], lines["ratio"]) and np.allclose(
        lines["ratio_high"], lines["ratio"]
    )
    wide_lines = wide.years[wide.years["scenario"] == "baseline"]
    assert (wide_lines["ratio_high"] - wide_lines["ratio_low"]).iloc[-1] > 0.1
    nurses = wide.years[wide.years["scenario"] == "nurses"].set_index("year")["ratio"]
    base = wide_lines.set_index("year")["ratio"]
    assert (nurses.loc[2027:] > base.loc[2027:]).all()
    with pytest.raises(ValueError, match="low <= central <= high"):
        capacity_outlook(inputs, ranges={"hours_trend": [0.0, -0.1, 0.1]}, scenarios=scenarios)


def test_the_outlook_names_the_planning_inputs_it_misses(tmp_path):
    with pytest.raises(WorkbenchError, match="gp_workforce, population, contact_rates"):
        capacity_inputs(tmp_path, patients_per_fte={"NL": 2095.0})


def test_an_unknown_assumption_is_refused():
    with pytest.raises(ValueError, match="unknown assumption"):
        Assumptions().with_changes({"nurse_fte": 1.0})


def test_the_demo_inputs_start_from_the_counted_gps_and_their_practices(demo_data):
    processed = demo_data / "processed"
    norms = {"NL": 2095.0, "BE": 1100.0}
    inputs, skipped = capacity_inputs(processed, horizon=2035, patients_per_fte=norms)
    workforce = pd.read_parquet(processed / "gp_workforce.parquet")
    panel = pd.read_parquet(processed / "practice_month.parquet")
    assert {r.region_id for r in inputs} | set(skipped) == set(
        pd.read_parquet(processed / "regions.parquet")["region_id"]
    )
    assert set(skipped.values()) <= {"no_gps"}
    assert sum(r.gps for r in inputs) == workforce["gps"].sum()
    for country in ("NL", "BE"):
        mine = [r for r in inputs if r.country == country]
        counted = workforce[workforce["practice_id"].str.startswith(country)]
        at_count = panel.merge(
            counted[["practice_id", "date"]].drop_duplicates(),
            left_on=["practice_id", "month"],
            right_on=["practice_id", "date"],
        )
        # the country's FTE at the count is the supply in the first projected year
        supply = sum(project(r, Assumptions())["supply"][0, 0] for r in mine)
        assert supply == pytest.approx(at_count["gp_fte"].sum())
        assert sum(r.listed for r in mine) == pytest.approx(at_count["list_size"].sum())
        for r in mine:
            assert r.years[0] == r.base_year and r.years[-1] == 2035
            assert 0 < r.coverage < 1
