"""The region's actions on the monitor's time axis: numbered markers and their list.

Each marker is a number on the chart's time axis and a line in the list under
the chart, never text on the chart: actions in the same month are stacked, not
printed over each other. The markers, in date order:

* ``action``: the *do* step of a PDSA cycle (the change tried in the
  practices; one marker per cycle and month) and staffing changes (one marker
  per month, with the net FTE change when the texts give it);
* ``start``: the start of one of the region's interventions;
* ``context``: external events (an influenza epidemic), which are not changes
  the region made but explain a month.

Actions and starts are the *logged changes* after which the monitor may
recalculate an indicator's limits (:mod:`analysis.evaluation.monitor.signals`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analysis.data.actionlog import pdsa_cycles
from analysis.evaluation.tables import pseudonymise
from analysis.words import Words

MarkerKind = Literal["action", "start", "context"]
#: Log entries that change the process: marked, and able to explain a new level.
CHANGE_KINDS: tuple[str, ...] = ("pdsa_do", "staffing")
_FTE = re.compile(r"([+\-−]\s*\d+(?:[.,]\d+)?)\s*fte", re.IGNORECASE)
CONTEXT_CHARS = 40


@dataclass(frozen=True)
class Marker:
    """One numbered marker on the monitor's time axis.

    Attributes
    ----------
    number
        1, 2, ... in date order within the charts' months.
    month
        First day of the month it marks.
    kind
        ``action``, ``start`` or ``context``.
    label
        Its line in the list under the chart (words of the catalogue; text from
        the log shown literally where it enters a page).
    """

    number: int
    month: pd.Timestamp
    kind: MarkerKind
    label: str

    @property
    def is_change(self) -> bool:
        """Whether it marks a change the region made (an action or an intervention start)."""
        return self.kind != "context"


def _months(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp()


def _staffing_label(texts: pd.Series, words: Words) -> str:
    found = texts.astype(str).str.extract(_FTE, expand=False)
    if found.isna().any():
        return words.text("monitor.marker_staffing_n", n=len(texts))
    total = sum(float(v.replace(" ", "").replace("−", "-").replace(",", ".")) for v in found)
    return words.text("monitor.marker_staffing", change=words.number(total, 2, sign=True))


def _pdsa_label(cycle: object, intervention: object, words: Words) -> str:
    of = (
        words.text("monitor.marker_of", intervention=words.intervention(str(intervention)))
        if isinstance(intervention, str) and intervention
        else ""
    )
    return words.text("monitor.marker_pdsa", cycle=int(cycle), of=of)  # type: ignore[call-overload]


def _candidates(
    events: pd.DataFrame, starts: Sequence[tuple[str, pd.Timestamp]], words: Words
) -> list[tuple[pd.Timestamp, int, MarkerKind, str]]:
    """``(month, order, kind, label)`` of every marker, before numbering."""
    found: list[tuple[pd.Timestamp, int, MarkerKind, str]] = []
    if len(events):
        regions = set(events["region_id"]) if "region_id" in events.columns else set()
        own = {region: [code for code, _ in starts] for region in regions}
        log = events.assign(month=_months(events["date"]), cycle=pdsa_cycles(events, own))
        if "intervention" not in log.columns:
            log = log.assign(intervention=None)
        texts = log["text"] if "text" in log.columns else pd.Series("", index=log.index)
        log = log.assign(text=texts.fillna(""))
        done = log[log["kind"] == "pdsa_do"].drop_duplicates(["month", "cycle", "intervention"])
        for row in done.itertuples():
            found.append((row.month, 1, "action", _pdsa_label(row.cycle, row.intervention, words)))
        for month, rows in log[log["kind"] == "staffing"].groupby("month"):
            found.append((month, 2, "action", _staffing_label(rows["text"], words)))
        for month, rows in log[log["kind"] == "external"].groupby("month"):
            labels = rows["text"].astype(str).str.split(":").str[0].str.strip()
            label = " / ".join(dict.fromkeys(t[:CONTEXT_CHARS] for t in labels if t))
            found.append((month, 3, "context", label or words.value("external")))
    for code, start in starts:
        month = pd.Timestamp(start).to_period("M").to_timestamp()
        label = words.text("chart.start_of", intervention=words.intervention(code))
        found.append((month, 0, "start", label))
    return found


def action_markers(
    events: pd.DataFrame,
    starts: Sequence[tuple[str, pd.Timestamp]],
    words: Words,
    *,
    first: pd.Timestamp | None = None,
    last: pd.Timestamp | None = None,
    pseudonyms: Mapping[str, str] | None = None,
) -> list[Marker]:
    """The numbered markers of the region's log and intervention starts within the charts' months.

    Parameters
    ----------
    events
        The region's action log (``events.parquet`` rows): ``date``, ``kind``,
        ``text`` and, where the log has them, ``cycle`` and ``intervention``.
    starts
        ``(intervention id, first month)`` of the region's interventions.
    words
        The report's words.
    first, last
        The charts' first and last month; markers outside are left out.
    pseudonyms
        Practice id -> pseudonym, applied to text taken from the log.

    Examples
    --------
    >>> log = pd.DataFrame({"date": pd.to_datetime(["2024-03-05", "2024-03-20", "2024-04-01"]),
    ...                     "kind": ["pdsa_plan", "pdsa_do", "staffing"],
    ...                     "text": ["Plan (cyclus 3)", "Do (cyclus 3)", "P1: POH +0.50 fte"]})
    >>> [(m.number, m.label) for m in action_markers(log, [], Words("en"))]
    [(1, 'PDSA cycle 3, do'), (2, 'staffing +0.50 FTE')]
    """
    found = sorted(_candidates(events, starts, words), key=lambda c: (c[0], c[1], c[3]))
    found = [
        c for c in found if (first is None or c[0] >= first) and (last is None or c[0] <= last)
    ]
    return [
        Marker(number, month, kind, str(pseudonymise(label, pseudonyms or {})))
        for number, (month, _, kind, label) in enumerate(found, start=1)
    ]


def marker_list_md(markers: Sequence[Marker], words: Words) -> str:
    """The list under a chart: ``**1** March 2024: PDSA cycle 3, do · **2** ...`` (Markdown).

    Text from the log is shown literally.
    """
    if not markers:
        return ""
    items = [
        words.md("monitor.marker_item", number=m.number, month=words.month(m.month), label=m.label)
        for m in markers
    ]
    return words.md("monitor.markers_heading") + " " + " · ".join(items)
