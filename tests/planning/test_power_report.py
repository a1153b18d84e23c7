"""The pilot-power page's plan: the data's own variance, the reports' design, a consistent curve."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import WorkbenchError
from analysis.methods import power, report_covariance, required_practices
from analysis.planning.power_report import plan_power, power_summary, power_table
from analysis.words import Words

OUTCOME = "referral_rate_medical_specialist"


@pytest.fixture(scope="module")
def processed(demo_data):
    return demo_data / "processed"


@pytest.fixture(scope="module")
def plan(processed):
    return plan_power(
        processed, OUTCOME, effect=-0.10, country="NL", practices=[10, 20],
        simulate_at=[10], n_replicates=20, seed=1,
    )  # fmt: skip


def test_the_variance_comes_from_the_months_before_the_first_pilot(plan, processed):
    panel = pd.read_parquet(processed / "practice_month.parquet")
    dutch = panel[panel["country"] == "NL"]
    assert plan.until == pd.Timestamp("2015-12-01")  # Noord-Limburg starts January 2016
    expected = report_covariance(
        dutch[["practice_id", "month", "first_treated_month", OUTCOME]],
        OUTCOME,
        before="2016-01-01",
    )
    assert plan.covariance.n_units == expected.n_units
    pd.testing.assert_frame_equal(plan.covariance.matrix, expected.matrix)
    design = {"covariance": expected, "periods_pre": 1, "periods_post": 4}
    assert plan.required_t == required_practices(-0.10, distribution="t", **design)
    assert plan.required_normal == required_practices(-0.10, **design)


def test_the_number_needed_is_where_the_curve_crosses_the_target(plan):
    curve = plan.curve.set_index("n_treated")
    assert plan.required_normal <= plan.required_t
    assert curve.loc[plan.required_t, "power_t"] >= 0.8 > curve.loc[plan.required_t - 1, "power_t"]
    assert curve["power_t"].is_monotonic_increasing and curve["mde_t"].is_monotonic_decreasing
    assert (curve["power_normal"] >= curve["power_t"]).all()
    at_ten = power(
        effect=-0.10, n_treated=10, n_control=10, covariance=plan.covariance, periods_pre=1,
        periods_post=4, distribution="t",
    )  # fmt: skip
    assert curve.loc[10, "power_t"] == pytest.approx(at_ten)


def test_the_page_says_it_in_words_with_the_simulation(plan):
    words = Words("nl", "NL")
    text = power_summary(plan, words, threshold=10)
    assert f"**{plan.required_t} pilotpraktijken**" in text
    assert "daling van 10%" in text and "gesimuleerde pilots" in text
    table = power_table(plan, [10, 20], words)
    assert table["pilotpraktijken"].tolist() == ["10", "20"]
    assert table["kans (simulatie)"].notna().tolist() == [True, False]
    assert len(plan.simulated) == 1 and plan.simulated["n_treated"].iloc[0] == 10


def test_a_design_the_data_cannot_support_is_refused(processed):
    with pytest.raises(WorkbenchError, match="at least 3"):
        plan_power(processed, OUTCOME, effect=-0.1, country="NL", months_post=2)
    with pytest.raises(WorkbenchError, match="not a column"):
        plan_power(processed, "referral_rates", effect=-0.1, country="NL")
    with pytest.raises(WorkbenchError, match="complete quarters"):
        plan_power(processed, OUTCOME, effect=-0.1, country="NL", months_post=240)
