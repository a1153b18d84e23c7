"""The monitor in words: made from its signals (data), in the catalogue's words.

Every sentence comes from the ``[monitor]`` section of the word catalogue
(:mod:`analysis.words`); the numbers, months and changes are formatted by the
report's language. Nothing here parses text back: the signals are
:class:`~analysis.evaluation.monitor.signals.Signal` objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis import plotting
from analysis.evaluation.monitor.annotations import Marker, marker_list_md
from analysis.evaluation.monitor.editions import MonitorEdition, SincePrevious
from analysis.evaluation.monitor.series import BASELINE_MIN
from analysis.evaluation.monitor.signals import RECENT_MONTHS, IndicatorChart, Signal
from analysis.evaluation.tables import practice_pseudonyms, pseudonymise
from analysis.methods.seasonal import SEASONAL_BASELINE_MIN
from analysis.words import Words

#: The variation and assurance icons as a symbol and a colour (Making Data Count's colours:
#: blue improvement, orange concern, purple neutral, grey common cause).
ICON_SYMBOLS = {
    "common_cause": "●",
    "improvement_high": "▲",
    "improvement_low": "▼",
    "concern_high": "▲",
    "concern_low": "▼",
    "neutral_high": "▲",
    "neutral_low": "▼",
    "consistent_pass": "✔",
    "consistent_fail": "✘",
    "inconsistent": "≈",
}
ICON_COLOURS = {
    "common": "#6e6e6e",
    "improvement": plotting.IMPROVEMENT,
    "concern": plotting.CONCERN,
    "neutral": plotting.NEUTRAL,
    "consistent_pass": plotting.IMPROVEMENT,
    "consistent_fail": plotting.CONCERN,
    "inconsistent": "#6e6e6e",
}


def value_text(indicator: str, value: float | None, words: Words) -> str:
    """A value as a coach reads it: shares in percent, rates rounded.

    Examples
    --------
    >>> value_text("e_consult_share", 0.123, Words("nl"))
    '12,3%'
    >>> value_text("gp_contact_rate", 4321.4, Words("en"))
    '4,321'
    """
    if value is None or pd.isna(value):
        return "–"
    entry = words.indicators.get(indicator)
    if entry is not None and entry.scale == "share":
        return words.percent(value, 1)
    return words.number(value, 0 if abs(value) >= 100 else 1)


def icon_text(icon: str | None, words: Words) -> str:
    """An icon's symbol and words (``▼ verbetering (lager)``), or ``–`` without one."""
    if icon is None:
        return "–"
    return f"{ICON_SYMBOLS[icon]} {words.text(f'monitor.icon_{icon}')}"


def icon_style(icon: str | None) -> str:
    """The CSS of a table cell showing ``icon``: its Making Data Count colour."""
    if icon is None:
        return ""
    colour = ICON_COLOURS.get(icon) or ICON_COLOURS[icon.split("_")[0]]
    return f"color: {colour}; font-weight: bold"


def summary_table(
    charts: Sequence[IndicatorChart], words: Words
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per indicator: latest value, centre line now, variation and assurance icons.

    The centre line is the mean of the latest segment (of the seasonally
    adjusted values for a seasonal indicator); the target, where the study set
    one, is beside the assurance icon.

    Returns
    -------
    tuple
        The table, and a table of the same shape with each cell's CSS (the
        icons' colours), for :func:`~analysis.evaluation.tables.show_table`.
    """
    rows, styles = [], []
    for chart in charts:
        month, value = chart.latest
        last = chart.segments[-1].xmr if chart.segments else None
        latest = value_text(chart.indicator, value, words)
        if month is not None:
            latest = f"{latest} ({words.month(month, short=True)})"
        rows.append(
            {
                "indicator": words.indicator(chart.indicator).title(),
                "latest": latest,
                "centre": value_text(chart.indicator, last.mean if last else None, words),
                "variation": icon_text(chart.variation, words),
                "assurance": icon_text(chart.assurance, words),
                "target": value_text(chart.indicator, chart.target, words),
            }
        )
        styles.append(
            {"variation": icon_style(chart.variation), "assurance": icon_style(chart.assurance)}
        )
    columns = ["indicator", "latest", "centre", "variation", "assurance", "target"]
    table = pd.DataFrame(rows, columns=columns)
    return table, pd.DataFrame(styles, columns=columns).fillna("")


# --------------------------------------------------------------------------- signals


def _when(signal: Signal, words: Words) -> str:
    if signal.first == signal.last:
        return words.text("monitor.in_month", month=words.month(signal.first, short=True))
    if signal.ongoing:
        return words.text("monitor.since", month=words.month(signal.first, short=True))
    return words.text(
        "monitor.from_to",
        first=words.month(signal.first, short=True),
        last=words.month(signal.last, short=True),
    )


def signal_text(signal: Signal, words: Words) -> str:
    """One signal in words, e.g. ``verschuiving omlaag sinds mrt 2024 (verbetering)``."""
    direction = words.text(f"monitor.{signal.direction}") if signal.direction else ""
    if signal.rule == "few_crossings":
        return words.text("monitor.crossings", c=signal.points)
    if signal.rule in ("outside_limits", "two_of_three"):
        text = words.text(
            f"monitor.{signal.rule}",
            n=signal.points,
            direction=direction,
            when=_when(signal, words),
        )
    else:
        text = words.text(
            f"monitor.{signal.rule}",
            direction=direction,
            when=_when(signal, words),
            n=signal.points,
        )
    if signal.nature != "neutral":
        text += f" ({words.text(f'monitor.{signal.nature}')})"
    return text


def chart_notes_md(
    chart: IndicatorChart,
    markers: Sequence[Marker],
    words: Words,
    *,
    withheld: Sequence[str] = (),
    threshold: int = 10,
) -> str:
    """What one chart shows, under it: signals, steps, baseline, seasonal adjustment, markers.

    ``withheld`` names the indicators whose months with too few units were left
    out (disclosure control, below ``threshold``).
    """
    if not chart.enough:
        note = words.md("monitor.withheld", k=threshold) if chart.indicator in withheld else ""
        return f"{words.md('monitor.not_enough')} {note}".strip()
    parts = []
    if chart.signals:
        texts = "; ".join(signal_text(s, words) for s in chart.signals)
        parts.append(words.md("monitor.chart_signals", recent=RECENT_MONTHS, signals=texts))
    else:
        parts.append(words.md("monitor.chart_steady", recent=RECENT_MONTHS))
    for before, segment in zip(chart.segments, chart.segments[1:], strict=False):
        change = segment.change
        parts.append(
            words.md(
                "monitor.step",
                month=words.month(segment.first),
                number=change.number if change else "–",
                before=value_text(chart.indicator, before.xmr.mean, words),
                after=value_text(chart.indicator, segment.xmr.mean, words),
            )
        )
    parts.append(chart.baseline.describe(words))
    if chart.indicator in withheld:
        parts.append(words.md("monitor.withheld", k=threshold))
    if chart.pattern is not None:
        parts.append(words.md("monitor.seasonal", n=chart.pattern.baseline_points))
    elif chart.seasonal:
        parts.append(words.md("monitor.seasonal_short", m=SEASONAL_BASELINE_MIN))
    notes = " ".join(parts)
    listed = marker_list_md(markers, words)
    return f"{notes}\n\n{listed}" if listed else notes


def reading_md(words: Words) -> str:
    """How to read the monitor's charts and icons."""
    return words.md(
        "monitor.reading", recent=RECENT_MONTHS, m=BASELINE_MIN, s=SEASONAL_BASELINE_MIN
    )


# --------------------------------------------------------------------------- since last edition


def _signal_item(signal: Signal, words: Words) -> str:
    name = words.indicator(signal.indicator).title()
    return words.md("monitor.signal_item", indicator=name, signal=signal_text(signal, words))


def since_previous_md(
    since: SincePrevious | None,
    edition: MonitorEdition,
    words: Words,
    *,
    show_practice_ids: bool = False,
) -> str:
    """The edition's opening: new signals, ended signals, actions logged since (Markdown)."""
    if since is None:
        return words.md("monitor.since_first")
    month = words.month(pd.Timestamp(f"{since.previous}-01"))
    heading = "monitor.since_heading" if since.kept else "monitor.since_heading_computed"
    blocks = [words.md(heading, month=month)]
    if not since.kept:
        blocks.append(words.md("monitor.since_computed", month=month))
    for key, signals in (("monitor.since_new", since.new), ("monitor.since_ended", since.ended)):
        if signals:
            items = "\n".join(f"- {_signal_item(s, words)}" for s in signals)
            blocks.append(f"{words.md(key)}\n\n{items}")
    if not since.new and not since.ended:
        blocks.append(words.md("monitor.since_same"))
    if since.waves:
        waves = words.listing([words.month(pd.Timestamp(f"{w}-01")) for w in since.waves])
        blocks.append(words.md("monitor.since_waves", waves=waves))
    if since.actions.empty:
        blocks.append(words.md("monitor.since_no_actions"))
    else:
        pseudonyms = {} if show_practice_ids else practice_pseudonyms(edition.data, words)
        items = "\n".join(
            f"- {_action_item(row, words, pseudonyms)}" for row in since.actions.to_dict("records")
        )
        blocks.append(f"{words.md('monitor.since_actions', n=len(since.actions))}\n\n{items}")
    return "\n\n".join(blocks)


def _action_item(row: dict, words: Words, pseudonyms: dict[str, str]) -> str:
    cycle = row.get("cycle")
    kind = words.value(str(row["kind"]))
    if cycle is not None and not pd.isna(cycle):
        kind = words.text("monitor.kind_cycle", kind=kind, cycle=int(cycle))
    text = pseudonymise(row.get("text") or "", pseudonyms)
    return words.md(
        "monitor.action_item",
        date=words.month(pd.Timestamp(row["date"]), short=True),
        kind=kind,
        text=str(text),
    )
