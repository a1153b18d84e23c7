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

from analysis import plotting
from analysis.data.processed import read_processed
from analysis.errors import WorkbenchError
from analysis.methods.spc import (
    VARIATION_COLOURS,
    Annotations,
    Improvement,
    RunChartResult,
    XmrChartResult,
    run_chart,
    xmr_chart,
)
from analysis.words import Language, Words, format_number, format_percent
from analysis.words.indicators import builtin_indicators

__all__ = [
    "improvement",
    "BASELINE_MIN",
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


def improvement(indicator: str) -> Improvement | None:
    """The direction that counts as improvement, from the indicator catalogue.

    ``None`` for neutral indicators (fewer GP contacts can mean less workload or
    worse access).

    Examples
    --------
    >>> improvement("referral_rate_medical_specialist"), improvement("gp_contact_rate")
    ('decrease', None)
    """
    better = builtin_indicators()[indicator].better if indicator in builtin_indicators() else None
    return {"lower": "decrease", "higher": "increase"}.get(better or "")  # type: ignore[return-value]


Formatter = Callable[[float], str]

BASELINE_MIN = 12  # fewest months for a baseline (centre line and limits)
RECENT_MONTHS = 6  # XmR special causes are reported for the latest months

PDSA_STEPS: tuple[str, ...] = ("plan", "do", "study", "act")
MARKED_STEPS: tuple[str, ...] = ("do",)  # the step in which a change is tried


def monitor_text(section: str, language: Language = "en", **fields: object) -> str:
    """Markdown of a section of the monitor notebook, with ``fields`` filled in.

    Sections: ``title`` and ``page_title`` (``name``), ``reading`` (``baseline``:
    :meth:`Baseline.describe`), ``signals`` (``recent``), ``charts``,
    ``actions`` (``limit``), ``no_actions``.

    Examples
    --------
    >>> print(monitor_text("title", "nl", name="Noord-Limburg"))
    # Maandmonitor: Noord-Limburg
    """
    return Words(language).md(f"monitor.{section}", **fields)


def _text(language: Language) -> dict[str, str]:
    """The monitor's words in ``language`` (the catalogue's ``[monitor]`` section)."""
    return Words(language).section("monitor")


def _headers(language: Language) -> dict[str, str]:
    return Words(language).section("monitor_columns")


def indicator_label(indicator: str, language: Language = "en") -> str:
    """Readable name of an indicator, in English or Dutch.

    Examples
    --------
    >>> indicator_label("third_next_available_days", "nl")
    'dagen tot de derde vrije afspraak'
    """
    return Words(language).indicator(indicator).name


def _capital(text: object) -> str:
    """First letter upper case, the rest as it is ("GP contacts")."""
    text = str(text)
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- data


def _region_row(processed_dir: Path, region_id: str) -> pd.Series:
    regions = read_processed(processed_dir, "regions")
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
    panel = read_processed(processed_dir, "region_month")
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


def withhold_small_shares(
    series: pd.DataFrame,
    processed_dir: Path | str,
    region_id: str,
    *,
    threshold: int,
) -> tuple[pd.DataFrame, list[str]]:
    """Blank the months in which a share is taken of fewer than ``threshold`` units.

    A share of 5 of 6 practices tells who did what; such months are left out of
    the signals and not plotted. The units come from the indicator catalogue's
    ``denominator`` (practices, contacts).

    Returns
    -------
    tuple
        The series with those values missing, and the indicators that lost months.
    """
    catalogue = builtin_indicators()
    shares = {
        c: catalogue[c].denominator
        for c in series.columns
        if c in catalogue and catalogue[c].denominator
    }
    if not shares:
        return series, []
    panel = read_processed(Path(processed_dir), "region_month")
    units = panel.loc[panel["region_id"] == region_id].set_index("month")
    out, hit = series.copy(), []
    for column, denominator in shares.items():
        counts = out["month"].map(units[denominator]) if denominator in units else None
        small = counts.isna() | (counts < threshold) if counts is not None else None
        if small is not None and bool((small & out[column].notna()).any()):
            out.loc[small, column] = np.nan
            hit.append(column)
    return out, hit


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
    return f"{word} {format_number(total, 2, language, sign=True)} fte"


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
    xmr = xmr_chart(values[valid], baseline=run_base, improvement=improvement(indicator))
    return run, xmr


@plotting.literal_text
def monitor_charts(
    series: pd.DataFrame,
    indicator: str,
    *,
    baseline_months: int,
    annotations: Annotations | None = None,
    context: Annotations | None = None,
    starts: Annotations | None = None,
    language: Language = "en",
    title: str | None = None,
) -> tuple[RunChartResult | None, XmrChartResult | None, Figure]:
    """Run chart above XmR chart of one indicator, starts, actions and context marked.

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
    starts
        ``(month, label)`` starts of the region's interventions: grey dash-dot lines,
        every one of them.
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
        _mark(ax, starts, months, colour=plotting.REFERENCE, style="-.", labels=ax is ax_run)
        _mark(ax, annotations, months, colour=plotting.ACTION, style=":", labels=ax is ax_run)
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
            d.index[long], d["value"][long], c=plotting.CONCERN, s=16, zorder=3, label=t["long_run"]
        )
    colour, style = (plotting.SIGNAL, "--") if run.signal else ("0.3", "-")
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
        return format_percent(value, 1, language)
    return format_number(value, 0 if abs(value) >= 100 else 1, language)


def _signal_row(
    series: pd.DataFrame, indicator: str, baseline_months: int, recent: int, language: Language
) -> dict[str, str]:
    t, h = _text(language), _headers(language)
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
    (:func:`improvement`). Headers and words are in ``language``.

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
    headers = _headers(language)
    columns = [*list(headers.values())[:-1], headers["xmr"].format(n=recent)]
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
    t, h = _text(language), _headers(language)
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
