"""The need score and its ranking: a known order is recovered, and the rank intervals behave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.planning.indicators import IndicatorData
from analysis.planning.selection import need_scores, rank_stability

REGIONS = [f"R{k:02d}" for k in range(12)]


def known_need(noise: float = 0.05, seed: int = 1) -> pd.DataFrame:
    """Twelve regions whose need falls with their number, seen through three indicators.

    Fewer GPs per patient, more patient stops and longer waits all mean more need;
    each indicator is the latent need on its own scale plus a little noise.
    """
    rng = np.random.default_rng(seed)
    need = np.linspace(2.0, -2.0, len(REGIONS))
    return pd.DataFrame(
        {
            "gp_fte_per_10000": 5.0 - 0.4 * need + rng.normal(0, noise, len(need)),
            "patient_stop_share": 0.3 + 0.1 * need + rng.normal(0, noise / 10, len(need)),
            "third_next_available_days": 6.0 + 1.5 * need + rng.normal(0, noise, len(need)),
        },
        index=pd.Index(REGIONS, name="region_id"),
    )


DIRECTIONS = {
    "gp_fte_per_10000": "lower",
    "patient_stop_share": "higher",
    "third_next_available_days": "higher",
}
EQUAL = dict.fromkeys(DIRECTIONS, 1.0)


def test_a_known_ranking_is_recovered():
    scores = need_scores(known_need(), EQUAL, DIRECTIONS)
    assert scores.rank.to_dict() == {region: k + 1 for k, region in enumerate(REGIONS)}
    assert scores.top(3) == REGIONS[:3]


def test_a_wrong_direction_turns_the_indicator_against_the_ranking():
    values = known_need()[["gp_fte_per_10000"]]
    wrong = {**DIRECTIONS, "gp_fte_per_10000": "higher"}
    right = need_scores(values, {"gp_fte_per_10000": 1.0}, DIRECTIONS).rank
    flipped = need_scores(values, {"gp_fte_per_10000": 1.0}, wrong).rank
    assert right.idxmin() == REGIONS[0] and flipped.idxmin() == REGIONS[-1]


def test_indicators_are_standardised_and_contributions_add_up_to_the_score():
    values = known_need()
    scores = need_scores(values, {**EQUAL, "patient_stop_share": 2.0}, DIRECTIONS)
    z = scores.standardised
    assert np.allclose(z.mean(), 0) and np.allclose(z.std(ddof=1), 1)
    for name, sign in (("third_next_available_days", 1), ("gp_fte_per_10000", -1)):
        column = values[name]
        assert np.allclose(z[name], sign * (column - column.mean()) / column.std(ddof=1))
    assert scores.weights.to_dict() == pytest.approx(
        {"gp_fte_per_10000": 0.25, "patient_stop_share": 0.5, "third_next_available_days": 0.25}
    )
    assert np.allclose(scores.contributions.sum(axis=1), scores.score)
    assert np.allclose(scores.contributions["patient_stop_share"], 0.5 * z["patient_stop_share"])
    tripled = need_scores(
        values, {**{k: 3.0 for k in EQUAL}, "patient_stop_share": 6.0}, DIRECTIONS
    )
    assert np.allclose(tripled.score, scores.score), "only the weights' proportions matter"


def test_a_missing_value_counts_as_the_mean():
    values = known_need()
    values.loc["R00", "patient_stop_share"] = np.nan
    scores = need_scores(values, EQUAL, DIRECTIONS)
    assert scores.contributions.loc["R00", "patient_stop_share"] == 0.0
    assert np.isclose(scores.standardised["patient_stop_share"].drop("R00").mean(), 0)


@pytest.mark.parametrize(
    ("weights", "directions", "message"),
    [
        ({"gp_fte_per_10000": 1.0}, DIRECTIONS, "missing"),
        ({**EQUAL, "other": 1.0}, DIRECTIONS, "unknown"),
        ({**EQUAL, "patient_stop_share": -1.0}, DIRECTIONS, "0 or more"),
        (EQUAL, {**DIRECTIONS, "patient_stop_share": "up"}, "direction"),
    ],
)
def test_weights_and_directions_are_checked(weights, directions, message):
    with pytest.raises(ValueError, match=message):
        need_scores(known_need(), weights, directions)


def indicator_data(practice_values: dict[str, list[tuple[float, ...]]]) -> IndicatorData:
    """IndicatorData from per-region lists of practice values (one value per practice-month)."""
    names = list(DIRECTIONS)
    rows = []
    for region, practices in practice_values.items():
        for k, values in enumerate(practices):
            row = {"practice_id": f"{region}-P{k}", "region_id": region}
            for name, value in zip(names, values, strict=True):
                row[f"{name}.num"], row[f"{name}.den"] = value, 1.0
            rows.append(row)
    regions = pd.DataFrame(
        {
            "region_id": list(practice_values),
            "name": [f"Regio {r}" for r in practice_values],
            "country": "BE",
            "n_practices": [len(p) for p in practice_values.values()],
            "n_respondents": 0,
        }
    )
    return IndicatorData(
        sums=pd.DataFrame(rows),
        fixed=pd.DataFrame(index=pd.Index(list(practice_values), name="region_id")),
        regions=regions,
        indicators=tuple(names),
        window=(pd.Timestamp("2026-01-01"), pd.Timestamp("2027-01-01")),
    )


def conflicting() -> IndicatorData:
    """Regions whose indicators disagree, so that the weights decide the order."""
    rng = np.random.default_rng(3)
    return indicator_data(
        {
            region: [tuple(rng.normal([5, 0.3, 6], [0.8, 0.1, 1.5])) for _ in range(4)]
            for region in REGIONS
        }
    )


def test_without_noise_every_interval_is_the_rank_itself():
    data = conflicting()
    stable = rank_stability(
        data, EQUAL, DIRECTIONS, top_n=3, n_replicates=50, weight_noise=0.0, bootstrap=False
    )
    table = stable.table
    assert (table["rank_low"] == table["rank"]).all() and (
        table["rank_high"] == table["rank"]
    ).all()
    assert set(table["p_top"]) <= {0.0, 1.0}
    assert table.loc[table["rank"] <= 3, "p_top"].eq(1.0).all()
    assert table["rank"].to_dict() == need_scores(data.values(), EQUAL, DIRECTIONS).rank.to_dict()


def test_rank_intervals_widen_with_weight_noise():
    data = conflicting()

    def mean_width(noise: float) -> float:
        table = rank_stability(
            data, EQUAL, DIRECTIONS, top_n=3, n_replicates=400, weight_noise=noise,
            bootstrap=False, seed=5,
        ).table  # fmt: skip
        return float((table["rank_high"] - table["rank_low"]).mean())

    small, medium, large = mean_width(0.05), mean_width(0.3), mean_width(1.0)
    assert 0 <= small < medium < large


def test_the_bootstrap_spreads_only_regions_whose_practices_differ():
    # R00 leads clearly with identical practices; R05 has practices far apart.
    values = {r: [(5.0 + 0.1 * k, 0.3, 6.0)] * 3 for k, r in enumerate(REGIONS)}
    values["R00"] = [(3.0, 0.6, 9.0)] * 3
    values["R05"] = [(3.0, 0.6, 9.0), (7.0, 0.1, 3.0), (5.0, 0.3, 6.0)]
    table = rank_stability(
        indicator_data(values), EQUAL, DIRECTIONS, top_n=2, n_replicates=400,
        weight_noise=0.0, bootstrap=True, seed=2,
    ).table  # fmt: skip
    assert table.loc["R00", ["rank_low", "rank_high"]].tolist() == [1, 1]
    assert table.loc["R00", "p_top"] == 1.0
    assert table.loc["R05", "rank_high"] - table.loc["R05", "rank_low"] >= 5
    assert 0 < table.loc["R05", "p_top"] < 1


def test_rank_stability_settings_are_checked():
    with pytest.raises(ValueError, match="level"):
        rank_stability(conflicting(), EQUAL, DIRECTIONS, top_n=3, level=1.5)
    with pytest.raises(ValueError, match="weight_noise"):
        rank_stability(conflicting(), EQUAL, DIRECTIONS, top_n=3, weight_noise=-1)
