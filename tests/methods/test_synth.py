"""API behaviour of :func:`analysis.methods.synth.synthetic_control` on simulated panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.methods.synth import PlaceboResult, simplex_least_squares, synthetic_control
from analysis.methods.synth._weights import _Problem

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
    assert placebo.table["rank"].is_monotonic_increasing
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
    names = ["gp_fte", "referrals_2005", "referrals_2010", "referrals_2015"]
    assert list(res.v.index) == names
    assert list(res.balance.columns) == ["treated", "synthetic", "donor_mean"]
    assert list(res.balance.index) == [
        "gp_fte (2000-2015)",
        "referrals_2005 (2005)",
        "referrals_2010 (2010)",
        "referrals_2015 (2015)",
    ]
    assert res.v_search.start in {"equal", "regression"}
    assert res.loss_v <= res.v_search.losses.min() + 1e-12
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


# --- predictor windows, optimisation window, given V -------------------------------------


def test_predictor_windows_average_each_predictor_over_its_own_periods():
    data = _factor_panel()
    res = _fit(
        data,
        predictors={
            "fte_early": ("gp_fte", range(2000, 2005)),
            "fte_odd": ("gp_fte", range(2005, 2016, 2), "mean"),
            "referrals_2003": ("referrals", [2003]),
        },
    )
    pilot = data[data["region"] == "pilot"].set_index("year")
    balance = res.balance
    assert list(balance.index) == [
        "fte_early (2000-2004)",
        "fte_odd (2005-2015 by 2)",
        "referrals_2003 (2003)",
    ]
    assert balance["treated"].iloc[0] == pytest.approx(pilot.loc[2000:2004, "gp_fte"].mean())
    assert balance["treated"].iloc[1] == pytest.approx(
        pilot.loc[[2005, 2007, 2009, 2011, 2013, 2015], "gp_fte"].mean()
    )
    assert balance["treated"].iloc[2] == pytest.approx(pilot.loc[2003, "referrals"])
    donors = data[data["region"] != "pilot"].pivot(index="year", columns="region", values="gp_fte")
    expected = donors.loc[2000:2004].mean() @ res.weights.reindex(donors.columns)
    assert balance["synthetic"].iloc[0] == pytest.approx(expected)
    assert list(res.v.index) == ["fte_early", "fte_odd", "referrals_2003"]


def test_list_predictors_keep_the_whole_pre_period_mean():
    data = _factor_panel()
    listed = _fit(data, predictors=["gp_fte"], outcome_lags=[2010])
    mapped = _fit(data, predictors={"gp_fte": ("gp_fte", range(2000, START))}, outcome_lags=[2010])
    pd.testing.assert_frame_equal(listed.balance, mapped.balance)
    pd.testing.assert_series_equal(listed.weights, mapped.weights)


def test_missing_covariate_values_inside_a_window_are_skipped():
    data = _factor_panel()
    holes = data.copy()
    holes.loc[(holes["year"] == 2001), "gp_fte"] = np.nan
    res = _fit(holes, predictors={"fte": ("gp_fte", range(2000, 2004))}, outcome_lags=[2010])
    pilot = data[data["region"] == "pilot"].set_index("year")["gp_fte"]
    assert res.balance["treated"].iloc[0] == pytest.approx(pilot[[2000, 2002, 2003]].mean())


def test_a_unit_without_any_value_in_a_window_is_named():
    data = _factor_panel()
    data.loc[(data["region"] == "region03") & (data["year"] < 2003), "gp_fte"] = np.nan
    with pytest.raises(ValueError, match=r"predictor 'fte' .*no value for unit 'region03'"):
        _fit(data, predictors={"fte": ("gp_fte", range(2000, 2003))})


@pytest.mark.parametrize(
    ("predictors", "message"),
    [
        ({"fte": ("gp_fte",)}, "must be \\(column, periods\\)"),
        ({"fte": ("gp_fte", [])}, "empty"),
        ({"fte": ("gp_fte", [2001, 2001])}, "repeat"),
        ({"fte": ("gp_fte", [1990])}, "not found in the time column"),
        ({"fte": ("gp_fte", [2016])}, "not before start"),
        ({"fte": ("gp_fte", [2001], "median")}, "aggregation"),
        ({"fte": ("nowhere", [2001])}, "nowhere"),
    ],
)
def test_bad_predictor_windows_raise_a_clear_error(predictors, message):
    with pytest.raises(ValueError, match=message):
        _fit(_factor_panel(), predictors=predictors)


def test_optimization_window_sets_the_periods_whose_mspe_chooses_v():
    data = _factor_panel()
    window = range(2008, START)
    res = _fit(data, outcome_lags=[2002, 2009, 2015], optimization_window=window)
    assert res.loss_v == pytest.approx(float(np.mean(res.gap.loc[2008:2015] ** 2)))
    assert res.pre_rmspe == pytest.approx(np.sqrt(res.loss_v))
    assert res.pre_mspe == pytest.approx(res.loss_v)
    # outcome-only fit: the window is what the weights fit
    late = _fit(data, optimization_window=window)
    full = _fit(data)
    assert late.loss_v <= float(np.mean(full.gap.loc[2008:2015] ** 2)) + 1e-9
    with pytest.raises(ValueError, match="optimization_window"):
        _fit(data, outcome_lags=[2005], optimization_window=[2014, START])


def test_a_given_v_skips_the_search_and_is_normalised():
    data = _factor_panel()
    searched = _fit(data, predictors=["gp_fte"], outcome_lags=[2005, 2015])
    given = _fit(data, predictors=["gp_fte"], outcome_lags=[2005, 2015], v=dict(2 * searched.v))
    assert given.v_search is None
    pd.testing.assert_series_equal(given.v, searched.v)
    np.testing.assert_allclose(given.weights.sort_index(), searched.weights.sort_index(), atol=1e-9)
    assert given.loss_v == pytest.approx(searched.loss_v)
    assert "V given" in given.summary()


@pytest.mark.parametrize(
    ("v", "message"),
    [
        ({"gp_fte": 1.0}, "missing"),
        ({"gp_fte": 1.0, "referrals_2005": 1.0, "other": 1.0}, "unknown"),
        ({"gp_fte": -1.0, "referrals_2005": 1.0}, "non-negative"),
        ({"gp_fte": 0.0, "referrals_2005": 0.0}, "not all zero"),
    ],
)
def test_bad_v_raises_a_clear_error(v, message):
    with pytest.raises(ValueError, match=message):
        _fit(_factor_panel(), predictors=["gp_fte"], outcome_lags=[2005], v=v)


def test_v_search_reaches_a_lower_loss_than_any_v_on_a_grid():
    data = _factor_panel(4, noise=2.0)
    res = _fit(data, predictors=["gp_fte"], outcome_lags=[2003, 2009, 2014])
    rng = np.random.default_rng(0)
    names = list(res.v.index)
    for _ in range(15):
        v = dict(zip(names, rng.dirichlet(np.ones(len(names))), strict=True))
        assert (
            res.loss_v
            <= _fit(data, predictors=["gp_fte"], outcome_lags=[2003, 2009, 2014], v=v).loss_v + 1e-9
        )


# --- the exact simplex QP ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_simplex_least_squares_meets_the_kkt_conditions(seed):
    rng = np.random.default_rng(seed)
    donors = rng.normal(size=(7, 30)) * rng.uniform(0.1, 100, size=(7, 1))
    target = rng.normal(size=7) * 50
    w = simplex_least_squares(target, donors)
    assert (w >= 0).all()
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    gradient = donors.T @ (donors @ w - target)  # half the gradient of the objective
    support = w > 1e-12
    multiplier = gradient[support].mean()
    scale = np.abs(gradient).max()
    np.testing.assert_allclose(gradient[support], multiplier, atol=1e-8 * scale)
    assert (gradient[~support] >= multiplier - 1e-8 * scale).all()


def _nested_problem(seed: int, *, inside_hull: bool) -> _Problem:
    """A random inner/outer problem: 5 predictors, 12 donors, a 10-period window.

    Inside the hull the treated unit's predictors are a convex combination of
    the donors', so every V fits them exactly and the weights are not unique.
    """
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=(5, 12))
    x1 = x0 @ rng.dirichlet(np.ones(12)) if inside_hull else x0.mean(axis=1) + 1.0
    z0 = rng.normal(size=(10, 12)).cumsum(axis=0)
    z1 = z0 @ rng.dirichlet(np.ones(12)) + rng.normal(0, 0.5, 10)
    return _Problem(x1, x0, z1, z0)


@pytest.mark.parametrize("seed", range(4))
def test_v_gradient_matches_finite_differences(seed):
    problem = _nested_problem(seed, inside_hull=False)
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1.5, size=5)
    loss, gradient = problem.loss_and_gradient_log(theta)
    step = 1e-6
    central = np.array(
        [
            problem.loss_and_gradient_log(theta + step * e)[0]
            - problem.loss_and_gradient_log(theta - step * e)[0]
            for e in np.eye(5)
        ]
    ) / (2 * step)
    assert np.abs(gradient).max() > 1e-3  # not a flat spot
    np.testing.assert_allclose(gradient, central, rtol=1e-5, atol=1e-7 * np.abs(central).max())
    assert loss == pytest.approx(problem.loss_and_gradient_log(theta - theta.max())[0])


@pytest.mark.parametrize("inside_hull", [False, True])
def test_warm_started_weights_are_the_fresh_solution(inside_hull):
    """Along a random walk of V the warm-started weights equal a fresh NNLS solve's.

    Outside the hull most solves are certified on the last support; inside it
    every donor ties and each solve starts afresh.
    """
    problem = _nested_problem(7, inside_hull=inside_hull)
    x0 = problem.hull.discrepancy  # x1 = 0 in these coordinates
    rng = np.random.default_rng(1)
    log_v = np.zeros(5)
    for _ in range(300):
        log_v = log_v + rng.normal(0, 0.05, size=5)
        root = np.sqrt(np.exp(log_v))
        fresh = simplex_least_squares(np.zeros(5), root[:, None] * x0)
        np.testing.assert_allclose(problem.weights(np.exp(log_v)), fresh, atol=1e-10)
    if inside_hull:
        assert problem.hull.warm_solves == 0
    else:
        assert problem.hull.warm_solves > 200


# --- inference: restricted placebo test and placebo in time ------------------------------


def test_placebo_can_leave_out_units_with_a_poor_pre_period_fit():
    res = _fit(_factor_panel(2, noise=0.3), placebo=True)
    full = res.placebo()
    assert list(full.table.columns) == [
        "pre_rmspe",
        "post_rmspe",
        "ratio",
        "mspe_ratio",
        "pre_mspe_ratio",
        "rank",
    ]
    limit = float(full.table["pre_mspe_ratio"].median())
    restricted = res.placebo(exclude_above=limit)
    kept = full.table.index[full.table["pre_mspe_ratio"] <= limit]
    assert set(restricted.table.index) == set(kept)
    assert set(restricted.excluded) == set(full.table.index) - set(kept)
    assert restricted.p_value == pytest.approx(restricted.rank / len(kept))
    assert list(restricted.gaps.columns) == [u for u in full.gaps.columns if u in set(kept)]
    assert "left out" in restricted.summary()
    with pytest.raises(ValueError, match="at least 1"):
        full.excluding(0.5)


def test_placebo_in_time_shows_no_gap_before_the_real_start():
    res = _fit(
        _factor_panel(2, noise=0.3),
        predictors={"fte": ("gp_fte", range(2000, 2016))},
        outcome_lags=[2002, 2006, 2010, 2014],
    )
    backdated = res.placebo_in_time(2011)
    assert backdated.start == 2011
    assert backdated.gap.index.max() == START - 1
    # windows cut at the fake start, the lag after it left out
    assert list(backdated.balance.index) == [
        "fte (2000-2010)",
        "referrals_2002 (2002)",
        "referrals_2006 (2006)",
        "referrals_2010 (2010)",
    ]
    assert abs(backdated.effects.loc[0, "estimate"]) < abs(EFFECT) / 4
    assert abs(res.effects.loc[0, "estimate"]) > abs(EFFECT) / 2
    with pytest.raises(ValueError, match="fake_start"):
        res.placebo_in_time(START)
