"""Comparison regions for chosen pilot regions: nearest neighbours without replacement.

Each pilot region gets up to ``n_matches`` comparison regions from a pool
(regions neither chosen nor already in a pilot), nearest on the pre-period
outcomes and covariates. Distances are Euclidean on covariates divided by their
standard deviation in the pilots and the pool together (the normalised
Euclidean distance, a Mahalanobis distance with a diagonal covariance; Stuart
2010), reported per covariate as the root mean square of the standardised
differences, so a caliper of 0.5 means "on average within half a standard
deviation".

The matches are optimal, not greedy: every pilot region is repeated
``n_matches`` times and the assignment that first maximises the number of pairs
within the caliper and then minimises their total distance is found with
:func:`scipy.optimize.linear_sum_assignment` (Rosenbaum 1989, optimal matching).
A comparison region is used at most once; a pilot region with no candidate
within the caliper gets fewer matches (or none), and the table says so.

Balance is judged by standardised mean differences (Austin 2009): the difference
in means divided by ``sqrt((s_pilot^2 + s_pool^2) / 2)`` of the regions before
matching, the same denominator after matching, so that the two are comparable.
A common rule of thumb calls ``|SMD| < 0.1`` balanced (Austin 2009; Stuart 2010).

References
----------
Austin PC (2009). Balance diagnostics for comparing the distribution of baseline
covariates between treatment groups in propensity-score matched samples.
Statistics in Medicine 28(25):3083-3107.
Rosenbaum PR (1989). Optimal matching for observational studies. Journal of the
American Statistical Association 84(408):1024-1032.
Stuart EA (2010). Matching methods for causal inference: a review and a look
forward. Statistical Science 25(1):1-21.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

__all__ = ["Matches", "balance_table", "match_regions", "standardised_differences"]


@dataclass(frozen=True)
class Matches:
    """The comparison regions of each pilot region.

    Attributes
    ----------
    pairs
        One row per match: ``pilot``, ``comparison``, ``distance`` (root mean square
        standardised difference over the covariates), ordered by pilot and distance.
    unmatched
        Pilot region -> matches it lacks (fewer candidates within the caliper).
    caliper
        The largest distance allowed.
    """

    pairs: pd.DataFrame
    unmatched: dict[str, int]
    caliper: float

    def comparisons(self, pilot: str) -> list[str]:
        """The comparison regions of one pilot region, nearest first."""
        return self.pairs.loc[self.pairs["pilot"] == pilot, "comparison"].tolist()

    def as_dict(self) -> dict[str, list[str]]:
        """Pilot region -> its comparison regions (for the evaluation, as JSON)."""
        return {p: self.comparisons(p) for p in dict.fromkeys(self.pairs["pilot"])}


def _scaled(features: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Features with missing values set to the column mean, and their variances."""
    filled = features.astype(float).fillna(features.astype(float).mean())
    variances = filled.var(ddof=1).to_numpy()
    variances = np.where(variances > 0, variances, 1.0)  # a constant covariate adds nothing
    return filled, variances


def match_regions(
    features: pd.DataFrame,
    pilots: Sequence[str],
    pool: Sequence[str],
    *,
    n_matches: int = 2,
    caliper: float = 0.5,
) -> Matches:
    """Optimal nearest-neighbour matching without replacement, within a caliper.

    Parameters
    ----------
    features
        Region x covariate (pre-period outcomes and covariates), regions as index,
        holding every pilot and pool region. Missing values count as the mean.
    pilots
        The chosen pilot regions.
    pool
        The regions that may serve as comparison (not the pilots).
    n_matches
        Comparison regions wanted per pilot region.
    caliper
        Largest distance of a pair, in standard deviations (root mean square over
        the covariates); ``inf`` for none.

    Returns
    -------
    Matches

    Examples
    --------
    >>> x = pd.DataFrame({"rate": [10.0, 20.0, 11.0, 19.0, 30.0]}, index=list("abcde"))
    >>> match_regions(x, ["a", "b"], ["c", "d", "e"], n_matches=1).as_dict()
    {'a': ['c'], 'b': ['d']}
    """
    pilots, pool = list(pilots), list(pool)
    if n_matches < 1:
        raise ValueError(f"n_matches must be at least 1, got {n_matches}")
    if not caliper > 0:
        raise ValueError(f"caliper must be positive, got {caliper}")
    overlap = sorted(set(pilots) & set(pool))
    if overlap:
        raise ValueError(f"regions cannot be both pilot and comparison: {overlap}")
    missing = sorted(set(pilots + pool) - set(features.index))
    if missing:
        raise ValueError(f"features has no row for {missing}")
    filled, variances = _scaled(features.loc[pilots + pool])
    p = filled.shape[1]
    distance = cdist(
        filled.loc[pilots].to_numpy(), filled.loc[pool].to_numpy(), "seuclidean", V=variances
    ) / np.sqrt(p)
    rows = np.repeat(np.arange(len(pilots)), n_matches)
    cost = distance[rows]
    allowed = cost <= caliper
    # Any pair beyond the caliper costs more than all pairs within it together: the
    # assignment first maximises the pairs within the caliper, then minimises distance.
    big = 1.0 + float(cost[allowed].sum()) if allowed.any() else 1.0
    chosen_rows, chosen_cols = linear_sum_assignment(np.where(allowed, cost, big + cost))
    pairs = [
        (pilots[rows[r]], pool[c], float(cost[r, c]))
        for r, c in zip(chosen_rows, chosen_cols, strict=True)
        if allowed[r, c]
    ]
    table = pd.DataFrame(pairs, columns=["pilot", "comparison", "distance"])
    order = {name: k for k, name in enumerate(pilots)}
    table = table.sort_values(
        ["pilot", "distance"], key=lambda s: s.map(order) if s.name == "pilot" else s
    ).reset_index(drop=True)
    counts = table["pilot"].value_counts()
    unmatched = {
        pilot: n_matches - int(counts.get(pilot, 0))
        for pilot in pilots
        if counts.get(pilot, 0) < n_matches
    }
    return Matches(table, unmatched, caliper)


def standardised_differences(
    features: pd.DataFrame,
    treated: Sequence[str],
    control: Sequence[str],
    *,
    reference: Sequence[str] | None = None,
    control_weights: Sequence[float] | None = None,
) -> pd.Series:
    """Standardised mean difference per covariate, treated minus control (Austin 2009).

    ``(mean_t - mean_c) / sqrt((var_t + var_r) / 2)`` where ``var_r`` is the
    variance of the ``reference`` regions (default: ``control``); with a single
    treated region its variance is taken as ``var_r``. ``control_weights``
    weigh the control regions' mean (a pilot's matches share its weight).
    """
    x = features.astype(float)
    t, c = x.loc[list(treated)], x.loc[list(control)]
    r = x.loc[list(reference)] if reference is not None else c
    var_r = r.var(ddof=1)
    var_t = t.var(ddof=1) if len(t) > 1 else var_r
    spread = np.sqrt((var_t + var_r) / 2)
    weights = np.ones(len(c)) if control_weights is None else np.asarray(control_weights, float)
    mean_c = (c.mul(weights, axis=0)).sum() / weights.sum()
    return ((t.mean() - mean_c) / spread.where(spread > 0)).rename("smd")


def balance_table(features: pd.DataFrame, matches: Matches, pool: Sequence[str]) -> pd.DataFrame:
    """Means and standardised differences before and after matching, per covariate.

    Before: the matched pilot regions against the whole pool; after: against their
    comparison regions, each pilot's comparisons weighted ``1 / (its matches)``
    so that every pilot region counts once. Both differences share the spread of
    the regions before matching.

    Returns
    -------
    pandas.DataFrame
        One row per covariate (index): ``pilot_mean``, ``pool_mean``,
        ``matched_mean``, ``smd_before``, ``smd_after``.
    """
    pairs = matches.pairs
    treated = list(dict.fromkeys(pairs["pilot"]))
    if not treated:
        return pd.DataFrame(
            columns=["pilot_mean", "pool_mean", "matched_mean", "smd_before", "smd_after"]
        )
    per_pilot = pairs["pilot"].map(pairs["pilot"].value_counts())
    weights = (1.0 / per_pilot).to_numpy()
    x = features.astype(float)
    matched_mean = x.loc[pairs["comparison"]].mul(weights, axis=0).sum() / weights.sum()
    return pd.DataFrame(
        {
            "pilot_mean": x.loc[treated].mean(),
            "pool_mean": x.loc[list(pool)].mean(),
            "matched_mean": matched_mean,
            "smd_before": standardised_differences(x, treated, pool),
            "smd_after": standardised_differences(
                x, treated, pairs["comparison"], reference=pool, control_weights=weights
            ),
        }
    )
