"""``pool`` reproduces published R ``metafor`` output.

Sources of the expected numbers (each verified in the published text):

* [README] metafor's GitHub README (github.com/wviechtb/metafor, README.md,
  section "Example"): ``rma(yi, vi, data=dat, test="knha")`` on ``dat.bcg``
  prints tau^2 0.3132 (SE = 0.1664), I^2 92.22%, H^2 12.86,
  Q(df = 12) = 152.2330, estimate -0.7145, se 0.1808, tval -3.9522, df 12,
  pval 0.0019, ci -1.1084 to -0.3206; ``predict(res, transf=exp, digits=2)``
  prints pi.lb 0.14, pi.ub 1.76.
* [RoBMA] the RoBMA vignette "Bayesian Meta-Analysis" (fbartos.github.io/RoBMA)
  prints ``metafor::rma(yi, vi, data=dat, method="REML")`` on ``dat.bcg``:
  estimate -0.7145, se 0.1798, zval -3.9744, ci -1.0669 to -0.3622, and
  ``confint()``: I^2 92.2214, H^2 12.8558.
* [metan] metafor's test file tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r
  (results checked against Stata ``metan``): ``method="DL"`` estimate -0.7141,
  ci -1.0644 to -0.3638, zval -3.9952, tau2 0.3088, I2 92.1173.
* [DLIT] metafor's tests/testthat/test_misc_rma_uni.r: ``method="DLIT"`` and
  ``"SJIT"`` give tau2 0.3181 on ``dat.bcg``; both iterate to the Paule-Mandel
  estimate (metafor's source: "when this converges, same as PM"), so this is
  the published PM value. It is also checked by an independent root search.
* [Kacker] statsmodels' stats/tests/results/results_meta.py records full
  precision metafor output (``rma(y, v, method="PM" | "DL", test="knha",
  control=list(tol=1e-9))``) for the Kacker (2004) example.

The one number not printed at 4 decimals anywhere we found, the REML
prediction interval with a z reference, is checked against the metafor
formula ``pred ± z * sqrt(se^2 + tau^2)`` applied to the published values.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats

from analysis.methods.meta import pool

pytestmark = pytest.mark.reference

# metafor dat.bcg (BCG vaccine trials, Colditz et al. 1994), as printed in
# metafor's README: tpos, tneg, cpos, cneg for the 13 trials.
BCG = np.array(
    [
        [4, 119, 11, 128],
        [6, 300, 29, 274],
        [3, 228, 11, 209],
        [62, 13536, 248, 12619],
        [33, 5036, 47, 5761],
        [180, 1361, 372, 1079],
        [8, 2537, 10, 619],
        [505, 87886, 499, 87892],
        [29, 7470, 45, 7232],
        [17, 1699, 65, 1600],
        [186, 50448, 141, 27197],
        [5, 2493, 3, 2338],
        [27, 16886, 29, 17825],
    ],
    dtype=float,
)

# Kacker (2004) example as used in statsmodels' results_meta.py
KACKER_Y = np.array([61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9])
KACKER_V = np.array([0.2025, 1.21, 0.09, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225])

DEC4 = 5e-5  # agreement to the 4 printed decimals


@pytest.fixture(scope="module")
def bcg() -> tuple[np.ndarray, np.ndarray]:
    """Log risk ratios and sampling variances as metafor ``escalc(measure="RR")``."""
    tpos, tneg, cpos, cneg = BCG.T
    yi = np.log((tpos / (tpos + tneg)) / (cpos / (cpos + cneg)))
    vi = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return yi, vi


def test_escalc_matches_printed_yi_vi(bcg):
    # [README] escalc output, first and last trials
    yi, vi = bcg
    assert yi[[0, 7, 12]] == pytest.approx([-0.8893, 0.0120, -0.0173], abs=DEC4)
    assert vi[[0, 7, 12]] == pytest.approx([0.3256, 0.0040, 0.0714], abs=DEC4)


def test_reml_matches_metafor(bcg):
    res = pool(*bcg)  # REML is the default, as in metafor
    # [RoBMA] and [README]
    assert res.estimate == pytest.approx(-0.7145, abs=DEC4)
    assert res.std_error == pytest.approx(0.1798, abs=DEC4)
    assert res.estimate / res.std_error == pytest.approx(-3.9744, abs=DEC4)
    assert (res.ci_low, res.ci_high) == pytest.approx((-1.0669, -0.3622), abs=DEC4)
    assert res.tau2 == pytest.approx(0.3132, abs=DEC4)
    assert res.tau2_se == pytest.approx(0.1664, abs=DEC4)
    assert res.i2 == pytest.approx(92.2214, abs=DEC4)
    assert res.h2 == pytest.approx(12.8558, abs=DEC4)
    assert res.q == pytest.approx(152.2330, abs=DEC4)
    assert res.q_df == 12
    assert res.p_value < 1e-4  # printed "<.0001"


def test_reml_knapp_hartung_matches_metafor_readme(bcg):
    res = pool(*bcg, knapp_hartung=True)
    # [README] rma(yi, vi, data=dat, test="knha")
    assert res.estimate == pytest.approx(-0.7145, abs=DEC4)
    assert res.std_error == pytest.approx(0.1808, abs=DEC4)
    assert res.estimate / res.std_error == pytest.approx(-3.9522, abs=DEC4)
    assert res.p_value == pytest.approx(0.0019, abs=DEC4)
    assert (res.ci_low, res.ci_high) == pytest.approx((-1.1084, -0.3206), abs=DEC4)
    # [README] predict(res, transf=exp, digits=2): t(12) prediction interval
    assert np.round(np.exp([res.pi_low, res.pi_high]), 2) == pytest.approx([0.14, 1.76])


def test_reml_prediction_interval_by_metafor_formula(bcg):
    # not printed at 4 decimals: pred ± qnorm(.975) * sqrt(se^2 + tau^2) from
    # the published estimate, se and tau^2 (rounding of those gives ~1e-4)
    res = pool(*bcg)
    half = stats.norm.isf(0.025) * np.sqrt(0.1798**2 + 0.3132)
    assert (res.pi_low, res.pi_high) == pytest.approx((-0.7145 - half, -0.7145 + half), abs=3e-4)


def test_reml_tau2_is_the_restricted_likelihood_maximum(bcg):
    # independent route: maximise the REML log-likelihood numerically
    yi, vi = bcg

    def neg_reml(tau2: float) -> float:
        w = 1 / (vi + tau2)
        mu = np.sum(w * yi) / np.sum(w)
        return 0.5 * (np.sum(np.log(vi + tau2)) + np.log(np.sum(w)) + np.sum(w * (yi - mu) ** 2))

    opt = optimize.minimize_scalar(
        neg_reml, bounds=(0, 5), method="bounded", options={"xatol": 1e-10}
    )
    assert pool(yi, vi).tau2 == pytest.approx(opt.x, abs=1e-5)


def test_dl_matches_metafor_and_stata(bcg):
    res = pool(*bcg, method="DL")
    # [metan]
    assert res.estimate == pytest.approx(-0.7141, abs=DEC4)
    assert (res.ci_low, res.ci_high) == pytest.approx((-1.0644, -0.3638), abs=DEC4)
    assert res.estimate / res.std_error == pytest.approx(-3.9952, abs=DEC4)
    assert res.tau2 == pytest.approx(0.3088, abs=DEC4)
    assert res.i2 == pytest.approx(92.1173, abs=DEC4)
    assert res.q == pytest.approx(152.2330, abs=DEC4)


def test_pm_matches_metafor_iterated_estimators(bcg):
    yi, vi = bcg
    res = pool(yi, vi, method="PM")
    assert res.tau2 == pytest.approx(0.3181, abs=DEC4)  # [DLIT]

    # independent route: PM solves Q(tau^2) = k - 1
    def q_minus_df(tau2: float) -> float:
        w = 1 / (vi + tau2)
        mu = np.sum(w * yi) / np.sum(w)
        return np.sum(w * (yi - mu) ** 2) - (len(yi) - 1)

    assert res.tau2 == pytest.approx(optimize.brentq(q_minus_df, 0, 10, xtol=1e-12), abs=1e-8)


def test_pm_matches_metafor_full_precision_kacker():
    # [Kacker] exk1_metafor: rma(y, v, method="PM", control=list(tol=1e-9))
    res = pool(KACKER_Y, KACKER_V, method="PM")
    assert res.estimate == pytest.approx(62.4076199113286, abs=1e-7)
    assert res.std_error == pytest.approx(0.338030602684471, abs=1e-7)
    assert (res.ci_low, res.ci_high) == pytest.approx(
        (61.7450921043947, 63.0701477182625), abs=1e-7
    )
    assert res.tau2 == pytest.approx(0.705395309224248, abs=1e-7)
    assert res.tau2_se == pytest.approx(0.51419109758052, abs=1e-7)
    assert res.q == pytest.approx(24.801897741835, abs=1e-7)
    assert res.q_p_value == pytest.approx(0.00167935146372742, abs=1e-9)
    assert res.i2 == pytest.approx(83.7218626490482, abs=1e-5)
    assert res.h2 == pytest.approx(6.14320900751909, abs=1e-6)


def test_dl_and_knapp_hartung_match_metafor_full_precision_kacker():
    # [Kacker] exk1_dl and exk1_dl_hksj
    dl = pool(KACKER_Y, KACKER_V, method="DL")
    assert dl.estimate == pytest.approx(62.3901386044504, abs=1e-9)
    assert dl.std_error == pytest.approx(0.245749668040304, abs=1e-9)
    assert dl.tau2 == pytest.approx(0.288049246973751, abs=1e-9)
    assert dl.tau2_se == pytest.approx(0.269366223207558, abs=1e-9)
    assert dl.i2 == pytest.approx(67.744403741711, abs=1e-7)
    assert dl.h2 == pytest.approx(3.10023721772938, abs=1e-8)
    kh = pool(KACKER_Y, KACKER_V, method="DL", knapp_hartung=True)
    assert kh.std_error == pytest.approx(0.29477605699879, abs=1e-9)
    assert (kh.ci_low, kh.ci_high) == pytest.approx((61.710383798052, 63.0698934108488), abs=1e-8)
    assert kh.p_value == pytest.approx(2.77938607433693e-16, rel=1e-4)
