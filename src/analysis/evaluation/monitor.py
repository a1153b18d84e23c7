"""Monthly monitor for coaches: a region's indicators on run and XmR charts, actions marked.

A coach (zorgstroomcoach, transition coach) looks at the region every month:
each indicator on a run chart (Anhøj rules) and an XmR chart (Making Data
Count rules), with the PDSA cycles and staffing changes marked, and a short
list of signals in words. Centre lines and limits come from the months before
the pilot started when there are enough of them, else from the first
``BASELINE_MIN`` months shown.

Typical use (what ``notebooks/region_monitor.py`` does)::

    series = monitor_series("data/processed", "NL-KNH", months=36)
    baseline = choose_baseline(series, pilot_start("data/processed", "NL-KNH"))
    table = signals_table(series, baseline_months=baseline.points)
    print(signals_in_words(table))
    run, xmr, figure = monitor_charts(
        series, "gp_contact_rate", baseline_months=baseline.points,
        annotations=pdsa_annotations(events, "NL-KNH"),
    )
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from analysis.errors import WorkbenchError
from analysis.evaluation.findings import Language, outcome_label
from analysis.methods.spc import (
    VARIATION_COLOURS,
    Annotations,
    Improvement,
    RunChartResult,
    XmrChartResult,
    run_chart,
    xmr_chart,
)
from analysis.reporting.escape import markdown_literal

__all__ = [
    "BASELINE_MIN",
    "IMPROVEMENT",
    "MARKED_STEPS",
    "MONITOR_INDICATORS",
    "PDSA_STEPS",
    "Baseline",
    "choose_baseline",
    "context_annotations",
    "indicator_label",
    "monitor_text",
    "monitor_charts",
    "monitor_series",
    "pdsa_annotations",
    "pilot_start",
    "signals_in_words",
    "signals_table",
]

#: Indicators a coach sees by default (columns of ``region_month.parquet``).
MONITOR_INDICATORS: tuple[str, ...] = (
    "referral_rate_medical_specialist",
    "gp_contact_rate",
    "non_gp_contact_share",
    "e_consult_share",
    "third_next_available_days",
    "share_accepting_new_patients",
)

#: Direction that counts as improvement; indicators not listed are neutral
#: (fewer GP contacts can mean less workload or worse access).
IMPROVEMENT: dict[str, Improvement] = {
    "referral_rate_medical_specialist": "decrease",
    "non_gp_contact_share": "increase",
    "e_consult_share": "increase",
    "third_next_available_days": "decrease",
    "share_accepting_new_patients": "increase",
}

Formatter = Callable[[float], str]

BASELINE_MIN = 12  # fewest months for a baseline (centre line and limits)
RECENT_MONTHS = 6  # XmR special causes are reported for the latest months

PDSA_STEPS: tuple[str, ...] = ("plan", "do", "study", "act")
MARKED_STEPS: tuple[str, ...] = ("do",)  # the step in which a change is tried

_EXTRA_LABELS: dict[str, dict[str, str]] = {
    "third_next_available_days": {
        "en": "days to the third-next available appointment",
        "nl": "dagen tot de derde vrije afspraak",
    },
    "share_accepting_new_patients": {
        "en": "share of practices accepting new patients",
        "nl": "aandeel praktijken dat nieuwe patiënten aanneemt",
    },
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "up": "up",
        "down": "down",
        "since": "since {0:%Y-%m}",
        "from_to": "{0:%Y-%m} to {1:%Y-%m}",
        "shift": "shift",
        "trend": "trend",
        "run_points": "{n} points {side} the median",
        "above": "above",
        "below": "below",
        "crossings": "only {c} crossings of the median (random variation: {limit} or more)",
        "no_signal": "no signal",
        "no_special": "no special cause",
        "too_few": "too few points",
        "outside": "{n} point(s) {side} the {limit} limit ({months})",
        "upper": "upper",
        "lower": "lower",
        "two_of_three": "{n} point(s) close to the {limit} limit (2-of-3 rule: {months})",
        "improvement": "improvement",
        "concern": "concern",
        "steady": "no signal: the variation looks random (common cause)",
        "latest": "latest {value} in {month}",
        "run_chart": "run chart",
        "staffing": "staffing",
        "run_title": "Run chart",
        "xmr_title": "XmR chart",
        "values": "monthly value",
        "median": "baseline median",
        "long_run": "long run",
        "mean": "baseline mean",
        "limits": "process limits",
        "near": "near limits",
        "baseline": "baseline",
        "common_cause": "common cause",
        "special_cause_improvement": "special cause: improvement",
        "special_cause_concern": "special cause: concern",
        "special_cause_neutral_high": "special cause (high)",
        "special_cause_neutral_low": "special cause (low)",
        "not_enough": "Too few months with data for a chart.",
        "base_pre": "Centre lines and limits come from the {n} months before the pilot started "
        "({a:%Y-%m} to {b:%Y-%m}); later months are compared with that pre-pilot period.",
        "base_none": "This region has no pilot start in the data, so the first {n} months shown "
        "({a:%Y-%m} to {b:%Y-%m}) set the centre lines and limits.",
        "base_short": "Fewer than {m} months before the pilot start ({s:%Y-%m}) are in the data, "
        "so the first {n} months shown ({a:%Y-%m} to {b:%Y-%m}) set the centre lines and limits.",
        "base_empty": "Too few months of data for charts.",
    },
    "nl": {
        "up": "omhoog",
        "down": "omlaag",
        "since": "sinds {0:%Y-%m}",
        "from_to": "{0:%Y-%m} tot {1:%Y-%m}",
        "shift": "verschuiving",
        "trend": "trend",
        "run_points": "{n} punten {side} de mediaan",
        "above": "boven",
        "below": "onder",
        "crossings": "de mediaan maar {c} keer gekruist (bij toeval {limit} of meer)",
        "no_signal": "geen signaal",
        "no_special": "geen bijzondere oorzaak",
        "too_few": "te weinig punten",
        "outside": "{n} punt(en) {side} de {limit} ({months})",
        "upper": "bovengrens",
        "lower": "ondergrens",
        "two_of_three": "{n} punt(en) dicht bij de {limit} (2-van-3-regel: {months})",
        "improvement": "verbetering",
        "concern": "verslechtering",
        "steady": "geen signaal: de variatie lijkt toevallig (gewone variatie)",
        "latest": "laatst {value} in {month}",
        "run_chart": "run-chart",
        "staffing": "personeel",
        "run_title": "Run-chart",
        "xmr_title": "XmR-grafiek",
        "values": "maandwaarde",
        "median": "mediaan basisperiode",
        "long_run": "lange reeks",
        "mean": "gemiddelde basisperiode",
        "limits": "procesgrenzen",
        "near": "waarschuwingsgrenzen",
        "baseline": "basisperiode",
        "common_cause": "gewone variatie",
        "special_cause_improvement": "bijzondere oorzaak: verbetering",
        "special_cause_concern": "bijzondere oorzaak: verslechtering",
        "special_cause_neutral_high": "bijzondere oorzaak (hoog)",
        "special_cause_neutral_low": "bijzondere oorzaak (laag)",
        "not_enough": "Te weinig maanden met gegevens voor een grafiek.",
        "base_pre": "Middenlijnen en grenzen komen uit de {n} maanden vóór de start van de pilot "
        "({a:%Y-%m} tot {b:%Y-%m}); latere maanden worden met die periode vergeleken.",
        "base_none": "Deze regio heeft geen pilotstart in de gegevens; de eerste {n} getoonde "
        "maanden ({a:%Y-%m} tot {b:%Y-%m}) bepalen de middenlijnen en grenzen.",
        "base_short": "Er zijn minder dan {m} maanden vóór de pilotstart ({s:%Y-%m}) in de "
        "gegevens; de eerste {n} getoonde maanden ({a:%Y-%m} tot {b:%Y-%m}) bepalen de "
        "middenlijnen en grenzen.",
        "base_empty": "Te weinig maanden met gegevens voor grafieken.",
    },
}

_HEADERS: dict[str, dict[str, str]] = {
    "en": {
        "indicator": "indicator",
        "month": "latest month",
        "latest": "latest value",
        "median": "median (baseline)",
        "mean": "mean (baseline)",
        "run": "run chart",
        "xmr": "XmR, last {n} months",
    },
    "nl": {
        "indicator": "indicator",
        "month": "laatste maand",
        "latest": "laatste waarde",
        "median": "mediaan (basisperiode)",
        "mean": "gemiddelde (basisperiode)",
        "run": "run-chart",
        "xmr": "XmR, laatste {n} maanden",
    },
}

SECTIONS: dict[str, dict[str, str]] = {
    "en": {
        "title": "## Monthly monitor: {name} ({region_id})",
        "reading": """### How to read the charts

Each indicator has two charts over the same months. The grey band is the *baseline*.
{baseline} Green dotted lines mark the region's actions (the *do* step of each PDSA cycle,
staffing changes), grey dashed lines external events such as flu epidemics.

- **Run chart** (top): the monthly values around the baseline median. Random variation
  crosses the median often and stays on one side only briefly. Two rules (Anhøj) signal
  *non-random* variation: an unusually **long run** of points on one side of the median
  (orange points), or **too few crossings** of the median. The median line then turns red and
  dashed.
- **XmR chart** (bottom): the monthly values with the baseline mean and *process limits*
  (dashed; the dotted lines are the near limits). Points between the limits are common-cause
  variation: react to the system, not to a single month. Special causes are coloured: a point
  **outside the limits**, a **shift** of 7 or more points on one side of the mean, a **trend**
  of 7 points each higher (or lower) than the one before, or **2 of 3 points close to a
  limit**. Blue is an improvement, orange a concern, purple a change in an indicator without
  a preferred direction.
- A signal is a reason to ask what happened, not proof that an action worked: seasons,
  changes in registration and external events cause signals too. Compare the timing with
  the actions marked.""",
        "signals": "## Signals\n\nLatest value, baseline median and mean, and the signals of "
        "each indicator; the XmR column covers the last {recent} months.",
        "charts": "## Charts per indicator",
        "actions": "## Action log\n\nThe latest {limit} entries of the region's log "
        "(PDSA cycles, meetings, staffing changes); external events are left out.",
        "no_actions": "No actions are logged for this region.",
    },
    "nl": {
        "title": "## Maandmonitor: {name} ({region_id})",
        "reading": """### Zo lees je de grafieken

Elke indicator heeft twee grafieken over dezelfde maanden. De grijze band is de
*basisperiode*. {baseline} Groene stippellijnen markeren de acties van de regio (de *do*-stap
van elke PDSA-cyclus, personeelswijzigingen), grijze streepjeslijnen gebeurtenissen van
buitenaf, zoals griepepidemieën.

- **Run-chart** (boven): de maandwaarden rond de mediaan van de basisperiode. Toevallige
  variatie kruist de mediaan vaak en blijft maar kort aan één kant. Twee regels (Anhøj)
  wijzen op *niet-toevallige* variatie: een ongewoon **lange reeks** punten aan één kant van
  de mediaan (oranje punten), of **te weinig kruisingen** van de mediaan. De mediaanlijn
  wordt dan rood en gestreept.
- **XmR-grafiek** (onder): de maandwaarden met het gemiddelde en de *procesgrenzen* van de
  basisperiode (gestreept; de stippellijnen zijn waarschuwingsgrenzen). Punten binnen de
  grenzen zijn gewone variatie: reageer op het systeem, niet op één maand. Bijzondere
  oorzaken zijn gekleurd: een punt **buiten de grenzen**, een **verschuiving** van 7 of meer
  punten aan één kant van het gemiddelde, een **trend** van 7 punten die elk hoger (of lager)
  zijn dan het vorige, of **2 van 3 punten dicht bij een grens**. Blauw is een verbetering,
  oranje een verslechtering, paars een verandering bij een indicator zonder gewenste richting.
- Een signaal is een reden om te vragen wat er gebeurde, geen bewijs dat een actie werkte:
  seizoenen, veranderingen in registratie en gebeurtenissen van buitenaf geven ook signalen.
  Vergelijk het moment met de gemarkeerde acties.""",
        "signals": "## Signalen\n\nLaatste waarde, mediaan en gemiddelde van de basisperiode "
        "en de signalen per indicator; de XmR-kolom gaat over de laatste {recent} maanden.",
        "charts": "## Grafieken per indicator",
        "actions": "## Actielogboek\n\nDe laatste {limit} regels uit het logboek van de regio "
        "(PDSA-cycli, overleggen, personeelswijzigingen); gebeurtenissen van buitenaf zijn "
        "weggelaten.",
        "no_actions": "Voor deze regio zijn geen acties vastgelegd.",
    },
}


def monitor_text(section: str, language: Language = "en", **fields: object) -> str:
    """Markdown of a section of the monitor notebook, with ``fields`` filled in.

    Sections: ``title`` (``name``, ``region_id``), ``reading`` (``baseline``:
    :meth:`Baseline.describe`), ``signals`` (``recent``), ``charts``,
    ``actions`` (``limit``), ``no_actions``.

    Examples
    --------
    >>> print(monitor_text("title", "nl", name="Noord-Limburg", region_id="NL-NLI"))
    ## Maandmonitor: Noord-Limburg (NL-NLI)
    """
    _text(language)
    if section not in SECTIONS[language]:
        raise ValueError(f"unknown section {section!r}; use one of {sorted(SECTIONS[language])}")
    literal = {k: markdown_literal(v) if isinstance(v, str) else v for k, v in fields.items()}
    return SECTIONS[language][section].format(**literal)


def _text(language: str) -> dict[str, str]:
    if language not in TEXT:
        raise ValueError(f"language must be 'en' or 'nl', got {language!r}")
    return TEXT[language]


def indicator_label(indicator: str, language: Language = "en") -> str:
    """Readable name of an indicator, in English or Dutch.

    Examples
    --------
    >>> indicator_label("third_next_available_days", "nl")
    'dagen tot de derde vrije afspraak'
    """
    if indicator in _EXTRA_LABELS:
        return _EXTRA_LABELS[indicator][language]
    return outcome_label(indicator, language)


def _capital(text: object) -> str:
    """First letter upper case, the rest as it is ("GP contacts")."""
    text = str(text)
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- data


def _read_table(processed_dir: Path, name: str) -> pd.DataFrame:
    path = processed_dir / name
    if not path.is_file():
        raise WorkbenchError(f"{path} not found. Fix: run `workbench ingest` first")
    return pd.read_parquet(path)


def _region_row(processed_dir: Path, region_id: str) -> pd.Series:
    regions = _read_table(processed_dir, "regions.parquet")
    rows = regions[regions["region_id"] == region_id]
    if rows.empty:
        raise WorkbenchError(
            f"region {region_id!r} is not in {processed_dir / 'regions.parquet'}."
            f" Fix: use one of {', '.join(sorted(regions['region_id'])[:8])}, …"
        )
    return rows.iloc[0]


def pilot_start(processed_dir: Path | str, region_id: str) -> pd.Timestamp | None:
    """The month the region's pilot started (``first_start``), or ``None`` without a pilot.

    Examples
    --------
    >>> pilot_start("data/processed", "NL-KNH")  # doctest: +SKIP
    Timestamp('2019-03-01 00:00:00')
    """
    row = _region_row(Path(processed_dir), region_id)
    start = row.get("first_start")
    return None if start is None or pd.isna(start) else pd.Timestamp(start)


def monitor_series(
    processed_dir: Path | str,
    region_id: str,
    indicators: Sequence[str] = MONITOR_INDICATORS,
    *,
    months: int | None = 36,
    pre_start_months: int = BASELINE_MIN,
) -> pd.DataFrame:
    """Monthly series of a region: ``month`` plus one column per indicator.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest`` (reads ``region_month.parquet``
        and ``regions.parquet``).
    region_id
        Id from the regions table.
    indicators
        Columns of ``region_month.parquet``.
    months
        Show the latest ``months`` months (``None`` or 0: all). For a pilot
        region the window reaches back to ``pre_start_months`` months before
        the pilot start when the data have them, so the charts can compare
        with the pre-pilot period.
    pre_start_months
        Pre-pilot months to keep in the window.

    Returns
    -------
    pandas.DataFrame
        One row per calendar month in time order (months missing from the data
        appear with missing values).

    Examples
    --------
    >>> s = monitor_series("data/processed", "BE-ELZ01", ["gp_contact_rate"])  # doctest: +SKIP
    >>> list(s.columns), len(s)  # doctest: +SKIP
    (['month', 'gp_contact_rate'], 36)
    """
    processed_dir = Path(processed_dir)
    region = _region_row(processed_dir, region_id)
    panel = _read_table(processed_dir, "region_month.parquet")
    indicators = list(indicators)
    missing = [c for c in indicators if c not in panel.columns or c in ("region_id", "month")]
    if missing:
        numeric = panel.select_dtypes("number").columns
        raise WorkbenchError(
            f"indicator(s) {missing} are not columns of {processed_dir / 'region_month.parquet'}."
            f" Fix: use some of {', '.join(numeric[:12])}, …"
        )
    rows = panel.loc[panel["region_id"] == region_id, ["month", *indicators]]
    start = region.get("first_start")
    start = None if start is None or pd.isna(start) else pd.Timestamp(start)
    return _window(_complete_months(rows), months, start, pre_start_months)


def _complete_months(rows: pd.DataFrame) -> pd.DataFrame:
    """Sort by month and add the calendar months missing between the first and last."""
    rows = rows.assign(month=pd.to_datetime(rows["month"])).sort_values("month")
    if rows.empty:
        return rows.reset_index(drop=True)
    calendar = pd.date_range(rows["month"].iloc[0], rows["month"].iloc[-1], freq="MS")
    full = rows.set_index("month").reindex(calendar)
    return full.rename_axis("month").reset_index()


def _window(
    series: pd.DataFrame, months: int | None, start: pd.Timestamp | None, pre_start: int
) -> pd.DataFrame:
    if not months or series.empty:
        return series
    if months < 0:
        raise ValueError(f"months must be positive (or 0 for all), got {months}")
    first = series["month"].iloc[-1] - pd.DateOffset(months=months - 1)
    if start is not None and start > series["month"].iloc[0]:
        first = min(first, start - pd.DateOffset(months=pre_start))
    return series[series["month"] >= first].reset_index(drop=True)


# --------------------------------------------------------------------------- baseline


@dataclass(frozen=True)
class Baseline:
    """The months that set the centre lines and limits.

    Attributes
    ----------
    points
        Number of leading months of the series in the baseline (0: too few data).
    pre_pilot
        Whether these are the months before the pilot start.
    pilot_start
        The pilot's first month, if any.
    first_month, last_month
        First and last month of the baseline.
    """

    points: int
    pre_pilot: bool
    pilot_start: pd.Timestamp | None
    first_month: pd.Timestamp | None
    last_month: pd.Timestamp | None

    def describe(self, language: Language = "en") -> str:
        """One sentence for the reader on where the centre lines come from."""
        t = _text(language)
        if self.points < 2:
            return t["base_empty"]
        args = {"n": self.points, "a": self.first_month, "b": self.last_month}
        if self.pre_pilot:
            return t["base_pre"].format(**args)
        if self.pilot_start is None:
            return t["base_none"].format(**args)
        return t["base_short"].format(m=BASELINE_MIN, s=self.pilot_start, **args)


def choose_baseline(
    series: pd.DataFrame, start: pd.Timestamp | None, *, minimum: int = BASELINE_MIN
) -> Baseline:
    """The pre-pilot months when there are at least ``minimum``, else the first ``minimum``.

    Parameters
    ----------
    series
        Output of :func:`monitor_series` (needs ``month``).
    start
        The pilot's first month (:func:`pilot_start`), or ``None``.
    minimum
        Fewest months for a pre-pilot baseline, and the length of the fallback.

    Examples
    --------
    >>> s = pd.DataFrame({"month": pd.date_range("2023-01-01", periods=30, freq="MS")})
    >>> choose_baseline(s, pd.Timestamp("2024-07-01")).points
    18
    >>> choose_baseline(s, None).points
    12
    """
    months = pd.to_datetime(series["month"]).reset_index(drop=True)
    start = None if start is None or pd.isna(start) else pd.Timestamp(start)
    pre = int((months < start).sum()) if start is not None else 0
    pre_pilot = pre >= minimum
    points = pre if pre_pilot else min(minimum, len(months))
    return Baseline(
        points=points,
        pre_pilot=pre_pilot,
        pilot_start=start,
        first_month=months.iloc[0] if points else None,
        last_month=months.iloc[points - 1] if points else None,
    )


# --------------------------------------------------------------------------- annotations


def _region_events(events: pd.DataFrame, region_id: str | None) -> pd.DataFrame:
    missing = {"date", "kind"} - set(events.columns)
    if missing:
        raise ValueError(f"events need the columns {sorted(missing)}")
    if "region_id" in events.columns:
        if region_id is not None:
            events = events[events["region_id"] == region_id]
        elif len(set(events["region_id"])) > 1:
            raise ValueError("events hold several regions: pass region_id")
    month = pd.to_datetime(events["date"]).dt.to_period("M").dt.to_timestamp()
    return events.assign(month=month).sort_values("date", kind="stable")


_CYCLE = re.compile(r"\((?:cyclus|cycle|cycli)\s*(\d+)\)", re.IGNORECASE)
_FTE = re.compile(r"([+\-−]\s*\d+(?:[.,]\d+)?)\s*fte", re.IGNORECASE)


def _cycle_numbers(pdsa: pd.DataFrame) -> pd.Series:
    """Cycle number from the text ("(cyclus 3)"), else counted from the plan steps."""
    counted = (pdsa["kind"] == "pdsa_plan").cumsum().clip(lower=1)
    text = pdsa["text"] if "text" in pdsa.columns else pd.Series("", index=pdsa.index)
    found = text.astype(str).str.extract(_CYCLE, expand=False).astype(float)
    return found.fillna(counted).astype(int)


def _staffing_label(texts: pd.Series, language: Language) -> str:
    word = _text(language)["staffing"]
    found = texts.astype(str).str.extract(_FTE, expand=False)
    if found.isna().any():
        return word if len(texts) == 1 else f"{word} ({len(texts)})"
    total = sum(float(v.replace(" ", "").replace("−", "-").replace(",", ".")) for v in found)
    number = f"{total:+.2f}"
    return f"{word} {number.replace('.', ',') if language == 'nl' else number} fte"


def _month_label(group: pd.DataFrame, language: Language) -> str:
    parts = []
    pdsa = group[group["kind"].str.startswith("pdsa_")]
    for cycle, steps in pdsa.groupby("cycle", sort=True):
        names = dict.fromkeys(k.removeprefix("pdsa_") for k in steps["kind"])
        parts.append(f"PDSA {int(cycle)} {'+'.join(names)}")
    staffing = group[group["kind"] == "staffing"]
    if not staffing.empty:
        texts = staffing["text"] if "text" in staffing.columns else staffing["kind"]
        parts.append(_staffing_label(texts, language))
    return ", ".join(parts)


def pdsa_annotations(
    events: pd.DataFrame,
    region_id: str | None = None,
    *,
    steps: Sequence[str] = MARKED_STEPS,
    staffing: bool = True,
    language: Language = "en",
) -> list[tuple[pd.Timestamp, str]]:
    """The region's own actions per month, as ``(month, short label)`` for chart annotations.

    PDSA steps and staffing changes only: meetings are not changes to the
    process, and external events (epidemics) are context, see
    :func:`context_annotations`. Actions in the same month share one label.

    Parameters
    ----------
    events
        The action-research log (``events.parquet``): ``region_id``, ``date``,
        ``kind``, ``text``.
    region_id
        Keep this region's events; required when ``events`` holds several regions.
    steps
        PDSA steps to mark (``"plan"``, ``"do"``, ``"study"``, ``"act"``); by
        default the *do* step, when the change was tried in the practices.
    staffing
        Also mark staffing changes (net FTE change when the text gives it).
    language
        Language of the staffing label.

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "date": pd.to_datetime(["2024-03-05", "2024-03-20", "2024-04-01"]),
    ...     "kind": ["pdsa_plan", "pdsa_do", "staffing"],
    ...     "text": ["Plan (cyclus 3)", "Do (cyclus 3)", "Praktijk P1: POH +0.50 fte"],
    ... })
    >>> [label for _, label in pdsa_annotations(log)]
    ['PDSA 3 do', 'staffing +0.50 fte']
    >>> [label for _, label in pdsa_annotations(log, steps=PDSA_STEPS)][0]
    'PDSA 3 plan+do'
    """
    unknown = set(steps) - set(PDSA_STEPS)
    if unknown:
        raise ValueError(f"unknown PDSA steps {sorted(unknown)}; use some of {PDSA_STEPS}")
    own = _region_events(events, region_id)
    pdsa = own[own["kind"].astype(str).str.startswith("pdsa_")]
    pdsa = pdsa.assign(cycle=_cycle_numbers(pdsa))
    pdsa = pdsa[pdsa["kind"].isin([f"pdsa_{s}" for s in steps])]
    actions = pd.concat([pdsa, own[own["kind"] == "staffing"]] if staffing else [pdsa])
    actions = actions.sort_values("date", kind="stable")
    return [(month, _month_label(g, language)) for month, g in actions.groupby("month")]


def context_annotations(
    events: pd.DataFrame, region_id: str | None = None, *, max_chars: int = 24
) -> list[tuple[pd.Timestamp, str]]:
    """External events (epidemics and the like) as ``(month, short label)``.

    The label is the text before its first colon, cut to ``max_chars``.

    Examples
    --------
    >>> log = pd.DataFrame({"date": pd.to_datetime(["2024-01-15"]), "kind": ["external"],
    ...                     "text": ["Griepepidemie: extra drukte in de praktijken"]})
    >>> context_annotations(log)[0][1]
    'Griepepidemie'
    """
    own = _region_events(events, region_id)
    own = own[own["kind"] == "external"]
    texts = own["text"] if "text" in own.columns else own["kind"]
    own = own.assign(label=texts.astype(str).str.split(":").str[0].str.strip().str[:max_chars])
    return [(m, " / ".join(dict.fromkeys(g["label"]))) for m, g in own.groupby("month")]


# --------------------------------------------------------------------------- charts


def _baseline_points(valid: np.ndarray, baseline_months: int) -> int | None:
    """Leading valid points in the baseline; ``None`` (all points) when fewer than two."""
    n_valid = int(valid[:baseline_months].sum())
    return min(n_valid, int(valid.sum())) if n_valid >= 2 else None


def _charts(
    series: pd.DataFrame, indicator: str, baseline_months: int
) -> tuple[RunChartResult | None, XmrChartResult | None]:
    """Run and XmR chart of one indicator (``None`` with fewer than two points)."""
    if indicator not in series.columns:
        raise ValueError(f"{indicator!r} is not a column of the series")
    values = pd.Series(
        series[indicator].to_numpy(dtype=float),
        index=pd.DatetimeIndex(pd.to_datetime(series["month"]), name="month"),
    )
    valid = values.notna().to_numpy()
    if valid.sum() < 2:
        return None, None
    run_base = _baseline_points(valid, baseline_months)
    run = run_chart(values, baseline=min(baseline_months, len(values)) if run_base else None)
    xmr = xmr_chart(values[valid], baseline=run_base, improvement=IMPROVEMENT.get(indicator))
    return run, xmr


def monitor_charts(
    series: pd.DataFrame,
    indicator: str,
    *,
    baseline_months: int,
    annotations: Annotations | None = None,
    context: Annotations | None = None,
    language: Language = "en",
    title: str | None = None,
) -> tuple[RunChartResult | None, XmrChartResult | None, Figure]:
    """Run chart above XmR chart of one indicator, actions and context marked.

    Parameters
    ----------
    series
        Output of :func:`monitor_series`.
    indicator
        Column of ``series``.
    baseline_months
        Leading months that set the centre lines and limits
        (:attr:`Baseline.points`); both charts then freeze them.
    annotations
        ``(month, label)`` actions (:func:`pdsa_annotations`): green dotted lines.
    context
        ``(month, label)`` external events (:func:`context_annotations`): grey dashed lines.
    language
        Language of titles and legends.
    title
        Figure title; defaults to the indicator's label.

    Returns
    -------
    tuple
        Run chart result, XmR chart result (both ``None`` when the indicator
        has fewer than two months with data) and the figure.

    Examples
    --------
    >>> s = pd.DataFrame({"month": pd.date_range("2023-01-01", periods=24, freq="MS"),
    ...                   "gp_contact_rate": range(24)})
    >>> run, xmr, fig = monitor_charts(s, "gp_contact_rate", baseline_months=12,
    ...                                annotations=[(pd.Timestamp("2024-01-01"), "PDSA 1 do")])
    >>> run.signal, len(fig.axes)
    (True, 2)
    """
    t = _text(language)
    run, xmr = _charts(series, indicator, baseline_months)
    fig = Figure(figsize=(9.5, 6.5), layout="constrained")
    fig.suptitle(title or _capital(indicator_label(indicator, language)))
    if run is None or xmr is None:
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, t["not_enough"], ha="center", va="center", transform=ax.transAxes)
        return run, xmr, fig
    ax_run, ax_xmr = fig.subplots(2, 1, sharex=True)
    months = run.data.index
    in_baseline = run.data["baseline"].to_numpy(dtype=bool)
    for ax in (ax_run, ax_xmr):
        if not in_baseline.all():
            _shade(ax, months[in_baseline], t["baseline"])
        _mark(ax, context, months, colour="0.45", style="--", labels=ax is ax_run, side="right")
        _mark(ax, annotations, months, colour="tab:green", style=":", labels=ax is ax_run)
    fmt = partial(_number, indicator, language=language)
    _draw_run(ax_run, run, t, fmt)
    _draw_xmr(ax_xmr, xmr, t, fmt)
    _axes_format(ax_run, ax_xmr, indicator)
    return run, xmr, fig


def _shade(ax: Axes, months: pd.DatetimeIndex, label: str) -> None:
    if len(months):
        half = pd.Timedelta(days=15)
        ax.axvspan(months[0] - half, months[-1] + half, color="0.93", zorder=0, label=label)


def _mark(
    ax: Axes,
    annotations: Annotations | None,
    months: pd.DatetimeIndex,
    *,
    colour: str,
    style: str,
    labels: bool,
    side: str = "left",
) -> None:
    """Vertical lines at the annotated months inside the chart, labelled above it on request.

    ``side="left"`` puts the label's left edge on the line (text right of it),
    ``"right"`` the other way, so an action and an external event in the same
    month do not overlap.
    """
    for at, text in annotations or ():
        at = pd.Timestamp(at)
        if not months[0] <= at <= months[-1]:
            continue
        ax.axvline(at, color=colour, linestyle=style, linewidth=1, zorder=1)
        if labels:
            ax.annotate(
                text,
                xy=(at, 1),
                xycoords=("data", "axes fraction"),
                xytext=(0, 3),
                textcoords="offset points",
                rotation=90,
                rotation_mode="anchor",
                va="top" if side == "left" else "bottom",
                ha="left",
                fontsize="x-small",
                color=colour,
            )


def _draw_run(ax: Axes, run: RunChartResult, t: dict[str, str], fmt: Formatter) -> None:
    d = run.data
    ax.plot(d.index, d["value"], marker="o", markersize=3, linewidth=1, label=t["values"])
    if run.runs_signal and run.longest_run_limit is not None:
        long = (d["run_length"] > run.longest_run_limit).fillna(False).to_numpy(dtype=bool)
        ax.scatter(
            d.index[long], d["value"][long], c="tab:orange", s=16, zorder=3, label=t["long_run"]
        )
    colour, style = ("tab:red", "--") if run.signal else ("0.3", "-")
    label = f"{t['median']} {fmt(run.median)}"
    ax.axhline(run.median, color=colour, linestyle=style, linewidth=1.2, label=label)
    _legend(ax, t["run_title"])


def _draw_xmr(ax: Axes, xmr: XmrChartResult, t: dict[str, str], fmt: Formatter) -> None:
    d = xmr.data
    ax.plot(d.index, d["value"], color="0.6", linewidth=1, zorder=2)
    for kind, colour in VARIATION_COLOURS.items():
        sel = (d["variation"] == kind).to_numpy()
        if sel.any():
            ax.scatter(d.index[sel], d["value"][sel], color=colour, s=16, zorder=3, label=t[kind])
    ax.axhline(xmr.mean, color="0.2", linewidth=1.2, label=f"{t['mean']} {fmt(xmr.mean)}")
    for value, style, name in (
        (xmr.upper_limit, "--", t["limits"]),
        (xmr.lower_limit, "--", None),
        (xmr.upper_near_limit, ":", t["near"]),
        (xmr.lower_near_limit, ":", None),
    ):
        ax.axhline(value, color="0.35", linestyle=style, linewidth=1, label=name)
    _legend(ax, t["xmr_title"])


def _legend(ax: Axes, title: str) -> None:
    """Legend right of the chart, titled with the chart type (labels go above the chart)."""
    legend = ax.legend(
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize="small",
        title_fontsize="medium",
        frameon=False,
    )
    legend.set_alignment("left")


def _axes_format(ax_run: Axes, ax_xmr: Axes, indicator: str) -> None:
    """Month ticks on the shared x axis; shares as percentages."""
    locator = mdates.AutoDateLocator(maxticks=10)
    ax_xmr.xaxis.set_major_locator(locator)
    ax_xmr.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if _is_share(indicator):
        for ax in (ax_run, ax_xmr):
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))


# --------------------------------------------------------------------------- signals


def _run_words(run: RunChartResult, t: dict[str, str]) -> str:
    """The run chart's signals in words: the latest long run, too few crossings."""
    parts = []
    d = run.data
    if run.runs_signal and run.longest_run_limit is not None:
        long = d[(d["run_length"] > run.longest_run_limit).fillna(False).to_numpy(dtype=bool)]
        rows = long[long["run"] == long["run"].max()]
        side = t["above"] if int(rows["side"].iloc[0]) > 0 else t["below"]
        direction = t["up"] if side == t["above"] else t["down"]
        ongoing = rows.index[-1] == d.index[d["useful"].to_numpy(dtype=bool)][-1]
        when = (
            t["since"].format(rows.index[0])
            if ongoing
            else t["from_to"].format(rows.index[0], rows.index[-1])
        )
        points = t["run_points"].format(n=len(rows), side=side)
        parts.append(f"{t['shift']} {direction} {when} ({points})")
    if run.crossings_signal:
        parts.append(t["crossings"].format(c=run.crossings, limit=run.crossings_limit))
    return "; ".join(parts) or t["no_signal"]


def _block_start(flags: pd.Series, end: int) -> Any:
    """Label of the first point of the flagged block that ends at position ``end``."""
    start = end
    while start > 0 and flags.iloc[start - 1]:
        start -= 1
    return flags.index[start]


def _verdict(rows: pd.DataFrame, t: dict[str, str]) -> str:
    variation = str(rows["variation"].iloc[-1])
    for key in ("improvement", "concern"):
        if variation.endswith(key):
            return f" ({t[key]})"
    return ""


def _xmr_part(xmr: XmrChartResult, rule: str, hits: pd.DataFrame, t: dict[str, str]) -> str:
    d = xmr.data
    high = int(hits["relative_to_mean"].iloc[-1]) > 0
    months = ", ".join(f"{m:%Y-%m}" for m in hits.index)
    if rule in ("outside_limits", "two_of_three"):
        hits = hits[(hits["relative_to_mean"] > 0) == high]
        limit = t["upper"] if high else t["lower"]
        months = ", ".join(f"{m:%Y-%m}" for m in hits.index)
        key = "outside" if rule == "outside_limits" else "two_of_three"
        side = t["above"] if high else t["below"]
        return t[key].format(n=len(hits), side=side, limit=limit, months=months) + _verdict(hits, t)
    end = d.index.get_loc(hits.index[-1])
    first = _block_start(d[rule], end)
    if rule == "trend":
        high = d["value"].iloc[end] > d.loc[first, "value"]
    direction = t["up"] if high else t["down"]
    ongoing = end == len(d) - 1
    when = t["since"].format(first) if ongoing else t["from_to"].format(first, hits.index[-1])
    return f"{t[rule]} {direction} {when}" + _verdict(hits, t)


def _xmr_words(xmr: XmrChartResult, recent: int, t: dict[str, str]) -> str:
    """Special causes among the latest ``recent`` points, in words."""
    tail = xmr.data.iloc[-recent:]
    parts = [
        _xmr_part(xmr, rule, tail[tail[rule].to_numpy(dtype=bool)], t)
        for rule in ("outside_limits", "shift", "trend", "two_of_three")
        if tail[rule].any()
    ]
    return "; ".join(parts) or t["no_special"]


def _is_share(indicator: str) -> bool:
    return "share" in indicator


def _number(indicator: str, value: float, language: Language = "en") -> str:
    """A value as a coach reads it: shares in percent, rates rounded."""
    if pd.isna(value):
        return "–"
    if _is_share(indicator):
        text = f"{100 * value:.1f}%"
    else:
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    if language == "nl":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def _signal_row(
    series: pd.DataFrame, indicator: str, baseline_months: int, recent: int, language: Language
) -> dict[str, str]:
    t, h = _text(language), _HEADERS[language]
    run, xmr = _charts(series, indicator, baseline_months)
    data = series[["month", indicator]].dropna()
    last = data.iloc[-1] if len(data) else None
    return {
        h["indicator"]: indicator_label(indicator, language),
        h["month"]: f"{last['month']:%Y-%m}" if last is not None else "–",
        h["latest"]: _number(indicator, last[indicator] if last is not None else np.nan, language),
        h["median"]: _number(indicator, run.median if run else np.nan, language),
        h["mean"]: _number(indicator, xmr.mean if xmr else np.nan, language),
        h["run"]: _run_words(run, t) if run else t["too_few"],
        h["xmr"].format(n=recent): _xmr_words(xmr, recent, t) if xmr else t["too_few"],
    }


def signals_table(
    series: pd.DataFrame,
    indicators: Sequence[str] | None = None,
    *,
    baseline_months: int,
    recent: int = RECENT_MONTHS,
    language: Language = "en",
) -> pd.DataFrame:
    """One row per indicator: latest value, baseline median and mean, signals in words.

    The run-chart column gives the latest unusually long run ("shift up since
    2024-03 (9 points above the median)") and too few crossings; the XmR
    column the special causes among the latest ``recent`` months (points
    outside the limits, shifts, trends, two of three near a limit), with
    improvement or concern where the indicator has a direction
    (:data:`IMPROVEMENT`). Headers and words are in ``language``.

    Parameters
    ----------
    series
        Output of :func:`monitor_series`.
    indicators
        Columns to report; default: every column except ``month``.
    baseline_months
        Leading months that set the centre lines and limits.
    recent
        Months at the end in which XmR special causes are reported.
    language
        ``"en"`` or ``"nl"``.

    Examples
    --------
    >>> s = pd.DataFrame({"month": pd.date_range("2023-01-01", periods=24, freq="MS"),
    ...                   "gp_contact_rate": [10.0] * 12 + [20.0] * 12})
    >>> signals_table(s, baseline_months=12)["run chart"].iloc[0]  # doctest: +ELLIPSIS
    'shift up since 2024-01 (12 points above the median)...'
    """
    _text(language)
    indicators = [c for c in series.columns if c != "month"] if indicators is None else indicators
    rows = [_signal_row(series, i, baseline_months, recent, language) for i in indicators]
    columns = [*list(_HEADERS[language].values())[:-1], _HEADERS[language]["xmr"].format(n=recent)]
    return pd.DataFrame(rows, columns=columns)


def signals_in_words(table: pd.DataFrame, language: Language = "en") -> str:
    """Markdown bullets for the coach, one per indicator, from :func:`signals_table`.

    Examples
    --------
    >>> s = pd.DataFrame({"month": pd.date_range("2023-01-01", periods=24, freq="MS"),
    ...                   "gp_contact_rate": [10.0] * 12 + [20.0] * 12})
    >>> print(signals_in_words(signals_table(s, baseline_months=12)))  # doctest: +ELLIPSIS
    - **GP contacts** (latest 20.0 in 2024-12): run chart: shift up since 2024-01 ...
    """
    t, h = _text(language), _HEADERS[language]
    xmr_columns = [c for c in table.columns if str(c).startswith("XmR")]
    if h["run"] not in table.columns or len(xmr_columns) != 1:
        raise ValueError(f"table is not a signals_table in language {language!r}")
    lines = []
    for row in table.to_dict("records"):
        run, xmr = row[h["run"]], row[xmr_columns[0]]
        if run == t["too_few"]:
            text = t["too_few"]
        elif run == t["no_signal"] and xmr == t["no_special"]:
            text = t["steady"]
        else:
            text = f"{t['run_chart']}: {run}; XmR: {xmr}"
        latest = t["latest"].format(value=row[h["latest"]], month=row[h["month"]])
        lines.append(f"- **{_capital(row[h['indicator']])}** ({latest}): {text}.")
    return "\n".join(lines)
