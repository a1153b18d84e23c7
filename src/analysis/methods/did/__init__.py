"""Callaway & Sant'Anna (2021) group-time average treatment effects.

A vectorised NumPy re-implementation of the R package ``did`` (``att_gt`` and
``aggte``, balanced panels) with the 2x2 estimators of R ``DRDID`` that ``did``
calls: ``drdid_panel`` (``method="dr"``, R's default), ``reg_did_panel``
(``"reg"``) and ``std_ipw_did_panel`` (``"ipw"``).

Implementation notes (all mirror R ``did``/``DRDID``/``BMisc``):

* outcomes are pivoted once into a units x periods matrix; without covariates
  every ATT(g,t) and its influence function is computed in one set of array
  operations, with covariates each 2x2 cell is a least-squares fit plus a small
  Newton logit (covariates are taken from the earlier period of the pair);
* influence functions are kept as an ``n_units x n_cells`` matrix, rescaled by
  ``n / n_cell`` as in ``compute.att_gt``; analytic standard errors are
  ``sqrt(mean(IF^2) / n)`` (clustered at the unit);
* the multiplier bootstrap draws Rademacher weights, as
  ``BMisc::multiplier_bootstrap`` does (its documentation: "This function uses
  Rademechar weights"); standard errors are the IQR-based
  ``(q75 - q25) / (qnorm(.75) - qnorm(.25))`` and the simultaneous critical
  value is the ``1 - alpha`` quantile (R ``type = 1``) of the sup-t statistic;
* aggregations follow ``compute.aggte`` including the influence-function term
  for estimated cohort weights (``wif``), with the group-overall term built
  from the distinct cohorts (R ``did`` PR #223).

The stages live in their own modules, as in R ``did``: ``_prepare`` (data
preparation), ``_cells`` (the group-time cells), ``_estimators`` (the 2x2
DRDID estimators), ``_inference`` (standard errors, bootstrap, pre-test),
``aggregate_cells`` (``aggte``), ``_results`` and ``_plots``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.methods._options import AggregateKind, BasePeriod, Control, DidMethod
from analysis.methods.did._aggregate import AggregateResult
from analysis.methods.did._cells import estimate_cells, plan_cells
from analysis.methods.did._inference import Boot, PreTest
from analysis.methods.did._prepare import apply_cohort_rules, build_panel, check_options
from analysis.methods.did._results import AttGtResult, finish

#: kept for callers of the former module-level name
Method = DidMethod


def att_gt(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    control: Control = "never_treated",
    covariates: list[str] | None = None,
    method: Method = "dr",
    anticipation: int = 0,
    base_period: BasePeriod = "varying",
    bootstrap: int | None = None,
    seed: int | None = None,
    alpha: float = 0.05,
) -> AttGtResult:
    """Callaway & Sant'Anna (2021) group-time ATTs for a staggered pilot.

    Reproduces R ``did::att_gt`` on a balanced panel (``panel=TRUE``, no
    sampling weights). ``data`` is never modified.

    Parameters
    ----------
    data
        Long panel: one row per unit and period.
    outcome, unit, time, cohort
        Column names. ``cohort`` is the first treated period (same scale as
        ``time``); 0 or missing means never treated.
    control
        Comparison units: ``"never_treated"`` or ``"not_yet_treated"``
        (never treated plus units first treated after ``t + anticipation``).
    covariates
        Baseline covariates for conditional parallel trends (intercept added).
    method
        ``"dr"`` (Sant'Anna & Zhao doubly robust, R default), ``"reg"`` or
        ``"ipw"``. Without covariates all three give the unconditional DiD.
    anticipation
        Number of periods before ``cohort`` in which units may already react.
    base_period
        ``"varying"`` (pre-period cells compare adjacent periods) or
        ``"universal"`` (all cells against period ``g - anticipation - 1``).
    bootstrap
        Number of multiplier-bootstrap draws; ``None`` gives analytic
        influence-function standard errors (R ``bstrap=FALSE``).
    seed
        Seed of the bootstrap draws.
    alpha
        1 - confidence level.

    Returns
    -------
    AttGtResult

    Examples
    --------
    >>> res = att_gt(panel, outcome="visits", unit="practice", time="month",
    ...              cohort="start_month", control="not_yet_treated")  # doctest: +SKIP
    >>> res.effects.head()  # doctest: +SKIP
    >>> res.aggregate("group").overall  # doctest: +SKIP
    """
    check_options(control, method, base_period, anticipation, bootstrap, alpha)
    panel = build_panel(data, outcome, unit, time, cohort, list(covariates or []))
    panel = apply_cohort_rules(panel, control, anticipation)
    cells = plan_cells(panel, control, anticipation, base_period)
    att, inf = estimate_cells(panel, cells, method)
    boot = None if bootstrap is None else Boot(bootstrap, np.random.SeedSequence(seed).entropy)
    return finish(
        panel,
        cells,
        att,
        inf,
        boot,
        control=control,
        method=method,
        base_period=base_period,
        anticipation=anticipation,
        alpha=alpha,
    )


__all__ = [
    "AggregateKind",
    "AggregateResult",
    "AttGtResult",
    "BasePeriod",
    "Control",
    "Method",
    "PreTest",
    "att_gt",
]
