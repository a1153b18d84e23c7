"""Reduced simulation study (see benchmarks/did_simulation.py, docs/validation.md).

40 replicates of a staggered panel with dynamic, cohort-specific effects:
att_gt's 95% intervals must cover the true simple-aggregation ATT at a rate
consistent with 95% and its bias must be small; static TWFE must show the
known bias of forbidden comparisons and be further off than att_gt.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from analysis.simulation import (
    coverage_band,
    coverage_study,
    default_effect,
    simulate_staggered_panel,
    twfe_weights,
)

# att_gt and twfe take a few ms per replicate, so the reduced run can afford
# 200 replicates (about 2 s) and a tighter binomial band than 40 would give.
N_REPLICATES = 200
SEED = 11


def test_simulated_panel_truth():
    sim = simulate_staggered_panel(n_units=120, n_periods=8, seed=3)
    df = sim.data
    assert len(df) == 120 * 8
    # truth by hand for the default design: sum_g share_g * sum_e effect / sum_g share_g * n_post
    num = 0.3 * (1 + 2 + 3 * 4) + 0.25 * (2 / 3 + 4 / 3 + 2 + 2) + 0.2 * (1 / 3 + 2 / 3)
    den = 0.3 * 6 + 0.25 * 4 + 0.2 * 2
    assert sim.true_att == pytest.approx(num / den)
    post = df[df["treated"] == 1]
    assert sim.sample_att == pytest.approx(post["effect"].mean())
    # treatment is absorbing and starts at the cohort's period
    assert ((df["treated"] == 1) == ((df["cohort"] > 0) & (df["time"] >= df["cohort"]))).all()
    att = sim.true_att_gt.set_index(["cohort", "time"])["att"]
    assert att[(3, 2)] == 0
    assert att[(3, 3)] == pytest.approx(default_effect(3, 0)) == pytest.approx(1.0)
    assert att[(5, 8)] == pytest.approx(2.0)
    # reproducible
    again = simulate_staggered_panel(n_units=120, n_periods=8, seed=3)
    pd.testing.assert_frame_equal(df, again.data)


def test_docstring_examples():
    result = doctest.testmod(importlib.import_module("analysis.simulation"))
    assert result.attempted > 0 and result.failed == 0


def test_simulation_design_errors():
    with pytest.raises(ValueError, match="sum to less than 1"):
        simulate_staggered_panel(50, 8, cohorts={3: 0.6, 5: 0.5}, seed=1)
    with pytest.raises(ValueError, match="start periods"):
        simulate_staggered_panel(50, 8, cohorts={1: 0.3}, seed=1)


def test_fixed_cohort_sizes():
    sim = simulate_staggered_panel(30, 8, cohort_sizes={3: 4, 6: 2}, seed=1)
    per_unit = sim.data.drop_duplicates("unit")["cohort"].value_counts().to_dict()
    assert per_unit == {3: 4, 6: 2, 0: 24}
    # the estimand weights the cohorts by their realised shares 4/30 and 2/30
    post = sim.true_att_gt[sim.true_att_gt["event_time"] >= 0]
    weights = post["cohort"].map({3: 4, 6: 2})
    assert sim.true_att == pytest.approx(np.average(post["att"], weights=weights))
    with pytest.raises(ValueError, match="not both"):
        simulate_staggered_panel(30, 8, cohorts={3: 0.2}, cohort_sizes={3: 4})
    with pytest.raises(ValueError, match="at least one unit must stay never treated"):
        simulate_staggered_panel(6, 8, cohort_sizes={3: 4, 6: 2})
    with pytest.raises(ValueError, match="positive whole numbers"):
        simulate_staggered_panel(30, 8, cohort_sizes={3: 0})


def test_coverage_band_is_binomial():
    lo, hi = coverage_band(40)
    # P(X <= 33) < 0.005 <= P(X <= 34) for X ~ Binomial(40, 0.95)
    assert lo == pytest.approx(34 / 40) and hi == 1.0
    assert coverage_band(200) == pytest.approx((181 / 200, 197 / 200))


def test_twfe_weights_of_default_design():
    w = twfe_weights()
    assert w["twfe_weight"].sum() == pytest.approx(1.0)
    assert w["simple_weight"].sum() == pytest.approx(1.0)
    # late periods of the first cohort get negative weight: "forbidden comparisons"
    late = w[(w["cohort"] == 3) & (w["event_time"] >= 4)]
    assert (late["twfe_weight"] < 0).all()
    sim = simulate_staggered_panel(n_units=50, seed=0)
    assert (w["simple_weight"] * w["att"]).sum() == pytest.approx(sim.true_att)


@pytest.fixture(scope="module")
def study():
    return coverage_study(N_REPLICATES, SEED, n_units=200, n_periods=8)


def test_att_gt_coverage_and_bias(study):
    s = study.summary.loc["att_gt"]
    assert len(study.replicates) == N_REPLICATES
    assert np.isfinite(study.replicates[["att_gt", "att_gt_ci_low", "att_gt_ci_high"]]).all().all()
    # 99% acceptance region of Binomial(200, 0.95): 181..197 covered (90.5-98.5%)
    lo, hi = coverage_band(N_REPLICATES, level=0.95, tolerance=0.01)
    assert lo <= s["coverage"] <= hi
    assert abs(s["bias_pct"]) < 10


def test_twfe_is_biased_with_dynamic_heterogeneous_effects(study):
    s = study.summary
    assert abs(s.loc["twfe", "bias"]) > abs(s.loc["att_gt", "bias"])
    # the bias is large and systematic, not Monte Carlo noise
    assert s.loc["twfe", "bias_pct"] < -20
    assert abs(s.loc["twfe", "bias"]) > 5 * s.loc["twfe", "mc_se_bias"]
    # and it is the bias predicted by TWFE's implicit weights
    w = twfe_weights()
    plim = (w["twfe_weight"] * w["att"]).sum()
    assert abs(s.loc["twfe", "mean_estimate"] - plim) < 4 * s.loc["twfe", "mc_se_bias"]
