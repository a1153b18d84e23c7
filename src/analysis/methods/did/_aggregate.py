"""Aggregation of the ATT(g,t) (R ``aggte`` / ``compute.aggte``).

Aggregations include the influence-function term for estimated cohort weights
(``wif``), with the group-overall term built from the distinct cohorts (R
``did`` PR #223).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis import plotting
from analysis.methods._results import EFFECT_COLUMNS, Overall, format_effects, normal_effects
from analysis.methods.did._inference import standard_errors
from analysis.methods.did._plots import errorbars, figure_axes

if TYPE_CHECKING:
    from analysis.methods.did._results import AttGtResult


@dataclass(frozen=True, eq=False)
class AggregateResult:
    """Aggregated ATT(g,t) (R ``aggte``).

    Attributes
    ----------
    kind
        ``"simple"``, ``"group"``, ``"dynamic"`` or ``"calendar"``.
    overall
        Overall summary ATT with a pointwise normal confidence interval.
    effects
        One row per ``event_time`` / ``cohort`` / ``time`` (empty for
        ``"simple"``) with estimate, standard error, confidence band and p-value.
    critical_value
        Critical value of the band in ``effects`` (simultaneous with bootstrap).
    """

    kind: str
    overall: Overall
    effects: pd.DataFrame
    critical_value: float
    alpha: float
    bootstrap: int | None
    influence: np.ndarray = field(repr=False)

    def summary(self) -> str:
        """Plain-text summary in the spirit of R ``summary(aggte(...))``."""
        o = self.overall
        level = round(100 * (1 - self.alpha))
        band = "simultaneous" if self.bootstrap else "pointwise"
        lines = [
            f"Aggregated ATT ({self.kind})",
            f"Overall ATT {o.estimate:.4f} (SE {o.std_error:.4f}), "
            f"{level}% CI [{o.ci_low:.4f}, {o.ci_high:.4f}]",
        ]
        if len(self.effects):
            lines.append(
                format_effects(
                    self.effects,
                    f"{self.kind} effects ({band} {level}% band,"
                    f" critical value {self.critical_value:.3f})",
                )
            )
        return "\n".join(lines)

    @plotting.literal_text
    def plot(
        self,
        ax: Any = None,
        *,
        xlabel: str | None = None,
        ylabel: str = "ATT",
        title: str | None = None,
        labels: tuple[str, str] = ("pre", "post"),
    ) -> Any:
        """Point estimates with their band (event-study plot for ``"dynamic"``).

        Parameters
        ----------
        ax
            Axes to draw on; default a new figure.
        xlabel, ylabel, title
            Axis labels and title; defaults name the aggregation.
        labels
            Legend entries of the points before and after the start.

        Returns
        -------
        matplotlib.figure.Figure
        """
        if not len(self.effects):
            raise ValueError("a 'simple' aggregation has no effects to plot")
        fig, ax = figure_axes(ax)
        index = self.effects.columns[0]
        x = self.effects[index].to_numpy(dtype=float)
        post = x >= 0 if index == "event_time" else np.ones(len(x), dtype=bool)
        errorbars(ax, x, self.effects, post, labels)
        ax.axhline(0, color="grey", linewidth=0.8)
        if index == "event_time":
            ax.axvline(-0.5, color="grey", linestyle=":", linewidth=0.8)
        ax.set_xlabel(xlabel or index.replace("_", " "))
        ax.set_ylabel(ylabel)
        ax.set_title(title or f"Aggregated ATT by {index.replace('_', ' ')}")
        return fig


@dataclass(frozen=True)
class _Agg:
    """Arrays needed by the aggregations, derived from an AttGtResult."""

    g: np.ndarray
    t: np.ndarray
    att: np.ndarray
    inf: np.ndarray
    pg: np.ndarray  # cohort share of each cell's cohort
    cohort: np.ndarray  # unit cohorts

    def window(self, min_e: float, max_e: float) -> np.ndarray:
        """Post-treatment cells with event time ``t - g`` in [min_e, max_e]."""
        e = self.t - self.g
        return (self.g <= self.t) & (e >= min_e) & (e <= max_e)


def _agg_inputs(res: AttGtResult) -> _Agg:
    eff = res.effects
    g, t = eff["cohort"].to_numpy(dtype=float), eff["time"].to_numpy(dtype=float)
    att = eff["estimate"].to_numpy(dtype=float)
    if np.isnan(att).any():
        bad = eff.loc[np.isnan(att), ["cohort", "time"]].to_records(index=False).tolist()
        raise ValueError(f"cannot aggregate: ATT(g,t) missing for (cohort, time) {bad}")
    pg = (res.unit_cohort[:, None] == g[None, :]).mean(axis=0)
    return _Agg(g, t, att, res.influence, pg, res.unit_cohort)


def _weighted(a: _Agg, keep: np.ndarray, with_wif: bool = True) -> tuple[float, np.ndarray]:
    """Cohort-size weighted average of cells ``keep`` and its influence function."""
    pg = a.pg[keep]
    w = pg / pg.sum()
    est = float(a.att[keep] @ w)
    inf = a.inf[:, keep] @ w
    if with_wif:
        inf = inf + _wif_dot(a.g[keep], pg, a.att[keep], a.cohort)
    return est, inf


def _wif_dot(groups: np.ndarray, pg: np.ndarray, att: np.ndarray, cohort: np.ndarray) -> np.ndarray:
    """``wif(keepers, pg, ...) %*% att``: effect of estimating the cohort weights.

    Computed without the (n x k) matrix: for unit i the indicator part is the
    sum of ``att`` (or the count) over selected cells of unit i's cohort.
    """
    s = pg.sum()
    ug, inv = np.unique(groups, return_inverse=True)
    att_sum, count = np.bincount(inv, weights=att), np.bincount(inv).astype(float)
    pos = np.searchsorted(ug, cohort)
    pos = np.minimum(pos, len(ug) - 1)
    hit = ug[pos] == cohort
    ind_att = np.where(hit, att_sum[pos], 0.0) - pg @ att
    ind_one = np.where(hit, count[pos], 0.0) - s
    return ind_att / s - ind_one * (pg @ att) / s**2


def aggregate_cells(
    res: AttGtResult, kind: str, min_e: float, max_e: float, balance_e: int | None
) -> AggregateResult:
    a = _agg_inputs(res)
    if kind == "calendar" and (np.isfinite(min_e) or np.isfinite(max_e)):
        warnings.warn("min_e and max_e are ignored for kind='calendar'", stacklevel=3)
    if kind == "simple":
        keep = a.window(min_e, max_e)
        if not keep.any():
            raise ValueError(
                "No group-time average treatment effects fall within the "
                f"requested window [{min_e}, {max_e}]"
            )
        est, inf = _weighted(a, keep)
        return _package(res, kind, est, inf, None, None, np.empty((len(inf), 0)))
    builder = {"group": _by_group, "dynamic": _by_event, "calendar": _by_calendar}[kind]
    index_name, index, ests, infs, est, inf = builder(a, min_e, max_e, balance_e)
    return _package(res, kind, est, inf, index_name, index, infs, ests)


def _by_group(a: _Agg, min_e: float, max_e: float, balance_e: int | None) -> tuple:
    glist = np.unique(a.g)
    window = a.window(min_e, max_e)
    empty = [g for g in glist if not (window & (a.g == g)).any()]
    if empty:
        raise ValueError(
            "No group-time average treatment effects fall within the requested "
            f"window [{min_e}, {max_e}] for cohort(s) {empty}"
        )
    ests, infs = [], []
    for g in glist:
        est, inf = _weighted(a, window & (a.g == g), with_wif=False)
        ests.append(est)
        infs.append(inf)
    ests_a, infs_a = np.array(ests), np.column_stack(infs)
    pgg = (a.cohort[:, None] == glist[None, :]).mean(axis=0)
    w = pgg / pgg.sum()
    overall_inf = infs_a @ w + _wif_dot(glist, pgg, ests_a, a.cohort)
    return "cohort", glist, ests_a, infs_a, float(ests_a @ w), overall_inf


def _by_event(a: _Agg, min_e: float, max_e: float, balance_e: int | None) -> tuple:
    e = a.t - a.g
    eseq = np.unique(e)
    include = np.ones(len(e), dtype=bool)
    if balance_e is not None:
        include = _balanced_cohorts(a, e, balance_e)
        tmax, tmin = a.t.max(), a.t.min()
        eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - tmax + tmin)]
    eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
    eseq = np.array([v for v in eseq if ((e == v) & include).any()])
    if not len(eseq):
        raise ValueError("no event time left to aggregate")
    pairs = [_weighted(a, (e == v) & include) for v in eseq]
    ests, infs = np.array([p[0] for p in pairs]), np.column_stack([p[1] for p in pairs])
    post = eseq >= 0
    if not post.any():
        return "event_time", eseq, ests, infs, np.nan, np.full(infs.shape[0], np.nan)
    return "event_time", eseq, ests, infs, float(ests[post].mean()), infs[:, post].mean(axis=1)


def _balanced_cohorts(a: _Agg, e: np.ndarray, balance_e: int) -> np.ndarray:
    """Cells of cohorts observed at every event time 0..balance_e (R ``balance_e``)."""
    eligible = a.t.max() - a.g >= balance_e
    required = set(np.unique(e[eligible & (e >= 0) & (e <= balance_e)]))
    keep = [g for g in np.unique(a.g[eligible]) if required <= set(e[a.g == g])]
    if not keep:
        raise ValueError(f"no cohort is observed for balance_e={balance_e} periods after treatment")
    return np.isin(a.g, keep)


def _by_calendar(a: _Agg, min_e: float, max_e: float, balance_e: int | None) -> tuple:
    tlist = np.unique(a.t)
    tlist = tlist[tlist >= a.g.min()]
    pairs = [_weighted(a, (a.t == t) & (a.g <= a.t)) for t in tlist]
    ests, infs = np.array([p[0] for p in pairs]), np.column_stack([p[1] for p in pairs])
    return "time", tlist, ests, infs, float(ests.mean()), infs.mean(axis=1)


def _package(
    res: AttGtResult,
    kind: str,
    est: float,
    inf: np.ndarray,
    index_name: str | None,
    index: np.ndarray | None,
    infs: np.ndarray,
    ests: np.ndarray | None = None,
) -> AggregateResult:
    z = float(stats.norm.ppf(1 - res.alpha / 2))
    se = float(standard_errors(inf[:, None], res._boot, res.alpha)[0][0])
    overall = Overall(est, se, est - z * se, est + z * se)
    if index_name is None:
        effects = pd.DataFrame(columns=EFFECT_COLUMNS, dtype=float)
        crit = z
    else:
        ses, crit = standard_errors(infs, res._boot, res.alpha)
        crit = max(crit, z)  # R falls back to pointwise when the band is narrower
        effects = pd.concat(
            [
                pd.DataFrame({index_name: index}),
                normal_effects(ests, ses, alpha=res.alpha, critical=crit),
            ],
            axis=1,
        )
    return AggregateResult(
        kind=kind,
        overall=overall,
        effects=effects,
        critical_value=crit,
        alpha=res.alpha,
        bootstrap=res.bootstrap,
        influence=inf,
    )
