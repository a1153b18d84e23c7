"""The GP survey in reports and monitors: means per wave, and the pilot's effect across waves.

The ingest writes the survey as practice-wave aggregates (per item the number of
answers, mean and standard deviation; :mod:`analysis.data.survey`). This module

* recombines them exactly into any group's mean with a 95% interval
  (:func:`wave_means`; a Wilson interval for the yes/no item), suppressing
  groups of fewer respondents than the disclosure threshold:
  :func:`survey_by_wave` gives a region's means per wave (for the coach's
  monitor, :mod:`analysis.evaluation.monitor.survey`), :func:`survey_comparison`
  the pilot and comparison practices of a region report per wave;
* estimates a pilot's effect on an item as a difference-in-differences across
  waves (:func:`survey_effect`): practice means, pilot against never-treated
  comparison practices, waves before against waves from the start on, with the
  estimator and interval of the other outcomes (``att_gt`` with the few-clusters
  t interval, :func:`analysis.evaluation.estimate.primary_did`).

Typical use::

    table = survey_by_wave("data/processed", "BE-ELZ14", threshold=10)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analysis.data.survey import SURVEY_ITEMS, read_survey
from analysis.errors import WorkbenchError
from analysis.evaluation.estimate import (
    Effect,
    Evaluation,
    as_scale,
    n_treated,
    outcome_scale,
    primary_did,
)
from analysis.evaluation.load import RegionData
from analysis.words import Words

__all__ = [
    "SURVEY_OUTCOMES",
    "survey_by_wave",
    "survey_comparison",
    "survey_effect",
    "survey_table",
    "wave_frame",
    "wave_means",
]

#: Survey items a study can list in ``[run] outcomes`` (raw column names).
SURVEY_OUTCOMES: tuple[str, ...] = tuple(SURVEY_ITEMS)
WAVE_COLUMNS = ["wave", "n_respondents", "mean", "sd", "ci_low", "ci_high"]


def wave_means(
    practice_waves: pd.DataFrame,
    item: str,
    *,
    by: Sequence[str] = ("wave",),
    threshold: int = 1,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Respondent mean of ``item`` per group, with its 95% interval, from practice-wave rows.

    The practices' counts, means and standard deviations are recombined exactly
    (pooled sums of squares), so the result equals the mean, standard deviation
    and interval over the respondents themselves. The interval is a t interval,
    for a yes/no item (:data:`~analysis.data.survey.SURVEY_ITEMS`) the Wilson
    interval of the share (statsmodels), which stays within 0 and 1 also for a
    small group or a rare answer. Groups of fewer than ``threshold`` answers keep
    their count but get no mean, standard deviation or interval (disclosure
    control).

    Examples
    --------
    >>> rows = pd.DataFrame({"wave": ["2024-10-01"] * 2, "x_n": [2, 2],
    ...                      "x_mean": [6.0, 8.0], "x_sd": [0.0, 0.0]})
    >>> wave_means(rows, "x")[["n_respondents", "mean"]].to_dict("records")
    [{'n_respondents': 4, 'mean': 7.0}]
    """
    n, mean, sd = (practice_waves[f"{item}_{part}"] for part in ("n", "mean", "sd"))
    frame = practice_waves[list(by)].assign(
        _n=n, _sum=n * mean, _within=(n - 1).clip(lower=0) * sd.fillna(0.0) ** 2
    )
    frame = frame.assign(_square=frame["_within"] + n * mean**2)
    groups = frame[frame["_n"] > 0].groupby(list(by), as_index=False)
    sums = groups[["_n", "_sum", "_square"]].sum()
    total = sums["_n"].astype(float)
    means = sums["_sum"] / total
    variance = ((sums["_square"] - total * means**2) / (total - 1)).clip(lower=0)
    if SURVEY_ITEMS.get(item) == "share":
        yes = np.round(sums["_sum"].to_numpy(dtype=float))
        low, high = proportion_confint(yes, total.to_numpy(), alpha=alpha, method="wilson")
        low, high = pd.Series(low, index=sums.index), pd.Series(high, index=sums.index)
    else:
        half = stats.t.ppf(1 - alpha / 2, (total - 1).clip(lower=1)) * np.sqrt(variance / total)
        low, high = means - half.where(total > 1), means + half.where(total > 1)
    shown = total >= threshold
    out = sums[list(by)].assign(
        n_respondents=sums["_n"].astype(int),
        mean=means.where(shown),
        sd=np.sqrt(variance).where(shown & (total > 1)),
        ci_low=low.where(shown),
        ci_high=high.where(shown),
    )
    return out.reset_index(drop=True)


def survey_by_wave(
    processed_dir: Path | str,
    region_id: str,
    threshold: int,
    items: Sequence[str] = SURVEY_OUTCOMES,
) -> pd.DataFrame:
    """A region's survey per item and wave: respondents, mean and 95% interval.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest``.
    region_id
        Id from the regions table.
    threshold
        The disclosure threshold: a wave with fewer answers than this shows its
        count but no mean or interval.
    items
        Survey items (:data:`SURVEY_OUTCOMES`).

    Returns
    -------
    pandas.DataFrame
        ``item``, ``wave``, ``n_respondents``, ``mean``, ``ci_low``, ``ci_high``;
        empty when no survey was delivered or the region has no respondents.
    """
    unknown = [i for i in items if i not in SURVEY_ITEMS]
    if unknown:
        raise WorkbenchError(
            f"survey item(s) {', '.join(unknown)} are not known. "
            f"Fix: use {', '.join(SURVEY_OUTCOMES)}"
        )
    survey = read_survey(processed_dir)
    columns = ["item", *WAVE_COLUMNS]
    if survey.empty:
        return pd.DataFrame(columns=columns)
    region = survey[survey["region_id"] == region_id]
    if region.empty:
        return pd.DataFrame(columns=columns)
    tables = [wave_means(region, item, threshold=threshold).assign(item=item) for item in items]
    return pd.concat(tables, ignore_index=True)[columns]


def _with_groups(data: RegionData) -> pd.DataFrame:
    """Survey rows of the region's pilot and comparison practices, with their start month."""
    starts = (
        pd.concat([data.pilot_practices, data.comparison_practices])
        .groupby("practice_id")["first_treated_month"]
        .first()
    )
    survey = data.survey[data.survey["practice_id"].isin(starts.index)]
    first = survey["practice_id"].map(starts)
    return survey.assign(
        first_treated_month=first,
        group=np.where(first.notna(), "pilot", "comparison"),
    )


def survey_comparison(data: RegionData, item: str, *, threshold: int) -> pd.DataFrame:
    """Mean of ``item`` per wave, pilot against comparison practices (suppressed below k).

    Returns
    -------
    pandas.DataFrame
        ``wave``, ``group`` (``pilot``/``comparison``), ``n_respondents``, ``mean``,
        ``ci_low``, ``ci_high``; empty without survey data.
    """
    if data.survey.empty:
        return pd.DataFrame(columns=["group", *WAVE_COLUMNS])
    table = wave_means(_with_groups(data), item, by=("wave", "group"), threshold=threshold)
    return table.sort_values(["wave", "group"], ascending=[True, False], ignore_index=True)


def wave_frame(data: RegionData, item: str) -> pd.DataFrame:
    """Practice-waves for the difference-in-differences across waves.

    ``period`` numbers the waves of the data (1, 2, ...); ``cohort`` is the first
    wave on or after a pilot practice's start (0 for comparison practices, and
    for pilot practices that start after the last wave: they are untreated in
    every wave). Only practices with an answer in every wave stay (a balanced
    panel), and pilot practices whose first wave is already after the start
    (no wave before) are left out.
    """
    survey = _with_groups(data).dropna(subset=[f"{item}_mean"])
    waves = sorted(survey["wave"].unique())
    period = {wave: k + 1 for k, wave in enumerate(waves)}
    frame = pd.DataFrame(
        {
            "practice_id": survey["practice_id"],
            "period": survey["wave"].map(period),
            item: survey[f"{item}_mean"],
        }
    )
    start = survey["first_treated_month"]
    cohort = np.searchsorted(np.array(waves, dtype="datetime64[ns]"), start.to_numpy(), "left") + 1
    frame["cohort"] = np.where(start.notna() & (cohort <= len(waves)), cohort, 0)
    complete = frame.groupby("practice_id")["period"].transform("nunique") == len(waves)
    frame = frame[complete & (frame["cohort"] != 1)]
    treated = (frame["cohort"] > 0) & (frame["period"] >= frame["cohort"])
    return frame.assign(treated=treated.astype(int)).reset_index(drop=True)


def survey_effect(data: RegionData, item: str, evaluation: Evaluation) -> None:
    """Add the pilot's effect on survey ``item`` to ``evaluation`` (or why there is none).

    A difference-in-differences across waves on practice means: ``att_gt`` with
    never-treated comparison practices and the few-clusters t interval on the
    number of pilot practices (:func:`~analysis.evaluation.estimate.primary_did`).
    Scores and hours are reported as a ratio to the mean expected without the
    pilot (% change), the yes/no item ``intends_to_leave`` in percentage points.
    Skips with ``no_data`` (no survey), ``no_pre_wave`` (no wave before the
    start: the report then shows the comparison per wave only) or
    ``estimator_failed``.
    """
    if data.survey.empty or data.survey[f"{item}_n"].sum() == 0:
        evaluation.skip(item, ["att_gt"], "no_data")
        return
    frame = wave_frame(data, item)
    if not (frame["cohort"] > 0).any() or not (frame["cohort"] == 0).any():
        evaluation.skip(item, ["att_gt"], "no_pre_wave")
        return
    try:
        with warnings.catch_warnings():
            # With one or two waves before a start the pre-trend Wald test (R did's
            # warning) is often singular; it is not reported for the survey.
            warnings.filterwarnings("ignore", "Not returning pre-test Wald", UserWarning)
            primary = primary_did(frame, item)
    except ValueError as exc:  # the data cannot support the estimator
        evaluation.skip(item, ["att_gt"], "estimator_failed", str(exc))
        return
    scale = outcome_scale(item)
    post_mean = float(frame.loc[frame["treated"] == 1, item].mean())
    estimate = as_scale(primary.estimate, primary.ci_low, primary.ci_high, post_mean, scale)
    evaluation.effects.append(
        Effect(item, "att_gt", *estimate, scale, n_treated(frame), primary=True)
    )


def _mean_words(words: Words, item: str, mean: float, low: float, high: float) -> str:
    """``7,1 (6,8 – 7,4)``: a mean with its interval; a share as a percentage; ``–`` if withheld."""
    if pd.isna(mean):
        return "–"

    def shown(value: float) -> str:
        return words.percent(value) if SURVEY_ITEMS[item] == "share" else words.number(value, 1)

    interval = "" if pd.isna(low) else f" ({shown(low)} – {shown(high)})"
    return shown(mean) + interval


def survey_table(
    data: RegionData, words: Words, items: Sequence[str], *, threshold: int
) -> pd.DataFrame:
    """The region report's survey table, in words: per item and wave, pilot and comparison.

    One row per item and wave: for the pilot and the comparison practices the
    number of GPs who answered (``<k`` below the disclosure threshold) and their
    mean with its 95% interval; a group of fewer GPs than the threshold shows no
    mean.
    """
    rows = []
    for item in items:
        table = survey_comparison(data, item, threshold=threshold)
        for wave, groups in table.groupby("wave", sort=True):
            row = {"outcome": words.indicator(item).title(), "wave": words.month(wave)}
            for group in ("pilot", "comparison"):
                found = groups[groups["group"] == group]
                cell = found.iloc[0] if len(found) else None
                row[f"{group}_respondents"] = (
                    words.count(cell["n_respondents"], threshold) if cell is not None else "0"
                )
                row[f"{group}_mean"] = (
                    _mean_words(words, item, cell["mean"], cell["ci_low"], cell["ci_high"])
                    if cell is not None
                    else "–"
                )
            rows.append(row)
    columns = ["outcome", "wave", "pilot_respondents", "pilot_mean"]
    columns += ["comparison_respondents", "comparison_mean"]
    return pd.DataFrame(rows, columns=columns)
