"""TWFE on the ``mpdta`` data of R ``did`` (Callaway & Sant'Anna 2021).

Static TWFE of ``lemp`` on the treatment dummy with county and year fixed
effects, standard errors clustered by county.

Published reference: the README of the R package ``twfeweights`` by Brantly
Callaway (GitHub ``bcallaway11/twfeweights``, README.md, commit 235ea0a) runs
``fixest::feols(lemp ~ post | countyreal + year, cluster = "countyreal",
data = mpdta)`` with ``post = 1 * (year >= first.treat & treat == 1)`` and
prints ``post  -0.036549  0.013265`` (the same estimate, -0.03654894, is what
its TWFE weights reconstruct). fixest's default small-sample factor does not
count the county effects, which are nested in the county clusters
(``ssc(fixef.K = "nested")``, K = 1 + 5 years = 6), so it matches
``twfe(..., fixef_k="nested")``, the default. Counting all 504 fixed-effect
parameters, as a dummy-variable OLS does, gives a larger SE (0.014832).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from analysis.methods.twfe import twfe

pytestmark = pytest.mark.reference

PUBLISHED_ESTIMATE = -0.036549  # fixest::feols, twfeweights README
PUBLISHED_SE = 0.013265  # clustered by county, fixest default ssc (nested)


@pytest.fixture(scope="module")
def mpdta(reference_file) -> pd.DataFrame:
    df = pd.read_csv(reference_file("mpdta.csv"))
    first = df["first.treat"]
    df["treated"] = ((df["year"] >= first) & (first > 0)).astype(int)
    return df


@pytest.fixture(scope="module")
def dummy_ols(mpdta):
    return smf.ols("lemp ~ treated + C(countyreal) + C(year)", data=mpdta).fit(
        cov_type="cluster", cov_kwds={"groups": mpdta["countyreal"].to_numpy()}
    )


def fit(mpdta, **kwargs):
    return twfe(mpdta, outcome="lemp", unit="countyreal", time="year", treated="treated", **kwargs)


def test_matches_statsmodels_dummy_ols(mpdta, dummy_ols):
    res = fit(mpdta, fixef_k="full")
    row = res.effects.iloc[0]
    np.testing.assert_allclose(row["estimate"], dummy_ols.params["treated"], rtol=1e-8)
    np.testing.assert_allclose(row["std_error"], dummy_ols.bse["treated"], rtol=1e-8)
    assert res.n_obs == 2500
    assert res.n_clusters == 500


def test_matches_published_fixest_result(mpdta):
    res = fit(mpdta)
    row = res.effects.iloc[0]
    assert row["estimate"] == pytest.approx(PUBLISHED_ESTIMATE, abs=5e-7)
    assert row["std_error"] == pytest.approx(PUBLISHED_SE, abs=5e-7)
    assert res.dof_k == 6


def test_nested_and_full_differ_only_in_small_sample_factor(mpdta, dummy_ols):
    nested, full = fit(mpdta), fit(mpdta, fixef_k="full")
    n = 2500
    ratio = np.sqrt((n - full.dof_k) / (n - nested.dof_k))
    np.testing.assert_allclose(
        nested.effects["std_error"].iloc[0], full.effects["std_error"].iloc[0] * ratio, rtol=1e-10
    )
    assert full.effects["std_error"].iloc[0] == pytest.approx(0.014832, abs=5e-7)
