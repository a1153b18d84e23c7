"""API behaviour of :func:`analysis.methods.its.its` on simulated series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.methods.its import ItsResult, its

N, START = 72, 49  # six years of months, intervention from month 49
TRUE_STEP = np.log(0.8)  # a 20% drop in the rate


def _poisson_series(seed: int = 1, *, nb_alpha: float = 0.0) -> pd.DataFrame:
    """Monthly counts with trend, seasonality, a population offset and a known step."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, N + 1)
    after = (t >= START).astype(int)
    pop = np.linspace(100_000, 104_000, N)
    log_rate = np.log(2e-3) + 0.003 * t + 0.15 * np.cos(2 * np.pi * t / 12) + TRUE_STEP * after
    mu = pop * np.exp(log_rate)
    if nb_alpha > 0:  # gamma-Poisson mixture: variance mu + alpha mu^2
        mu = rng.gamma(1 / nb_alpha, nb_alpha * mu)
    return pd.DataFrame({"month": t, "pilot": after, "pop": pop, "visits": rng.poisson(mu)})


def _gaussian_series(seed: int = 2, *, rho: float = 0.0, n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(1, n + 1)
    after = (t >= n * 2 // 3).astype(int)
    noise = np.zeros(n)
    shocks = rng.normal(0, 2.0, n)
    for i in range(n):
        noise[i] = (rho * noise[i - 1] if i else 0.0) + shocks[i]
    return pd.DataFrame({"month": t, "pilot": after, "minutes": 50 + 0.1 * t - 5 * after + noise})


def _fit(data: pd.DataFrame, **options) -> ItsResult:
    return its(data, outcome="visits", time="month", intervention="pilot", offset="pop", **options)


@pytest.mark.parametrize("family", ["quasipoisson", "poisson", "negbin"])
def test_count_families_recover_a_known_step(family):
    res = _fit(_poisson_series(), family=family, harmonics=1)
    step = res.effects.set_index("term").loc["step"]
    assert step["estimate"] == pytest.approx(TRUE_STEP, abs=0.05)
    assert step["ratio_ci_low"] < np.exp(TRUE_STEP) < step["ratio_ci_high"]
    assert step["ratio"] == pytest.approx(np.exp(step["estimate"]))
    assert list(res.effects["term"]) == ["step", "trend"]


def test_gaussian_recovers_a_known_additive_step():
    res = its(
        _gaussian_series(), outcome="minutes", time="month", intervention="pilot", family="gaussian"
    )
    step = res.effects.set_index("term").loc["step"]
    assert step["ci_low"] < -5 < step["ci_high"]
    assert "ratio" not in res.effects.columns


def test_negbin_estimates_overdispersion():
    res = _fit(_poisson_series(3, nb_alpha=0.02), family="negbin", harmonics=1)
    assert res.nb_alpha == pytest.approx(0.02, rel=0.6)
    assert res.dispersion == 1.0
    poisson_like = _fit(_poisson_series(3), family="negbin", harmonics=1)
    assert poisson_like.nb_alpha < 1e-3


def test_quasipoisson_has_poisson_estimates_and_scaled_errors():
    data = _poisson_series()
    poisson = _fit(data, family="poisson").effects
    quasi = _fit(data, family="quasipoisson")
    assert quasi.effects["estimate"].to_numpy() == pytest.approx(poisson["estimate"].to_numpy())
    expected_se = poisson["std_error"].to_numpy() * np.sqrt(quasi.dispersion)
    assert quasi.effects["std_error"].to_numpy() == pytest.approx(expected_se)


def test_slope_change_is_counted_from_the_last_pre_intervention_point():
    data = _poisson_series()
    res = _fit(data, slope_change=True)
    assert list(res.effects["term"]) == ["step", "slope", "trend"]
    design = res.model.model.exog_names
    slope = res.model.model.exog[:, design.index("slope")]
    assert slope[START - 1] == 1.0  # first post-intervention month
    assert slope[: START - 1].max() == 0.0


def test_input_is_not_modified_and_row_order_does_not_matter():
    data = _poisson_series()
    shuffled = data.sample(frac=1.0, random_state=0)
    copy = shuffled.copy()
    res = _fit(shuffled, harmonics=2)
    pd.testing.assert_frame_equal(shuffled, copy)
    ordered = _fit(data, harmonics=2)
    pd.testing.assert_frame_equal(res.effects, ordered.effects)


def test_boolean_intervention_is_accepted():
    data = _poisson_series().assign(pilot=lambda d: d["pilot"].astype(bool))
    res = _fit(data)
    assert res.start == START


def test_counterfactual_shape_and_values():
    res = _fit(_poisson_series(), harmonics=1)
    cf = res.counterfactual()
    assert list(cf.columns) == ["time", "observed", "fitted", "counterfactual"]
    assert len(cf) == N
    pre = cf["time"] < START
    np.testing.assert_allclose(cf.loc[pre, "fitted"], cf.loc[pre, "counterfactual"])
    ratio = cf.loc[~pre, "fitted"] / cf.loc[~pre, "counterfactual"]
    step = res.effects.set_index("term").loc["step", "ratio"]
    np.testing.assert_allclose(ratio, step)


def test_newey_west_widens_standard_errors_under_ar1_errors():
    data = _gaussian_series(5, rho=0.8, n=200)
    options = dict(outcome="minutes", time="month", intervention="pilot", family="gaussian")
    plain = its(data, **options).effects.set_index("term")["std_error"]
    robust = its(data, autocorrelation="newey-west", **options)
    assert robust.lags == int(np.floor(4 * (200 / 100) ** (2 / 9)))
    hac = robust.effects.set_index("term")["std_error"]
    assert (hac > plain).all()
    wider = its(data, autocorrelation="newey-west", lags=12, **options)
    assert wider.lags == 12
    assert wider.effects["estimate"].to_numpy() == pytest.approx(
        robust.effects["estimate"].to_numpy()
    )


def test_summary_and_plot():
    res = _fit(_poisson_series(), harmonics=1, slope_change=True)
    text = res.summary()
    assert "quasipoisson" in text
    assert "slope" in text
    fig = res.plot(title="Visits")
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "Visits"


@pytest.mark.parametrize(
    ("change", "options", "message"),
    [
        (lambda d: d.drop(columns="visits"), {}, "visits"),
        (lambda d: d.assign(pilot=d["pilot"] * 2), {}, "0/1"),
        (lambda d: d.assign(pilot=np.where(d["month"] > 60, 0, d["pilot"])), {}, "switch once"),
        (lambda d: d.assign(pilot=0), {}, "both 0"),
        (lambda d: d.assign(pilot=d["pilot"].map({0: "no", 1: "yes"})), {}, "0/1"),
        (lambda d: d.assign(visits=-d["visits"]), {}, ">= 0"),
        (lambda d: d.assign(pop=0.0), {}, "> 0"),
        (lambda d: d.assign(visits=d["visits"].where(d["month"] != 5)), {}, "missing values"),
        (lambda d: pd.concat([d, d.iloc[[3]]]), {}, "duplicated"),
        (lambda d: d, {"family": "binomial"}, "family"),
        (lambda d: d, {"family": "gaussian"}, "offset"),
        (lambda d: d, {"lags": 3}, "lags"),
        (lambda d: d, {"harmonics": 7}, "harmonics"),
        (lambda d: d, {"autocorrelation": "hac"}, "autocorrelation"),
        (lambda d: d, {"alpha": 1.5}, "alpha"),
    ],
)
def test_bad_input_raises_a_clear_error(change, options, message):
    with pytest.raises(ValueError, match=message):
        _fit(change(_poisson_series()), **options)


def test_average_effect_recovers_a_ramped_effect_that_the_step_understates():
    t = np.arange(1, 97)
    start = 49
    ramp = np.clip((t - start + 1) / 6, 0, 1)
    multiplier = 1 - 0.2 * ramp
    mu = 300 * np.exp(0.003 * t) * (1 + 0.15 * np.cos(2 * np.pi * t / 12)) * multiplier
    truth = float((mu[t >= start]).sum() / (mu[t >= start] / multiplier[t >= start]).sum())
    estimates, covered = [], []
    for seed in range(30):
        y = np.random.default_rng(seed).poisson(mu)
        df = pd.DataFrame({"time": t, "y": y, "post": (t >= start).astype(int)})
        fit = its(df, outcome="y", time="time", intervention="post", harmonics=1, slope_change=True)
        average = fit.average_effect(draws=1000, seed=seed)
        estimates.append(average.estimate)
        covered.append(average.ci_low < truth < average.ci_high)
    assert abs(np.mean(estimates) - truth) < 0.01
    assert np.mean(covered) >= 0.85
    step_only = its(df, outcome="y", time="time", intervention="post", harmonics=1)
    step = step_only.effects.set_index("term").loc["step", "ratio"]
    assert abs(step - truth) > abs(np.mean(estimates) - truth), "the step alone is further off"
