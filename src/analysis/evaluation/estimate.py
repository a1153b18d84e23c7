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
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.evaluation.load import RegionData
from analysis.evaluation.texts import report_text
from analysis.methods import att_gt, its, synthetic_control, twfe
from analysis.methods.did import AttGtResult
from analysis.reporting.files import atomic_write_json

Scale = Literal["ratio", "difference"]

#: Rate outcome -> the count it is built from (for the count model of ``its``).
RATE_COUNTS = {
    "referral_rate_medical_specialist": "referrals_medical_specialist",
    "referral_rate_physiotherapy": "referrals_physiotherapy",
    "referral_rate_mental_health": "referrals_mental_health",
    "referral_rate_social_welfare": "referrals_social_welfare",
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


@dataclass
class Evaluation:
    """Effects of one region plus the fitted results for plots."""

    design: str
    effects: list[Effect] = field(default_factory=list)
    fits: dict[tuple[str, str], Any] = field(default_factory=dict)
    no_baseline: list[str] = field(default_factory=list)  # outcomes left without an estimate

    @property
    def notes(self) -> list[str]:
        """Why outcomes have no estimate, in English (reports use ``data_caveats``)."""
        return [report_text("caveat_no_baseline", "en", outcome=o) for o in self.no_baseline]


def outcome_scale(outcome: str) -> Scale:
    """``difference`` for shares, ``ratio`` for counts and rates."""
    return "difference" if outcome.endswith("_share") else "ratio"


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
    frame[outcome] = frame[outcome] / frame["practice_id"].map(usable)
    return frame


def _as_scale(
    att: float, low: float, high: float, treated_mean: float, scale: Scale
) -> tuple[float, float, float]:
    """Express a level effect as a ratio to the counterfactual mean of the treated."""
    if scale == "difference":
        return att, low, high
    counterfactual = treated_mean - np.array([att, low, high])
    ratio = treated_mean / counterfactual
    return float(ratio[0]), float(ratio[1]), float(ratio[2])


def _n_treated(frame: pd.DataFrame) -> int:
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
        overall.estimate, overall.std_error, _n_treated(frame), alpha=alpha
    )
    return PrimaryEstimate(cs, overall.estimate, overall.std_error, low, high)


def _did_effects(data: RegionData, outcome: str, evaluation: Evaluation) -> bool:
    """Add ``att_gt`` and ``twfe`` effects; False (with a note) when the data cannot say."""
    frame = did_frame(data, outcome)
    if frame.empty or not (frame["cohort"] > 0).any() or not (frame["cohort"] == 0).any():
        evaluation.no_baseline.append(outcome)
        return False
    scale, n = outcome_scale(outcome), data.pilot_practices["practice_id"].nunique()
    mean1 = _treated_post_mean(frame, outcome)
    primary = primary_did(frame, outcome)
    est = _as_scale(primary.estimate, primary.ci_low, primary.ci_high, mean1, scale)
    evaluation.effects.append(Effect(outcome, "att_gt", *est, scale, n, primary=True))
    evaluation.fits[(outcome, "att_gt")] = primary.fit
    tw = twfe(frame, outcome=outcome, unit="practice_id", time="period", treated="treated")
    row = tw.effects.iloc[0]
    est = _as_scale(row["estimate"], row["ci_low"], row["ci_high"], mean1, scale)
    evaluation.effects.append(Effect(outcome, "twfe", *est, scale, n))
    evaluation.fits[(outcome, "twfe")] = tw
    return True


def pilot_series(data: RegionData, count: str) -> pd.DataFrame:
    """The pilot practices' monthly total of ``count``, as :func:`analysis.methods.its` takes it.

    Columns ``month``, ``count``, ``list_size`` (summed: the offset), ``time``
    (1, 2, ...), ``calendar_month`` and ``intervention`` (1 from the region's
    first start month).
    """
    series = data.pilot_practices.groupby("month", as_index=False)[[count, "list_size"]].sum()
    series["time"] = np.arange(1, len(series) + 1)
    series["calendar_month"] = pd.to_datetime(series["month"]).dt.month
    series["intervention"] = (series["month"] >= data.start_months[0]).astype(int)
    return series


def region_months(data: RegionData, outcome: str) -> pd.DataFrame:
    """Each region's monthly mean of ``outcome``, with integer ``period``, for a synthetic control.

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
    count = RATE_COUNTS.get(outcome)
    if count is None or count not in data.panel.columns:
        return
    pilots = data.pilot_practices
    series = pilot_series(data, count)
    fit = its(
        series,
        outcome=count,
        time="time",
        intervention="intervention",
        offset="list_size",
        family="quasipoisson",
        harmonics=2,
        period=12,
        slope_change=True,
    )
    average = fit.average_effect()  # over the post period, ramp-up included
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
        return
    start = start_period(data)
    fit = synthetic_control(
        regions,
        unit="region_id",
        time="period",
        outcome=outcome,
        treated_unit=data.region_id,
        start=start,
    )
    post = fit.gap.index >= start
    treated = regions[regions["region_id"] == data.region_id].set_index("period")[outcome]
    gap, treated_mean = float(fit.gap[post].mean()), float(treated[post].mean())
    scale = outcome_scale(outcome)
    est = _as_scale(gap, gap, gap, treated_mean, scale)[0]
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


def evaluate_region(data: RegionData, outcomes: list[str]) -> Evaluation:
    """Estimate the effect of the region's pilot on each outcome.

    Parameters
    ----------
    data
        From :func:`analysis.evaluation.load_region`.
    outcomes
        Columns of the practice-month panel.

    Returns
    -------
    Evaluation
        ``effects`` (one :class:`Effect` per outcome and method) and ``fits``.
    """
    evaluation = Evaluation(design=data.design)
    if data.design == "descriptive":
        return evaluation
    for outcome in outcomes:
        if outcome not in data.panel.columns:
            raise ValueError(f"outcome {outcome!r} is not a column of the practice-month panel")
        if _did_effects(data, outcome, evaluation) and data.design == "single_start":
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
