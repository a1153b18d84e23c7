"""Behaviour of ``att_gt`` on small simulated staggered panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.methods.did import AggregateResult, AttGtResult, att_gt

EFFECT = 2.0
KEYS = {"outcome": "y", "unit": "id", "time": "t", "cohort": "g"}


def simulate(
    n: int = 300, periods: int = 8, cohorts=(0, 4, 6), seed: int = 1, effect: float = EFFECT
) -> pd.DataFrame:
    """Parallel trends given x; constant effect from the cohort's first period."""
    rng = np.random.default_rng(seed)
    g = rng.choice(cohorts, size=n)
    x = rng.normal(size=n) + 0.5 * (g > 0)
    unit_fe = rng.normal(size=n) + g / 4
    rows = []
    for t in range(1, periods + 1):
        treated = (g > 0) & (t >= g)
        y = unit_fe + 0.3 * t + 0.2 * t * x + effect * treated + rng.normal(0, 0.3, n)
        rows.append(pd.DataFrame({"id": np.arange(n), "t": t, "g": g, "x": x, "y": y}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate()


def post_cells(res: AttGtResult) -> pd.DataFrame:
    return res.effects[res.effects["time"] >= res.effects["cohort"]]


@pytest.mark.parametrize("method", ["dr", "reg", "ipw"])
def test_recovers_constant_effect_with_covariates(panel, method):
    res = att_gt(panel, **KEYS, covariates=["x"], method=method)
    # single cells have SE ~0.07: allow ~4 SE; aggregates are tighter
    np.testing.assert_allclose(post_cells(res)["estimate"], EFFECT, atol=0.3)
    pre = res.effects[res.effects["time"] < res.effects["cohort"]]
    np.testing.assert_allclose(pre["estimate"], 0, atol=0.3)
    assert res.aggregate("simple").overall.estimate == pytest.approx(EFFECT, abs=0.15)
    assert res.pretest.p_value > 0.01


def test_without_covariates_trend_confounding_biases(panel):
    """x shifts trends and differs by cohort, so ignoring it should bias the ATT."""
    biased = att_gt(panel, **KEYS).aggregate("simple").overall.estimate
    adjusted = att_gt(panel, **KEYS, covariates=["x"]).aggregate("simple").overall.estimate
    assert abs(adjusted - EFFECT) < abs(biased - EFFECT)


def test_methods_agree_without_covariates(panel):
    est = [att_gt(panel, **KEYS, method=m).effects["estimate"] for m in ("dr", "reg", "ipw")]
    np.testing.assert_allclose(est[0], est[1], atol=1e-12)
    np.testing.assert_allclose(est[0], est[2], atol=1e-12)


def test_input_dataframe_unchanged(panel):
    data = panel.sample(frac=1.0, random_state=3)  # shuffled rows, own index
    data.loc[data["g"] == 0, "g"] = np.nan  # missing cohort = never treated
    before = data.copy(deep=True)
    res = att_gt(data, **KEYS, covariates=["x"], bootstrap=49, seed=1)
    pd.testing.assert_frame_equal(data, before)
    expected = att_gt(panel, **KEYS, covariates=["x"]).effects["estimate"]
    np.testing.assert_allclose(res.effects["estimate"], expected, atol=1e-10)


def test_unbalanced_panel_raises_clear_error(panel):
    with pytest.raises(ValueError, match=r"unbalanced panel: 1 of 300 units .*period 3"):
        att_gt(panel.drop(index=panel.index[(panel["id"] == 5) & (panel["t"] == 3)]), **KEYS)


def test_duplicates_and_missing_outcomes_raise(panel):
    with pytest.raises(ValueError, match="duplicate rows"):
        att_gt(pd.concat([panel, panel.iloc[:1]]), **KEYS)
    broken = panel.assign(y=panel["y"].where(panel.index != 7))
    with pytest.raises(ValueError, match="'y' has 1 missing"):
        att_gt(broken, **KEYS)
    with pytest.raises(ValueError, match="columns not in data"):
        att_gt(panel, **KEYS, covariates=["nope"])


@pytest.mark.parametrize(
    ("option", "value"), [("control", "notyettreated"), ("method", "ols"), ("base_period", "fixed")]
)
def test_bad_literal_options_raise(panel, option, value):
    with pytest.raises(ValueError, match=option):
        att_gt(panel, **KEYS, **{option: value})


def test_bootstrap_reproducible_and_close_to_analytic(panel):
    first = att_gt(panel, **KEYS, bootstrap=999, seed=42)
    second = att_gt(panel, **KEYS, bootstrap=999, seed=42)
    pd.testing.assert_frame_equal(first.effects, second.effects)
    assert first.aggregate("dynamic").effects.equals(second.aggregate("dynamic").effects)
    analytic = att_gt(panel, **KEYS)
    np.testing.assert_allclose(first.effects["std_error"], analytic.effects["std_error"], rtol=0.2)
    group_boot, group_an = first.aggregate("group"), analytic.aggregate("group")
    assert group_boot.overall.std_error == pytest.approx(group_an.overall.std_error, rel=0.2)
    # simultaneous band: wider than the pointwise normal one
    assert first.critical_value > analytic.critical_value
    assert (
        att_gt(panel, **KEYS, bootstrap=999, seed=7)
        .effects["std_error"]
        .ne(first.effects["std_error"])
        .any()
    )


def test_not_yet_treated_controls(panel):
    res = att_gt(panel, **KEYS, control="not_yet_treated", covariates=["x"])
    np.testing.assert_allclose(post_cells(res)["estimate"], EFFECT, atol=0.3)
    # without any never-treated unit the last cohort only serves as a control
    late = simulate(cohorts=(4, 6), seed=2)
    res = att_gt(late, **KEYS, control="not_yet_treated")
    assert set(res.effects["cohort"]) == {4.0}
    assert res.effects["time"].max() == 5
    np.testing.assert_allclose(post_cells(res)["estimate"], EFFECT, atol=0.3)
    with pytest.raises(ValueError, match="no never-treated units"):
        att_gt(late, **KEYS)


def test_aggregations_shape(panel):
    res = att_gt(panel, **KEYS, covariates=["x"])
    assert res.aggregate("simple").effects.empty
    assert res.aggregate("group").effects["cohort"].tolist() == [4.0, 6.0]
    dyn = res.aggregate("dynamic", min_e=-2, max_e=2)
    assert dyn.effects["event_time"].tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert dyn.overall.estimate == pytest.approx(EFFECT, abs=0.1)
    cal = res.aggregate("calendar")
    assert cal.effects["time"].tolist() == [4.0, 5.0, 6.0, 7.0, 8.0]
    with pytest.raises(ValueError, match="kind"):
        res.aggregate("cohort")


def test_universal_base_period(panel):
    res = att_gt(panel, **KEYS, base_period="universal", covariates=["x"])
    base = res.effects[res.effects["time"] == res.effects["cohort"] - 1]
    assert (base["estimate"] == 0).all() and base["std_error"].isna().all()
    np.testing.assert_allclose(post_cells(res)["estimate"].mean(), EFFECT, atol=0.1)


def test_summary_and_plots(panel):
    res = att_gt(panel, **KEYS)
    text = res.summary()
    assert "pre-test of parallel trends" in text and "cohort" in text
    assert isinstance(res.plot(), Figure)
    dyn = res.aggregate("dynamic")
    assert isinstance(dyn, AggregateResult)
    assert isinstance(dyn.plot(), Figure)
    assert "Overall ATT" in dyn.summary()
    assert res.pretest["p_value"] == res.pretest.p_value
