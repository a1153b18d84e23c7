"""Comparison regions: optimal, without replacement, within the caliper, and better balanced."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.planning.matching import balance_table, match_regions, standardised_differences


def regions(seed: int = 0, n_pool: int = 40, n_pilots: int = 5) -> tuple[pd.DataFrame, list, list]:
    """Pilot regions drawn apart from most of the pool (needier: fewer GPs, more stops)."""
    rng = np.random.default_rng(seed)
    pool = pd.DataFrame(
        {"fte": rng.normal(5.0, 1.0, n_pool), "stops": rng.normal(0.3, 0.1, n_pool)},
        index=[f"C{k:02d}" for k in range(n_pool)],
    )
    pilots = pd.DataFrame(
        {"fte": rng.normal(4.0, 0.5, n_pilots), "stops": rng.normal(0.42, 0.05, n_pilots)},
        index=[f"P{k}" for k in range(n_pilots)],
    )
    return pd.concat([pilots, pool]), list(pilots.index), list(pool.index)


def test_no_comparison_region_is_used_twice_and_every_pair_is_within_the_caliper():
    features, pilots, pool = regions()
    matches = match_regions(features, pilots, pool, n_matches=3, caliper=0.4)
    pairs = matches.pairs
    assert not pairs["comparison"].duplicated().any()
    assert set(pairs["comparison"]) <= set(pool) and set(pairs["pilot"]) <= set(pilots)
    assert (pairs["distance"] <= 0.4).all()
    lacking = 3 - pairs["pilot"].value_counts().reindex(pilots, fill_value=0)
    assert matches.unmatched == {p: int(n) for p, n in lacking.items() if n > 0}


def test_a_tight_caliper_leaves_pilots_unmatched_rather_than_matching_far():
    features, pilots, pool = regions()
    loose = match_regions(features, pilots, pool, n_matches=2, caliper=np.inf)
    tight = match_regions(features, pilots, pool, n_matches=2, caliper=0.05)
    assert len(loose.pairs) == 2 * len(pilots) and not loose.unmatched
    assert len(tight.pairs) < len(loose.pairs)
    assert sum(tight.unmatched.values()) == 2 * len(pilots) - len(tight.pairs)


def test_the_distance_is_the_root_mean_square_standardised_difference():
    features, pilots, pool = regions()
    pairs = match_regions(features, pilots, pool, n_matches=1, caliper=np.inf).pairs
    sd = features.std(ddof=1)
    for row in pairs.itertuples():
        diff = (features.loc[row.pilot] - features.loc[row.comparison]) / sd
        assert row.distance == pytest.approx(float(np.sqrt((diff**2).mean())))


def test_the_matching_is_optimal_not_greedy():
    # Greedy in pilot order would give A its nearest (c1) and leave B the far c2;
    # the optimal matching gives A c2 and B c1, half the total distance.
    features = pd.DataFrame({"x": [0.0, 1.0, 0.45, -0.6]}, index=["A", "B", "c1", "c2"])
    matches = match_regions(features, ["A", "B"], ["c1", "c2"], n_matches=1, caliper=np.inf)
    assert matches.as_dict() == {"A": ["c2"], "B": ["c1"]}


def test_the_total_distance_is_the_smallest_of_all_assignments():
    features, pilots, pool = regions(seed=4, n_pool=6, n_pilots=3)
    matches = match_regions(features, pilots, pool, n_matches=1, caliper=np.inf)
    sd = features.std(ddof=1)

    def distance(p: str, c: str) -> float:
        return float(np.sqrt((((features.loc[p] - features.loc[c]) / sd) ** 2).mean()))

    best = min(
        sum(distance(p, c) for p, c in zip(pilots, chosen, strict=True))
        for chosen in itertools.permutations(pool, len(pilots))
    )
    assert matches.pairs["distance"].sum() == pytest.approx(best)


def test_matching_improves_balance():
    features, pilots, pool = regions(seed=2, n_pool=200)
    matches = match_regions(features, pilots, pool, n_matches=2, caliper=1.0)
    table = balance_table(features, matches, pool)
    assert (table["smd_before"].abs() > 0.5).all(), "the pilots differ from the pool"
    assert (table["smd_after"].abs() < table["smd_before"].abs()).all()
    assert (table["smd_after"].abs() < 0.25).all()
    matched = features.loc[matches.pairs["comparison"]]
    assert table["matched_mean"].to_dict() == pytest.approx(matched.mean().to_dict())


def test_standardised_difference_is_austins():
    """Austin (2009), continuous covariate: (mean_t - mean_c) / sqrt((s_t^2 + s_c^2) / 2)."""
    x = pd.DataFrame({"v": [1.0, 2.0, 3.0, 2.0, 4.0]}, index=list("abcde"))
    smd = standardised_differences(x, ["a", "b", "c"], ["d", "e"])["v"]
    # means 2 and 3, variances 1 and 2: -1 / sqrt(1.5)
    assert smd == pytest.approx(-1 / np.sqrt(1.5))
    weighted = standardised_differences(
        x, ["a", "b", "c"], ["d", "e"], control_weights=[3.0, 1.0], reference=["d", "e"]
    )["v"]
    assert weighted == pytest.approx((2.0 - 2.5) / np.sqrt(1.5))


def test_matching_refuses_overlapping_or_unknown_regions():
    features, pilots, pool = regions()
    with pytest.raises(ValueError, match="both pilot and comparison"):
        match_regions(features, pilots, [*pool, pilots[0]])
    with pytest.raises(ValueError, match="no row"):
        match_regions(features, [*pilots, "nowhere"], pool)
