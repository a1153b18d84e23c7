"""What the programme learns across regions: actions tried, cycles completed, what followed.

From every region's action log and monitor (:mod:`analysis.evaluation.monitor`):

* the PDSA cycles (:func:`pdsa_cycle_table`): one row per region, intervention
  and cycle number, with its theme, the month it was planned and tried (the
  *do* step) and whether its *act* step closed it. An entry without an
  intervention belongs to the region's intervention when the region has
  exactly one; otherwise it stays unattributed;
* per cycle, the signals *in the intended direction* that began within
  ``follow_months`` of its *do* step on its intervention's indicators
  (:func:`followed_by`): a special cause or a recalculated level that is an
  improvement. This says what *followed* an action, never that the action
  caused it: other actions, seasons and chance are not ruled out;
* per intervention, how it spread: the region that tried it first and the
  regions that followed, with their first months (:meth:`ProgrammeLearning.spread`).

The learning page (:mod:`analysis.reporting.learning_page`) puts it in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.data.actionlog import attributed_interventions, pdsa_cycles
from analysis.evaluation.monitor.annotations import action_markers
from analysis.evaluation.monitor.series import MONITOR_INDICATORS, monitor_series, pilot_start
from analysis.evaluation.monitor.signals import Signal, monitor_charts_data, signal_history
from analysis.words import Words
from analysis.words.indicators import Indicator

#: Signals that can follow an action: special causes of the XmR chart and recalculated levels.
FOLLOWING_RULES = ("outside_limits", "shift", "trend", "two_of_three", "step")
CYCLE_COLUMNS = [
    "region_id",
    "intervention",
    "theme",
    "cycle",
    "planned",
    "tried",
    "completed",
]


def intended_indicators(
    intervention: str | None,
    settings: Mapping[str, Sequence[str]],
    indicators: Sequence[str],
    catalogue: Mapping[str, Indicator],
) -> list[str]:
    """The indicators an intervention means to move (``[monitor] intervention_indicators``).

    Without an entry for it: every monitor indicator that has a better direction.
    """
    if intervention and intervention in settings:
        return list(settings[intervention])
    return [i for i in indicators if i in catalogue and catalogue[i].better != "neutral"]


def pdsa_cycle_table(
    events: pd.DataFrame, interventions: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """One row per PDSA cycle of the log (see the module docstring for attribution).

    Parameters
    ----------
    events
        The processed action log (every region).
    interventions
        Region id -> the ids of its interventions.

    Returns
    -------
    pandas.DataFrame
        :data:`CYCLE_COLUMNS`: ``planned`` and ``tried`` are months (``NaT``
        without a plan or do step), ``completed`` whether an act step closed it.
    """
    pdsa = events[events["kind"].astype(str).str.startswith("pdsa_")]
    if pdsa.empty:
        return pd.DataFrame(columns=CYCLE_COLUMNS)
    month = pd.to_datetime(pdsa["date"]).dt.to_period("M").dt.to_timestamp()
    frame = pdsa.assign(
        intervention=attributed_interventions(pdsa, interventions).replace("", None),
        cycle=pdsa_cycles(pdsa, interventions),
        month=month,
        theme=pdsa["theme"] if "theme" in pdsa.columns else None,
    )
    keys = ["region_id", "intervention", "cycle"]
    rows = []
    for (region, intervention, cycle), steps in frame.groupby(keys, dropna=False, sort=True):
        themes = steps["theme"].dropna()
        rows.append(
            {
                "region_id": region,
                "intervention": None if pd.isna(intervention) else intervention,
                "theme": themes.mode().iloc[0] if len(themes) else None,
                "cycle": int(cycle),
                "planned": steps.loc[steps["kind"] == "pdsa_plan", "month"].min(),
                "tried": steps.loc[steps["kind"] == "pdsa_do", "month"].min(),
                "completed": bool((steps["kind"] == "pdsa_act").any()),
            }
        )
    return pd.DataFrame(rows, columns=CYCLE_COLUMNS)


def followed_by(
    tried: pd.Timestamp,
    history: Sequence[Signal],
    indicators: Sequence[str],
    follow_months: int,
) -> tuple[Signal, ...]:
    """The improvement signals on ``indicators`` that began within ``follow_months`` of ``tried``.

    Examples
    --------
    >>> s = Signal("x", "shift", "down", "improvement", pd.Timestamp("2024-05-01"),
    ...            pd.Timestamp("2024-11-01"), True, 7)
    >>> len(followed_by(pd.Timestamp("2024-03-01"), [s], ["x"], 6))
    1
    >>> followed_by(pd.Timestamp("2023-03-01"), [s], ["x"], 6)
    ()
    """
    if pd.isna(tried):
        return ()
    last = tried + pd.DateOffset(months=follow_months)
    return tuple(
        s
        for s in history
        if s.indicator in indicators
        and s.rule in FOLLOWING_RULES
        and s.nature == "improvement"
        and tried <= s.first <= last
    )


@dataclass(frozen=True)
class ProgrammeLearning:
    """What the programme learns, as data.

    Attributes
    ----------
    cycles
        :func:`pdsa_cycle_table` plus ``followed``: per cycle the improvement
        signals that followed its do step (:func:`followed_by`).
    follow_months
        The months after a do step in which a signal counts as following it.
    """

    cycles: pd.DataFrame
    follow_months: int

    def themes(self) -> list[str | None]:
        """The themes of the cycles, in the catalogue's order; ``None`` (no theme) last."""
        from analysis.data.contract import THEMES

        present = set(self.cycles["theme"].dropna())
        ordered: list[str | None] = [t for t in THEMES if t in present]
        return ordered + ([None] if self.cycles["theme"].isna().any() else [])

    def region_counts(self) -> pd.DataFrame:
        """Per region: cycles started, completed (closed by an act step), and followed."""
        c = self.cycles.assign(followed=self.cycles["followed"].map(bool))
        return (
            c.groupby("region_id")
            .agg(
                cycles=("cycle", "size"),
                completed=("completed", "sum"),
                followed=("followed", "sum"),
            )
            .reset_index()
        )

    def spread(self) -> list[tuple[str, list[tuple[str, pd.Timestamp]]]]:
        """Per intervention tried in two or more regions: each region and its first do month.

        The first region is where it was tried first; the others followed.
        """
        tried = self.cycles.dropna(subset=["intervention", "tried"])
        out = []
        for intervention, rows in tried.groupby("intervention"):
            first = rows.groupby("region_id")["tried"].min().sort_values()
            if len(first) >= 2:
                out.append((str(intervention), list(first.items())))
        return sorted(out, key=lambda item: item[1][0][1])


def region_histories(
    processed_dir: Path | str,
    region_id: str,
    indicators: Sequence[str],
    words: Words,
    events: pd.DataFrame,
    starts: Sequence[tuple[str, pd.Timestamp]],
) -> dict[str, tuple[Signal, ...]]:
    """Indicator -> every signal of the region's monitor chart over all its months."""
    series = monitor_series(processed_dir, region_id, indicators, months=0)
    markers = action_markers(events, starts, words)
    charts = monitor_charts_data(
        series,
        indicators,
        start=pilot_start(processed_dir, region_id),
        markers=markers,
        catalogue=words.indicators,
    )
    return {chart.indicator: signal_history(chart) for chart in charts}


def programme_learning(
    processed_dir: Path | str,
    words: Words,
    *,
    indicators: Sequence[str] = MONITOR_INDICATORS,
    intervention_indicators: Mapping[str, Sequence[str]] | None = None,
    follow_months: int = 6,
) -> ProgrammeLearning:
    """The programme's PDSA cycles across regions and the signals that followed them.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest``.
    words
        Words with the study's indicator catalogue (better directions, seasonality).
    indicators
        The monitor's indicators.
    intervention_indicators
        Per intervention the indicators it means to move (:func:`intended_indicators`).
    follow_months
        Months after a do step in which a signal counts as following it.
    """
    processed_dir = Path(processed_dir)
    events = pd.read_parquet(processed_dir / "events.parquet")
    interventions = pd.read_parquet(processed_dir / "interventions.parquet")
    per_region = interventions.groupby("region_id")["intervention"].agg(lambda v: sorted(set(v)))
    cycles = pdsa_cycle_table(events, per_region.to_dict())
    settings = dict(intervention_indicators or {})
    wanted = sorted(
        {i for v in settings.values() for i in v}
        | set(intended_indicators(None, {}, indicators, words.indicators))
    )
    first_starts = interventions.groupby(["region_id", "intervention"])["start_date"].min()
    followed = []
    histories: dict[str, dict[str, tuple[Signal, ...]]] = {}
    for row in cycles.itertuples():
        if row.region_id not in histories:
            starts = [
                (str(iv), pd.Timestamp(d))
                for (rid, iv), d in first_starts.items()
                if rid == row.region_id
            ]
            own = events[events["region_id"] == row.region_id]
            histories[row.region_id] = region_histories(
                processed_dir, row.region_id, wanted, words, own, starts
            )
        intended = intended_indicators(row.intervention, settings, indicators, words.indicators)
        history = [s for i in intended for s in histories[row.region_id].get(i, ())]
        followed.append(followed_by(row.tried, history, intended, follow_months))
    return ProgrammeLearning(cycles.assign(followed=followed), follow_months)
