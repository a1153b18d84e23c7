"""The result of :func:`synthetic_control`: fit, effects, balance, plots and the placebo checks."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.methods._results import EFFECT_COLUMNS, format_effects
from analysis.methods.synth._inference import PlaceboResult, placebo_in_space
from analysis.methods.synth._spec import Predictor, Spec, build_spec
from analysis.methods.synth._weights import VSearch, fit_unit


@dataclass(frozen=True, eq=False)
class SynthResult:
    """Result of :func:`synthetic_control`.

    Attributes
    ----------
    weights
        Donor weights (non-negative, sum 1), indexed by donor, sorted descending.
    treated, synthetic, gap
        By time: the treated unit's outcome, the synthetic control's, and
        ``treated - synthetic``.
    pre_rmspe, post_rmspe
        Root mean squared gap before ``start`` (over ``optimization_window``,
        by default the whole pre-period) and from ``start``. As in R
        ``Synth`` practice, where a placebo's pre-period MSPE is its
        ``loss.v``, the pre-period fit is measured on the periods fitted;
        ``gap`` has every period for another choice.
    loss_v
        Mean squared gap over the optimisation window, ``pre_rmspe`` squared
        (R ``Synth``'s ``loss.v``, "MSPE (LOSS V)").
    effects
        Tidy table: ``term`` ``"average_post_gap"`` (mean gap from ``start``)
        and ``"final_post_gap"`` (gap at the last time point). ``std_error``
        and the CI are not defined for a single treated unit (NaN);
        ``p_value`` of ``average_post_gap`` is the placebo-in-space
        permutation p-value when the placebo test was run (``placebo=True``),
        else NaN.
    v
        Predictor weights (diagonal of V, summing to 1) of the nested fit,
        indexed by predictor name, else ``None``.
    v_search
        How V was found (the winning start, the loss from each start), or
        ``None`` when V was given (``v=``), there is one predictor, or the
        fit is the outcome-path default.
    balance
        Predictors of the nested fit (index: name and window, e.g.
        ``"beer (1984-1988)"``): treated, synthetic and donor average; else ``None``.
    treated_unit, start
        As passed.
    placebo_result
        The placebo test when run with ``placebo=True``, else ``None``.
    """

    weights: pd.Series
    treated: pd.Series
    synthetic: pd.Series
    gap: pd.Series
    pre_rmspe: float
    post_rmspe: float
    loss_v: float
    effects: pd.DataFrame
    v: pd.Series | None
    v_search: VSearch | None
    balance: pd.DataFrame | None
    treated_unit: Hashable
    start: Hashable
    placebo_result: PlaceboResult | None
    _spec: Spec
    _donors: tuple[Hashable, ...]

    @property
    def pre_mspe(self) -> float:
        """Pre-period mean squared gap, over the optimisation window (``loss_v``)."""
        return self.pre_rmspe**2

    def placebo(self, *, exclude_above: float | None = None) -> PlaceboResult:
        """Placebo-in-space test (Abadie et al. 2010, section 3.4).

        Refits the synthetic control with each unit in turn as the treated one
        and all other units (the actually treated one included, as in the
        paper) as donors, with the same specification. The test run by
        ``placebo=True`` is reused; otherwise every call refits, so keep the
        result and restrict it with :meth:`PlaceboResult.excluding`.

        Parameters
        ----------
        exclude_above
            Leave out units whose pre-period MSPE is more than this multiple of
            the treated unit's (ADH use 20, 5 and 2); rank and p-value are then
            among the units kept.

        Returns
        -------
        PlaceboResult
        """
        full = self.placebo_result
        if full is None:
            full = placebo_in_space(self._spec, self.treated_unit, self._donors)
        return full if exclude_above is None else full.excluding(exclude_above)

    def placebo_in_time(self, fake_start: Hashable) -> SynthResult:
        """Placebo in time: the same specification backdated to a fake start.

        Only the periods before the real ``start`` are used, so the result
        cannot see the real effect; a gap that opens at ``fake_start`` warns
        that the pre-period fit does not predict. Predictor windows and the
        optimisation window are cut at ``fake_start``; predictors with no
        period before it (for example an outcome lag after it) are left out.

        Parameters
        ----------
        fake_start
            A time before ``start`` with at least one period before it.

        Returns
        -------
        SynthResult
            The backdated fit; its ``gap`` from ``fake_start`` to just before
            ``start`` should be near zero.
        """
        times = self._spec.outcome.index
        if not times[0] < fake_start < self.start:
            raise ValueError(
                f"fake_start must lie after the first time point and before start "
                f"({times[0]!r} .. {self.start!r}), got {fake_start!r}"
            )
        request = self._spec.request
        kept = tuple(p for p in map(_cut_at(fake_start), request.predictors) if p is not None)
        window = request.optimization_window
        if window is not None:
            window = tuple(t for t in window if t < fake_start) or None
        given_v = request.v
        if given_v is not None:
            given_v = {p.name: given_v[p.name] for p in kept}
        data = request.data[request.data[request.time] < self.start]
        backdated = replace(
            request, data=data, predictors=kept, optimization_window=window, v=given_v
        )
        units = [self.treated_unit, *self._donors]
        return fit_result(build_spec(backdated, units, fake_start), self.treated_unit, self._donors)

    def summary(self, digits: int = 3) -> str:
        """Plain-text report: fit, effects, V and the largest donor weights."""
        lines = [
            f"Synthetic control for {self.treated_unit} from {self.start} ({self._fit_name()})",
            f"pre-period RMSPE = {self.pre_rmspe:.{digits}f}, "
            f"post-period RMSPE = {self.post_rmspe:.{digits}f}, "
            f"MSPE over the optimisation window (loss V) = {self.loss_v:.{digits + 1}f}",
            "",
            format_effects(self.effects, "Effects", digits),
        ]
        if self.balance is not None and self.v is not None:
            table = self.balance.assign(v=self.v.to_numpy())
            lines += ["", "Predictor balance and V", table.round(digits).to_string()]
        top = self.weights[self.weights > 1e-4].round(digits).to_string()
        lines += ["", "Donor weights (> 0.0001)", top]
        return "\n".join(lines)

    def _fit_name(self) -> str:
        if self.v is None:
            return "pre-period outcome fit"
        if self.v_search is None:
            return "nested fit, V given" if len(self.v) > 1 else "nested fit, one predictor"
        return f"nested fit, V searched; best start: {self.v_search.start}"

    def plot(self, *, title: str | None = None, ylabel: str | None = None) -> Figure:
        """Treated unit vs its synthetic control (top) and the gap (bottom).

        Parameters
        ----------
        title, ylabel
            Title and outcome label.
        """
        fig = Figure(figsize=(8, 6.5))
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        top.plot(self.treated.index, self.treated, color="black", label=str(self.treated_unit))
        top.plot(
            self.synthetic.index,
            self.synthetic,
            color="tab:blue",
            linestyle="--",
            label=f"synthetic {self.treated_unit}",
        )
        top.set_ylabel(ylabel or "outcome")
        top.set_title(title or f"Synthetic control: {self.treated_unit}")
        top.legend(loc="best", fontsize="small", frameon=False)
        bottom.plot(self.gap.index, self.gap, color="black")
        bottom.axhline(0, color="0.4", linewidth=0.8, linestyle="--")
        bottom.set_ylabel("gap")
        bottom.set_xlabel("time")
        for ax in (top, bottom):
            ax.axvline(self.start, color="0.4", linewidth=0.8, linestyle=":")
        fig.tight_layout()
        return fig


def fit_result(
    spec: Spec, treated: Hashable, donors: tuple[Hashable, ...], *, placebo: bool = False
) -> SynthResult:
    """Fit ``treated`` from ``donors`` and assemble the result (with the placebo test)."""
    fit = fit_unit(spec, treated, donors)
    placebo_result = placebo_in_space(spec, treated, donors) if placebo else None
    p_value = placebo_result.p_value if placebo_result is not None else np.nan
    return SynthResult(
        weights=fit.weights.sort_values(ascending=False, kind="stable"),
        treated=spec.outcome[treated].rename("treated"),
        synthetic=fit.synthetic,
        gap=fit.gap,
        pre_rmspe=fit.pre_rmspe,
        post_rmspe=fit.post_rmspe,
        loss_v=fit.loss_v,
        effects=_effects(fit.gap, spec.pre, p_value),
        v=fit.v,
        v_search=fit.v_search,
        balance=_balance(spec, treated, list(donors), fit.weights) if spec.nested else None,
        treated_unit=treated,
        start=spec.start,
        placebo_result=placebo_result,
        _spec=spec,
        _donors=tuple(donors),
    )


def _cut_at(fake_start: Hashable):
    def cut(predictor: Predictor) -> Predictor | None:
        if predictor.periods is None:
            return predictor
        periods = tuple(t for t in predictor.periods if t < fake_start)
        return replace(predictor, periods=periods) if periods else None

    return cut


def _balance(
    spec: Spec, treated: Hashable, donors: list[Hashable], weights: pd.Series
) -> pd.DataFrame:
    """Treated, synthetic and donor-average value of each predictor (tidysynth's balance table)."""
    x = spec.predictors
    return pd.DataFrame(
        {
            "treated": x[treated].to_numpy(),
            "synthetic": x[donors].to_numpy() @ weights.to_numpy(),
            "donor_mean": x[donors].mean(axis=1).to_numpy(),
        },
        index=spec.labels,
    )


def _effects(gap: pd.Series, pre: np.ndarray, p_value: float) -> pd.DataFrame:
    post = gap[~pre]
    effects = pd.DataFrame(
        {
            "term": ["average_post_gap", "final_post_gap"],
            "estimate": [float(post.mean()), float(post.iloc[-1])],
        }
    )
    for col in EFFECT_COLUMNS[1:]:
        effects[col] = np.nan
    effects.loc[0, "p_value"] = p_value
    return effects


__all__ = ["SynthResult", "fit_result"]
