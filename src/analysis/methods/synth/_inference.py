"""Inference: the placebo-in-space test (Abadie, Diamond & Hainmueller 2010, section 3.4).

Every unit of the pool in turn is treated as if it had started, and fitted
from all the others with the same specification. The treated unit's post/pre
ratio of mean squared prediction errors is ranked among all of them; the
permutation p-value is ``rank / number of units``. Units whose pre-period fit
is poor say little (a large post-period gap is then no surprise), so ADH also
report the test restricted to units whose pre-period MSPE is at most 20, 5 or
2 times the treated unit's (``exclude_above``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from analysis.methods.synth._spec import Spec
from analysis.methods.synth._weights import fit_unit


@dataclass(frozen=True, eq=False)
class PlaceboResult:
    """Placebo-in-space test: the synthetic control refitted for every unit.

    Attributes
    ----------
    table
        One row per unit kept (index), sorted by ``ratio`` descending:
        ``pre_rmspe`` (over the optimisation window), ``post_rmspe``,
        ``ratio`` (post / pre RMSPE),
        ``mspe_ratio`` (post / pre MSPE, ``ratio`` squared, as tidysynth's
        ``grab_significance``), ``pre_mspe_ratio`` (the unit's pre-period MSPE
        over the treated unit's) and ``rank`` (1 = most extreme ratio).
    gaps
        Gap (unit - its synthetic control) per time (index) and kept unit (columns).
    treated_unit
        The unit actually treated.
    rank
        Rank of the treated unit's ratio among the kept units (1 = largest;
        ties count against it).
    p_value
        Permutation p-value ``rank / n_units``.
    start
        First post-period time.
    exclude_above
        Units with ``pre_mspe_ratio`` above this were left out (None: all kept).
    excluded
        The units left out.
    """

    table: pd.DataFrame
    gaps: pd.DataFrame
    treated_unit: Hashable
    rank: int
    p_value: float
    start: Hashable
    exclude_above: float | None = None
    excluded: tuple[Hashable, ...] = ()

    @property
    def n_units(self) -> int:
        """Number of units in the test (treated unit included)."""
        return len(self.table)

    def excluding(self, exclude_above: float | None) -> PlaceboResult:
        """The test without units whose pre-period MSPE exceeds ``exclude_above`` times the
        treated unit's (ADH 2010 use 20, 5 and 2); no refit is needed.

        Parameters
        ----------
        exclude_above
            Multiple of the treated unit's pre-period MSPE; None keeps every unit.

        Returns
        -------
        PlaceboResult
        """
        if exclude_above is not None and not exclude_above >= 1:
            raise ValueError(f"exclude_above must be None or at least 1, got {exclude_above!r}")
        if self.exclude_above is not None:
            raise ValueError("call excluding() on the full placebo test, res.placebo()")
        return _ranked(self.table, self.gaps, self.treated_unit, self.start, exclude_above)

    def summary(self, digits: int = 3) -> str:
        """Plain-text table of the ratios with the treated unit's rank."""
        kept = (
            ""
            if self.exclude_above is None
            else f", units with pre-period MSPE above {self.exclude_above:g} x the treated "
            f"unit's left out ({len(self.excluded)})"
        )
        head = (
            f"Placebo-in-space test: {self.treated_unit} ranks {self.rank} of {self.n_units} "
            f"by post/pre RMSPE ratio, permutation p = {self.p_value:.4f}{kept}"
        )
        return f"{head}\n\n{self.table.round(digits).to_string()}"

    def plot(self, *, exclude_above: float | None = None, title: str | None = None) -> Figure:
        """Gaps of all placebo units (grey) and the treated unit (black).

        Parameters
        ----------
        exclude_above
            Leave out placebo units whose pre-period MSPE is more than this
            multiple of the treated unit's (Abadie et al. 2010 use 20, 5 and 2).
        title
            Plot title.
        """
        shown = self if exclude_above is None else self.excluding(exclude_above)
        gaps = shown.gaps
        fig = Figure(figsize=(8, 4.5))
        ax = fig.add_subplot()
        for unit in gaps.columns.drop(self.treated_unit):
            ax.plot(gaps.index, gaps[unit], color="0.75", linewidth=0.8)
        ax.plot(
            gaps.index,
            gaps[self.treated_unit],
            color="black",
            linewidth=2,
            label=str(self.treated_unit),
        )
        ax.axhline(0, color="0.4", linewidth=0.8, linestyle="--")
        ax.axvline(self.start, color="0.4", linewidth=0.8, linestyle=":")
        ax.set_xlabel("time")
        ax.set_ylabel("gap (unit - synthetic)")
        ax.set_title(title or f"Placebo gaps (p = {shown.p_value:.3f})")
        ax.legend(loc="best", fontsize="small", frameon=False)
        fig.tight_layout()
        return fig


def placebo_in_space(spec: Spec, treated: Hashable, donors: Sequence[Hashable]) -> PlaceboResult:
    """Refit every unit of the pool from all the others; rank the treated unit's ratio."""
    pool = [treated, *donors]
    rows, gaps = {}, {}
    for placebo_unit in pool:
        fit = fit_unit(spec, placebo_unit, [u for u in pool if u != placebo_unit])
        rows[placebo_unit] = (fit.pre_rmspe, fit.post_rmspe)
        gaps[placebo_unit] = fit.gap
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["pre_rmspe", "post_rmspe"])
    return _ranked(table, pd.DataFrame(gaps), treated, spec.start, None)


def _ranked(
    table: pd.DataFrame,
    gaps: pd.DataFrame,
    treated: Hashable,
    start: Hashable,
    exclude_above: float | None,
) -> PlaceboResult:
    table = table[["pre_rmspe", "post_rmspe"]].copy()
    table["ratio"] = table["post_rmspe"] / table["pre_rmspe"]
    table["mspe_ratio"] = table["ratio"] ** 2
    table["pre_mspe_ratio"] = (table["pre_rmspe"] / table.loc[treated, "pre_rmspe"]) ** 2
    excluded: tuple[Hashable, ...] = ()
    if exclude_above is not None:
        drop = table["pre_mspe_ratio"] > exclude_above
        excluded = tuple(table.index[drop])
        table = table[~drop]
    table["rank"] = table["ratio"].rank(ascending=False, method="max").astype(int)
    table = table.sort_values("ratio", ascending=False, kind="stable")
    rank = int(table.loc[treated, "rank"])
    return PlaceboResult(
        table=table,
        gaps=gaps[[u for u in gaps.columns if u not in excluded]],
        treated_unit=treated,
        rank=rank,
        p_value=rank / len(table),
        start=start,
        exclude_above=exclude_above,
        excluded=excluded,
    )


__all__ = ["PlaceboResult", "placebo_in_space"]
