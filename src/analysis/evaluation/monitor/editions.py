"""A monitor edition: the monitor as of one month, what it signalled, and what changed since.

:func:`monitor_edition` computes the whole monitor of a region on the data up
to one month (series, markers, one :class:`~analysis.evaluation.monitor.signals.IndicatorChart`
per indicator). Each edition writes what it signalled and which log entries it
saw (:class:`EditionRecord`, ``signals.json``, published beside its report);
the next edition reads it and opens with what changed *since the previous
edition* (:func:`since_previous`): signals that are new, signals that ended,
and the actions logged since. Without a kept previous edition (the first
one), the monitor is computed as of the month before instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.data.actionlog import pdsa_cycles
from analysis.evaluation.charts import intervention_starts
from analysis.evaluation.load import RegionData, load_region
from analysis.evaluation.monitor.annotations import Marker, action_markers
from analysis.evaluation.monitor.series import (
    MONITOR_INDICATORS,
    edition_end,
    monitor_series,
    pilot_start,
    region_as_of,
    withhold_small_shares,
)
from analysis.evaluation.monitor.signals import IndicatorChart, Signal, monitor_charts_data
from analysis.evaluation.monitor.survey import SurveyWaves, monitor_survey
from analysis.evaluation.tables import practice_pseudonyms
from analysis.reporting.files import atomic_write_json
from analysis.words import Words

#: Log entries that are the region's own actions (external events are context).
OWN_KINDS = ("pdsa_plan", "pdsa_do", "pdsa_study", "pdsa_act", "meeting", "staffing")


@dataclass(frozen=True)
class EditionRecord:
    """What an edition signalled and which log entries it saw (``signals.json``).

    Attributes
    ----------
    region_id, as_of
        The region and the edition's month (``YYYY-MM``).
    signals
        The signals of every indicator.
    actions
        Keys of the region's log entries the edition saw (:func:`entry_key`).
    waves
        The GP survey's waves the edition saw (``YYYY-MM``).
    """

    region_id: str
    as_of: str
    signals: tuple[Signal, ...]
    actions: tuple[str, ...] = ()
    waves: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {
            "region_id": self.region_id,
            "as_of": self.as_of,
            "signals": [s.to_dict() for s in self.signals],
            "actions": list(self.actions),
            "waves": list(self.waves),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> EditionRecord:
        """The inverse of :meth:`to_dict`."""
        return cls(
            str(data["region_id"]),
            str(data["as_of"]),
            tuple(Signal.from_dict(s) for s in data.get("signals", [])),  # type: ignore[attr-defined]
            tuple(str(a) for a in data.get("actions", [])),  # type: ignore[attr-defined]
            tuple(str(w) for w in data.get("waves", [])),  # type: ignore[attr-defined]
        )


def entry_key(entry: Mapping[str, object]) -> str:
    """A short stable key of one log entry (region, date, kind, cycle, intervention, text)."""
    parts = [
        str(entry.get("region_id", "")),
        f"{pd.Timestamp(entry['date']):%Y-%m-%d}",  # type: ignore[arg-type]
        str(entry.get("kind", "")),
        *(
            "" if pd.isna(entry.get(k)) else str(entry.get(k))
            for k in ("cycle", "intervention", "text")
        ),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class MonitorEdition:
    """The monitor of one region as of one month.

    Attributes
    ----------
    region_id, as_of
        The region and the month (``YYYY-MM``).
    data
        The region's data as the edition sees them (log and interventions up to ``as_of``).
    series
        The charted months (:func:`~analysis.evaluation.monitor.series.monitor_series`).
    charts
        One per indicator.
    markers
        The numbered actions, starts and external events within the charts' months.
    withheld
        Shares left out in months with too few units (disclosure control).
    survey
        The GP survey's waves up to ``as_of``
        (:func:`~analysis.evaluation.monitor.survey.monitor_survey`).
    options
        The settings it was made with (a computed previous edition uses them too).
    """

    region_id: str
    as_of: str
    data: RegionData
    series: pd.DataFrame
    charts: tuple[IndicatorChart, ...]
    markers: tuple[Marker, ...]
    withheld: tuple[str, ...] = field(default_factory=tuple)
    survey: SurveyWaves | None = None
    options: Mapping[str, object] = field(default_factory=dict)

    @property
    def signals(self) -> tuple[Signal, ...]:
        """The signals of every indicator, in indicator order."""
        return tuple(s for chart in self.charts for s in chart.signals)

    def record(self) -> EditionRecord:
        """What this edition signalled and which entries it saw."""
        keys = tuple(entry_key(row) for row in self.data.events.to_dict("records"))
        waves = self.survey.waves if self.survey is not None else ()
        return EditionRecord(self.region_id, self.as_of, self.signals, keys, waves)


def last_month(processed_dir: Path | str, region_id: str) -> str:
    """The region's last month with data, ``YYYY-MM``."""
    months = pd.read_parquet(
        Path(processed_dir) / "region_month.parquet",
        columns=["region_id", "month"],
        filters=[("region_id", "==", region_id)],
    )["month"]
    return f"{pd.Timestamp(months.max()):%Y-%m}"


def monitor_edition(
    processed_dir: Path | str,
    region_id: str,
    words: Words,
    *,
    as_of: str | None = None,
    indicators: Sequence[str] = MONITOR_INDICATORS,
    months: int = 36,
    targets: Mapping[str, float] | None = None,
    threshold: int = 10,
    show_practice_ids: bool = False,
    data: RegionData | None = None,
) -> MonitorEdition:
    """The whole monitor of a region as of ``as_of`` (default: its last month of data).

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest``.
    region_id
        The region.
    words
        The report's words (marker labels).
    as_of
        ``YYYY-MM``.
    indicators
        Region-month columns to chart.
    months
        Latest months to chart (pilots also keep the two years before their start).
    targets
        Per indicator the study's target, for the assurance icon.
    threshold
        Shares of fewer units are withheld (disclosure control).
    show_practice_ids
        Keep practice ids in log texts (else pseudonyms).
    data
        The region's data (:func:`~analysis.evaluation.load.load_region`), when already loaded.
    """
    as_of = as_of or last_month(processed_dir, region_id)
    edition_end(as_of)  # checks the month
    full = data if data is not None else load_region(Path(processed_dir), region_id)
    seen = region_as_of(full, as_of)
    series = monitor_series(processed_dir, region_id, indicators, months=months, as_of=as_of)
    series, withheld = withhold_small_shares(series, processed_dir, region_id, threshold=threshold)
    pseudonyms = {} if show_practice_ids else practice_pseudonyms(full, words)
    first = series["month"].min() if len(series) else None
    markers = action_markers(
        seen.events,
        intervention_starts(seen),
        words,
        first=first,
        last=edition_end(as_of),
        pseudonyms=pseudonyms,
    )
    charts = monitor_charts_data(
        series,
        list(indicators),
        start=pilot_start(processed_dir, region_id, as_of=as_of),
        markers=markers,
        targets=targets,
        catalogue=words.indicators,
    )
    options = {
        "indicators": list(indicators),
        "months": months,
        "targets": dict(targets or {}),
        "threshold": threshold,
        "show_practice_ids": show_practice_ids,
    }
    survey = monitor_survey(processed_dir, region_id, threshold=threshold, as_of=as_of)
    return MonitorEdition(
        region_id,
        as_of,
        seen,
        series,
        tuple(charts),
        tuple(markers),
        tuple(withheld),
        survey,
        options,
    )


def previous_month(as_of: str) -> str:
    """The month before ``as_of`` (``"2025-01"`` -> ``"2024-12"``)."""
    return f"{pd.Period(as_of, 'M') - 1}"


def write_edition(record: EditionRecord, path: Path | str = "signals.json") -> Path:
    """Write an edition's record (the notebook writes it into its working folder)."""
    return atomic_write_json(Path(path), record.to_dict())


def read_edition(path: Path | str | None) -> EditionRecord | None:
    """A kept edition's record, or ``None`` when there is none (or it cannot be read)."""
    if not path or not Path(path).is_file():
        return None
    try:
        return EditionRecord.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class SincePrevious:
    """What changed since the previous edition.

    Attributes
    ----------
    previous
        The previous edition's month.
    kept
        Whether the previous edition was kept (else it was computed from the
        data up to the month before).
    new
        Signals now that the previous edition did not have (by indicator, rule, direction).
    ended
        Signals of the previous edition that are gone.
    actions
        The region's own log entries that the previous edition did not see.
    waves
        The GP survey's waves that the previous edition did not see (``YYYY-MM``).
    """

    previous: str
    kept: bool
    new: tuple[Signal, ...]
    ended: tuple[Signal, ...]
    actions: pd.DataFrame
    waves: tuple[str, ...] = ()


def since_previous(
    edition: MonitorEdition, previous: EditionRecord, *, kept: bool = True
) -> SincePrevious:
    """New and ended signals and the actions logged since ``previous``."""
    before = {s.key for s in previous.signals}
    now = {s.key for s in edition.signals}
    seen = set(previous.actions)
    log = edition.data.events
    log = log.assign(cycle=pdsa_cycles(log)) if len(log) else log
    fresh = [entry_key(row) not in seen for row in edition.data.events.to_dict("records")]
    actions = log[pd.Series(fresh, index=log.index, dtype=bool) & log["kind"].isin(OWN_KINDS)]
    return SincePrevious(
        previous=previous.as_of,
        kept=kept,
        new=tuple(s for s in edition.signals if s.key not in before),
        ended=tuple(s for s in previous.signals if s.key not in now),
        actions=actions.sort_values("date", kind="stable").reset_index(drop=True),
        waves=tuple(w for w in edition.record().waves if w not in set(previous.waves)),
    )


def compare_with_previous(
    edition: MonitorEdition,
    processed_dir: Path | str,
    words: Words,
    previous_edition: Path | str | None = None,
) -> SincePrevious | None:
    """What changed since the kept previous edition, or since the month before.

    Parameters
    ----------
    edition
        This edition.
    processed_dir
        Folder written by ``workbench ingest``.
    words
        The report's words.
    previous_edition
        The previous edition's ``signals.json`` (the workbench passes it); when
        absent, the monitor is computed as of the month before, with this
        edition's settings.

    Returns
    -------
    SincePrevious or None
        ``None`` when the data have no month before this edition's charts.
    """
    record = read_edition(previous_edition)
    if record is not None:
        return since_previous(edition, record, kept=True)
    month = previous_month(edition.as_of)
    if edition.series.empty or pd.Timestamp(f"{month}-01") < edition.series["month"].min():
        return None
    earlier = monitor_edition(
        processed_dir,
        edition.region_id,
        words,
        as_of=month,
        data=edition.data,
        **edition.options,  # type: ignore[arg-type]
    )
    return since_previous(edition, earlier.record(), kept=False)
