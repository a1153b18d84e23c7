"""The GP survey in the monitor: per wave up to the edition's month, and the trend over waves.

The GP workforce survey (in Flanders each autumn from 2024: hours per week,
workload, burnout, job satisfaction, intention to leave) is asked once a year,
so the monitor shows it apart from the monthly charts: per item and wave the
number of GPs who answered, their mean (for the yes/no item the share) with
its 95% interval, and the change since the previous wave with its 95%
interval. A wave of fewer GPs than the disclosure threshold shows no mean and
no change (:func:`analysis.evaluation.survey.wave_means` suppresses it). An
edition sees the waves up to its month only.

The means and intervals are those of :func:`analysis.evaluation.survey.survey_by_wave`
(the region report's survey uses the same recombination). The change between
two waves is a Welch interval on the two waves' respondents as independent
samples: most GPs answer every wave, and their answers correlate positively,
so the true interval of the change is narrower; this one errs on the side of
"no clear change".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from scipy import stats

from analysis import plotting
from analysis.data.survey import SURVEY_ITEMS
from analysis.evaluation.monitor.series import edition_end
from analysis.evaluation.survey import SURVEY_OUTCOMES, survey_by_wave
from analysis.words import Words

#: Columns of :attr:`SurveyWaves.table`.
SURVEY_COLUMNS = [
    "item",
    "wave",
    "n_respondents",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "change",
    "change_low",
    "change_high",
]


def welch_change(
    mean: np.ndarray, sd: np.ndarray, n: np.ndarray, *, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Change from each wave to the next with a Welch interval (independent samples).

    Parameters
    ----------
    mean, sd, n
        Per wave in time order: the respondents' mean, standard deviation and
        number (as :func:`~analysis.evaluation.survey.wave_means` gives them).
    alpha
        1 - the interval's coverage.

    Returns
    -------
    tuple of numpy.ndarray
        Change, lower and upper bound, one per wave (the first wave: NaN).

    Examples
    --------
    >>> change, low, high = welch_change(
    ...     np.array([7.0, 6.0]), np.array([1.5, 1.5]), np.array([40, 40]))
    >>> float(change[1]), bool(high[1] < 0)
    (-1.0, True)
    """
    mean, sd, n = (np.asarray(v, dtype=float) for v in (mean, sd, n))
    change = np.full(len(mean), np.nan)
    low, high = change.copy(), change.copy()
    if len(mean) < 2:
        return change, low, high
    v0, v1 = sd[:-1] ** 2 / n[:-1], sd[1:] ** 2 / n[1:]  # squared standard errors
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (v0 + v1) ** 2 / (v0**2 / (n[:-1] - 1) + v1**2 / (n[1:] - 1))
        width = stats.t.ppf(1 - alpha / 2, df) * np.sqrt(v0 + v1)
    change[1:] = mean[1:] - mean[:-1]
    low[1:], high[1:] = change[1:] - width, change[1:] + width
    return change, low, high


@dataclass(frozen=True)
class SurveyWaves:
    """A region's survey as an edition sees it.

    Attributes
    ----------
    table
        :data:`SURVEY_COLUMNS`: per item and wave the GPs who answered, the
        mean (a share for ``intends_to_leave``) with its 95% interval, and the
        change since the previous wave with its 95% interval; missing where a
        wave has fewer answers than ``threshold``.
    threshold
        The disclosure threshold.
    """

    table: pd.DataFrame
    threshold: int

    @property
    def waves(self) -> tuple[str, ...]:
        """The waves seen, ``YYYY-MM``, in time order."""
        months = sorted({f"{pd.Timestamp(w):%Y-%m}" for w in self.table["wave"]})
        return tuple(months)

    @property
    def items(self) -> list[str]:
        """The items with at least one wave, in the survey's order."""
        present = set(self.table["item"])
        return [i for i in SURVEY_ITEMS if i in present]


def monitor_survey(
    processed_dir: Path | str,
    region_id: str,
    *,
    threshold: int,
    as_of: str | None = None,
    items: Sequence[str] = SURVEY_OUTCOMES,
) -> SurveyWaves:
    """The region's survey waves up to ``as_of`` with their means and changes.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest``.
    region_id
        The region.
    threshold
        Waves with fewer answers show no mean and no change (disclosure control).
    as_of
        ``YYYY-MM``: waves after that month are not seen (an edition).
    items
        Survey items.

    Returns
    -------
    SurveyWaves
        Empty (no rows) without a survey or respondents in the region.
    """
    table = survey_by_wave(processed_dir, region_id, threshold=threshold, items=items)
    end = edition_end(as_of)
    if end is not None and len(table):
        table = table[pd.to_datetime(table["wave"]) <= end + pd.offsets.MonthEnd(0)]
    parts = []
    for _, rows in table.groupby("item", sort=False):
        rows = rows.sort_values("wave").reset_index(drop=True)
        change, low, high = welch_change(
            rows["mean"].to_numpy(dtype=float),
            rows["sd"].to_numpy(dtype=float),
            rows["n_respondents"].to_numpy(dtype=float),
        )
        parts.append(rows.assign(change=change, change_low=low, change_high=high))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SURVEY_COLUMNS)
    return SurveyWaves(out[SURVEY_COLUMNS], threshold)


# --------------------------------------------------------------------------- words


def _value(words: Words, item: str, value: float) -> str:
    """A mean as the table shows it: a share in percent, a score or hours with one decimal."""
    return words.percent(value, 1) if SURVEY_ITEMS[item] == "share" else words.number(value, 1)


def _change(words: Words, item: str, change: float, low: float, high: float) -> str:
    """A change with its interval: percentage points for a share, else in the item's unit."""
    if SURVEY_ITEMS[item] == "share":
        return words.change("difference", change, low, high)
    return words.text(
        "monitor.survey_change",
        change=words.number(change, 1, sign=True),
        low=words.number(low, 1, sign=True),
        high=words.number(high, 1, sign=True),
    )


def survey_waves_table(survey: SurveyWaves, words: Words) -> pd.DataFrame:
    """The monitor's survey table in words: per item and wave, GPs, mean (95%), change (95%)."""
    rows = []
    for item in survey.items:
        for row in survey.table[survey.table["item"] == item].itertuples():
            shown = not pd.isna(row.mean)
            mean = (
                f"{_value(words, item, row.mean)} "
                f"({_value(words, item, row.ci_low)} – {_value(words, item, row.ci_high)})"
                if shown and not pd.isna(row.ci_low)
                else (_value(words, item, row.mean) if shown else "–")
            )
            change = (
                "–"
                if pd.isna(row.change)
                else _change(words, item, row.change, row.change_low, row.change_high)
            )
            rows.append(
                {
                    "outcome": words.indicator(item).title(),
                    "wave": words.month(pd.Timestamp(row.wave)),
                    "respondents": words.count(int(row.n_respondents), survey.threshold),
                    "survey_mean": mean,
                    "survey_change": change,
                }
            )
    columns = ["outcome", "wave", "respondents", "survey_mean", "survey_change"]
    return pd.DataFrame(rows, columns=columns)


def survey_md(survey: SurveyWaves, words: Words) -> str:
    """The survey section's opening: what it shows, or that the region has no survey yet."""
    if survey.table.empty:
        return words.md("monitor.survey_none")
    return words.md("monitor.survey_intro", k=survey.threshold, n=len(survey.waves))


# --------------------------------------------------------------------------- chart


@plotting.literal_text
def survey_figure(survey: SurveyWaves, words: Words) -> Figure:
    """One small panel per item: the mean of each wave with its 95% interval, joined by a line.

    Waves withheld (fewer answers than the threshold) are left out of the line.
    """
    items = survey.items
    columns = min(len(items), 3) or 1
    rows = int(np.ceil(len(items) / columns)) or 1
    figure = Figure(figsize=(9.5, 2.6 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, item in zip(axes, items, strict=False):
        table = survey.table[survey.table["item"] == item].dropna(subset=["mean"])
        waves = pd.to_datetime(table["wave"])
        share = SURVEY_ITEMS[item] == "share"
        scale = 100.0 if share else 1.0
        mean = table["mean"].to_numpy(dtype=float) * scale
        low = table["ci_low"].to_numpy(dtype=float) * scale
        high = table["ci_high"].to_numpy(dtype=float) * scale
        error = np.vstack([mean - low, high - mean])
        ax.errorbar(
            waves, mean, yerr=np.nan_to_num(error), color=plotting.PILOT, marker="o", capsize=4
        )
        ax.set_title(words.indicator(item).title(), fontsize=10)
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        if share:
            ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.margins(x=0.25)
        ax.grid(axis="y", color="0.9")
    for ax in axes[len(items) :]:
        ax.set_visible(False)
    return figure


def survey_alt(survey: SurveyWaves, words: Words) -> str:
    """Alt text of :func:`survey_figure`: per item the first and latest shown mean."""
    parts = []
    for item in survey.items:
        shown = survey.table[(survey.table["item"] == item) & survey.table["mean"].notna()]
        if shown.empty:
            continue
        first, last = shown.iloc[0], shown.iloc[-1]
        parts.append(
            words.text(
                "monitor.survey_alt_item",
                item=words.indicator(item).name,
                first=_value(words, item, first["mean"]),
                first_wave=words.month(pd.Timestamp(first["wave"]), short=True),
                last=_value(words, item, last["mean"]),
                last_wave=words.month(pd.Timestamp(last["wave"]), short=True),
            )
        )
    return words.text("monitor.survey_alt", items="; ".join(parts) or "–")
