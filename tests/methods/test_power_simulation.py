"""Simulated power of the region reports' estimator, and the analytic answer beside it.

The simulation must run the reports' own estimation path (checked against
``evaluate_region`` replicate by replicate) and, on simple designs, agree with
the analytic power of ``analysis.methods.power`` within simulation error:
with equicorrelated periods (McKenzie 2012) and with serially correlated
months whose covariance is estimated from simulated history (Burlig, Preonas &
Woerman 2020), where the single-rho formula is far off.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.evaluation import RegionData, evaluate_region
from analysis.methods import (
    power,
    report_covariance,
    simulate_power,
    simulate_practice_months,
    simulated_power_curve,
)
from analysis.simulation import coverage_band

REGION = pd.Series({"region_id": "pilot-region", "name": "simulated pilot", "country": "NL"})


def region_data(panel: pd.DataFrame) -> RegionData:
    return RegionData(
        region=REGION, panel=panel, interventions=pd.DataFrame(), events=pd.DataFrame()
    )


@pytest.mark.parametrize(
    ("scale", "outcome"), [("difference", "simulated_share"), ("ratio", "simulated_rate")]
)
def test_each_replicate_is_the_region_reports_primary_estimate(scale, outcome):
    effect = 0.03 if scale == "difference" else -0.1
    design = {"n_treated": 5, "n_control": 7, "months_pre": 9, "months_post": 9, "sd": 0.1}
    sim = simulate_power(effect, scale=scale, n_replicates=3, seed=5, **design)
    streams = np.random.SeedSequence(5).spawn(3)
    for stream, row in zip(streams, sim.replicates.itertuples(), strict=True):
        panel = simulate_practice_months(
            effect, scale=scale, seed=np.random.default_rng(stream), **design
        )
        report = evaluate_region(region_data(panel), [outcome])
        primary = next(e for e in report.effects if e.primary)
        assert primary.method == "att_gt" and primary.n_practices == 5
        if scale == "difference":  # the report shows the simulated scale itself
            assert (primary.estimate, primary.ci_low, primary.ci_high) == pytest.approx(
                (row.estimate, row.ci_low, row.ci_high), rel=1e-12
            )
        # the report's ratio interval excludes 1 exactly when the simulation rejects
        no_effect = 0.0 if scale == "difference" else 1.0
        assert row.reject == (not primary.ci_low <= no_effect <= primary.ci_high)


def test_simulated_pilots_carry_the_effect_on_the_reports_scale():
    design = {"n_treated": 10, "n_control": 10, "months_pre": 12, "months_post": 12}
    ratio = simulate_power(-0.2, sd=0.1, n_replicates=40, seed=1, **design)
    assert abs(ratio.mean_estimate + 0.2) < 4 * ratio.empirical_se / math.sqrt(40)
    # a 6-month ramp: 1/6 .. 6/6 then full, averaged over 12 post months = 0.7917
    ramp = simulate_power(-0.2, sd=0.1, ramp_months=6, n_replicates=40, seed=1, **design)
    assert abs(ramp.mean_estimate + 0.2 * 9.5 / 12) < 4 * ramp.empirical_se / math.sqrt(40)
    share = simulate_power(0.05, sd=0.05, scale="difference", n_replicates=40, seed=2, **design)
    assert abs(share.mean_estimate - 0.05) < 4 * share.empirical_se / math.sqrt(40)
    assert ratio.settings["effect"] == -0.2 and ramp.settings["ramp_months"] == 6
    assert (
        ratio.replicates["reject"].tolist()
        == ((ratio.replicates["ci_high"] < 0) | (ratio.replicates["ci_low"] > 0)).tolist()
    )


def test_simulated_practice_months_follow_the_planned_design():
    panel = simulate_practice_months(
        -0.1, n_treated=7, n_control=4, months_pre=6, months_post=12, waves=(0, 3, 6), seed=3
    )
    assert panel["month"].nunique() == 18 and panel["practice_id"].nunique() == 11
    starts = panel.drop_duplicates("practice_id")["first_treated_month"]
    # 7 pilots over 3 waves: 3, 2, 2, from month 7 (2020-07) every 3 months
    assert starts.dropna().dt.strftime("%Y-%m").value_counts().sort_index().to_dict() == {
        "2020-07": 3,
        "2020-10": 2,
        "2021-01": 2,
    }
    assert starts.isna().sum() == 4
    assert set(panel.loc[starts.index[starts.isna()], "region_id"]) == {"comparison"}
    assert (panel["simulated_rate"] > 0).all()
    again = simulate_practice_months(
        -0.1, n_treated=7, n_control=4, months_pre=6, months_post=12, waves=(0, 3, 6), seed=3
    )
    pd.testing.assert_frame_equal(panel, again)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_treated": 1}, "n_treated must be at least 2"),
        ({"n_control": 0}, "n_control must be a whole number >= 1"),
        ({"months_pre": 0}, "months_pre must be a whole number >= 1"),
        ({"waves": (0, 12)}, "at or after the end of the 12 months_post"),
        ({"waves": (3, 6)}, "increasing month offsets starting at 0"),
        ({"ar1": 1.0}, r"ar1 must be in \(-1, 1\)"),
        ({"sd": 0.0}, "sd must be a positive number"),
        ({"scale": "log"}, "scale must be one of"),
        ({"effect": -1.5}, "above -1"),
        ({"alpha": 0.0}, "alpha must be between 0 and 1"),
        ({"n_replicates": 0}, "n_replicates must be positive"),
    ],
)
def test_bad_simulation_designs_are_refused(kwargs, message):
    args = {"effect": -0.1, "n_treated": 5, "n_control": 5, "n_replicates": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        simulate_power(**args)


def test_simulated_power_curve_has_a_row_per_design():
    seen = []
    curve = simulated_power_curve(
        -0.3,
        [3, 6],
        n_control=5,
        sd=0.1,
        months_pre=6,
        months_post=6,
        n_replicates=4,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert curve[["n_treated", "n_control"]].to_numpy().tolist() == [[3, 5], [6, 5]]
    assert list(curve.columns) == ["n_treated", "n_control", "effect", "power", "mc_se"]
    assert seen == [(1, 2), (2, 2)]


def test_report_covariance_uses_untreated_practice_months_on_the_reports_scale():
    panel = simulate_practice_months(
        0.0, n_treated=20, n_control=300, months_pre=12, months_post=12, sd=0.1, ar1=0.6, seed=4
    )
    # pilots lose their post-start quarters, so only comparison practices are complete
    everything = report_covariance(panel, "simulated_rate")
    assert everything.n_periods == 8 and everything.n_units == 300
    before = report_covariance(panel, "simulated_rate", before="2021-01-01")
    assert before.n_periods == 4 and before.n_units == 320
    # the relative scale divides each practice's level out: the monthly noise
    # (sd 0.1, AR(1) 0.6) is recovered by fit_ar1 after centring
    monthly = report_covariance(panel, "simulated_rate", before="2021-01-01", period="month")
    assert monthly.n_periods == 12
    sd, ar1 = monthly.fit_ar1()
    assert sd == pytest.approx(0.1, abs=0.01) and ar1 == pytest.approx(0.6, abs=0.08)
    with pytest.raises(ValueError, match=r"no column\(s\) \['referral_rate'\]"):
        report_covariance(panel, "referral_rate")
    with pytest.raises(ValueError, match="period must be one of"):
        report_covariance(panel, "simulated_rate", period="week")
    with pytest.raises(ValueError, match="no practice-months without an intervention"):
        report_covariance(panel, "simulated_rate", before="2019-01-01")


# --------------------------------------------------------------- analytic vs simulated

N_REPLICATES = 300


def assert_between_t_and_normal(sim, **analytic) -> None:
    """The reports' interval uses t quantiles on pilot practices - 1 df but an
    influence-function SE that is slightly too small with few practices, so the
    power of the real estimator lies between the analytic answers with t and with
    normal quantiles: check that, within 3 Monte Carlo standard errors."""
    with_t = power(distribution="t", **analytic)
    normal = power(distribution="normal", **analytic)
    margin = 3 * sim.mc_se
    assert with_t - margin <= sim.power <= normal + margin, (with_t, sim.power, normal)


@pytest.mark.slow
def test_analytic_power_agrees_with_the_simulated_reports_estimator():
    """Independent months (sd 0.15), 20 + 20 practices, 12 + 12 months. The reports
    compare 4 post quarters with the last quarter before the start, so the analytic
    design is periods_pre=1, periods_post=4 with quarterly sd 0.15 / sqrt(3) and
    rho = 0 (practice levels are divided out)."""
    design = {"n_treated": 20, "n_control": 20, "months_pre": 12, "months_post": 12}
    sim = simulate_power(-0.08, sd=0.15, n_replicates=N_REPLICATES, seed=21, **design)
    analytic = {"n_treated": 20, "n_control": 20, "periods_pre": 1, "periods_post": 4}
    sd_quarter = 0.15 / math.sqrt(3)
    assert_between_t_and_normal(sim, effect=-0.08, sd=sd_quarter, **analytic)
    # the estimator's spread is the analytic standard error (4% Monte Carlo error)
    se = sd_quarter * math.sqrt((1 / 4 + 1) * (1 / 20 + 1 / 20))
    assert sim.empirical_se == pytest.approx(se, rel=0.12)
    # without an effect the reports' t interval rejects at its nominal 5%
    null = simulate_power(0.0, sd=0.15, n_replicates=N_REPLICATES, seed=22, **design)
    low, high = coverage_band(N_REPLICATES, level=0.05)
    assert low <= null.power <= high


@pytest.mark.slow
def test_covariance_from_history_predicts_power_where_a_single_rho_fails():
    """Monthly AR(1) noise with rho 0.8 (sd 0.12). The quarterly covariance is
    estimated from 24 months of simulated history of 400 practices, as the
    planning notebook does from the processed data; the serial-correlation-robust
    power (Burlig, Preonas & Woerman 2020) then matches the simulated power of
    the reports' estimator, while McKenzie's formula with the lag-1 correlation
    as its single rho overstates it badly."""
    history = simulate_practice_months(
        0.0, n_treated=2, n_control=400, months_pre=24, months_post=1, sd=0.12, ar1=0.8, seed=11
    )
    quarterly = report_covariance(history, "simulated_rate", before="2022-01-01")
    design = {"n_treated": 20, "n_control": 20, "periods_pre": 1, "periods_post": 4}
    sim = simulate_power(
        -0.07,
        n_treated=20,
        n_control=20,
        months_pre=12,
        months_post=12,
        sd=0.12,
        ar1=0.8,
        n_replicates=N_REPLICATES,
        seed=23,
    )
    assert_between_t_and_normal(sim, effect=-0.07, covariance=quarterly, **design)
    single_rho = power(
        effect=-0.07,
        sd=quarterly.sd,
        autocorrelation=quarterly.autocorrelation[1],
        distribution="t",
        **design,
    )
    assert single_rho - sim.power > 6 * sim.mc_se, (single_rho, sim.power)
