"""``its`` reproduces Lopez Bernal, Cummins & Gasparrini (2017), Int J Epidemiol.

Source: the published R code of the tutorial (github.com/gasparrini/
2017_lopezbernal_IJE_codedata, ``Rcode.R``) on ``sicily.csv``, as listed in
``../shared/reference/README.md``:

* model1 ``glm(aces ~ offset(log(stdpop)) + smokban + time, family=poisson)``,
  ``ci.exp(model1)``: RR 0.8944 (0.8647-0.9251);
* model2, same with ``family=quasipoisson``: 0.8944 (0.8392-0.9532);
* model3, + ``harmonic(month, 2, 12)``: 0.8851 (0.8394-0.9332), and
  ``exp(coef(model3)["time"] * 12)`` = 1.0668 (trend per year);
* model4, + ``I(time-36):smokban``: step 0.8765 (0.8268-0.9292), slope
  1.0015 (0.9978-1.0051) per month.

``Epi::ci.exp`` gives Wald intervals with the normal quantile. The tutorial's
harmonics are of ``month``; ``its`` builds them from ``time``, which differs
from ``month`` by multiples of 12, so the terms are identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.methods.its import its

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def sicily(reference_file) -> pd.DataFrame:
    return pd.read_csv(reference_file("sicily.csv"))


def _fit(data: pd.DataFrame, **options):
    res = its(data, outcome="aces", time="time", intervention="smokban", offset="stdpop", **options)
    return res, res.effects.set_index("term")


def _ratio_row(effects: pd.DataFrame, term: str) -> tuple[float, float, float]:
    row = effects.loc[term]
    return row["ratio"], row["ratio_ci_low"], row["ratio_ci_high"]


def test_data_as_described(sicily):
    assert list(sicily.columns) == ["year", "month", "aces", "time", "smokban", "pop", "stdpop"]
    assert len(sicily) == 59
    assert sicily.loc[sicily["smokban"] == 0, "time"].max() == 36  # the "36" of I(time-36)
    # harmonics of time equal harmonics of month (period 12)
    assert ((sicily["time"] - sicily["month"]) % 12 == 0).all()


@pytest.mark.parametrize(
    ("family", "expected"),
    [("poisson", (0.8944, 0.8647, 0.9251)), ("quasipoisson", (0.8944, 0.8392, 0.9532))],
)
def test_step_change_models_1_and_2(sicily, family, expected):
    _, effects = _fit(sicily, family=family)
    assert _ratio_row(effects, "step") == pytest.approx(expected, abs=5e-5)


def test_quasipoisson_with_harmonics_model_3(sicily):
    res, effects = _fit(sicily, harmonics=2, period=12)
    assert _ratio_row(effects, "step") == pytest.approx((0.8851, 0.8394, 0.9332), abs=5e-5)
    assert np.exp(12 * effects.loc["trend", "estimate"]) == pytest.approx(1.0668, abs=5e-5)
    assert res.dispersion > 1  # overdispersed, as the tutorial discusses


def test_slope_change_model_4(sicily):
    _, effects = _fit(sicily, harmonics=2, period=12, slope_change=True)
    assert _ratio_row(effects, "step") == pytest.approx((0.8765, 0.8268, 0.9292), abs=5e-5)
    assert _ratio_row(effects, "slope") == pytest.approx((1.0015, 0.9978, 1.0051), abs=5e-5)
