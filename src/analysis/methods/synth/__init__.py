"""Synthetic control for one treated unit (Abadie & Gardeazabal 2003; ADH 2010).

The synthetic control is a weighted average of donor units, with weights on
the simplex (non-negative, summing to 1), chosen so that it reproduces the
treated unit before the start. Two ways to choose the weights:

* default, the *outcome-path fit*: minimise the mean squared difference
  between the treated unit's outcome and the synthetic one over the
  optimisation window (by default every pre-period time point). This needs
  nothing but the outcome.
* with ``predictors`` and/or ``outcome_lags``, the *nested* fit of R
  ``Synth``: each predictor is averaged over its own window, standardised by
  its standard deviation across units; the weights minimise the V-weighted
  predictor discrepancy; and the diagonal V is searched (or given, ``v=``)
  to minimise the outcome MSPE over ``optimization_window``.

The stages live in their own modules, as in R ``Synth``: ``_spec`` (R
``dataprep``: predictor windows and matrices), ``_weights`` (the exact simplex
QP and the V search, R ``synth``/``fn.V``), ``_inference`` (placebo in space)
and ``_results`` (result, balance table, plots, placebo in time).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import pandas as pd

from analysis.methods.synth._inference import PlaceboResult
from analysis.methods.synth._results import SynthResult, fit_result
from analysis.methods.synth._spec import (
    Predictors,
    PredictorWindow,
    Request,
    build_spec,
    check_data,
    normalise_predictors,
)
from analysis.methods.synth._weights import VSearch, simplex_least_squares


def synthetic_control(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_unit: Hashable,
    start: Hashable,
    predictors: Predictors | None = None,
    outcome_lags: Sequence[Hashable] | None = None,
    donors: Sequence[Hashable] | None = None,
    optimization_window: Iterable[Hashable] | None = None,
    v: Mapping[str, float] | None = None,
    placebo: bool = False,
) -> SynthResult:
    """Estimate the effect on one treated unit with a synthetic control.

    Parameters
    ----------
    data
        Long panel, one row per unit and time (not modified). Every unit used
        needs the outcome at every time point; covariates may be missing in
        some periods.
    unit, time, outcome
        Column names: unit id, time (sortable: year, month number, date) and
        outcome.
    treated_unit
        Id of the treated unit (the pilot region).
    start
        First time point of the post-period (intervention in force).
    predictors
        Either a list of columns, each averaged over the whole pre-period, or
        a mapping from a predictor's name to ``(column, periods)`` or
        ``(column, periods, "mean")``, each averaged over its own periods (R
        ``special.predictors``), for example
        ``{"beer": ("beer", range(1984, 1989)), "popdens": ("popdens", [1969])}``.
        Missing values inside a window are skipped; a unit with no value in
        a predictor's window is an error. Giving ``predictors`` or
        ``outcome_lags`` switches to the nested V fit.
    outcome_lags
        Pre-period times whose outcome value is a predictor (named
        ``f"{outcome}_{time}"``), e.g. ``[1975, 1980, 1988]`` in ADH (2010).
    donors
        Donor pool; default all other units.
    optimization_window
        Pre-period times whose outcome MSPE chooses V (R ``time.optimize.ssr``,
        tidysynth ``optimization_window``), or, without predictors, the
        weights; default the whole pre-period.
    v
        A given V: mapping from every predictor name to a non-negative weight
        (normalised to sum 1); skips the search (R ``custom.v``).
    placebo
        Also run the placebo-in-space test and put its permutation p-value in
        ``effects`` (one refit per unit).

    Returns
    -------
    SynthResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> years = np.arange(2010, 2024)
    >>> rows = [{"region": r, "year": y, "referrals": 300 + 5 * r * (y - 2010)
    ...          + rng.normal(0, 2) - 30 * (r == 2 and y >= 2019)}
    ...         for r in range(6) for y in years]
    >>> res = synthetic_control(pd.DataFrame(rows), unit="region", time="year",
    ...                         outcome="referrals", treated_unit=2, start=2019)
    >>> bool(-35 < res.effects.loc[0, "estimate"] < -25)
    True
    >>> fig = res.plot()
    """
    normalised = normalise_predictors(predictors, outcome, outcome_lags)
    check_data(data, unit, time, outcome, normalised)
    donor_ids = _donor_pool(data, unit, time, treated_unit, start, donors)
    known = set(data[time])
    late = [t for t in outcome_lags or () if t not in known or not t < start]
    if late:
        raise ValueError(f"outcome_lags must be pre-period time points in the data; not so: {late}")
    units = [treated_unit, *donor_ids]
    columns = list(dict.fromkeys([unit, time, outcome, *(p.column for p in normalised)]))
    request = Request(
        data=data.loc[data[unit].isin(units), columns].copy(),
        unit=unit,
        time=time,
        outcome=outcome,
        predictors=normalised,
        optimization_window=None if optimization_window is None else tuple(optimization_window),
        v=v,
    )
    if v is not None and not normalised:
        raise ValueError("v needs predictors or outcome_lags to weight")
    spec = build_spec(request, units, start)
    return fit_result(spec, treated_unit, tuple(donor_ids), placebo=placebo)


def _donor_pool(
    data: pd.DataFrame,
    unit: str,
    time: str,
    treated_unit: Hashable,
    start: Hashable,
    donors: Sequence[Hashable] | None,
) -> list[Hashable]:
    """Validate the treated unit, the start and the donors; return the donor ids."""
    all_units = pd.unique(data[unit]).tolist()
    if treated_unit not in all_units:
        raise ValueError(f"treated_unit {treated_unit!r} not found in column {unit!r}")
    times = data[time]
    if not times.min() < start <= times.max():
        raise ValueError(
            f"start {start!r} must lie after the first and not after the last time point "
            f"({times.min()!r} .. {times.max()!r}) so there are pre- and post-periods"
        )
    if donors is None:
        return [u for u in all_units if u != treated_unit]
    unknown = [d for d in donors if d not in all_units]
    if unknown:
        raise ValueError(f"donor(s) not found in column {unit!r}: {unknown}")
    if treated_unit in donors:
        raise ValueError(f"the treated unit {treated_unit!r} cannot be a donor")
    if len(set(donors)) < 2:
        raise ValueError("need at least 2 donors")
    return list(dict.fromkeys(donors))


__all__ = [
    "PlaceboResult",
    "PredictorWindow",
    "Predictors",
    "SynthResult",
    "VSearch",
    "simplex_least_squares",
    "synthetic_control",
]
