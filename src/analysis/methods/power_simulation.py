"""Power of the estimator the region reports use, by simulation, and its design inputs.

:func:`simulate_power` draws practice-month panels of a planned pilot with
``analysis.simulation.simulate_staggered_panel`` and runs each through the
region reports' own estimation path (``analysis.evaluation.estimate``:
``did_frame`` -> quarters relative to each practice's baseline -> ``att_gt``
with never-treated comparison practices -> simple aggregation -> t interval on
pilot practices - 1 degrees of freedom). The share of panels whose interval
excludes "no effect" is the power, to check the analytic answer of
:mod:`analysis.methods.power` against the real pipeline.

:func:`report_covariance` measures an outcome's variance and serial correlation
in the processed practice-month panel on the same scale, for
:func:`analysis.methods.power.mde` and :func:`~analysis.methods.power.power`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from analysis.methods.power import PeriodCovariance, arm_sizes, outcome_covariance
from analysis.simulation import simulate_staggered_panel

__all__ = [
    "Period",
    "SimulatedPower",
    "report_covariance",
    "simulate_power",
    "simulate_practice_months",
    "simulated_power_curve",
]

Period = Literal["quarter", "month"]
Scale = Literal["ratio", "difference"]  # as analysis.evaluation.estimate.Scale

#: First simulated month; a multiple of 3 months before the start puts the
#: start at the beginning of a quarter, as most pilots.
_FIRST_MONTH = pd.Timestamp("2020-01-01")
_REGION = "pilot-region"
_OUTCOME: dict[str, str] = {"ratio": "simulated_rate", "difference": "simulated_share"}


@dataclass(frozen=True)
class SimulatedPower:
    """Result of :func:`simulate_power`.

    Attributes
    ----------
    replicates
        One row per simulated pilot: ``estimate``, ``std_error``, ``ci_low``,
        ``ci_high`` (on the reports' scale before conversion to a ratio: the
        change relative to the practices' baseline, or the difference) and
        ``reject`` (the interval excludes 0).
    settings
        The design simulated.
    """

    replicates: pd.DataFrame
    settings: dict[str, Any]

    @property
    def power(self) -> float:
        """Share of simulated pilots in which the report's interval excludes no effect."""
        return float(self.replicates["reject"].mean())

    @property
    def mc_se(self) -> float:
        """Monte Carlo standard error of :attr:`power`, ``sqrt(p (1 - p) / n)``."""
        p, n = self.power, len(self.replicates)
        return math.sqrt(p * (1 - p) / n)

    @property
    def mean_estimate(self) -> float:
        """Mean estimated effect over the replicates."""
        return float(self.replicates["estimate"].mean())

    @property
    def empirical_se(self) -> float:
        """Standard deviation of the estimates: the estimator's real standard error."""
        return float(self.replicates["estimate"].std(ddof=1))


def simulate_power(
    effect: float,
    *,
    n_treated: int,
    n_control: int,
    months_pre: int = 12,
    months_post: int = 12,
    waves: Sequence[int] = (0,),
    sd: float = 0.1,
    ar1: float = 0.0,
    ramp_months: int = 0,
    scale: Scale = "ratio",
    alpha: float = 0.05,
    n_replicates: int = 200,
    seed: int = 0,
) -> SimulatedPower:
    """Power of the region reports' primary estimate for a planned pilot, by simulation.

    Each replicate draws a balanced practice-month panel and estimates the
    effect exactly as a region report does (``primary_did`` on ``did_frame``):
    pilot practices against never-treated comparison practices, quarters,
    ``att_gt`` simple aggregation, t interval on (pilot practices - 1) degrees
    of freedom. The power is the share of replicates whose interval excludes 0.

    The simulated outcome of practice ``i`` in month ``t`` is, for
    ``scale="ratio"`` (rates and counts, analysed relative to each practice's
    baseline), ``exp(a_i + u_it) * (1 + effect * ramp_it)``, and for
    ``scale="difference"`` (shares) ``a_i + u_it + effect * ramp_it``, where
    ``a_i`` is the practice's level, ``u_it`` stationary AR(1) noise with
    standard deviation ``sd`` and month-to-month correlation ``ar1``, and
    ``ramp_it`` rises linearly from ``1 / ramp_months`` in the start month to 1
    (1 from the start with ``ramp_months=0``). Season and trends common to all
    practices cancel in the difference-in-differences and are left out.

    Parameters
    ----------
    effect
        True effect: relative change for ``"ratio"`` (-0.10 = 10% fewer), the
        difference for ``"difference"``.
    n_treated, n_control
        Pilot and comparison practices.
    months_pre, months_post
        Months before the first start and from the first start to the end.
    waves
        Start of each wave in months after the first start (``(0,)``: all at
        once; ``(0, 6)``: two waves six months apart). Pilot practices are
        divided over the waves as evenly as possible, earlier waves first.
    sd
        Standard deviation of a practice's monthly noise: for ``"ratio"`` on
        the log scale (about the coefficient of variation of the monthly
        outcome around the practice's level), for ``"difference"`` in the
        outcome's units.
    ar1
        Month-to-month autocorrelation of the noise (AR(1) coefficient).
    ramp_months
        Months over which the effect builds up (the demo data use 6).
    scale
        ``"ratio"`` or ``"difference"``, as the reports' outcome scales.
    alpha
        1 - confidence level of the reports' interval.
    n_replicates, seed
        Number of simulated pilots and the master seed (each replicate has
        its own random stream).

    Returns
    -------
    SimulatedPower
        ``power``, ``mc_se`` and the replicates.

    Examples
    --------
    >>> sim = simulate_power(-0.10, n_treated=6, n_control=6, sd=0.1, n_replicates=20)
    >>> len(sim.replicates), sim.settings["n_treated"]
    (20, 6)
    >>> sim.power, sim.mc_se  # doctest: +SKIP
    (0.65, 0.107)
    """
    # Imported here: analysis.evaluation imports analysis.methods.
    from analysis.evaluation.estimate import did_frame, outcome_scale, primary_did
    from analysis.evaluation.load import RegionData

    design = _Simulation(
        effect, n_treated, n_control, months_pre, months_post, tuple(waves), sd, ar1,
        ramp_months, scale,
    )  # fmt: skip
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if n_replicates < 1:
        raise ValueError(f"n_replicates must be positive, got {n_replicates}")
    outcome = _OUTCOME[scale]
    assert outcome_scale(outcome) == scale
    region = pd.Series({"region_id": _REGION, "name": "simulated pilot", "country": "NL"})
    rows = []
    for stream in np.random.SeedSequence(seed).spawn(n_replicates):
        panel = design.practice_months(np.random.default_rng(stream), outcome)
        data = RegionData(
            region=region, panel=panel, interventions=pd.DataFrame(), events=pd.DataFrame()
        )
        est = primary_did(did_frame(data, outcome), outcome, alpha=alpha)
        rows.append(
            {
                "estimate": est.estimate,
                "std_error": est.std_error,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "reject": not est.ci_low <= 0 <= est.ci_high,
            }
        )
    settings = {**design.settings(), "alpha": alpha, "n_replicates": n_replicates, "seed": seed}
    return SimulatedPower(replicates=pd.DataFrame(rows), settings=settings)


def simulate_practice_months(
    effect: float,
    *,
    n_treated: int,
    n_control: int,
    months_pre: int = 12,
    months_post: int = 12,
    waves: Sequence[int] = (0,),
    sd: float = 0.1,
    ar1: float = 0.0,
    ramp_months: int = 0,
    scale: Scale = "ratio",
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """One simulated pilot of :func:`simulate_power`, as a practice-month panel.

    Columns as the processed panel: ``practice_id``, ``region_id`` (pilot
    practices in ``"pilot-region"``, the others in ``"comparison"``),
    ``month``, ``first_treated_month`` (missing for comparison practices) and
    the outcome ``simulated_rate`` (``scale="ratio"``) or ``simulated_share``.
    The arguments are those of :func:`simulate_power`.

    Examples
    --------
    >>> panel = simulate_practice_months(-0.1, n_treated=3, n_control=2, months_pre=6,
    ...                                  months_post=6, seed=1)
    >>> panel.groupby("region_id")["practice_id"].nunique().to_dict()
    {'comparison': 2, 'pilot-region': 3}
    >>> panel["month"].nunique(), str(panel["first_treated_month"].min().date())
    (12, '2020-07-01')
    """
    design = _Simulation(
        effect, n_treated, n_control, months_pre, months_post, tuple(waves), sd, ar1,
        ramp_months, scale,
    )  # fmt: skip
    return design.practice_months(np.random.default_rng(seed), _OUTCOME[scale])


def simulated_power_curve(
    effect: float,
    n_treated: Sequence[int],
    *,
    n_control: int | Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    **simulation: Any,
) -> pd.DataFrame:
    """:func:`simulate_power` for a range of numbers of pilot practices.

    Parameters
    ----------
    effect
        True effect (see :func:`simulate_power`).
    n_treated
        Numbers of pilot practices, one row each.
    n_control
        ``None`` as many comparison practices as pilot practices, a number for
        a fixed comparison group, or one number per row.
    progress
        Optional callback ``progress(done, total)`` after each row.
    **simulation
        Other keyword arguments of :func:`simulate_power`.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_treated``, ``n_control``, ``effect``, ``power`` and
        ``mc_se``, comparable with ``analysis.methods.power_curve``.
    """
    treated, control = arm_sizes(n_treated, n_control)
    rows = []
    for k, (nt, nc) in enumerate(zip(treated, control, strict=True)):
        sim = simulate_power(effect, n_treated=nt, n_control=nc, **simulation)
        rows.append(
            {
                "n_treated": nt,
                "n_control": nc,
                "effect": effect,
                "power": sim.power,
                "mc_se": sim.mc_se,
            }
        )
        if progress is not None:
            progress(k + 1, len(treated))
    return pd.DataFrame(rows)


def report_covariance(
    practice_months: pd.DataFrame,
    outcome: str,
    *,
    before: str | pd.Timestamp | None = None,
    period: Period = "quarter",
) -> PeriodCovariance:
    """Variance and serial correlation of an outcome on the region reports' scale.

    Takes the practice-months in which no intervention had started (and that
    lie before ``before``), puts them on the scale of the reports'
    difference-in-differences (rates and counts relative to each practice's
    mean over these months; quarterly means for ``period="quarter"``), and
    estimates the covariance between periods across practices with
    :func:`analysis.methods.power.outcome_covariance`. Practices not observed
    in every period are left out.

    Parameters
    ----------
    practice_months
        The processed practice-month panel (``practice_month.parquet``), or any
        table with ``practice_id``, ``month``, ``first_treated_month`` and
        ``outcome``.
    outcome
        Column to measure; names ending in ``_share`` are analysed as
        differences, others relative to the practice's baseline.
    before
        Use months before this date only (for example the planned start).
    period
        ``"quarter"`` (what the reports' estimator compares; pass the result as
        ``covariance=`` to ``mde``/``power`` with quarters as periods) or
        ``"month"`` (``fit_ar1()`` of the result gives the ``sd`` and ``ar1``
        of :func:`simulate_power`).

    Notes
    -----
    On the relative scale each practice's level is divided out, so the result
    describes the practice's movements around its own mean: right for
    difference-in-differences (``estimator="did"``, the reports' design), not
    for a post-only comparison or ANCOVA, whose power depends on the
    differences in level between practices (use :func:`outcome_covariance`
    on the outcome itself for those).

    Returns
    -------
    analysis.methods.power.PeriodCovariance
    """
    from analysis.evaluation.estimate import outcome_scale, practice_quarters, relative_to_baseline

    if period not in get_args(Period):
        raise ValueError(f"period must be one of {get_args(Period)}, got {period!r}")
    missing = {"practice_id", "month", "first_treated_month", outcome} - set(practice_months)
    if missing:
        raise ValueError(f"practice_months has no column(s) {sorted(missing)}")
    month = pd.to_datetime(practice_months["month"])
    untreated = practice_months["first_treated_month"].isna() | (
        month < pd.to_datetime(practice_months["first_treated_month"])
    )
    if before is not None:
        untreated &= month < pd.Timestamp(before)
    frame = practice_months.loc[untreated, ["practice_id", "month", outcome]].assign(
        first_treated_month=pd.NaT
    )
    if frame.empty:
        raise ValueError("no practice-months without an intervention to measure")
    baseline_end = pd.to_datetime(frame["month"]).max() + pd.DateOffset(days=1)
    if period == "quarter":
        frame = practice_quarters(frame, outcome, baseline_end)
        return outcome_covariance(frame, outcome, unit="practice_id", time="period")
    if outcome_scale(outcome) == "ratio":
        frame = relative_to_baseline(frame.dropna(subset=[outcome]), outcome, baseline_end)
    return outcome_covariance(frame, outcome, unit="practice_id", time="month")


@dataclass(frozen=True)
class _Simulation:
    """A planned pilot to simulate, checked."""

    effect: float
    n_treated: int
    n_control: int
    months_pre: int
    months_post: int
    waves: tuple[int, ...]
    sd: float
    ar1: float
    ramp_months: int
    scale: str

    def __post_init__(self) -> None:
        for name in ("n_treated", "n_control", "months_pre", "months_post"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        if self.n_treated < 2:
            raise ValueError("n_treated must be at least 2 (the t interval needs 1 df)")
        if not self.waves or list(self.waves) != sorted(set(self.waves)) or self.waves[0] != 0:
            raise ValueError(
                f"waves must be increasing month offsets starting at 0, got {self.waves}"
            )
        if self.waves[-1] >= self.months_post:
            raise ValueError(
                f"the last wave starts {self.waves[-1]} months after the first, "
                f"at or after the end of the {self.months_post} months_post"
            )
        if len(self.waves) > self.n_treated:
            raise ValueError(f"{len(self.waves)} waves need at least as many pilot practices")
        if not (math.isfinite(self.sd) and self.sd > 0):
            raise ValueError(f"sd must be a positive number, got {self.sd}")
        if not -1 < self.ar1 < 1:
            raise ValueError(f"ar1 must be in (-1, 1), got {self.ar1}")
        if not isinstance(self.ramp_months, int | np.integer) or self.ramp_months < 0:
            raise ValueError(f"ramp_months must be a whole number >= 0, got {self.ramp_months!r}")
        if self.scale not in get_args(Scale):
            raise ValueError(f"scale must be one of {get_args(Scale)}, got {self.scale!r}")
        if self.scale == "ratio" and not self.effect > -1:
            raise ValueError(f"a relative effect must be above -1 (-100%), got {self.effect}")
        if not math.isfinite(self.effect):
            raise ValueError(f"effect must be a finite number, got {self.effect}")

    @property
    def cohort_sizes(self) -> dict[int, int]:
        """Start month (1-based) -> number of pilot practices."""
        base, extra = divmod(self.n_treated, len(self.waves))
        first = self.months_pre + 1
        return {first + w: base + (k < extra) for k, w in enumerate(self.waves)}

    def effect_at(self, cohort: int, event_time: int) -> float:
        """Effect ``event_time`` months after the start, on the simulated (log) scale."""
        ramp = min((event_time + 1) / self.ramp_months, 1.0) if self.ramp_months else 1.0
        if self.scale == "ratio":
            return math.log1p(self.effect * ramp)
        return self.effect * ramp

    def practice_months(self, rng: np.random.Generator, outcome: str) -> pd.DataFrame:
        """One simulated practice-month panel with the processed panel's columns."""
        n_months = self.months_pre + self.months_post
        sim = simulate_staggered_panel(
            self.n_treated + self.n_control,
            n_months,
            effect_fn=self.effect_at,
            seed=rng,
            cohort_sizes=self.cohort_sizes,
            noise_sd=self.sd,
            rho=self.ar1,
            unit_sd=0.3,
            level_shift=0.0,
            trend=0.0,
            time_sd=0.0,
        ).data
        months = pd.date_range(_FIRST_MONTH, periods=n_months, freq="MS")
        cohort = sim["cohort"].to_numpy()
        values = sim["y"].to_numpy()
        start = pd.DatetimeIndex(months[np.maximum(cohort, 1) - 1]).where(cohort > 0)
        return pd.DataFrame(
            {
                "practice_id": "P" + sim["unit"].astype(str),
                "region_id": np.where(cohort > 0, _REGION, "comparison"),
                "month": months[sim["time"].to_numpy() - 1],
                outcome: np.exp(values) if self.scale == "ratio" else values,
                "first_treated_month": start,
            }
        )

    def settings(self) -> dict[str, Any]:
        """The design, for the record."""
        return {
            "effect": self.effect,
            "n_treated": self.n_treated,
            "n_control": self.n_control,
            "months_pre": self.months_pre,
            "months_post": self.months_post,
            "waves": list(self.waves),
            "sd": self.sd,
            "ar1": self.ar1,
            "ramp_months": self.ramp_months,
            "scale": self.scale,
        }
