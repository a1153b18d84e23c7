"""``synthetic_control`` reproduces Abadie, Diamond & Hainmueller (2010), Proposition 99.

Source: ADH (2010), "Synthetic control methods for comparative case studies:
estimating the effect of California's tobacco control program", JASA 105(490),
and ``../shared/reference/README.md``.

**ADH specification** (``smoking_covariates.csv``, the data of tidysynth's
README): ``lnincome``, ``retprice``, ``age15to24`` averaged over 1980-1988,
``beer`` over 1984-1988, ``cigsale`` in 1975, 1980 and 1988; V chosen to
minimise the 1970-1988 outcome MSPE. Published: Stata ``synth2`` (nested V)
weights Utah 0.334, Nevada 0.235, Montana 0.202, Colorado 0.161, Connecticut
0.068, gap in 2000 -25.76, mean gap 1989-2000 -19.00, pre-period RMSE 1.75567;
R (tidysynth): pre-period MSPE 3.17, post-period MSPE 392, California's
MSPE ratio ranks 1 of 39 (p = 0.0256); the balance table. Tolerances as in
issue 11: weights within 0.02, pre-period MSPE not above R's (to 2 decimals),
gap in 2000 within 0.5 pack. Our optimum (pre-period MSPE 3.077) is lower
than R's (3.17) and Stata's (1.75567² = 3.082), so the synthetic values of
the balance table, which depend on the weights, are compared within 1%; the
treated and donor-mean values, which do not, to the printed digits.

Cross-checks at test time against ``pysyncon`` (the dev extra; skipped when it
is not installed): for the same given V, the same weights within 0.02 (the
windows, the scaling and the inner problem agree); and a pre-period MSPE not
higher than pysyncon's own V search. Its search does not reach Synth's
optimum on this specification (3.86 from its regression start, 21.4 from
equal weights), so weights are not compared at its optimum.

**Outcome only** (``smoking_data.csv``, no covariates): the default
pre-period outcome fit. Tolerances: the gaps within about +-4 packs of the
published ones (a different V moves the gap by a few packs, and the published
figures are given only as "about"); four of the five published donors in our
top five. With the outcome alone California ranks 3rd, not 1st: see
``benchmarks/synth_specifications.py`` and ``docs/validation.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.methods.synth import synthetic_control

pytestmark = pytest.mark.reference

PUBLISHED_DONORS = {"Utah", "Nevada", "Montana", "Colorado", "Connecticut"}


def _california(data: pd.DataFrame, **options):
    """Synthetic California from 1989 (the other 38 states as donors)."""
    return synthetic_control(
        data,
        unit="state",
        time="year",
        outcome="cigsale",
        treated_unit="California",
        start=1989,
        **options,
    )


@pytest.fixture(scope="module")
def smoking(reference_file) -> pd.DataFrame:
    return pd.read_csv(reference_file("smoking_data.csv"))


@pytest.fixture(scope="module")
def result(smoking):
    return _california(
        smoking,
        placebo=True,
    )


def test_data_as_described(smoking):
    assert {"state", "year", "cigsale"} <= set(smoking.columns)
    assert smoking["state"].nunique() == 39
    assert (smoking["year"].min(), smoking["year"].max()) == (1970, 2000)
    assert len(smoking) == 39 * 31
    assert set(smoking["state"]) >= PUBLISHED_DONORS


def test_synthetic_california_tracks_before_1989(result):
    assert result.pre_rmspe < 2.0  # packs per capita
    # within 6 packs (5% of California's level) in every year, the worst being 1970
    assert result.gap.loc[:1988].abs().max() < 6.0


def test_gap_by_2000_and_on_average(result):
    effects = result.effects.set_index("term")["estimate"]
    assert result.gap.loc[2000] == pytest.approx(-26, abs=4)
    assert effects["final_post_gap"] == result.gap.loc[2000]
    assert effects["average_post_gap"] == pytest.approx(-19, abs=4)
    assert effects["average_post_gap"] == pytest.approx(result.gap.loc[1989:].mean())


def test_weights_concentrate_on_published_donors(result):
    weights = result.weights
    assert weights.min() >= 0
    assert weights.sum() == pytest.approx(1.0)
    top5 = weights.head(5)
    assert top5.sum() > 0.8
    assert len(PUBLISHED_DONORS & set(top5.index)) >= 4
    assert weights.index[0] == "Utah"  # the largest published weight


def test_placebo_in_space_puts_california_near_the_top(result):
    placebo = result.placebo()
    assert placebo.n_units == 39
    assert placebo.rank <= 3
    assert placebo.p_value == placebo.rank / 39
    assert result.effects.set_index("term").loc["average_post_gap", "p_value"] == placebo.p_value


# --- ADH specification with covariates ---------------------------------------------------

STATA_SYNTH2_WEIGHTS = {
    "Utah": 0.334,
    "Nevada": 0.235,
    "Montana": 0.202,
    "Colorado": 0.161,
    "Connecticut": 0.068,
}
ADH_PREDICTORS = {
    "lnincome": ("lnincome", range(1980, 1989)),
    "retprice": ("retprice", range(1980, 1989)),
    "age15to24": ("age15to24", range(1980, 1989)),
    "beer": ("beer", range(1984, 1989)),
}
ADH_LAGS = [1975, 1980, 1988]
R_PRE_MSPE = 3.17  # tidysynth grab_significance()
R_POST_MSPE = 392
# tidysynth grab_balance_table(): California / synthetic / donor mean
PUBLISHED_BALANCE = {
    "lnincome (1980-1988)": (10.1, 9.85, 9.83),
    "retprice (1980-1988)": (89.4, 89.4, 87.3),
    "age15to24 (1980-1988)": (0.174, 0.174, 0.173),
    "beer (1984-1988)": (24.3, 24.2, 23.7),
    "cigsale_1975 (1975)": (127, 127, 137),
    "cigsale_1980 (1980)": (120, 120, 138),
    "cigsale_1988 (1988)": (90.1, 91.4, 114),
}


@pytest.fixture(scope="module")
def covariates(reference_file) -> pd.DataFrame:
    return pd.read_csv(reference_file("smoking_covariates.csv"))


@pytest.fixture(scope="module")
def adh(covariates):
    return _california(
        covariates,
        predictors=ADH_PREDICTORS,
        outcome_lags=ADH_LAGS,
        optimization_window=range(1970, 1989),
    )


@pytest.fixture(scope="module")
def adh_placebo(adh):
    return adh.placebo()


def _significant(value: float) -> float:
    """``value`` to three significant digits, as tidysynth's README prints it."""
    return float(f"{value:.3g}")


def test_adh_weights_as_stata_synth2(adh):
    weights = adh.weights
    for state, published in STATA_SYNTH2_WEIGHTS.items():
        assert weights[state] == pytest.approx(published, abs=0.02), state
    assert weights[list(STATA_SYNTH2_WEIGHTS)].sum() >= 0.99
    assert list(weights.index[:5]) == list(STATA_SYNTH2_WEIGHTS)


def test_adh_pre_period_fit_at_least_as_good_as_r_synth(adh):
    assert round(adh.pre_mspe, 2) <= R_PRE_MSPE
    assert adh.loss_v == pytest.approx(adh.pre_mspe)  # the window is the whole pre-period
    assert adh.pre_rmspe <= 1.75567  # Stata synth2's pre-period RMSE
    assert adh.loss_v <= adh.v_search.losses.min() + 1e-12


def test_adh_gap_in_2000_and_on_average(adh):
    gap_2000 = float(adh.gap.loc[2000])
    assert gap_2000 == pytest.approx(-25.76, abs=0.5)  # Stata synth2
    assert gap_2000 == pytest.approx(-25.6, abs=0.5)
    assert adh.effects.set_index("term").loc["average_post_gap", "estimate"] == pytest.approx(
        -19.00, abs=0.5
    )


def test_adh_balance_table_as_tidysynth(adh):
    balance = adh.balance
    assert list(balance.index) == list(PUBLISHED_BALANCE)
    for label, (treated, synthetic, donor_mean) in PUBLISHED_BALANCE.items():
        row = balance.loc[label]
        assert _significant(row["treated"]) == treated, label
        assert _significant(row["donor_mean"]) == donor_mean, label
        assert row["synthetic"] == pytest.approx(synthetic, rel=0.01), label


def test_adh_v_is_reported_per_predictor(adh):
    assert list(adh.v.index) == [*ADH_PREDICTORS, "cigsale_1975", "cigsale_1980", "cigsale_1988"]
    assert adh.v.sum() == pytest.approx(1.0)
    assert adh.v_search.start in {"equal", "regression"}
    assert "V searched" in adh.summary()


def test_adh_given_v_reproduces_the_fit(covariates, adh):
    refit = _california(
        covariates,
        predictors=ADH_PREDICTORS,
        outcome_lags=ADH_LAGS,
        v=adh.v.to_dict(),
    )
    assert refit.v_search is None
    np.testing.assert_allclose(refit.weights[adh.weights.index], adh.weights, atol=1e-8)


@pytest.mark.slow
def test_adh_placebo_rank_one_of_39(adh, adh_placebo):
    assert adh_placebo.n_units == 39
    assert adh_placebo.rank == 1
    assert adh_placebo.p_value == pytest.approx(1 / 39)
    assert round(adh_placebo.p_value, 4) == 0.0256
    california = adh_placebo.table.loc["California"]
    assert california["post_rmspe"] ** 2 == pytest.approx(R_POST_MSPE, rel=0.02)


@pytest.mark.slow
@pytest.mark.parametrize("exclude_above", [20, 5, 2])
def test_adh_placebo_rank_one_without_poorly_fitted_placebos(adh_placebo, exclude_above):
    restricted = adh_placebo.excluding(exclude_above)
    assert restricted.rank == 1
    assert restricted.n_units < 39
    assert (restricted.table["pre_mspe_ratio"] <= exclude_above).all()


# --- cross-check against pysyncon --------------------------------------------------------


@pytest.fixture(scope="module")
def pysyncon_prep(covariates):
    pysyncon = pytest.importorskip("pysyncon", reason="pysyncon not installed (the dev extra)")
    states = list(dict.fromkeys(covariates["state"]))
    return pysyncon.Dataprep(
        foo=covariates,
        predictors=["lnincome", "retprice", "age15to24"],
        predictors_op="mean",
        time_predictors_prior=range(1980, 1989),
        special_predictors=[
            ("beer", range(1984, 1989), "mean"),
            *(("cigsale", [year], "mean") for year in ADH_LAGS),
        ],
        dependent="cigsale",
        unit_variable="state",
        time_variable="year",
        treatment_identifier="California",
        controls_identifier=[s for s in states if s != "California"],
        time_optimize_ssr=range(1970, 1989),
    )


def _pysyncon_fit(prep, **options):
    """pysyncon's Synth fitted with one BLAS thread and its weights by state.

    With OpenBLAS threads on a busy 2-core machine pysyncon's SLSQP (tiny
    matrix products) runs about 20 times slower.
    """
    pysyncon = pytest.importorskip("pysyncon")
    threadpoolctl = pytest.importorskip("threadpoolctl")
    synth = pysyncon.Synth()
    with threadpoolctl.threadpool_limits(1):
        synth.fit(dataprep=prep, **options)
    return synth, pd.Series(np.asarray(synth.W), index=list(prep.controls_identifier))


@pytest.mark.parametrize("seed", [None, 0])
def test_adh_weights_as_pysyncon_for_the_same_v(covariates, pysyncon_prep, seed):
    """Same V, same weights: the windows, the scaling and the inner QP agree."""
    names = [*ADH_PREDICTORS, "cigsale_1975", "cigsale_1980", "cigsale_1988"]
    v = np.ones(7) if seed is None else np.random.default_rng(seed).dirichlet(np.ones(7))
    ours = _california(
        covariates,
        predictors=ADH_PREDICTORS,
        outcome_lags=ADH_LAGS,
        v=dict(zip(names, v, strict=True)),
    )
    synth, theirs = _pysyncon_fit(pysyncon_prep, custom_V=v)
    np.testing.assert_allclose(ours.weights[theirs.index], theirs, atol=0.02)
    assert ours.loss_v <= synth.loss_V * 1.01


@pytest.mark.slow
def test_adh_search_at_least_as_good_as_pysyncon(adh, pysyncon_prep):
    """pysyncon's own V search ends higher; its best start here is the regression one.

    pysyncon 1.7 (Nelder-Mead, SLSQP inner problem) ends at a pre-period MSPE
    of 3.86 from the regression start and 21.4 from equal weights (which also
    takes minutes), with other weights than Synth's optimum, so only the
    loss is compared at pysyncon's own optimum.
    """
    synth, _ = _pysyncon_fit(pysyncon_prep, optim_initial="ols")
    assert adh.loss_v <= synth.loss_V + 1e-9
