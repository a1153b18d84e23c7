"""Which regions need a pilot most: a need-and-capacity score, its ranking and how stable it is.

The score is a weighted composite indicator, built as the OECD/JRC *Handbook on
Constructing Composite Indicators* (2008) describes: each indicator is
standardised across the candidate regions (z-score), turned so that a positive
value means more need (its *direction*), weighted, and summed. Each indicator's
*contribution* (weight share x standardised value) is kept, so a reader sees why
a region ranks where it does. A region without a value for an indicator gets the
candidates' mean for it (contribution 0).

How stable the ranking is (the Handbook's uncertainty analysis): the score is
recomputed many times, each time with the weights perturbed at random
(multiplied by log-normal noise of ``weight_noise``) and with each region's
practices resampled with replacement (a bootstrap within regions, so a region's
values vary as they would with other practices of the same kind). A region's
*rank interval* holds the middle ``level`` of its ranks over the replicates; its
*chance of being in the top N* is the share of replicates in which it ranks N or
better.

References
----------
OECD & JRC (2008). Handbook on Constructing Composite Indicators: Methodology
and User Guide. Paris: OECD Publishing.
Goldstein H, Spiegelhalter DJ (1996). League tables and their limitations:
statistical issues in comparisons of institutional performance. Journal of the
Royal Statistical Society A 159(3):385-443.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from analysis.planning.indicators import IndicatorData

__all__ = ["Direction", "NeedScores", "RankStability", "need_scores", "rank_stability"]

#: Which value of an indicator means more need: ``"higher"`` or ``"lower"``.
Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class NeedScores:
    """The need score of each region and what it is made of.

    Attributes
    ----------
    standardised
        Region x indicator z-scores, turned so that positive means more need;
        0 where a region has no value.
    contributions
        Region x indicator: weight share x standardised value. They sum to the score.
    score
        Region -> need score (higher: more need).
    rank
        Region -> rank, 1 = most need (ties share the best rank).
    weights
        Indicator -> weight share (the weights divided by their sum).
    """

    standardised: pd.DataFrame
    contributions: pd.DataFrame
    score: pd.Series
    rank: pd.Series
    weights: pd.Series

    def top(self, n: int) -> list[str]:
        """The ``n`` regions of most need, best rank first (ties by region id)."""
        order = pd.DataFrame({"rank": self.rank}).sort_values("rank", kind="stable")
        return [str(r) for r in order.index[:n]]


def _checked_weights(
    indicators: list[str], weights: Mapping[str, float], directions: Mapping[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (as given) and direction signs (+1: higher means more need), checked."""
    missing = [i for i in indicators if i not in weights]
    extra = [i for i in weights if i not in indicators]
    if missing or extra:
        raise ValueError(
            f"weights must name exactly the indicators: missing {missing}, unknown {extra}"
        )
    w = np.array([float(weights[i]) for i in indicators])
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights must be 0 or more with a positive sum, got {dict(weights)}")
    choices = get_args(Direction)
    wrong = {i: directions.get(i) for i in indicators if directions.get(i) not in choices}
    if wrong:
        raise ValueError(
            f"every indicator needs a direction, one of {choices} (which value means more "
            f"need); got {wrong}"
        )
    signs = np.array([1.0 if directions[i] == "higher" else -1.0 for i in indicators])
    return w, signs


def _standardise(values: np.ndarray) -> np.ndarray:
    """Z-scores per column (last axis = regions x indicators), missing -> 0, no spread -> 0."""
    mean = np.nanmean(values, axis=-2, keepdims=True)
    sd = np.nanstd(values, axis=-2, ddof=1, keepdims=True)
    z = np.where(sd > 0, (values - mean) / np.where(sd > 0, sd, 1.0), 0.0)
    return np.nan_to_num(z, nan=0.0)


def need_scores(
    values: pd.DataFrame, weights: Mapping[str, float], directions: Mapping[str, Direction]
) -> NeedScores:
    """Standardise the indicators, weight them in their direction, and rank the regions.

    Parameters
    ----------
    values
        Region x indicator (``IndicatorData.values()``, or any table with regions
        as index).
    weights
        Indicator -> weight (0 or more; only their proportions matter).
    directions
        Indicator -> ``"higher"`` or ``"lower"``: which value means more need.

    Returns
    -------
    NeedScores

    Examples
    --------
    >>> values = pd.DataFrame({"fte": [3.0, 4.0, 5.0], "stop": [0.4, 0.2, 0.1]},
    ...                       index=["a", "b", "c"])
    >>> s = need_scores(values, {"fte": 1, "stop": 1}, {"fte": "lower", "stop": "higher"})
    >>> s.rank.to_dict(), s.top(1)
    ({'a': 1, 'b': 2, 'c': 3}, ['a'])
    """
    indicators = list(values.columns)
    w, signs = _checked_weights(indicators, weights, directions)
    z = _standardise(values.to_numpy(dtype=float)) * signs
    share = w / w.sum()
    contributions = z * share
    score = contributions.sum(axis=1)
    index = values.index
    rank = stats.rankdata(-score, method="min").astype(int)
    return NeedScores(
        standardised=pd.DataFrame(z, index=index, columns=indicators),
        contributions=pd.DataFrame(contributions, index=index, columns=indicators),
        score=pd.Series(score, index=index, name="score"),
        rank=pd.Series(rank, index=index, name="rank"),
        weights=pd.Series(share, index=indicators, name="weight"),
    )


@dataclass(frozen=True)
class RankStability:
    """Ranks of the regions over perturbed weights and resampled practices.

    Attributes
    ----------
    ranks
        Replicate x region ranks (1 = most need).
    table
        One row per region (``region_id`` index): ``rank`` (with the weights as
        given and all practices), ``rank_low`` and ``rank_high`` (the rank
        interval), ``p_top`` (chance of ranking ``top_n`` or better).
    settings
        The perturbation: ``weight_noise``, ``bootstrap``, ``n_replicates``,
        ``level``, ``top_n``, ``seed``.
    """

    ranks: pd.DataFrame
    table: pd.DataFrame
    settings: dict[str, object]


def _bootstrap_weights(
    region_of_practice: np.ndarray, n_replicates: int, rng: np.random.Generator
) -> np.ndarray:
    """Replicate x practice counts: each region's practices drawn with replacement."""
    counts = np.zeros((n_replicates, len(region_of_practice)))
    for region in np.unique(region_of_practice):
        members = np.flatnonzero(region_of_practice == region)
        draws = rng.integers(0, len(members), size=(n_replicates, len(members)))
        for k in range(len(members)):
            counts[:, members[k]] = (draws == k).sum(axis=1)
    return counts


def _replicate_values(
    data: IndicatorData, counts: np.ndarray | None, n_replicates: int
) -> np.ndarray:
    """Replicate x region x indicator values (practice sums weighted by ``counts``)."""
    regions = data.regions["region_id"].to_numpy()
    sums = data.sums
    position = {r: k for k, r in enumerate(regions)}
    member = np.zeros((len(sums), len(regions)))
    member[np.arange(len(sums)), sums["region_id"].map(position).to_numpy()] = 1.0
    weights = counts if counts is not None else np.ones((n_replicates, len(sums)))
    out = np.empty((n_replicates, len(regions), len(data.indicators)))
    for j, name in enumerate(data.indicators):
        if name in data.fixed.columns:
            fixed = data.fixed[name].reindex(regions).to_numpy(dtype=float)
            out[:, :, j] = fixed
            continue
        num = (weights * sums[f"{name}.num"].to_numpy()) @ member
        den = (weights * sums[f"{name}.den"].to_numpy()) @ member
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, :, j] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


def rank_stability(
    data: IndicatorData,
    weights: Mapping[str, float],
    directions: Mapping[str, Direction],
    *,
    top_n: int,
    n_replicates: int = 500,
    weight_noise: float = 0.25,
    bootstrap: bool = True,
    level: float = 0.9,
    seed: int = 0,
) -> RankStability:
    """How much the ranking moves when the weights and the practices change.

    Parameters
    ----------
    data
        The regions' indicators (:func:`analysis.planning.indicators.need_indicators`).
    weights, directions
        As in :func:`need_scores`.
    top_n
        The number of regions to be chosen (for the chance of being in the top N).
    n_replicates
        Number of perturbed rankings.
    weight_noise
        Standard deviation of the log-normal factor each weight is multiplied by
        in each replicate (0: weights as given; 0.25: most weights vary by up to
        about a factor 1.6 either way).
    bootstrap
        Resample each region's practices with replacement in each replicate.
    level
        Share of the replicates the rank interval holds (0.9: the 5th to 95th
        percentile of the ranks).
    seed
        Random seed.

    Returns
    -------
    RankStability

    Notes
    -----
    A region with one practice in the data has no resampling spread of its
    own; its interval then reflects the weights and the other regions only.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if weight_noise < 0:
        raise ValueError(f"weight_noise must be 0 or more, got {weight_noise}")
    if n_replicates < 1 or top_n < 1:
        raise ValueError("n_replicates and top_n must be at least 1")
    indicators = list(data.indicators)
    w, signs = _checked_weights(indicators, weights, directions)
    rng = np.random.default_rng(seed)
    counts = (
        _bootstrap_weights(data.sums["region_id"].to_numpy(), n_replicates, rng)
        if bootstrap
        else None
    )
    values = _replicate_values(data, counts, n_replicates)
    noise = np.exp(rng.normal(0.0, weight_noise, size=(n_replicates, len(indicators))))
    shares = w * noise
    shares /= shares.sum(axis=1, keepdims=True)
    z = _standardise(values) * signs
    scores = np.einsum("rij,rj->ri", z, shares)
    ranks = np.apply_along_axis(lambda s: stats.rankdata(-s, method="min"), 1, scores)
    regions = pd.Index(data.regions["region_id"], name="region_id")
    point = need_scores(data.values(), weights, directions).rank.reindex(regions)
    tail = (1 - level) / 2
    table = pd.DataFrame(
        {
            "rank": point.to_numpy(),
            "rank_low": np.floor(np.quantile(ranks, tail, axis=0)).astype(int),
            "rank_high": np.ceil(np.quantile(ranks, 1 - tail, axis=0)).astype(int),
            "p_top": (ranks <= top_n).mean(axis=0),
        },
        index=regions,
    )
    settings = {
        "weight_noise": weight_noise,
        "bootstrap": bootstrap,
        "n_replicates": n_replicates,
        "level": level,
        "top_n": top_n,
        "seed": seed,
    }
    return RankStability(pd.DataFrame(ranks, columns=regions), table, settings)
