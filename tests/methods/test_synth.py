"""API behaviour of :func:`analysis.methods.synth.synthetic_control` on simulated panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.methods.synth import PlaceboResult, simplex_least_squares, synthetic_control

YEARS = np.arange(2000, 2024)
START = 2016
EFFECT = -12.0
N_DONORS = 15


def _factor_panel(seed: int = 0, *, noise: float = 0.5) -> pd.DataFrame:
    """Interactive fixed effects: y_it = d_t + lambda_t . mu_i + e_it.

    The treated region's loadings are a convex combination of three donors',
    so a synthetic control exists; from START its outcome drops by EFFECT.
    """
    rng = np.random.default_rng(seed)
    n_t = len(YEARS)
    common = 200 + 2.0 * np.arange(n_t)
    factors = np.column_stack([np.linspace(-1, 1, n_t) * 10, 8 * np.sin(np.arange(n_t) / 3)])
    loadings = rng.uniform(-2, 2, size=(N_DONORS, 2))
    treated_loading = 0.5 * loadings[0] + 0.3 * loadings[1] + 0.2 * loadings[2]
    rows = []
    for i, mu in enumerate([*loadings, treated_loading]):
        name = "pilot" if i == N_DONORS else f"region{i:02d}"
        y = common + factors @ mu + rng.normal(0, noise, n_t)
        if name == "pilot":
            y = y + EFFECT * (YEARS >= START)
        rows.append(
            pd.DataFrame(
                {
                    "region": name,
                    "year": YEARS,
                    "referrals": y,
                    "gp_fte": 4 + mu[0] + rng.normal(0, 0.05, n_t),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _fit(data: pd.DataFrame, **options):
    return synthetic_control(
        data,
        unit="region",
        time="year",
        outcome="referrals",
        treated_unit="pilot",
        start=START,
        **options,
    )


def test_recovers_a_known_effect_on_factor_model_data():
    res = _fit(_factor_panel())
    effects = res.effects.set_index("term")
    assert effects.loc["average_post_gap", "estimate"] == pytest.approx(EFFECT, abs=1.5)
    assert res.pre_rmspe < 1.0
    # the weights are not unique (any donors spanning the loadings do), the gap path is
    np.testing.assert_allclose(res.gap.loc[START:], EFFECT, atol=3)


def test_weights_are_on_the_simplex_and_sorted():
    res = _fit(_factor_panel(1))
    w = res.weights
    assert (w >= 0).all()
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert w.is_monotonic_decreasing
    assert set(w.index) == {f"region{i:02d}" for i in range(N_DONORS)}
    np.testing.assert_allclose(res.gap, res.treated - res.synthetic)


def test_effects_table_is_tidy_with_undefined_standard_errors():
    res = _fit(_factor_panel())
    assert list(res.effects.columns) == [
        "term",
        "estimate",
        "std_error",
        "ci_low",
        "ci_high",
        "p_value",
    ]
    assert list(res.effects["term"]) == ["average_post_gap", "final_post_gap"]
    assert res.effects[["std_error", "ci_low", "ci_high", "p_value"]].isna().all().all()


def test_simplex_least_squares_finds_an_exact_convex_combination():
    rng = np.random.default_rng(3)
    donors = rng.normal(size=(12, 6))
    truth = np.array([0.6, 0.0, 0.4, 0.0, 0.0, 0.0])
    w = simplex_least_squares(donors @ truth, donors)
    np.testing.assert_allclose(w, truth, atol=1e-8)


def test_input_is_not_modified():
    data = _factor_panel()
    copy = data.copy()
    _fit(data, predictors=["gp_fte"], placebo=True)
    pd.testing.assert_frame_equal(data, copy)


def test_placebo_ranks_the_treated_unit_first_when_the_effect_is_large():
    res = _fit(_factor_panel(2, noise=0.3), placebo=True)
    placebo = res.placebo()
    assert isinstance(placebo, PlaceboResult)
    assert placebo is res.placebo_result
    assert placebo.n_units == N_DONORS + 1
    assert list(placebo.table.columns) == ["pre_rmspe", "post_rmspe", "ratio", "rank"]
    assert placebo.table["ratio"].is_monotonic_decreasing
    assert placebo.rank == 1
    assert placebo.p_value == pytest.approx(1 / (N_DONORS + 1))
    assert res.effects.loc[0, "p_value"] == placebo.p_value
    assert placebo.gaps.shape == (len(YEARS), N_DONORS + 1)


def test_placebo_can_be_run_later():
    res = _fit(_factor_panel(2))
    assert res.placebo_result is None
    assert res.placebo().table.shape[0] == N_DONORS + 1


def test_nested_fit_with_predictors_and_outcome_lags():
    res = _fit(_factor_panel(), predictors=["gp_fte"], outcome_lags=[2005, 2010, 2015])
    assert res.v is not None
    assert res.v.sum() == pytest.approx(1.0)
    assert list(res.v.index) == ["gp_fte", "outcome[2005]", "outcome[2010]", "outcome[2015]"]
    assert list(res.balance.columns) == ["treated", "synthetic", "donor_mean"]
    assert res.weights.sum() == pytest.approx(1.0)
    effects = res.effects.set_index("term")
    assert effects.loc["average_post_gap", "estimate"] == pytest.approx(EFFECT, abs=3)


def test_donor_pool_can_be_restricted():
    donors = [f"region{i:02d}" for i in range(6)]
    res = _fit(_factor_panel(), donors=donors)
    assert set(res.weights.index) == set(donors)


def test_summary_and_plots():
    res = _fit(_factor_panel(), placebo=True)
    assert "pilot" in res.summary()
    assert "ranks" in res.placebo().summary()
    assert isinstance(res.plot(), Figure)
    assert len(res.plot().axes) == 2
    assert isinstance(res.placebo().plot(exclude_above=5), Figure)


@pytest.mark.parametrize(
    ("change", "options", "message"),
    [
        (lambda d: d, {"treated_unit": "atlantis"}, "treated_unit"),
        (lambda d: d, {"start": 1990}, "start"),
        (lambda d: d, {"start": 2030}, "start"),
        (lambda d: d, {"start": 2000}, "start"),
        (lambda d: d.drop(columns="referrals"), {}, "referrals"),
        (lambda d: pd.concat([d, d.iloc[[0]]]), {}, "more than one row"),
        (lambda d: d.drop(index=5), {}, "balanced"),
        (lambda d: d.assign(referrals=d["referrals"].astype(str)), {}, "numeric"),
        (lambda d: d, {"donors": ["pilot", "region01"]}, "cannot be a donor"),
        (lambda d: d, {"donors": ["region01", "nowhere"]}, "nowhere"),
        (lambda d: d, {"donors": ["region01"]}, "at least 2"),
        (lambda d: d, {"outcome_lags": [2020]}, "outcome_lags"),
        (lambda d: d, {"predictors": ["missing_col"]}, "missing_col"),
    ],
)
def test_bad_input_raises_a_clear_error(change, options, message):
    kwargs = {
        "unit": "region",
        "time": "year",
        "outcome": "referrals",
        "treated_unit": "pilot",
        "start": START,
        **options,
    }
    with pytest.raises(ValueError, match=message):
        synthetic_control(change(_factor_panel()), **kwargs)
