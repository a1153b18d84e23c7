"""Simulated staggered-adoption panels and a coverage study for the DiD estimators.

Used by ``benchmarks/did_simulation.py`` (the full study reported in
``docs/validation.md``) and by ``tests/methods/test_did_simulation.py`` (a
reduced run). The design is a primary-care roll-out: practices join a pilot in
waves (cohorts), some never join, outcomes have practice and calendar effects,
serially correlated noise, and effects that build up over the first periods
after a practice starts and are larger for early cohorts. Parallel trends hold
by construction, so Callaway & Sant'Anna's ``att_gt`` is unbiased for the
estimand; static TWFE is not, because later cohorts are compared with earlier
cohorts whose effects are still growing (Goodman-Bacon 2021).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "DEFAULT_COHORTS",
    "CoverageStudy",
    "SimulatedPanel",
    "coverage_band",
    "coverage_study",
    "default_effect",
    "simulate_staggered_panel",
    "summarise_replicates",
    "twfe_weights",
]

#: Default start periods (periods are numbered 1..n_periods) and the share of
#: units in each; the remaining share is never treated.
DEFAULT_COHORTS: dict[int, float] = {3: 0.3, 5: 0.25, 7: 0.2}

#: Long-run effect of each default cohort: early adopters gain most.
_DEFAULT_LONG_RUN = {3: 3.0, 5: 2.0, 7: 1.0}
_RAMP = 3  # periods over which an effect builds up to its long-run size


def default_effect(cohort: int, event_time: int) -> float:
    """Default effect of cohort ``cohort`` ``event_time`` periods after its start.

    It builds up linearly to the cohort's long-run effect over the first three
    periods (1/3, 2/3, then 1 of it) and the long-run effect is 3, 2 and 1 for
    the cohorts starting in periods 3, 5 and 7 (for other cohorts it falls
    linearly with the start period: ``max(0.5, 4.5 - cohort / 2)``).
    """
    if event_time < 0:
        return 0.0
    long_run = _DEFAULT_LONG_RUN.get(cohort, max(0.5, 4.5 - cohort / 2))
    return long_run * min(event_time + 1, _RAMP) / _RAMP


@dataclass(frozen=True)
class SimulatedPanel:
    """A simulated panel and the true effects it was built with.

    Attributes
    ----------
    data
        Long panel with columns ``unit``, ``time`` (1..n_periods), ``cohort``
        (start period, 0 = never treated), ``treated`` (0/1), ``y``, and
        ``effect`` (the true effect added to ``y``).
    true_att
        The estimand of the "simple" aggregation (R ``did`` ``aggte(type =
        "simple")``): the average of ATT(g, t) over post-treatment cells
        ``t >= g`` weighted by the cohort's population share (``cohorts``).
    sample_att
        The same average weighted by the realised cohort sizes of this panel
        (the mean effect over treated post-treatment unit-periods).
    true_att_gt
        One row per cohort and period with columns ``cohort``, ``time``,
        ``event_time``, ``att`` (0 before the start).
    """

    data: pd.DataFrame
    true_att: float
    sample_att: float
    true_att_gt: pd.DataFrame


def simulate_staggered_panel(
    n_units: int = 200,
    n_periods: int = 8,
    cohorts: Mapping[int, float] | None = None,
    effect_fn: Callable[[int, int], float] = default_effect,
    seed: int | np.random.Generator | np.random.SeedSequence | None = 0,
    *,
    noise_sd: float = 1.0,
    rho: float = 0.5,
    unit_sd: float = 1.0,
    level_shift: float = 0.5,
    trend: float = 0.3,
    time_sd: float = 0.5,
    cohort_sizes: Mapping[int, int] | None = None,
) -> SimulatedPanel:
    """Simulate a balanced staggered-adoption panel with dynamic, heterogeneous effects.

    ``y_it = alpha_i + lambda_t + effect(g_i, t - g_i) * 1{t >= g_i} + u_it`` with

    * cohort ``g_i`` drawn independently per unit with probabilities
      ``cohorts`` (start period -> share; the rest never treated, ``g = 0``),
      or fixed numbers of units per cohort (``cohort_sizes``);
    * unit effects ``alpha_i ~ N(level_shift * (#cohorts - rank of g_i), unit_sd^2)``:
      earlier adopters have higher levels (selection on levels, which DiD allows);
    * period effects ``lambda_t = trend * t + N(0, time_sd^2)``, common to all units;
    * AR(1) noise ``u_it = rho * u_i,t-1 + e_it``, stationary, ``sd(u) = noise_sd``.

    Parameters
    ----------
    n_units, n_periods
        Panel size. Periods are numbered ``1..n_periods``.
    cohorts
        Start period -> population share, start periods in ``2..n_periods``
        (a cohort needs a pre-period); shares sum to less than 1, the
        remainder is never treated. Default :data:`DEFAULT_COHORTS`.
    effect_fn
        ``effect_fn(cohort, event_time) -> float``, the effect ``event_time``
        periods after the start (``event_time >= 0``). Default
        :func:`default_effect`.
    seed
        Seed or generator for reproducibility.
    noise_sd, rho, unit_sd, level_shift, trend, time_sd
        Noise, serial correlation and fixed-effect scales described above.
    cohort_sizes
        Start period -> number of units, instead of ``cohorts``: exactly these
        numbers start in each period and the other units are never treated (at
        least one must be). The population shares of ``true_att`` are then the
        realised shares. A power study of a planned pilot uses this.

    Returns
    -------
    SimulatedPanel
        ``data``, ``true_att``, ``sample_att``, ``true_att_gt``.

    Examples
    --------
    >>> from analysis.simulation import simulate_staggered_panel
    >>> sim = simulate_staggered_panel(n_units=50, n_periods=8, seed=1)
    >>> sorted(sim.data.columns)
    ['cohort', 'effect', 'time', 'treated', 'unit', 'y']
    >>> round(sim.true_att, 4)
    1.9375
    """
    if cohort_sizes is not None:
        if cohorts is not None:
            raise ValueError("give cohorts (shares) or cohort_sizes (numbers of units), not both")
        _check_sizes(n_units, cohort_sizes)
        cohorts = {g: size / n_units for g, size in cohort_sizes.items()}
    cohorts = dict(DEFAULT_COHORTS if cohorts is None else cohorts)
    _check_design(n_units, n_periods, cohorts, rho)
    rng = np.random.default_rng(seed)

    starts = np.array(sorted(cohorts), dtype=int)
    shares = np.array([cohorts[g] for g in starts], dtype=float)
    if cohort_sizes is None:
        probs = np.append(shares, 1 - shares.sum())
        choice = rng.choice(len(probs), size=n_units, p=probs)
    else:
        sizes = [cohort_sizes[g] for g in starts]
        choice = np.repeat(np.arange(len(starts) + 1), [*sizes, n_units - sum(sizes)])
    cohort = np.append(starts, 0)[choice]

    rank = np.append(np.arange(len(starts)), len(starts))[choice]  # never treated last
    alpha = level_shift * (len(starts) - rank) + rng.normal(0, unit_sd, n_units)
    periods = np.arange(1, n_periods + 1)
    lam = trend * periods + rng.normal(0, time_sd, n_periods)

    innov_sd = noise_sd * np.sqrt(1 - rho**2)
    u = np.empty((n_units, n_periods))
    u[:, 0] = rng.normal(0, noise_sd, n_units)
    for t in range(1, n_periods):
        u[:, t] = rho * u[:, t - 1] + rng.normal(0, innov_sd, n_units)

    att_gt = _true_att_gt(starts, n_periods, effect_fn)
    effect_table = {
        (g, t): a for g, t, a in att_gt[["cohort", "time", "att"]].itertuples(index=False)
    }
    g_long = np.repeat(cohort, n_periods)
    t_long = np.tile(periods, n_units)
    treated = (g_long > 0) & (t_long >= g_long)
    effect = np.array(
        [
            effect_table[(g, t)] if d else 0.0
            for g, t, d in zip(g_long, t_long, treated, strict=True)
        ]
    )
    y = np.repeat(alpha, n_periods) + np.tile(lam, n_units) + effect + u.ravel()

    data = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(1, n_units + 1), n_periods),
            "time": t_long,
            "cohort": g_long,
            "treated": treated.astype(int),
            "y": y,
            "effect": effect,
        }
    )
    post = att_gt[att_gt["event_time"] >= 0]
    weights = post["cohort"].map(dict(zip(starts, shares, strict=True)))
    true_att = float(np.average(post["att"], weights=weights))
    sample_att = float(effect[treated].mean()) if treated.any() else float("nan")
    return SimulatedPanel(data=data, true_att=true_att, sample_att=sample_att, true_att_gt=att_gt)


def _check_design(n_units, n_periods, cohorts, rho) -> None:
    if n_periods < 3:
        raise ValueError(f"n_periods must be at least 3, got {n_periods}")
    if n_units < 4:
        raise ValueError(f"n_units must be at least 4, got {n_units}")
    if not cohorts:
        raise ValueError("cohorts must name at least one start period")
    bad = [g for g in cohorts if not (isinstance(g, int | np.integer) and 2 <= g <= n_periods)]
    if bad:
        raise ValueError(f"cohort start periods must be integers in 2..{n_periods}, got {bad}")
    shares = np.array(list(cohorts.values()), dtype=float)
    if (shares <= 0).any() or shares.sum() >= 1:
        raise ValueError(
            "cohort shares must be positive and sum to less than 1 "
            "(the remainder is the never-treated group)"
        )
    if not -1 < rho < 1:
        raise ValueError(f"rho must be in (-1, 1), got {rho}")


def _check_sizes(n_units: int, cohort_sizes: Mapping[int, int]) -> None:
    sizes = list(cohort_sizes.values())
    if not all(isinstance(n, int | np.integer) and n > 0 for n in sizes):
        raise ValueError(f"cohort_sizes must be positive whole numbers of units, got {sizes}")
    if sum(sizes) >= n_units:
        raise ValueError(
            f"cohort_sizes add up to {sum(sizes)} of {n_units} units: "
            "at least one unit must stay never treated"
        )


def _true_att_gt(
    starts: Sequence[int], n_periods: int, effect_fn: Callable[[int, int], float]
) -> pd.DataFrame:
    rows = [
        (int(g), t, t - int(g), float(effect_fn(int(g), t - int(g))) if t >= g else 0.0)
        for g in starts
        for t in range(1, n_periods + 1)
    ]
    return pd.DataFrame(rows, columns=["cohort", "time", "event_time", "att"])


def twfe_weights(
    cohorts: Mapping[int, float] | None = None,
    n_periods: int = 8,
    effect_fn: Callable[[int, int], float] = default_effect,
) -> pd.DataFrame:
    """Implicit weights of static TWFE on the ATT(g, t) of the simulation design.

    In a balanced panel the TWFE coefficient is ``sum_gt w_gt ATT(g, t)`` over
    treated cells, with ``w_gt`` proportional to ``share_g * Dtilde_gt``, where
    ``Dtilde`` is the treatment dummy after removing unit and period means
    (cohort shares as weights). The weights sum to one but late cells of early
    cohorts can get negative weight (de Chaisemartin & D'Haultfoeuille 2020;
    Goodman-Bacon 2021). Returns one row per treated cell with ``cohort``,
    ``time``, ``event_time``, ``att``, ``twfe_weight`` and ``simple_weight``
    (the weight of the ``aggregate("simple")`` estimand); the TWFE probability
    limit is ``(twfe_weight * att).sum()``.
    """
    cohorts = dict(DEFAULT_COHORTS if cohorts is None else cohorts)
    _check_design(4, n_periods, cohorts, 0.0)
    starts = np.array(sorted(cohorts), dtype=int)
    share = np.append([cohorts[g] for g in starts], 1 - sum(cohorts.values()))
    periods = np.arange(1, n_periods + 1)
    d = np.vstack([(periods >= g).astype(float) for g in starts] + [np.zeros(n_periods)])
    row_mean = d.mean(axis=1, keepdims=True)
    col_mean = share @ d
    d_tilde = d - row_mean - col_mean + share @ row_mean
    contrib = share[:, None] * d_tilde * d
    weight = contrib / contrib.sum()
    att = _true_att_gt(starts, n_periods, effect_fn)
    att["twfe_weight"] = weight[:-1].ravel()
    att["simple_weight"] = np.repeat(share[:-1], n_periods) * (att["event_time"] >= 0).to_numpy()
    att["simple_weight"] /= att["simple_weight"].sum()
    return att.loc[att["event_time"] >= 0].reset_index(drop=True)


# --------------------------------------------------------------------------- study


@dataclass(frozen=True)
class CoverageStudy:
    """Result of :func:`coverage_study`.

    Attributes
    ----------
    replicates
        One row per replicate: ``replicate``, ``true_att``, ``sample_att``,
        ``att_gt`` (simple aggregation), ``att_gt_ci_low``, ``att_gt_ci_high``,
        ``twfe``, ``twfe_ci_low``, ``twfe_ci_high``.
    summary
        One row per method (``att_gt``, ``twfe``): ``n_replicates``,
        ``true_att``, ``mean_estimate``, ``bias``, ``bias_pct`` (of the true
        effect), ``rmse``, ``coverage`` (share of CIs containing the truth),
        ``mean_ci_width``.
    settings
        The design used (for the record).
    """

    replicates: pd.DataFrame
    summary: pd.DataFrame
    settings: dict[str, Any]

    def to_text(self, digits: int = 4) -> str:
        """Plain-text table of the summary."""
        return self.summary.round(digits).to_string()


def coverage_study(
    n_replicates: int = 200,
    seed: int = 20240601,
    *,
    n_units: int = 200,
    n_periods: int = 8,
    cohorts: Mapping[int, float] | None = None,
    effect_fn: Callable[[int, int], float] = default_effect,
    alpha: float = 0.05,
    att_gt_kwargs: Mapping[str, Any] | None = None,
    panel_kwargs: Mapping[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CoverageStudy:
    """Repeat simulation + estimation; coverage and bias of ``att_gt`` and ``twfe``.

    Each replicate draws a panel with :func:`simulate_staggered_panel` (its own
    random stream spawned from ``seed``), estimates the overall ATT with
    ``att_gt(...).aggregate("simple")`` (never-treated controls, the defaults
    of ``att_gt`` otherwise) and the static TWFE coefficient with ``twfe``
    (clustered by unit), and compares both with the true simple-aggregation
    estimand ``true_att``.

    Parameters
    ----------
    n_replicates, seed
        Number of replicates and the master seed.
    n_units, n_periods, cohorts, effect_fn
        Passed to :func:`simulate_staggered_panel`.
    alpha
        1 - confidence level of the intervals.
    att_gt_kwargs
        Extra keyword arguments for ``att_gt``.
    panel_kwargs
        Extra keyword arguments for :func:`simulate_staggered_panel`.
    progress
        Optional callback ``progress(done, total)``.

    Returns
    -------
    CoverageStudy
    """
    from analysis.methods.did import att_gt
    from analysis.methods.twfe import twfe

    if n_replicates < 1:
        raise ValueError(f"n_replicates must be positive, got {n_replicates}")
    cs_kwargs = {"control": "never_treated", "alpha": alpha, **dict(att_gt_kwargs or {})}
    streams = np.random.SeedSequence(seed).spawn(n_replicates)
    rows = []
    for rep, stream in enumerate(streams):
        sim = simulate_staggered_panel(
            n_units,
            n_periods,
            cohorts,
            effect_fn,
            np.random.default_rng(stream),
            **dict(panel_kwargs or {}),
        )
        df = sim.data
        cs = att_gt(df, outcome="y", unit="unit", time="time", cohort="cohort", **cs_kwargs)
        overall = cs.aggregate("simple").overall
        tw = twfe(df, outcome="y", unit="unit", time="time", treated="treated", alpha=alpha)
        tw_row = tw.effects.iloc[0]
        rows.append(
            {
                "replicate": rep,
                "true_att": sim.true_att,
                "sample_att": sim.sample_att,
                "att_gt": overall.estimate,
                "att_gt_ci_low": overall.ci_low,
                "att_gt_ci_high": overall.ci_high,
                "twfe": tw_row["estimate"],
                "twfe_ci_low": tw_row["ci_low"],
                "twfe_ci_high": tw_row["ci_high"],
            }
        )
        if progress is not None:
            progress(rep + 1, n_replicates)
    replicates = pd.DataFrame(rows)
    settings = {
        "n_replicates": n_replicates,
        "seed": seed,
        "n_units": n_units,
        "n_periods": n_periods,
        "cohorts": dict(cohorts or DEFAULT_COHORTS),
        "effect_fn": getattr(effect_fn, "__name__", repr(effect_fn)),
        "alpha": alpha,
        "att_gt_kwargs": cs_kwargs,
        "panel_kwargs": dict(panel_kwargs or {}),
    }
    return CoverageStudy(
        replicates=replicates, summary=summarise_replicates(replicates), settings=settings
    )


def summarise_replicates(replicates: pd.DataFrame) -> pd.DataFrame:
    """Coverage, bias (absolute and % of the true effect), RMSE per method."""
    out = {}
    truth = replicates["true_att"].to_numpy()
    for method in ("att_gt", "twfe"):
        est = replicates[method].to_numpy()
        low, high = (
            replicates[f"{method}_ci_low"].to_numpy(),
            replicates[f"{method}_ci_high"].to_numpy(),
        )
        bias = float(np.mean(est - truth))
        out[method] = {
            "n_replicates": len(est),
            "true_att": float(np.mean(truth)),
            "mean_estimate": float(np.mean(est)),
            "bias": bias,
            "bias_pct": 100 * bias / float(np.mean(truth)),
            "mc_se_bias": float(np.std(est - truth, ddof=1) / np.sqrt(len(est)))
            if len(est) > 1
            else float("nan"),
            "rmse": float(np.sqrt(np.mean((est - truth) ** 2))),
            "coverage": float(np.mean((low <= truth) & (truth <= high))),
            "mean_ci_width": float(np.mean(high - low)),
        }
    return pd.DataFrame(out).T.rename_axis("method")


def coverage_band(
    n_replicates: int, level: float = 0.95, tolerance: float = 0.01
) -> tuple[float, float]:
    """Range of observed coverage consistent with true coverage ``level``.

    The central ``1 - tolerance`` interval of Binomial(``n_replicates``,
    ``level``) / ``n_replicates``: an observed coverage outside it rejects
    "the intervals have nominal coverage" at level ``tolerance``.
    """
    lo = stats.binom.ppf(tolerance / 2, n_replicates, level) / n_replicates
    hi = stats.binom.ppf(1 - tolerance / 2, n_replicates, level) / n_replicates
    return float(lo), float(hi)
