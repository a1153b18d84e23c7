"""Two-way fixed-effects difference-in-differences and event study.

The familiar comparison estimator next to :func:`analysis.methods.att_gt`.
Unit and period fixed effects are absorbed by alternating demeaning (the
within transformation, as in ``fixest``/``reghdfe``) instead of building
thousands of dummy columns, and standard errors are cluster-robust (CR1).

The static coefficient is a weighted average of all two-by-two comparisons,
some of which use already-treated units as controls (Goodman-Bacon 2021); with
staggered starts and effects that change over time the weights can be negative
and the estimate biased. Use it only with a single start date or homogeneous
effects, and read it next to ``att_gt``. See ``docs/methods.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from analysis import plotting
from analysis.methods._results import EFFECT_COLUMNS, format_effects, normal_effects

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["TwfeResult", "twfe"]

REFERENCE_EVENT_TIME = -1
_MAX_ITER = 10_000
_TOL = 1e-13


@dataclass(frozen=True)
class TwfeResult:
    """Result of :func:`twfe`.

    Attributes
    ----------
    effects
        Tidy estimates. Static model: one row with ``term == "treated"``.
        Event study: one row per relative period ``event_time`` (integer),
        excluding the reference period -1 (fixed at 0); the end points of the
        window are binned (``event_time == lo`` means "lo or earlier",
        ``event_time == hi`` means "hi or later"). Columns ``estimate``,
        ``std_error``, ``ci_low``, ``ci_high``, ``p_value`` (normal reference).
    n_obs, n_units, n_periods, n_clusters
        Sizes of the estimation sample.
    kind
        ``"static"`` or ``"event_study"``.
    vcov
        Cluster-robust covariance matrix of the coefficients, in the row order
        of ``effects``.
    dof_k
        The K used in the small-sample factor ``G/(G-1) * (N-1)/(N-K)``.
    fixef_k
        How K counts the fixed effects (``"nested"`` or ``"full"``).
    """

    effects: pd.DataFrame
    n_obs: int
    n_units: int
    n_periods: int
    n_clusters: int
    kind: Literal["static", "event_study"]
    outcome: str
    cluster: str
    vcov: np.ndarray = field(repr=False)
    dof_k: int = 0
    fixef_k: str = "nested"
    alpha: float = 0.05
    event_window: tuple[int, int] | None = None

    def summary(self) -> str:
        """Plain-text summary: sample sizes, standard-error type, estimates."""
        title = f"TWFE {'event study' if self.kind == 'event_study' else 'DiD'} of {self.outcome}"
        lines = [
            f"observations: {self.n_obs}, units: {self.n_units}, periods: {self.n_periods}",
            f"standard errors: CR1 clustered by {self.cluster} ({self.n_clusters} clusters), "
            f"factor G/(G-1)*(N-1)/(N-K), K = {self.dof_k} (fixef_k={self.fixef_k!r})",
            f"confidence level: {1 - self.alpha:.0%} (normal reference)",
        ]
        if self.kind == "event_study":
            lo, hi = self.event_window  # type: ignore[misc]
            lines.append(
                f"reference period: {REFERENCE_EVENT_TIME}; end points binned (<= {lo}, >= {hi})"
            )
        return "\n".join([*lines, "", format_effects(self.effects, title)])

    @plotting.literal_text
    def plot(self, ax=None) -> Figure:
        """Event-study plot (or the single static estimate) with confidence intervals.

        Parameters
        ----------
        ax
            Optional matplotlib Axes to draw on; a new figure is made otherwise.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        eff = self.effects
        if self.kind == "event_study":
            x = eff["event_time"].to_numpy()
            ax.errorbar(
                x,
                eff["estimate"],
                yerr=[eff["estimate"] - eff["ci_low"], eff["ci_high"] - eff["estimate"]],
                fmt="o",
                capsize=3,
                color="C0",
                label=f"estimate, {1 - self.alpha:.0%} CI",
            )
            ax.plot(
                [REFERENCE_EVENT_TIME],
                [0.0],
                marker="o",
                mfc="white",
                color="C0",
                linestyle="none",
                label="reference period",
            )
            ax.axvline(-0.5, color="grey", linestyle=":", linewidth=1)
            ax.set_xlabel("periods since start of treatment")
            ticks = sorted({*x.tolist(), REFERENCE_EVENT_TIME})
            ax.set_xticks(ticks)
            lo, hi = self.event_window  # type: ignore[misc]
            ax.set_xticklabels(
                [f"≤{t}" if t == lo else f"≥{t}" if t == hi else str(t) for t in ticks]
            )
            ax.set_title(f"TWFE event study: {self.outcome}")
        else:
            ax.errorbar(
                [0],
                eff["estimate"],
                yerr=[eff["estimate"] - eff["ci_low"], eff["ci_high"] - eff["estimate"]],
                fmt="o",
                capsize=3,
                color="C0",
                label=f"estimate, {1 - self.alpha:.0%} CI",
            )
            ax.set_xticks([0])
            ax.set_xticklabels(["treated"])
            ax.set_xlim(-1, 1)
            ax.set_title(f"TWFE DiD: {self.outcome}")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel("effect")
        ax.legend(frameon=False)
        return fig


def twfe(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    cluster: str | None = None,
    event_window: tuple[int, int] | None = None,
    alpha: float = 0.05,
    fixef_k: Literal["nested", "full"] = "nested",
) -> TwfeResult:
    """Two-way fixed-effects DiD (static) or event study, cluster-robust SEs.

    Static model: ``y_it = a_i + l_t + beta * treated_it + e_it``. Event study
    (``event_window=(lo, hi)``): ``treated_it`` is replaced by dummies for the
    periods relative to each unit's first treated period, ``lo..hi`` without
    the reference period -1, the end points binned (``lo`` collects all
    earlier, ``hi`` all later periods). Never-treated units have no dummies.
    Relative time is counted in positions of the sorted distinct values of
    ``time`` (equal to the difference for consecutive integer periods).

    Unit and time effects are absorbed by alternating demeaning (method of
    alternating projections), so the coefficients and residuals equal those
    of OLS with unit and time dummies (Frisch-Waugh-Lovell).

    Parameters
    ----------
    data
        Long panel, one row per unit and period. Not modified.
    outcome, unit, time, treated
        Column names. ``treated`` is 0/1 (or boolean) and, once 1, stays 1
        within a unit (absorbing treatment).
    cluster
        Column to cluster the standard errors on; defaults to ``unit``.
    event_window
        ``(lo, hi)`` with ``lo <= -1 <= hi`` for an event study; ``None`` for
        the static model.
    alpha
        1 - confidence level of the intervals.
    fixef_k
        How fixed effects enter K in the CR1 factor ``G/(G-1) * (N-1)/(N-K)``.
        ``"nested"`` (default, as R ``fixest`` and Stata ``reghdfe``/``xtreg,
        fe``): fixed effects nested in the clusters are not counted (with
        ``cluster=unit``, K = coefficients + number of periods). ``"full"``:
        all fixed effects are counted (K = rank of the dummy-variable design),
        which reproduces ``statsmodels`` OLS with ``C(unit) + C(time)`` and
        ``cov_type="cluster"`` or Stata ``regress ... i.unit i.time,
        vce(cluster)``. Point estimates do not depend on it.

    Returns
    -------
    TwfeResult
        ``effects`` (tidy), ``n_obs``, ``n_clusters``, ``summary()``, ``plot()``.

    Raises
    ------
    ValueError
        Missing columns or values, duplicated unit-period rows, ``treated`` not
        0/1 or switching off, an invalid ``event_window`` or one with empty
        relative periods, or coefficients not identified.

    Notes
    -----
    With staggered adoption and effects that vary over cohorts or time since
    start, the static coefficient is not a convex average of the unit-level
    effects (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020) and
    the event-study leads/lags are contaminated by other periods' effects (Sun
    & Abraham 2021). Use :func:`analysis.methods.att_gt` for estimation and
    keep TWFE as the familiar comparison. P-values and intervals use the
    normal distribution (as ``statsmodels``); ``fixest`` uses t(G-1).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from analysis.methods.twfe import twfe
    >>> rng = np.random.default_rng(1)
    >>> panel = pd.DataFrame({"practice": np.repeat(np.arange(40), 6),
    ...                       "month": np.tile(np.arange(6), 40)})
    >>> panel["pilot"] = ((panel["practice"] < 20) & (panel["month"] >= 3)).astype(int)
    >>> panel["visits"] = (0.1 * panel["practice"] + 0.2 * panel["month"]
    ...                    + 2.0 * panel["pilot"] + rng.normal(0, 0.1, len(panel)))
    >>> res = twfe(panel, outcome="visits", unit="practice", time="month",
    ...            treated="pilot")
    >>> round(float(res.effects["estimate"].iloc[0]), 1)
    2.0
    >>> es = twfe(panel, outcome="visits", unit="practice", time="month",
    ...           treated="pilot", event_window=(-3, 2))
    >>> es.effects["event_time"].tolist()
    [-3, -2, 0, 1, 2]
    """
    cluster_col = unit if cluster is None else cluster
    _validate_arguments(
        data, outcome, unit, time, treated, cluster_col, event_window, alpha, fixef_k
    )
    cols = list(dict.fromkeys([outcome, unit, time, treated, cluster_col]))
    df = data.loc[:, cols].copy()
    if df[cols].isna().to_numpy().any():
        bad = [c for c in cols if df[c].isna().any()]
        raise ValueError(f"columns {bad} contain missing values; drop or impute them first")
    if df.duplicated([unit, time]).any():
        raise ValueError(
            f"more than one row for some ({unit}, {time}) pairs; "
            "the panel must have one row per unit and period"
        )
    y = pd.to_numeric(df[outcome], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(y).all():
        raise ValueError(f"outcome column {outcome!r} must be numeric and finite")
    d = _treated_indicator(df[treated], treated)

    unit_codes, unit_levels = pd.factorize(df[unit], sort=True)
    time_codes, time_levels = pd.factorize(df[time], sort=True)
    clus_codes, clus_levels = pd.factorize(df[cluster_col], sort=True)
    n_obs, n_units, n_periods, n_clusters = (
        len(df),
        len(unit_levels),
        len(time_levels),
        len(clus_levels),
    )
    if n_clusters < 2:
        raise ValueError(f"need at least 2 clusters in {cluster_col!r}, found {n_clusters}")

    _check_absorbing(unit_codes, time_codes, d, treated)

    if event_window is None:
        X = d[:, None]
        index = pd.DataFrame({"term": ["treated"]})
    else:
        X, event_times = _event_time_design(unit_codes, time_codes, d, n_units, event_window)
        index = pd.DataFrame({"event_time": np.asarray(event_times, dtype="int64")})

    Z = _demean_two_way(np.column_stack([y, X]), unit_codes, time_codes, n_units, n_periods)
    y_t, X_t = Z[:, 0], Z[:, 1:]
    norms = np.linalg.norm(X_t, axis=0)
    if (norms <= 1e-10 * np.linalg.norm(X, axis=0)).any() or np.min(
        np.linalg.svd(X_t / norms, compute_uv=False)
    ) < 1e-8:
        raise ValueError(
            "the treatment coefficients are not identified after absorbing unit and time "
            "effects (no variation in treatment, or the event-time dummies are collinear; "
            "add never-treated units or narrow the event window)"
        )
    xtx = X_t.T @ X_t
    beta = np.linalg.solve(xtx, X_t.T @ y_t)
    resid = y_t - X_t @ beta

    bread = np.linalg.inv(xtx)
    scores = np.zeros((n_clusters, X_t.shape[1]))
    np.add.at(scores, clus_codes, X_t * resid[:, None])
    meat = scores.T @ scores
    k = _dof_k(fixef_k, X_t.shape[1], unit_codes, time_codes, clus_codes, n_units, n_periods)
    if n_obs - k <= 0:
        raise ValueError(f"not enough observations ({n_obs}) for {k} parameters")
    factor = n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - k)
    vcov = factor * bread @ meat @ bread
    vcov = (vcov + vcov.T) / 2

    effects = pd.concat([index, normal_effects(beta, np.sqrt(np.diag(vcov)), alpha=alpha)], axis=1)[
        [*index.columns, *EFFECT_COLUMNS]
    ]
    return TwfeResult(
        effects=effects,
        n_obs=n_obs,
        n_units=n_units,
        n_periods=n_periods,
        n_clusters=n_clusters,
        kind="static" if event_window is None else "event_study",
        outcome=outcome,
        cluster=cluster_col,
        vcov=vcov,
        dof_k=int(k),
        fixef_k=fixef_k,
        alpha=alpha,
        event_window=None if event_window is None else tuple(event_window),
    )


# --------------------------------------------------------------------------- helpers


def _validate_arguments(
    data, outcome, unit, time, treated, cluster, event_window, alpha, fixef_k
) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    names = {"outcome": outcome, "unit": unit, "time": time, "treated": treated, "cluster": cluster}
    missing = [f"{role}={col!r}" for role, col in names.items() if col not in data.columns]
    if missing:
        raise ValueError(f"columns not in data: {', '.join(missing)}")
    if len({outcome, unit, time, treated}) < 4:
        raise ValueError("outcome, unit, time and treated must be four different columns")
    if len(data) == 0:
        raise ValueError("data has no rows")
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if fixef_k not in ("nested", "full"):
        raise ValueError(f"fixef_k must be 'nested' or 'full', got {fixef_k!r}")
    if event_window is not None:
        ok = (
            isinstance(event_window, tuple | list)
            and len(event_window) == 2
            and all(
                isinstance(v, int | np.integer) and not isinstance(v, bool) for v in event_window
            )
        )
        if not ok:
            raise ValueError(
                f"event_window must be a pair of integers (lo, hi), got {event_window!r}"
            )
        lo, hi = event_window
        if not lo <= REFERENCE_EVENT_TIME < hi:
            raise ValueError(
                f"event_window=(lo, hi) needs lo <= -1 < hi so that the reference "
                f"period -1 lies inside it, got {event_window!r}"
            )


def _treated_indicator(col: pd.Series, name: str) -> np.ndarray:
    if col.dtype == bool:
        return col.to_numpy(dtype=float)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any() or not np.isin(values, (0.0, 1.0)).all():
        bad = pd.unique(col[~np.isin(values, (0.0, 1.0))])[:5]
        raise ValueError(f"treated column {name!r} must contain only 0 and 1; found {list(bad)}")
    return values


def _check_absorbing(unit_codes, time_codes, d, name) -> None:
    order = np.lexsort((time_codes, unit_codes))
    u, dd = unit_codes[order], d[order]
    same_unit = u[1:] == u[:-1]
    switches_off = same_unit & (dd[1:] < dd[:-1])
    if switches_off.any():
        raise ValueError(
            f"treated column {name!r} switches from 1 back to 0 within a unit; "
            "twfe supports absorbing (staggered) treatment only"
        )


def _event_time_design(unit_codes, time_codes, d, n_units, window):
    lo, hi = window
    first = np.full(n_units, np.iinfo(np.int64).max)
    treated_rows = d == 1
    np.minimum.at(first, unit_codes[treated_rows], time_codes[treated_rows])
    ever = first < np.iinfo(np.int64).max
    rel = time_codes - np.where(ever, first, 0)[unit_codes]
    rel = np.clip(rel, lo, hi)
    is_treated_unit = ever[unit_codes]
    event_times = [k for k in range(lo, hi + 1) if k != REFERENCE_EVENT_TIME]
    X = np.column_stack([(is_treated_unit & (rel == k)).astype(float) for k in event_times])
    empty = [k for k, col in zip(event_times, X.T, strict=True) if not col.any()]
    if empty:
        raise ValueError(f"no observations at event times {empty}; narrow event_window")
    return X, event_times


def _group_means_operator(codes: np.ndarray, n_groups: int):
    n = len(codes)
    indicator = sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_groups, n))
    counts = np.asarray(indicator.sum(axis=1)).ravel()
    return indicator, counts


def _demean_two_way(Z, unit_codes, time_codes, n_units, n_periods) -> np.ndarray:
    """Remove unit and time means by alternating projections until convergence."""
    Z = np.array(Z, dtype=float, copy=True)
    U, u_count = _group_means_operator(unit_codes, n_units)
    T, t_count = _group_means_operator(time_codes, n_periods)
    scale = np.maximum(np.abs(Z).max(axis=0), 1.0)
    for _ in range(_MAX_ITER):
        Z -= ((U @ Z) / u_count[:, None])[unit_codes]
        Z -= ((T @ Z) / t_count[:, None])[time_codes]
        # after the time step time means are zero; converged once unit means are too
        if np.all(np.abs((U @ Z) / u_count[:, None]).max(axis=0) <= _TOL * scale):
            return Z
    raise RuntimeError(
        "alternating demeaning did not converge; the panel may be very "
        "unbalanced or poorly connected"
    )


def _nested(fe_codes, clus_codes, n_fe) -> bool:
    """True when every level of the fixed effect falls in a single cluster."""
    pairs = pd.DataFrame({"fe": fe_codes, "c": clus_codes}).drop_duplicates()
    return len(pairs) == n_fe


def _dof_k(fixef_k, n_coef, unit_codes, time_codes, clus_codes, n_units, n_periods) -> int:
    """K in the CR1 factor: coefficients plus the counted fixed-effect parameters."""
    graph = sparse.csr_matrix(
        (np.ones(len(unit_codes)), (unit_codes, time_codes)), shape=(n_units, n_periods)
    )
    n_components, _ = connected_components(
        sparse.bmat([[None, graph], [graph.T, None]]), directed=False
    )
    fe_full = n_units + n_periods - n_components  # rank of [unit dummies, time dummies]
    if fixef_k == "full":
        return n_coef + fe_full
    nested = [_nested(unit_codes, clus_codes, n_units), _nested(time_codes, clus_codes, n_periods)]
    sizes = [n_units, n_periods]
    if all(nested):
        return n_coef + 1  # as fixest: all fixed effects removed, intercept kept
    return n_coef + fe_full - sum(s - 1 for s, nest in zip(sizes, nested, strict=True) if nest)
