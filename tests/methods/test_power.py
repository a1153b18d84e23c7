"""Design formulas for power and MDE against their textbook and published values.

Sources stated per test: Bloom (1995) for the MDE multipliers, McKenzie (2012)
for several pre and post periods with equicorrelated periods, Duflo,
Glennerster & Kremer (2007) for the design effect of clustering, Burlig,
Preonas & Woerman (2020) and their Stata package ``pcpanel`` for arbitrary
serial correlation (true and estimated from data).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.methods import (
    PeriodCovariance,
    mde,
    outcome_covariance,
    power,
    power_curve,
    required_practices,
)

N = 50  # practices per arm in most examples
SE_POST = math.sqrt(2 / N)  # SE of a post-only difference of means with sd 1


def ar1_matrix(n_periods: int, rho: float, sd: float = 1.0) -> np.ndarray:
    lags = np.abs(np.subtract.outer(np.arange(n_periods), np.arange(n_periods)))
    return sd**2 * rho**lags


def equicorrelated(n_periods: int, rho: float, sd: float = 1.0) -> np.ndarray:
    return sd**2 * ((1 - rho) * np.eye(n_periods) + rho)


# --------------------------------------------------------------- Bloom (1995)


@pytest.mark.parametrize(
    ("alpha", "target", "multiplier"),
    [(0.05, 0.8, 2.80), (0.05, 0.9, 3.24), (0.10, 0.8, 2.49), (0.10, 0.9, 2.93)],
)
def test_mde_multipliers_are_blooms(alpha, target, multiplier):
    """Bloom (1995), Table 1: MDE = multiplier x SE for a two-tailed test at alpha
    (one-tailed 0.05 equals two-tailed 0.10) with large samples: 2.80 and 3.24
    for 80% and 90% power at 0.05, 2.49 and 2.93 at 0.10."""
    got = mde(n_treated=N, n_control=N, sd=1.0, alpha=alpha, power=target) / SE_POST
    assert round(got, 2) == multiplier


def test_t_multiplier_matches_the_t_table():
    """With distribution="t" and 10 pilot practices (9 df) the multiplier is
    t(0.975; 9) + t(0.80; 9) = 2.262 + 0.883 = 3.145 (any t table, 3 decimals)."""
    got = mde(n_treated=10, n_control=40, sd=1.0, distribution="t")
    assert got / math.sqrt(1 / 10 + 1 / 40) == pytest.approx(2.262 + 0.883, abs=1e-3)


def test_two_sample_mde_and_unequal_arms():
    # 2.80 sigma sqrt(1/nT + 1/nC): the comparison group counts through 1/nC
    assert mde(n_treated=20, n_control=80, sd=2.0) == pytest.approx(
        2.8016 * 2.0 * math.sqrt(1 / 20 + 1 / 80), rel=1e-4
    )


# --------------------------------------------------------------- power


def test_power_inverts_mde_and_counts_both_tails():
    design = {"n_treated": 30, "n_control": 45, "sd": 1.3, "periods_pre": 2, "periods_post": 3}
    for target in (0.5, 0.8, 0.95):
        effect = mde(power=target, autocorrelation=0.4, **design)
        # the MDE formula leaves out the far tail (rejecting with the wrong sign):
        # Phi(-(2 z(0.975) + z(power))); power() counts it
        far_tail = stats.norm.cdf(-(2 * stats.norm.ppf(0.975) + stats.norm.ppf(target)))
        for sign in (1, -1):
            got = power(effect=sign * effect, autocorrelation=0.4, **design)
            assert got == pytest.approx(target + far_tail, abs=1e-12)
    assert power(effect=0.0, **design) == pytest.approx(0.05)
    assert power(effect=0.0, alpha=0.01, **design) == pytest.approx(0.01)


def test_t_quantiles_cost_power_with_few_pilot_practices():
    z = power(effect=0.5, n_treated=5, n_control=20, sd=0.5)
    t = power(effect=0.5, n_treated=5, n_control=20, sd=0.5, distribution="t")
    assert t < z
    # with many practices the two agree
    z = power(effect=0.1, n_treated=500, n_control=500, sd=0.5)
    t = power(effect=0.1, n_treated=500, n_control=500, sd=0.5, distribution="t")
    assert t == pytest.approx(z, abs=0.002)


# --------------------------------------------------------------- McKenzie (2012)


@pytest.mark.parametrize("rho", [0.0, 0.25, 0.5, 0.75])
def test_one_baseline_one_follow_up_variances_of_mckenzie(rho):
    """McKenzie (2012), section 2 (also Frison & Pocock 1992), one baseline and one
    follow-up: Var(POST) = 2 sigma^2/n, Var(DiD) = 2(1 - rho) 2 sigma^2/n,
    Var(ANCOVA) = (1 - rho^2) 2 sigma^2/n."""
    post = mde(n_treated=N, n_control=N, sd=1.0, autocorrelation=rho)
    did = mde(n_treated=N, n_control=N, sd=1.0, autocorrelation=rho, periods_pre=1)
    ancova = mde(
        n_treated=N, n_control=N, sd=1.0, autocorrelation=rho, periods_pre=1, estimator="ancova"
    )
    assert (did / post) ** 2 == pytest.approx(2 * (1 - rho))
    assert (ancova / post) ** 2 == pytest.approx(1 - rho**2)
    assert ancova <= min(post, did) + 1e-12  # ANCOVA is never less efficient


def test_did_beats_post_only_when_autocorrelation_exceeds_one_half():
    """McKenzie (2012): with one baseline, difference-in-differences is more efficient
    than the post-only comparison only if rho > 0.5 (equal at 0.5)."""

    def ratio(rho: float) -> float:
        did = mde(n_treated=N, n_control=N, sd=1, autocorrelation=rho, periods_pre=1)
        return did / mde(n_treated=N, n_control=N, sd=1, autocorrelation=rho)

    assert ratio(0.5) == pytest.approx(1.0)
    assert ratio(0.4) > 1 > ratio(0.6)


def test_more_follow_ups_help_most_when_autocorrelation_is_low():
    """McKenzie (2012): averaging r follow-ups gives Var(POST) = (1 + (r-1) rho)/r
    2 sigma^2/n, which falls towards rho 2 sigma^2/n as r grows."""
    for rho in (0.25, 0.75):
        one = mde(n_treated=N, n_control=N, sd=1.0, autocorrelation=rho)
        four = mde(n_treated=N, n_control=N, sd=1.0, autocorrelation=rho, periods_post=4)
        many = mde(n_treated=N, n_control=N, sd=1.0, autocorrelation=rho, periods_post=10_000)
        assert (four / one) ** 2 == pytest.approx((1 + 3 * rho) / 4)
        assert (many / one) ** 2 == pytest.approx(rho, abs=1e-4)


@pytest.mark.parametrize("estimator", ["did", "ancova"])
@pytest.mark.parametrize(("m", "r", "rho"), [(1, 1, 0.3), (3, 2, 0.6), (4, 8, 0.1), (2, 5, 0.0)])
def test_an_equicorrelated_covariance_gives_mckenzies_formulas(estimator, m, r, rho):
    """McKenzie's closed forms (m pre, r post periods):
    DiD: (1+(r-1)rho)/r + (1+(m-1)rho)/m - 2 rho;
    ANCOVA: (1+(r-1)rho)/r - m rho^2/(1+(m-1)rho);
    the covariance route (Burlig et al. 2020) must reduce to them."""
    common = {"n_treated": 12, "n_control": 30, "periods_pre": m, "periods_post": r}
    closed = mde(sd=1.7, autocorrelation=rho, estimator=estimator, **common)
    general = mde(covariance=equicorrelated(m + r, rho, 1.7), estimator=estimator, **common)
    assert general == pytest.approx(closed, rel=1e-12)
    post = (1 + (r - 1) * rho) / r
    factor = (
        post + (1 + (m - 1) * rho) / m - 2 * rho
        if estimator == "did"
        else post - m * rho**2 / (1 + (m - 1) * rho)
    )
    expected = 2.8016 * 1.7 * math.sqrt(factor * (1 / 12 + 1 / 30))
    assert closed == pytest.approx(expected, rel=1e-4)


# --------------------------------------------------------------- clustering


def test_design_effect_of_regions_as_units_of_assignment():
    """Duflo, Glennerster & Kremer (2007), cluster MDE:
    M sqrt(1/(P(1-P)J)) sqrt(rho + (1 - rho)/n) sigma with J clusters of n units,
    share P treated. 20 regions of 5 practices, ICC 0.1, half treated."""
    got = mde(n_treated=50, n_control=50, sd=1.0, cluster_size=5, icc=0.1)
    expected = 2.8016 * math.sqrt(1 / (0.25 * 20)) * math.sqrt(0.1 + 0.9 / 5)
    assert got == pytest.approx(expected, rel=1e-4)
    # the variance grows by the design effect 1 + (m - 1) ICC = 1.4
    plain = mde(n_treated=50, n_control=50, sd=1.0)
    assert (got / plain) ** 2 == pytest.approx(1.4)


def test_icc_of_one_counts_regions_not_practices():
    # identical practices within a region: 10 regions of 4 are 10 observations
    clustered = mde(n_treated=40, n_control=40, sd=1.0, cluster_size=4, icc=1.0)
    regions = mde(n_treated=10, n_control=10, sd=1.0)
    assert clustered == pytest.approx(regions)
    # and the t reference then has regions - 1 degrees of freedom
    t_clustered = mde(n_treated=40, n_control=40, sd=1, cluster_size=4, icc=1, distribution="t")
    assert t_clustered == pytest.approx(mde(n_treated=10, n_control=10, sd=1, distribution="t"))


# --------------------------------------------------------------- Burlig, Preonas & Woerman


@pytest.mark.parametrize(("m", "r", "rho"), [(1, 1, 0.8), (3, 3, 0.9), (2, 6, 0.5), (6, 2, 0.3)])
def test_serial_correlation_robust_formula_of_burlig_preonas_woerman(m, r, rho):
    """BPW (2020), SCR formula for the DiD / panel fixed-effects estimator:
    Var = 1/(P(1-P)J) [ (m+r)/(mr) s2 + (r-1)/r psi_A + (m-1)/m psi_B - 2 psi_X ],
    psi_B, psi_A, psi_X the mean covariances between pairs of pre periods, of post
    periods, and across (pcpanel's pc_dd_analytic); AR(1) errors here."""
    cov = ar1_matrix(m + r, rho, sd=2.0)
    pre, post = range(m), range(m, m + r)

    def mean_cov(pairs):
        pairs = list(pairs)
        return np.mean([cov[s, t] for s, t in pairs]) if pairs else 0.0

    psi_b = mean_cov((s, t) for s in pre for t in pre if s < t)
    psi_a = mean_cov((s, t) for s in post for t in post if s < t)
    psi_x = mean_cov((s, t) for s in pre for t in post)
    bracket = (m + r) / (m * r) * 4.0 + (r - 1) / r * psi_a + (m - 1) / m * psi_b - 2 * psi_x
    n_t, n_c = 25, 35
    expected = 2.8016 * math.sqrt(bracket * (1 / n_t + 1 / n_c))
    got = mde(n_treated=n_t, n_control=n_c, covariance=cov, periods_pre=m, periods_post=r)
    assert got == pytest.approx(expected, rel=1e-4)


def test_estimated_covariance_reproduces_pcpanel_estimated_parameter_formula():
    """BPW (2020) Appendix E as implemented in pcpanel (pc_dd_covar + pc_dd_analytic,
    depvar option): per window of m+r periods, residuals of unit and period fixed
    effects; variance = sum(e^2)/(J(m+r)); average covariances sum(e_s e_t)/J;
    averaged over windows and plugged into
    J(m+r)^2/(J-1) [ (m+r)/(2 m^2 r^2) var + (r-1)/(2 m^2 r) psi_A + (m-1)/(2 m r^2) psi_B ].
    Our route (covariance across practices, DiD contrast averaged over windows)
    must give the same number."""
    rng = np.random.default_rng(3)
    n_units, n_periods, m, r = 40, 12, 3, 4
    y = (
        rng.normal(size=(n_units, n_periods)).cumsum(axis=1)  # non-stationary, serially correlated
        + 2 * rng.normal(size=(n_units, 1))
        + np.arange(n_periods)
    )
    per_window = []
    for k in range(n_periods - (m + r) + 1):
        w = y[:, k : k + m + r]
        e = w - w.mean(axis=1, keepdims=True) - w.mean(axis=0, keepdims=True) + w.mean()
        c = e.T @ e / n_units
        psi_b = np.mean([c[s, t] for s in range(m) for t in range(s + 1, m)])
        psi_a = np.mean([c[s, t] for s in range(m, m + r) for t in range(s + 1, m + r)])
        per_window.append(((e**2).sum() / (n_units * (m + r)), psi_b, psi_a))
    var, psi_b, psi_a = np.mean(per_window, axis=0)
    bpw = (
        n_units
        * (m + r) ** 2
        / (n_units - 1)
        * (
            (m + r) / (2 * m**2 * r**2) * var
            + (r - 1) / (2 * m**2 * r) * psi_a
            + (m - 1) / (2 * m * r**2) * psi_b
        )
    )
    panel = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), n_periods),
            "t": np.tile(np.arange(n_periods), n_units),
            "y": y.ravel(),
        }
    )
    cov = outcome_covariance(panel, "y", unit="unit", time="t")
    assert cov.contrast_variance(m, r, "did") == pytest.approx(bpw, rel=1e-10)
    expected = 2.8016 * math.sqrt(bpw * (1 / 10 + 1 / 10))
    got = mde(n_treated=10, n_control=10, covariance=cov, periods_pre=m, periods_post=r)
    assert got == pytest.approx(expected, rel=1e-4)


def test_equicorrelated_formula_is_off_when_correlation_falls_with_the_lag():
    """BPW's point: with AR(1) errors a single rho misstates the MDE. Lag-1 rho
    0.8 over 4 + 4 periods: McKenzie with rho 0.8 understates the true MDE."""
    cov = ar1_matrix(8, 0.8)
    true = mde(n_treated=N, n_control=N, covariance=cov, periods_pre=4, periods_post=4)
    mckenzie = mde(
        n_treated=N, n_control=N, sd=1.0, autocorrelation=0.8, periods_pre=4, periods_post=4
    )
    assert mckenzie < 0.6 * true


# --------------------------------------------------------------- outcome_covariance


def ar1_panel(n_units: int, n_periods: int, rho: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u = np.empty((n_units, n_periods))
    u[:, 0] = rng.normal(size=n_units)
    for t in range(1, n_periods):
        u[:, t] = rho * u[:, t - 1] + rng.normal(0, math.sqrt(1 - rho**2), n_units)
    level = rng.normal(10, 2, size=(n_units, 1))
    return pd.DataFrame(
        {
            "practice": np.repeat(np.arange(n_units), n_periods),
            "quarter": np.tile(np.arange(n_periods), n_units) + 1,
            "y": (level + u + np.arange(n_periods)).ravel(),  # + common trend
        }
    )


def test_outcome_covariance_recovers_ar1_structure():
    cov = outcome_covariance(ar1_panel(4000, 8, 0.7), "y", unit="practice", time="quarter")
    assert cov.n_units == 4000 and cov.n_periods == 8
    # unit levels (sd 2) are part of it; the common trend is not
    assert cov.sd == pytest.approx(math.sqrt(1 + 4), rel=0.05)
    ar1_part = PeriodCovariance(cov.matrix - 4.0, cov.n_units)  # less the level variance
    assert ar1_part.autocorrelation.iloc[1:4].to_numpy() == pytest.approx(
        [0.7, 0.49, 0.343], abs=0.05
    )
    sd, rho = cov.fit_ar1()  # levels cancel in the centred fit
    assert sd == pytest.approx(1.0, abs=0.05) and rho == pytest.approx(0.7, abs=0.05)


def test_equicorrelation_of_random_practice_levels():
    # level variance 4, noise variance 1: every pair of periods correlates 0.8
    rng = np.random.default_rng(1)
    level = rng.normal(0, 2, size=(3000, 1))
    y = level + rng.normal(size=(3000, 5))
    panel = pd.DataFrame(
        {"p": np.repeat(np.arange(3000), 5), "t": np.tile(np.arange(5), 3000), "y": y.ravel()}
    )
    cov = outcome_covariance(panel, "y", unit="p", time="t")
    assert cov.equicorrelation == pytest.approx(0.8, abs=0.02)
    assert cov.autocorrelation.iloc[1:].to_numpy() == pytest.approx([0.8] * 4, abs=0.03)


def test_outcome_covariance_leaves_out_incomplete_units_and_checks_input():
    panel = ar1_panel(6, 4, 0.5)
    gap = panel.drop(index=[0]).copy()  # practice 0 misses quarter 1
    assert outcome_covariance(gap, "y", unit="practice", time="quarter").n_units == 5
    with_nan = panel.copy()
    with_nan.loc[5, "y"] = np.nan  # practice 1 misses a value
    assert outcome_covariance(with_nan, "y", unit="practice", time="quarter").n_units == 5
    with pytest.raises(ValueError, match=r"no column\(s\) \['rate'\]"):
        outcome_covariance(panel, "rate", unit="practice", time="quarter")
    with pytest.raises(ValueError, match="more than one row"):
        outcome_covariance(pd.concat([panel, panel]), "y", unit="practice", time="quarter")
    with pytest.raises(ValueError, match="at least 3 units"):
        outcome_covariance(panel[panel["practice"] < 2], "y", unit="practice", time="quarter")


def test_a_design_longer_than_the_estimated_covariance_is_refused():
    cov = outcome_covariance(ar1_panel(30, 4, 0.5), "y", unit="practice", time="quarter")
    cov.contrast_variance(2, 2)
    with pytest.raises(ValueError, match="covers 4 periods, the design needs 5"):
        mde(n_treated=10, n_control=10, covariance=cov, periods_pre=2, periods_post=3)


def test_window_average_of_a_stationary_covariance_equals_its_window():
    # a Toeplitz (stationary) covariance has the same contrast in every window
    full = PeriodCovariance(pd.DataFrame(ar1_matrix(10, 0.6)), n_units=100)
    window = ar1_matrix(5, 0.6)
    for estimator in ("did", "ancova"):
        got = mde(
            n_treated=9,
            n_control=9,
            covariance=full,
            periods_pre=2,
            periods_post=3,
            estimator=estimator,
        )
        want = mde(
            n_treated=9,
            n_control=9,
            covariance=window,
            periods_pre=2,
            periods_post=3,
            estimator=estimator,
        )
        assert got == pytest.approx(want)


# --------------------------------------------------------------- curves and sample size


def test_required_practices_is_the_smallest_that_reaches_the_target():
    # two-sample z: n = 2 (1.96 + 0.84)^2 / 0.5^2 = 62.8 per arm -> 63
    assert required_practices(0.5, sd=1.0) == 63
    n = required_practices(
        -0.1, sd=0.3, periods_pre=1, periods_post=4, autocorrelation=0.3, distribution="t"
    )
    design = {"sd": 0.3, "periods_pre": 1, "periods_post": 4, "autocorrelation": 0.3}
    assert power(effect=-0.1, n_treated=n, n_control=n, distribution="t", **design) >= 0.8
    assert power(effect=-0.1, n_treated=n - 1, n_control=n - 1, distribution="t", **design) < 0.8


def test_required_practices_with_a_fixed_comparison_group():
    n = required_practices(0.5, sd=1.0, n_control=200)
    assert power(effect=0.5, n_treated=n, n_control=200, sd=1.0) >= 0.8
    assert power(effect=0.5, n_treated=n - 1, n_control=200, sd=1.0) < 0.8
    # 10 comparison practices cap the power below the target, however many pilots
    with pytest.raises(ValueError, match="do not reach power 0.8 .* with 10 comparison"):
        required_practices(0.5, sd=1.0, n_control=10)
    with pytest.raises(ValueError, match="non-zero"):
        required_practices(0.0, sd=1.0)


def test_power_curve_table():
    curve = power_curve(
        -0.1,
        [5, 10, 20, 40],
        n_control=30,
        sd=0.2,
        periods_pre=1,
        periods_post=4,
        autocorrelation=0.5,
    )
    assert list(curve.columns) == ["n_treated", "n_control", "effect", "power", "mde"]
    assert curve["n_control"].tolist() == [30] * 4
    assert curve["power"].is_monotonic_increasing and curve["mde"].is_monotonic_decreasing
    row = curve.iloc[2]
    assert row["power"] == pytest.approx(
        power(
            effect=-0.1,
            n_treated=20,
            n_control=30,
            sd=0.2,
            periods_pre=1,
            periods_post=4,
            autocorrelation=0.5,
        )
    )
    paired = power_curve(0.3, [10, 20], n_control=[15, 25], sd=1.0)
    assert paired["n_control"].tolist() == [15, 25]
    with pytest.raises(ValueError, match="2 numbers for 3"):
        power_curve(0.3, [10, 20, 30], n_control=[15, 25], sd=1.0)


# --------------------------------------------------------------- argument checks


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_treated": 0}, "n_treated must be a whole number >= 1, got 0"),
        ({"n_control": 2.5}, "n_control must be a whole number >= 1, got 2.5"),
        ({"periods_post": 0}, "periods_post must be a whole number >= 1"),
        ({"periods_pre": -1}, "periods_pre must be a whole number >= 0"),
        ({"sd": None}, "give either sd .* or covariance"),
        ({"sd": -1.0}, "sd must be a positive number"),
        ({"covariance": np.eye(1)}, "give either sd .* or covariance, not both"),
        ({"alpha": 1.5}, "alpha must be between 0 and 1"),
        ({"power": 0.01}, "power must be between alpha/2"),
        ({"autocorrelation": 1.0}, r"autocorrelation must be in \["),
        ({"autocorrelation": -0.5, "periods_pre": 2, "periods_post": 2}, r"in \[-0.333, 1\)"),
        ({"estimator": "twfe"}, r"estimator must be one of \('did', 'ancova'\), got 'twfe'"),
        ({"distribution": "student"}, "distribution must be one of"),
        ({"cluster_size": 30}, r"cluster_size .* cannot exceed .* \(20\)"),
        ({"icc": 1.2}, "icc must be between 0 and 1"),
        ({"n_treated": 1, "distribution": "t"}, "at least 2 treated units"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(kwargs, message):
    args = {"n_treated": 20, "n_control": 20, "sd": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        mde(**args)


def test_bad_covariances_are_refused():
    base = {"n_treated": 20, "n_control": 20, "periods_pre": 1, "periods_post": 2}
    with pytest.raises(ValueError, match=r"must be 3 x 3 .* got shape \(2, 2\)"):
        mde(covariance=np.eye(2), **base)
    with pytest.raises(ValueError, match="positive semi-definite"):
        mde(covariance=np.array([[1, 2, 0], [2, 1, 0], [0, 0, 1]]), **base)
    with pytest.raises(ValueError, match="autocorrelation is part of covariance"):
        mde(covariance=np.eye(3), autocorrelation=0.5, **base)
    with pytest.raises(ValueError, match="effect must be a finite number"):
        power(effect=float("nan"), sd=1.0, **base)
