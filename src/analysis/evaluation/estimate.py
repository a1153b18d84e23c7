"""Effects per outcome with the method that fits the region's design.

=================  ============================================================
design             methods
=================  ============================================================
``staggered``      ``att_gt`` (primary) and ``twfe`` on pilot vs comparison practices
``single_start``   ``att_gt`` (primary) and ``twfe``; ``its`` on the pilot practices'
                   series; ``synthetic_control`` of the region against comparison regions
``descriptive``    none (no intervention or no comparison practices)
=================  ============================================================

Rate and count outcomes are reported as ratios (effect / counterfactual);
shares as differences in percentage points.

When a region's data cannot support a method for an outcome (no month before
the start, no comparison practice, no complete series, too few regions, or the
method cannot be fitted), the method is skipped for that outcome and the
reason recorded in :attr:`Evaluation.skipped`; the report states it as a data
caveat instead of failing.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from analysis.evaluation.load import RegionData
from analysis.methods import att_gt, its, synthetic_control, twfe
from analysis.methods.did import AttGtResult
from analysis.reporting.files import atomic_write_json
from analysis.words.indicators import builtin_indicators

Scale = Literal["ratio", "difference"]
Method = Literal["att_gt", "twfe", "its", "synthetic_control"]
#: Why a method gave no estimate for an outcome (words: the catalogue's ``[skip]`` section).
SkipReason = Literal[
    "no_data",
    "no_pre_period",
    "no_pre_wave",
    "no_post_period",
    "no_baseline",
    "no_comparison",
    "no_complete_pilot_practices",
    "incomplete_series",
    "too_few_regions",
    "estimator_failed",
]
SKIP_REASONS: tuple[str, ...] = get_args(SkipReason)

#: Rate outcome -> the count it is built from (for the count model of ``its``).
RATE_COUNTS = {
    "referral_rate_medical_specialist": "referrals_medical_specialist",
    "referral_rate_physiotherapy": "referrals_physiotherapy",
    "referral_rate_mental_health": "referrals_mental_health",
    "referral_rate_social_welfare": "referrals_social_welfare",
    "referral_rate_diagnostics": "referrals_diagnostics",
    "contact_rate": "contacts",
    "gp_contact_rate": "gp_contacts",
    "nurse_contact_rate": "nurse_contacts",
    "telephone_contact_rate": "telephone_contacts",
    "e_consult_rate": "e_consults",
    "prescription_rate": "prescriptions",
}


@dataclass(frozen=True)
class Effect:
    """One estimated effect, as written to ``results.json``."""

    outcome: str
    method: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    scale: Scale
    n_practices: int
    primary: bool = False


@dataclass(frozen=True)
class Skipped:
    """A method that gave no estimate for an outcome, and why.

    ``detail`` holds the method's own message for ``estimator_failed`` (for the
    researcher; reports use the words of ``reason``).
    """

    outcome: str
    method: Method
    reason: SkipReason
    detail: str = ""


@dataclass
class Evaluation:
    """Effects of one region plus the fitted results for plots.

    Attributes
    ----------
    skipped
        One entry per outcome and method that gave no estimate, with the reason.
    left_out
        Outcome -> practices left out of its difference-in-differences because
        they lack the outcome for whole quarters (the others are still used).
    """

    design: str
    effects: list[Effect] = field(default_factory=list)
    fits: dict[tuple[str, str], Any] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def no_baseline(self) -> list[str]:
        """Outcomes without an estimate because no practice has a non-zero baseline."""
        return sorted({s.outcome for s in self.skipped if s.reason == "no_baseline"})

    def skip(
        self, outcome: str, methods: list[Method], reason: SkipReason, detail: str = ""
    ) -> None:
        """Record that ``methods`` give no estimate for ``outcome``."""
        self.skipped += [Skipped(outcome, m, reason, detail) for m in methods]


def outcome_scale(outcome: str) -> Scale:
    """``difference`` for shares, ``ratio`` for counts and rates (the indicator catalogue).

    Outcomes the catalogue does not know are shares when their name ends in
    ``_share``.
    """
    known = builtin_indicators().get(outcome)
    share = known.scale == "share" if known else outcome.endswith("_share")
    return "difference" if share else "ratio"


def month_index(months: pd.Series) -> pd.Series:
    """Months as consecutive integers (year * 12 + month), so 0 can mean 'never'."""
    months = pd.to_datetime(months)
    return months.dt.year * 12 + months.dt.month


def did_frame(data: RegionData, outcome: str) -> pd.DataFrame:
    """Pilot and comparison practice-quarters with integer ``period`` and ``cohort``.

    Monthly counts of a few practices are noisy, and a difference-in-differences
    compares every later period with a single base period; quarters give that
    base period three months of data. For ratio-scale outcomes the outcome is
    divided by each practice's own mean before the region's first start.
    Seasonality and secular trends in general practice act multiplicatively, so
    practices with different levels are parallel in this relative scale, not in
    the raw one; the effect then reads as a proportional change. Practices with
    a zero pre-period mean are dropped.
    """
    panel = pd.concat([data.pilot_practices, data.comparison_practices])
    return practice_quarters(panel, outcome, data.start_months[0])


def practice_quarters(
    practice_months: pd.DataFrame, outcome: str, baseline_end: pd.Timestamp
) -> pd.DataFrame:
    """Practice-quarters on the scale of the region reports' difference-in-differences.

    The steps of :func:`did_frame` for any practice-month table with columns
    ``practice_id``, ``month``, ``first_treated_month`` (missing = never) and
    ``outcome``: ratio-scale outcomes relative to each practice's mean before
    ``baseline_end``, then quarterly means with integer ``period``, ``cohort``
    (0 = never treated) and ``treated``.
    """
    columns = ["practice_id", "month", outcome, "first_treated_month"]
    frame = practice_months[columns].dropna(subset=[outcome])
    if outcome_scale(outcome) == "ratio":
        frame = relative_to_baseline(frame, outcome, baseline_end)
    frame = frame.assign(
        period=quarter_index(frame["month"]),
        cohort=quarter_index(frame["first_treated_month"]).fillna(0),
    )
    quarters = frame.groupby(["practice_id", "period"], as_index=False).agg(
        **{outcome: (outcome, "mean"), "cohort": ("cohort", "first")}
    )
    quarters["cohort"] = quarters["cohort"].astype(int)
    quarters["treated"] = (
        (quarters["cohort"] > 0) & (quarters["period"] >= quarters["cohort"])
    ).astype(int)
    return quarters


def quarter_index(months: pd.Series) -> pd.Series:
    """Quarters as consecutive integers (year * 4 + quarter), so 0 can mean 'never'."""
    months = pd.to_datetime(months)
    return months.dt.year * 4 + months.dt.quarter


def relative_to_baseline(
    frame: pd.DataFrame, outcome: str, first_start: pd.Timestamp
) -> pd.DataFrame:
    """``outcome`` divided by each practice's mean before ``first_start`` (others dropped).

    Practices without a positive mean before ``first_start`` are left out.
    """
    before = frame[pd.to_datetime(frame["month"]) < pd.Timestamp(first_start)]
    baseline = before.groupby("practice_id")[outcome].mean()
    usable = baseline[baseline > 0]
    frame = frame[frame["practice_id"].isin(usable.index)].copy()
    frame[outcome] = frame[outcome] / frame["practice_id"].map(usable).astype(float)
    return frame


def _complete_quarters(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep the practices with the outcome in every quarter; also the number left out.

    ``att_gt`` needs a balanced panel; a practice whose outcome is missing for a
    whole quarter (no list size in those months, for a rate) cannot be in it.
    """
    periods = frame.groupby("practice_id")["period"].nunique()
    complete = periods.index[periods == frame["period"].nunique()]
    return frame[frame["practice_id"].isin(complete)], int(len(periods) - len(complete))


def as_scale(
    att: float, low: float, high: float, treated_mean: float, scale: Scale
) -> tuple[float, float, float]:
    """Express a level effect as a ratio to the counterfactual mean of the treated.

    For ``scale="difference"`` the effect is returned as it is.
    """
    if scale == "difference":
        return att, low, high
    counterfactual = treated_mean - np.array([att, low, high])
    ratio = treated_mean / counterfactual
    return float(ratio[0]), float(ratio[1]), float(ratio[2])


def n_treated(frame: pd.DataFrame) -> int:
    """Pilot practices (``cohort > 0``) of a difference-in-differences frame."""
    return int(frame.loc[frame["cohort"] > 0, "practice_id"].nunique())


def small_sample_interval(
    estimate: float, std_error: float, n_treated: int, *, alpha: float = 0.05
) -> tuple[float, float]:
    """Interval with a t quantile on ``n_treated - 1`` degrees of freedom.

    A pilot region often has only a handful of pilot practices; the analytic
    standard error then rests on a handful of independent units, and normal
    intervals cover too rarely (on 4 pilot practices about 87% instead of 95%,
    see ``tests/evaluation/test_estimate.py``). The t quantile is the usual
    few-clusters correction (Cameron & Miller 2015).

    Examples
    --------
    >>> [round(v, 2) for v in small_sample_interval(0.0, 1.0, 4)]
    [-3.18, 3.18]
    """
    crit = float(stats.t.ppf(1 - alpha / 2, max(n_treated - 1, 1)))
    return estimate - crit * std_error, estimate + crit * std_error


def _treated_post_mean(frame: pd.DataFrame, outcome: str) -> float:
    return float(frame.loc[frame["treated"] == 1, outcome].mean())


@dataclass(frozen=True)
class PrimaryEstimate:
    """The region reports' primary effect on the scale of :func:`did_frame`."""

    fit: AttGtResult
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float


def primary_did(frame: pd.DataFrame, outcome: str, *, alpha: float = 0.05) -> PrimaryEstimate:
    """The primary estimate of a region report, from a :func:`did_frame`-shaped table.

    ``att_gt`` with never-treated comparison practices and regression
    adjustment, its simple aggregation over post-start cells, and the
    few-clusters t interval of :func:`small_sample_interval` on the number of
    pilot practices. ``analysis.methods.simulate_power`` simulates exactly this.
    """
    cs = att_gt(
        frame,
        outcome=outcome,
        unit="practice_id",
        time="period",
        cohort="cohort",
        control="never_treated",
        method="reg",
    )
    overall = cs.aggregate("simple").overall
    low, high = small_sample_interval(
        overall.estimate, overall.std_error, n_treated(frame), alpha=alpha
    )
    return PrimaryEstimate(cs, overall.estimate, overall.std_error, low, high)


def _has_both_groups(frame: pd.DataFrame) -> bool:
    return bool((frame["cohort"] > 0).any() and (frame["cohort"] == 0).any())


def _did_effects(
    data: RegionData, outcome: str, evaluation: Evaluation, methods: list[Method]
) -> bool:
    """Add ``att_gt`` and ``twfe`` effects; False (reason recorded) when the data cannot say."""
    frame = did_frame(data, outcome)
    if frame.empty or not _has_both_groups(frame):
        evaluation.skip(outcome, methods, "no_baseline")
        return False
    frame, left_out = _complete_quarters(frame)
    if left_out:
        evaluation.left_out[outcome] = left_out
    if not _has_both_groups(frame):
        evaluation.skip(outcome, methods, "incomplete_series")
        return False
    scale, n = outcome_scale(outcome), data.pilot_practices["practice_id"].nunique()
    mean1 = _treated_post_mean(frame, outcome)
    try:
        primary = primary_did(frame, outcome)
    except ValueError as exc:  # the data cannot support the estimator (LinAlgError included)
        evaluation.skip(outcome, methods, "estimator_failed", str(exc))
        return False
    est = as_scale(primary.estimate, primary.ci_low, primary.ci_high, mean1, scale)
    evaluation.effects.append(Effect(outcome, "att_gt", *est, scale, n, primary=True))
    evaluation.fits[(outcome, "att_gt")] = primary.fit
    try:
        tw = twfe(frame, outcome=outcome, unit="practice_id", time="period", treated="treated")
    except ValueError as exc:
        evaluation.skip(outcome, ["twfe"], "estimator_failed", str(exc))
        return True
    row = tw.effects.iloc[0]
    est = as_scale(row["estimate"], row["ci_low"], row["ci_high"], mean1, scale)
    evaluation.effects.append(Effect(outcome, "twfe", *est, scale, n))
    evaluation.fits[(outcome, "twfe")] = tw
    return True


#: The region reports' interrupted time series on :func:`pilot_series`: counts with the listed
#: patients as offset (rate ratios), two harmonics for the season, a slope change for an
#: effect that builds up. ``its(series, outcome=count, **ITS_SPECIFICATION)``.
ITS_SPECIFICATION: dict[str, Any] = {
    "time": "time",
    "intervention": "intervention",
    "offset": "list_size",
    "family": "quasipoisson",
    "harmonics": 2,
    "period": 12,
    "slope_change": True,
}


def pilot_series(data: RegionData, count: str) -> pd.DataFrame:
    """The pilot practices' monthly total of ``count``, as the reports' ``its`` takes it.

    Columns ``month``, ``count``, ``list_size`` (summed over practice-months with a
    list size: the offset), ``time`` (calendar months from 1: a missing month is a
    gap), ``calendar_month`` and ``intervention`` (1 from the region's first start).
    """
    pilots = data.pilot_practices
    usable = pilots[(pilots["list_size"] > 0) & pilots[count].notna()]
    series = usable.groupby("month", as_index=False)[[count, "list_size"]].sum()
    months = month_index(series["month"])
    series["time"] = months - months.min() + 1
    series["calendar_month"] = pd.to_datetime(series["month"]).dt.month
    series["intervention"] = (series["month"] >= data.start_months[0]).astype(int)
    return series


def region_months(data: RegionData, outcome: str) -> pd.DataFrame:
    """Each region's monthly mean of ``outcome``, integer ``period``: a synthetic control's input.

    The region's own practices and the comparison practices of its country
    (:attr:`RegionData.panel`), one row per region and month.
    """
    regions = data.panel.groupby(["region_id", "month"], as_index=False)[outcome].mean()
    regions["period"] = month_index(regions["month"])
    return regions


def start_period(data: RegionData) -> int:
    """The region's first start month on the ``period`` scale of :func:`region_months`."""
    return int(month_index(pd.Series(data.start_months[:1])).iloc[0])


def _its_effect(data: RegionData, outcome: str, evaluation: Evaluation) -> None:
    count = RATE_COUNTS[outcome]
    pilots = data.pilot_practices
    series = pilot_series(data, count)
    try:
        fit = its(series, outcome=count, **ITS_SPECIFICATION)
        average = fit.average_effect()  # over the post period, ramp-up included
    except ValueError as exc:
        evaluation.skip(outcome, ["its"], "estimator_failed", str(exc))
        return
    evaluation.effects.append(
        Effect(
            outcome,
            "its",
            average.estimate,
            average.ci_low,
            average.ci_high,
            "ratio",
            pilots["practice_id"].nunique(),
        )
    )
    evaluation.fits[(outcome, "its")] = fit


def _synth_effect(data: RegionData, outcome: str, evaluation: Evaluation) -> None:
    regions = region_months(data, outcome)
    if regions["region_id"].nunique() < 3:
        evaluation.skip(outcome, ["synthetic_control"], "too_few_regions")
        return
    start = start_period(data)
    try:
        fit = synthetic_control(
            regions,
            unit="region_id",
            time="period",
            outcome=outcome,
            treated_unit=data.region_id,
            start=start,
        )
    except ValueError as exc:
        evaluation.skip(outcome, ["synthetic_control"], "estimator_failed", str(exc))
        return
    post = fit.gap.index >= start
    treated = regions[regions["region_id"] == data.region_id].set_index("period")[outcome]
    gap, treated_mean = float(fit.gap[post].mean()), float(treated[post].mean())
    scale = outcome_scale(outcome)
    est = as_scale(gap, gap, gap, treated_mean, scale)[0]
    evaluation.effects.append(
        Effect(
            outcome,
            "synthetic_control",
            est,
            None,
            None,
            scale,
            data.pilot_practices["practice_id"].nunique(),
        )
    )
    evaluation.fits[(outcome, "synthetic_control")] = fit


def methods_for(data: RegionData, outcome: str) -> list[Method]:
    """The methods the region's design calls for on ``outcome`` (see the module docstring)."""
    methods: list[Method] = ["att_gt", "twfe"]
    if data.design == "single_start":
        if RATE_COUNTS.get(outcome) in data.panel.columns:
            methods.append("its")
        methods.append("synthetic_control")
    return methods


def _timing_problem(data: RegionData, outcome: str) -> SkipReason | None:
    """Why the pilot practices' months cannot support an estimate, or ``None``.

    ``no_data`` when they hold no value of the outcome at all (an optional column
    not delivered, contacts without ICPC codes, aggregated counts only);
    ``no_pre_period`` / ``no_post_period`` when no pilot practice-month with a
    value lies before / after the start.
    """
    pilots = data.pilot_practices.dropna(subset=[outcome])
    if pilots.empty:
        return "no_data"
    month = pd.to_datetime(pilots["month"])
    start = pd.to_datetime(pilots["first_treated_month"])
    if not (month < start).any():
        return "no_pre_period"
    if not (month >= start).any():
        return "no_post_period"
    return None


def _pilot_problem(data: RegionData) -> SkipReason | None:
    """Why a region with interventions ended up without a design to estimate."""
    if data.interventions.empty:
        return None  # not a pilot region: nothing to estimate, nothing to explain
    if data.comparison_practices.empty:
        return "no_comparison"
    return "no_complete_pilot_practices"


def evaluate_region(data: RegionData, outcomes: list[str]) -> Evaluation:
    """Estimate the effect of the region's pilot on each outcome.

    Parameters
    ----------
    data
        From :func:`analysis.evaluation.load_region`.
    outcomes
        Columns of the practice-month panel, and survey items
        (:data:`analysis.evaluation.survey.SURVEY_OUTCOMES`: a difference-in-differences
        across the survey's waves, :func:`analysis.evaluation.survey.survey_effect`).

    Returns
    -------
    Evaluation
        ``effects`` (one :class:`Effect` per outcome and method), ``fits``, and
        ``skipped``: the outcomes and methods the data could not support, with
        the reason.
    """
    from analysis.evaluation.survey import SURVEY_OUTCOMES, survey_effect

    evaluation = Evaluation(design=data.design)
    for outcome in outcomes:
        if outcome not in data.panel.columns and outcome not in SURVEY_OUTCOMES:
            raise ValueError(
                f"outcome {outcome!r} is neither a column of the practice-month panel nor a "
                f"survey item ({', '.join(SURVEY_OUTCOMES)})"
            )
    if data.design == "descriptive":
        reason = _pilot_problem(data)
        for outcome in outcomes if reason else []:
            evaluation.skip(outcome, ["att_gt", "twfe"], reason)
        return evaluation
    for outcome in outcomes:
        if outcome in SURVEY_OUTCOMES:
            survey_effect(data, outcome, evaluation)
            continue
        methods = methods_for(data, outcome)
        reason = _timing_problem(data, outcome)
        if reason is not None:
            evaluation.skip(outcome, methods, reason)
        elif _did_effects(data, outcome, evaluation, methods) and data.design == "single_start":
            if "its" in methods:
                _its_effect(data, outcome, evaluation)
            _synth_effect(data, outcome, evaluation)
    return evaluation


def results_table(evaluation: Evaluation) -> pd.DataFrame:
    """The effects as a table, one row per outcome and method."""
    columns = list(Effect.__dataclass_fields__)
    return pd.DataFrame([asdict(e) for e in evaluation.effects], columns=columns)


def _clean(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def write_results(evaluation: Evaluation, path: Path | str = "results.json") -> Path:
    """Write ``results.json``: a list of effects with their intervals (atomically)."""
    records = [{k: _clean(v) for k, v in asdict(e).items()} for e in evaluation.effects]
    return atomic_write_json(Path(path), records)
