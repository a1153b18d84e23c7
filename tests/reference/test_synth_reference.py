"""``synthetic_control`` reproduces the picture of Abadie, Diamond & Hainmueller (2010).

Source: ADH (2010), "Synthetic control methods for comparative case studies:
estimating the effect of California's tobacco control program", JASA 105(490),
and ``../shared/reference/README.md``, on ``smoking_data.csv`` (39 states,
1970-2000, per-capita cigarette sales ``cigsale`` in packs; the file has no
covariates). Published: synthetic California tracks California before 1989
(Figure 2); about 26 fewer packs per capita by 2000 and about 19 fewer per
year on average 1989-2000; weights on Utah 0.334, Nevada 0.234, Montana
0.199, Colorado 0.164, Connecticut 0.069 (Table 2); California has the
largest post/pre RMSPE ratio of the 39 states (Figure 8, p = 1/39).

ADH chose the weights with covariates (income, retail price, youth share, beer)
and three lagged outcomes. With only ``cigsale`` available we use the default
pre-period outcome fit. Tolerances: the gaps within about +-4 packs of the
published ones (a different V moves the gap by a few packs, and the published
figures are given only as "about"); four of the five published donors in our
top five.

Not reproduced: the placebo rank. With the outcome-only fit California has the
3rd largest ratio (p = 3/39); Missouri and Virginia, fitted almost perfectly
before 1989 (pre-RMSPE 0.44 and 0.82), have larger ratios. Their pre-period
fit in ADH is worse because covariates enter V. The rank-1 claim is kept as a
strict xfail so that it shows up if it starts to pass. How the rank moves with
the specification (1 to 5 of 39, while the gap stays at -26 to -29 packs):
``benchmarks/synth_specifications.py`` and ``docs/validation.md``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.methods.synth import synthetic_control

pytestmark = pytest.mark.reference

PUBLISHED_DONORS = {"Utah", "Nevada", "Montana", "Colorado", "Connecticut"}


@pytest.fixture(scope="module")
def smoking(reference_file) -> pd.DataFrame:
    return pd.read_csv(reference_file("smoking_data.csv"))


@pytest.fixture(scope="module")
def result(smoking):
    return synthetic_control(
        smoking,
        unit="state",
        time="year",
        outcome="cigsale",
        treated_unit="California",
        start=1989,
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


@pytest.mark.xfail(strict=True, reason="published rank 1 needs ADH's covariates, not in the file")
def test_placebo_in_space_rank_one_as_published(result):
    assert result.placebo().rank == 1
