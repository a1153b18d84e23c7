"""Synthetic control for one treated unit (Abadie, Diamond & Hainmueller 2010).

The synthetic control is a weighted average of donor units, with weights on
the simplex (non-negative, summing to 1), chosen so that it reproduces the
treated unit before the start. Two ways to choose the weights:

* default, the *pre-period outcome fit*: minimise the mean squared difference
  between the treated unit's outcome path and the synthetic one over all
  pre-period time points (every pre-period outcome is a predictor, with equal
  weight). This needs nothing but the outcome and is what this module uses to
  reproduce the published California picture (Proposition 99).
* with ``predictors`` (covariate means over the pre-period) and/or
  ``outcome_lags`` (outcome values at chosen pre-period times), the
  *nested* fit of Abadie et al.: predictors standardised by their standard
  deviation across units, weights minimising the V-weighted predictor
  discrepancy, and the diagonal V chosen (Nelder-Mead from equal weights, as
  R ``Synth``'s default start) to minimise the pre-period outcome MSPE.

The weights solve a simplex-constrained least-squares problem with
:func:`scipy.optimize.nnls` and the sum-to-one constraint imposed by a heavily
weighted extra row (the weighting method for equality constraints of Lawson &
Hanson, "Solving Least Squares Problems", ch. 22).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import optimize

from analysis.methods._results import EFFECT_COLUMNS, format_effects

# weight of the sum-to-one row, relative to the largest absolute entry of the problem
_CONSTRAINT_WEIGHT = 1e6
_V_MAXITER = 400
_LAG_LABEL = "outcome"


@dataclass(frozen=True, eq=False)
class _Spec:
    """Everything needed to refit a synthetic control with another treated unit."""

    outcome: pd.DataFrame  # time x unit, balanced
    covariates: pd.DataFrame | None  # predictor x unit (pre-period means), or None
    outcome_lags: tuple[Hashable, ...]
    start: Hashable

    @property
    def pre(self) -> np.ndarray:
        return np.asarray(self.outcome.index < self.start)

    @property
    def nested(self) -> bool:
        return self.covariates is not None or bool(self.outcome_lags)


@dataclass(frozen=True, eq=False)
class _Fit:
    weights: pd.Series
    synthetic: pd.Series
    gap: pd.Series
    pre_rmspe: float
    post_rmspe: float
    v: pd.Series | None


@dataclass(frozen=True, eq=False)
class PlaceboResult:
    """Placebo-in-space test: the synthetic control refitted for every unit.

    Attributes
    ----------
    table
        One row per unit (index), sorted by ``ratio`` descending: ``pre_rmspe``,
        ``post_rmspe``, ``ratio`` (post / pre RMSPE) and ``rank`` (1 = most
        extreme ratio).
    gaps
        Gap (unit - its synthetic control) per time (index) and unit (columns).
    treated_unit
        The unit actually treated.
    rank
        Rank of the treated unit's ratio (1 = largest; ties count against it).
    p_value
        Permutation p-value ``rank / n_units``.
    start
        First post-period time.
    """

    table: pd.DataFrame
    gaps: pd.DataFrame
    treated_unit: Hashable
    rank: int
    p_value: float
    start: Hashable

    @property
    def n_units(self) -> int:
        """Number of units in the test (treated unit included)."""
        return len(self.table)

    def summary(self, digits: int = 3) -> str:
        """Plain-text table of the RMSPE ratios with the treated unit's rank."""
        head = (
            f"Placebo-in-space test: {self.treated_unit} ranks {self.rank} of {self.n_units} "
            f"by post/pre RMSPE ratio, permutation p = {self.p_value:.4f}"
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
        gaps = self.gaps
        if exclude_above is not None:
            limit = exclude_above * self.table.loc[self.treated_unit, "pre_rmspe"] ** 2
            keep = self.table.index[self.table["pre_rmspe"] ** 2 <= limit]
            gaps = gaps[[u for u in gaps.columns if u in keep]]
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
        ax.set_title(title or f"Placebo gaps (p = {self.p_value:.3f})")
        ax.legend(loc="best", fontsize="small", frameon=False)
        fig.tight_layout()
        return fig


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
        Root mean squared gap before and from ``start``.
    effects
        Tidy table: ``term`` ``"average_post_gap"`` (mean gap from ``start``)
        and ``"final_post_gap"`` (gap at the last time point). ``std_error``
        and the CI are not defined for a single treated unit (NaN);
        ``p_value`` of ``average_post_gap`` is the placebo-in-space
        permutation p-value when the placebo test was run (``placebo=True``),
        else NaN.
    v
        Predictor weights (diagonal of V, summing to 1) of the nested fit,
        else ``None``.
    balance
        Predictors of the nested fit: treated, synthetic and donor average;
        else ``None``.
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
    effects: pd.DataFrame
    v: pd.Series | None
    balance: pd.DataFrame | None
    treated_unit: Hashable
    start: Hashable
    placebo_result: PlaceboResult | None
    _spec: _Spec
    _donors: tuple[Hashable, ...]

    def placebo(self) -> PlaceboResult:
        """Placebo-in-space test (Abadie et al. 2010, section 3.4).

        Refits the synthetic control with each unit in turn as the treated one
        and all other units (the actually treated one included, as in the
        paper) as donors, with the same matching specification.

        Returns
        -------
        PlaceboResult
        """
        if self.placebo_result is not None:
            return self.placebo_result
        return _placebo(self._spec, self.treated_unit, self._donors)

    def summary(self, digits: int = 3) -> str:
        """Plain-text report: fit, effects and the largest donor weights."""
        fit = "nested V on predictors" if self._spec.nested else "pre-period outcome fit"
        top = self.weights[self.weights > 1e-4].round(digits).to_string()
        return "\n".join(
            [
                f"Synthetic control for {self.treated_unit} from {self.start} ({fit})",
                f"pre-period RMSPE = {self.pre_rmspe:.{digits}f}, "
                f"post-period RMSPE = {self.post_rmspe:.{digits}f}",
                "",
                format_effects(self.effects, "Effects", digits),
                "",
                "Donor weights (> 0.0001)",
                top,
            ]
        )

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


def synthetic_control(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_unit: Hashable,
    start: Hashable,
    predictors: Sequence[str] | None = None,
    outcome_lags: Sequence[Hashable] | None = None,
    donors: Sequence[Hashable] | None = None,
    placebo: bool = False,
) -> SynthResult:
    """Estimate the effect on one treated unit with a synthetic control.

    Parameters
    ----------
    data
        Long panel, one row per unit and time (not modified). Every unit used
        needs the outcome at every time point.
    unit, time, outcome
        Column names: unit id, time (sortable: year, month number, date) and
        outcome.
    treated_unit
        Id of the treated unit (the pilot region).
    start
        First time point of the post-period (intervention in force).
    predictors
        Covariate columns; their pre-period means are matched. Giving
        ``predictors`` or ``outcome_lags`` switches to the nested V fit.
    outcome_lags
        Pre-period time points whose outcome value is matched as a predictor
        (e.g. ``[1975, 1980, 1988]`` in Abadie et al. 2010).
    donors
        Donor pool; default all other units.
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
    donor_ids = _check_inputs(data, unit, time, outcome, treated_unit, start, predictors, donors)
    units = [treated_unit, *donor_ids]
    spec = _build_spec(data, unit, time, outcome, units, start, predictors, outcome_lags)
    fit = _fit_unit(spec, treated_unit, donor_ids)
    placebo_result = _placebo(spec, treated_unit, donor_ids) if placebo else None
    p_value = placebo_result.p_value if placebo_result is not None else np.nan
    return SynthResult(
        weights=fit.weights.sort_values(ascending=False, kind="stable"),
        treated=spec.outcome[treated_unit].rename("treated"),
        synthetic=fit.synthetic,
        gap=fit.gap,
        pre_rmspe=fit.pre_rmspe,
        post_rmspe=fit.post_rmspe,
        effects=_effects(fit.gap, spec.pre, p_value),
        v=fit.v,
        balance=_balance(spec, treated_unit, donor_ids, fit.weights) if spec.nested else None,
        treated_unit=treated_unit,
        start=start,
        placebo_result=placebo_result,
        _spec=spec,
        _donors=tuple(donor_ids),
    )


def _check_inputs(
    data: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    treated_unit: Hashable,
    start: Hashable,
    predictors: Sequence[str] | None,
    donors: Sequence[Hashable] | None,
) -> list[Hashable]:
    """Validate the arguments and return the donor ids."""
    needed = [unit, time, outcome, *(predictors or [])]
    missing = [col for col in needed if col not in data.columns]
    if missing:
        raise ValueError(f"column(s) not found in data: {missing}")
    for col in [outcome, *(predictors or [])]:
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise ValueError(f"column {col!r} must be numeric")
    if data.duplicated([unit, time]).any():
        raise ValueError(f"data has more than one row per {unit!r} and {time!r}")
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


def _build_spec(
    data: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    units: list[Hashable],
    start: Hashable,
    predictors: Sequence[str] | None,
    outcome_lags: Sequence[Hashable] | None,
) -> _Spec:
    rows = data[data[unit].isin(units)]
    wide = rows.pivot(index=time, columns=unit, values=outcome).sort_index()[units]
    incomplete = wide.columns[wide.isna().any()].tolist()
    if incomplete:
        raise ValueError(
            f"outcome {outcome!r} is missing for some time points of unit(s) {incomplete[:10]}; "
            "a synthetic control needs a balanced panel (drop those units or fill the gaps)"
        )
    lags = tuple(outcome_lags or ())
    bad = [t for t in lags if t not in wide.index or not t < start]
    if bad:
        raise ValueError(f"outcome_lags must be pre-period time points in the data; not so: {bad}")
    covariates = None
    if predictors:
        pre_rows = rows[rows[time] < start]
        covariates = pre_rows.groupby(unit)[list(predictors)].mean().T.reindex(columns=units)
        if covariates.isna().any().any():
            empty = covariates.columns[covariates.isna().any()].tolist()[:10]
            raise ValueError(f"predictors have no pre-period values for unit(s) {empty}")
    return _Spec(outcome=wide, covariates=covariates, outcome_lags=lags, start=start)


def simplex_least_squares(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Weights ``w >= 0``, ``sum(w) = 1`` minimising ``||target - donors @ w||²``.

    Solved with :func:`scipy.optimize.nnls`; the sum-to-one constraint is an
    extra row weighted far above the data (Lawson & Hanson's weighting
    method), and the result is renormalised to sum exactly to 1.
    """
    scale = max(float(np.abs(donors).max()), float(np.abs(target).max()), 1.0)
    weight = _CONSTRAINT_WEIGHT * scale
    a = np.vstack([donors, np.full(donors.shape[1], weight)])
    b = np.append(target, weight)
    w, _ = optimize.nnls(a, b, maxiter=100 * donors.shape[1])
    return w / w.sum()


def _fit_unit(spec: _Spec, treated: Hashable, donors: Sequence[Hashable]) -> _Fit:
    pre = spec.pre
    y1 = spec.outcome[treated]
    y0 = spec.outcome[list(donors)]
    v = None
    if spec.nested:
        w, v = _nested_weights(spec, treated, donors)
    else:
        w = simplex_least_squares(y1[pre].to_numpy(), y0[pre].to_numpy())
    synthetic = (y0 @ w).rename("synthetic")
    gap = (y1 - synthetic).rename("gap")
    return _Fit(
        weights=pd.Series(w, index=pd.Index(donors, name="donor"), name="weight"),
        synthetic=synthetic,
        gap=gap,
        pre_rmspe=float(np.sqrt(np.mean(gap[pre] ** 2))),
        post_rmspe=float(np.sqrt(np.mean(gap[~pre] ** 2))),
        v=v,
    )


def _raw_predictors(spec: _Spec) -> pd.DataFrame:
    """Predictors (rows) by unit (columns): covariate means, then outcome lags."""
    parts = [] if spec.covariates is None else [spec.covariates]
    if spec.outcome_lags:
        lagged = spec.outcome.loc[list(spec.outcome_lags)]
        lagged.index = pd.Index([f"{_LAG_LABEL}[{t}]" for t in spec.outcome_lags])
        parts.append(lagged)
    return pd.concat(parts)


def _predictor_matrix(spec: _Spec) -> pd.DataFrame:
    """The predictors, each divided by its standard deviation across units (as Synth)."""
    x = _raw_predictors(spec)
    sd = x.std(axis=1).replace(0.0, 1.0)
    return x.div(sd, axis=0)


def _nested_weights(
    spec: _Spec, treated: Hashable, donors: Sequence[Hashable]
) -> tuple[np.ndarray, pd.Series]:
    """Weights and diagonal V: V minimises the pre-period outcome MSPE."""
    x = _predictor_matrix(spec)
    x1, x0 = x[treated].to_numpy(), x[list(donors)].to_numpy()
    z1 = spec.outcome.loc[spec.pre, treated].to_numpy()
    z0 = spec.outcome.loc[spec.pre, list(donors)].to_numpy()

    def weights_for(theta: np.ndarray) -> np.ndarray:
        root_v = np.sqrt(_v_from(theta))
        return simplex_least_squares(root_v * x1, root_v[:, None] * x0)

    def loss(theta: np.ndarray) -> float:
        return float(np.mean((z1 - z0 @ weights_for(theta)) ** 2))

    res = optimize.minimize(
        loss, np.ones(len(x1)), method="Nelder-Mead", options={"maxiter": _V_MAXITER * len(x1)}
    )
    return weights_for(res.x), pd.Series(_v_from(res.x), index=x.index, name="v")


def _v_from(theta: np.ndarray) -> np.ndarray:
    v = np.abs(theta) + 1e-12
    return v / v.sum()


def _balance(
    spec: _Spec, treated: Hashable, donors: Sequence[Hashable], weights: pd.Series
) -> pd.DataFrame:
    x = _raw_predictors(spec)
    return pd.DataFrame(
        {
            "treated": x[treated],
            "synthetic": x[list(donors)] @ weights.to_numpy(),
            "donor_mean": x[list(donors)].mean(axis=1),
        }
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


def _placebo(spec: _Spec, treated: Hashable, donors: Sequence[Hashable]) -> PlaceboResult:
    pool = [treated, *donors]
    rows, gaps = {}, {}
    for placebo_unit in pool:
        fit = _fit_unit(spec, placebo_unit, [u for u in pool if u != placebo_unit])
        rows[placebo_unit] = (fit.pre_rmspe, fit.post_rmspe)
        gaps[placebo_unit] = fit.gap
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["pre_rmspe", "post_rmspe"])
    table["ratio"] = table["post_rmspe"] / table["pre_rmspe"]
    table["rank"] = table["ratio"].rank(ascending=False, method="max").astype(int)
    table = table.sort_values("ratio", ascending=False, kind="stable")
    rank = int(table.loc[treated, "rank"])
    return PlaceboResult(
        table=table,
        gaps=pd.DataFrame(gaps),
        treated_unit=treated,
        rank=rank,
        p_value=rank / len(table),
        start=spec.start,
    )


__all__ = ["PlaceboResult", "SynthResult", "simplex_least_squares", "synthetic_control"]
