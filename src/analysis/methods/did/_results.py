"""The ATT(g,t) result (R ``att_gt``'s ``MP`` object): table, pre-test, summary, plot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis import plotting
from analysis.methods._options import AggregateKind, require_choice
from analysis.methods._results import format_effects, normal_effects
from analysis.methods.did._aggregate import AggregateResult, aggregate_cells
from analysis.methods.did._cells import Cells
from analysis.methods.did._inference import Boot, PreTest, pretest, standard_errors
from analysis.methods.did._plots import errorbars
from analysis.methods.did._prepare import Panel

_METHOD_NAMES = {
    "dr": "doubly robust (DRDID drdid_panel)",
    "reg": "outcome regression (DRDID reg_did_panel)",
    "ipw": "normalised IPW (DRDID std_ipw_did_panel)",
}


@dataclass(frozen=True, eq=False)
class AttGtResult:
    """Group-time average treatment effects (R ``att_gt``).

    Attributes
    ----------
    effects
        One row per ATT(g,t): ``cohort``, ``time``, ``estimate``, ``std_error``,
        ``ci_low``, ``ci_high``, ``p_value``. With ``bootstrap`` the band uses the
        simultaneous (uniform) critical value, as R ``cband=TRUE``.
    pretest
        Wald pre-test of parallel trends (analytic covariance, as in R).
    critical_value
        Critical value used for ``ci_low`` / ``ci_high``.
    n_units
        Number of units used (after dropping units treated in the first period).
    """

    effects: pd.DataFrame
    pretest: PreTest
    critical_value: float
    n_units: int
    control: str
    method: str
    base_period: str
    anticipation: int
    alpha: float
    bootstrap: int | None
    influence: np.ndarray = field(repr=False)
    unit_cohort: np.ndarray = field(repr=False)
    _boot: Boot | None = field(repr=False, default=None)

    def aggregate(
        self,
        kind: AggregateKind,
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
    ) -> AggregateResult:
        """Aggregate the ATT(g,t) as R ``aggte(type=kind)``.

        Parameters
        ----------
        kind
            ``"simple"`` (cohort-size weighted average of post-treatment cells),
            ``"group"`` (by cohort), ``"dynamic"`` (event study) or
            ``"calendar"`` (by period).
        min_e, max_e
            Event-time window ``min_e <= t - g <= max_e`` (original time units)
            for ``dynamic``, ``simple`` and ``group`` (the last two only use
            post-treatment cells); ignored, with a warning, for ``calendar``.
        balance_e
            Dynamic only: keep cohorts observed for at least ``balance_e``
            periods after treatment.

        Returns
        -------
        AggregateResult

        Examples
        --------
        >>> res = att_gt(df, outcome="y", unit="id", time="t", cohort="g")  # doctest: +SKIP
        >>> res.aggregate("dynamic", min_e=-3, max_e=3).overall  # doctest: +SKIP
        """
        require_choice("kind", kind, AggregateKind)
        if balance_e is not None and kind != "dynamic":
            raise ValueError("balance_e only applies to kind='dynamic'")
        return aggregate_cells(self, kind, float(min_e), float(max_e), balance_e)

    def summary(self) -> str:
        """Plain-text summary in the spirit of R ``summary(att_gt(...))``."""
        band = "simultaneous" if self.bootstrap else "pointwise"
        level = round(100 * (1 - self.alpha))
        se_kind = f"multiplier bootstrap ({self.bootstrap} draws)" if self.bootstrap else "analytic"
        p = self.pretest.p_value
        return "\n".join(
            [
                format_effects(self.effects, "Group-time average treatment effects ATT(g,t)"),
                f"{level}% {band} band, critical value {self.critical_value:.3f}; {se_kind} SEs",
                "P-value for pre-test of parallel trends assumption: "
                + ("n/a" if np.isnan(p) else f"{p:.5f}"),
                f"Control group: {self.control.replace('_', ' ')}; anticipation periods: "
                f"{self.anticipation}; base period: {self.base_period}",
                f"Estimation method: {_METHOD_NAMES[self.method]}; units: {self.n_units}",
            ]
        )

    @plotting.literal_text
    def plot(self) -> Any:
        """ATT(g,t) by period, one panel per cohort, with confidence bands.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from matplotlib.figure import Figure

        cohorts = self.effects["cohort"].unique()
        fig = Figure(figsize=(8, 2.4 * len(cohorts)), layout="constrained")
        axes = fig.subplots(len(cohorts), 1, sharex=True, squeeze=False)[:, 0]
        for ax, g in zip(axes, cohorts, strict=True):
            sub = self.effects[self.effects["cohort"] == g]
            x = sub["time"].to_numpy(dtype=float)
            errorbars(ax, x, sub, x >= g)
            ax.axhline(0, color="grey", linewidth=0.8)
            ax.set_title(f"Cohort {g:g}")
            ax.set_ylabel("ATT(g,t)")
        axes[-1].set_xlabel("time")
        return fig


def finish(
    panel: Panel,
    cells: Cells,
    att: np.ndarray,
    inf: np.ndarray,
    boot: Boot | None,
    *,
    control: str,
    method: str,
    base_period: str,
    anticipation: int,
    alpha: float,
) -> AttGtResult:
    se, crit = standard_errors(inf, boot, alpha)
    effects = pd.concat(
        [
            pd.DataFrame({"cohort": cells.g, "time": cells.t}),
            normal_effects(att, se, alpha=alpha, critical=crit),
        ],
        axis=1,
    )
    return AttGtResult(
        effects=effects,
        pretest=pretest(att, inf, cells, anticipation),
        critical_value=crit,
        n_units=inf.shape[0],
        control=control,
        method=method,
        base_period=base_period,
        anticipation=anticipation,
        alpha=alpha,
        bootstrap=None if boot is None else boot.iterations,
        influence=inf,
        unit_cohort=panel.cohort,
        _boot=boot,
    )
