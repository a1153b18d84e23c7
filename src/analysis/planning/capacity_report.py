"""The capacity-outlook page in the reader's words: summary, ranking, tables; disclosure-controlled.

A region whose data count fewer GPs than the disclosure threshold is not shown
on its own: its outlook would tell the age of the few GPs it has. The page says
how many regions that leaves out, and why other regions could not be projected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from analysis.planning.capacity import Assumptions, Outlook
from analysis.planning.charts import plot_capacity, plot_ranked_intervals
from analysis.words import Words

__all__ = [
    "BASELINE",
    "assumptions_table",
    "by_gap_year",
    "gap_words",
    "left_out_words",
    "outlook_figure",
    "outlook_summary",
    "outlook_table",
    "scenario_name",
    "shown_regions",
    "trajectory_figure",
]

#: The scenario without extra measures; the ranking and the summary use it.
BASELINE = "baseline"


def scenario_name(code: str, words: Words) -> str:
    """A scenario's name: the catalogue's words, else its code with spaces."""
    return words.section("scenarios").get(code, code.replace("_", " "))


def shown_regions(outlook: Outlook, threshold: int) -> tuple[list[str], list[str]]:
    """Regions shown (at least ``threshold`` GPs counted) and those withheld, by id."""
    enough = outlook.regions["gps"] >= threshold
    return (
        outlook.regions.loc[enough, "region_id"].tolist(),
        outlook.regions.loc[~enough, "region_id"].tolist(),
    )


def _baseline(outlook: Outlook, regions: Sequence[str]) -> pd.DataFrame:
    gaps = outlook.gaps[outlook.gaps["scenario"] == BASELINE].set_index("region_id")
    base = outlook.regions.set_index("region_id")["base_year"]
    table = gaps.loc[list(regions)].assign(base_year=base)
    order = table["gap_year"].fillna(outlook.horizon + 1)
    return table.assign(_order=order).sort_values(["_order", "capacity_end"])


def by_gap_year(outlook: Outlook, regions: Sequence[str]) -> list[str]:
    """``regions`` in the order of the page: earliest gap first (no extra measures)."""
    return list(_baseline(outlook, regions).index)


def gap_words(year: float, base_year: int, horizon: int, words: Words) -> str:
    """``2029``, ``al in 2026`` (open in the year of the count) or ``na 2035``."""
    if pd.isna(year) or year > horizon:
        return words.text("capacity.after", horizon=horizon)
    if int(year) <= base_year:
        return words.text("capacity.already", year=int(year))
    return str(int(year))


def _band(low: float, high: float, base_year: int, horizon: int, words: Words) -> str:
    low_text, high_text = (gap_words(v, base_year, horizon, words) for v in (low, high))
    return low_text if low_text == high_text else f"{low_text} – {high_text}"


def _with_band(point: str, band: str) -> str:
    """``2027 (2026 – 2029)``, or the point alone when the band says the same."""
    return point if band == point else f"{point} ({band})"


def outlook_summary(
    outlook: Outlook,
    names: Mapping[str, str],
    words: Words,
    *,
    shown: Sequence[str],
    scenarios: Sequence[str],
) -> str:
    """The answer first: where the gap opens first, where not before the horizon, what helps."""
    if not shown:
        return words.md("capacity.nothing_shown")
    table = _baseline(outlook, shown)
    horizon = outlook.horizon
    short = table[table["gap_year"].notna()]
    text = [
        words.md(
            "capacity.summary",
            n_short=len(short),
            n=len(table),
            horizon=horizon,
        )
    ]
    first = short.head(3)
    if not first.empty:
        listing = words.listing(
            [
                f"{names.get(r, r)} ({gap_words(y, int(b), horizon, words)})"
                for r, y, b in zip(first.index, first["gap_year"], first["base_year"], strict=True)
            ]
        )
        text.append(words.md("capacity.first", regions=listing))
    safe = table[table["gap_year"].isna()]
    if not safe.empty:
        text.append(
            words.md(
                "capacity.not_before",
                horizon=horizon,
                regions=words.listing([names.get(r, r) for r in safe.index]),
            )
        )
    for scenario in scenarios:
        if scenario == BASELINE:
            continue
        other = outlook.gaps[outlook.gaps["scenario"] == scenario].set_index("region_id")
        other = other.loc[table.index]
        later = other["gap_year"].fillna(horizon + 1) > table["gap_year"].fillna(horizon + 1)
        gain = other["capacity_end"] - table["capacity_end"]
        text.append(
            words.md(
                "capacity.scenario_effect",
                scenario=scenario_name(scenario, words),
                horizon=horizon,
                gain=words.number(100 * float(gain.mean()), 0),
                n_later=int(later.sum()),
                n=len(other),
            )
        )
    return "\n\n".join(text)


def outlook_figure(
    outlook: Outlook, names: Mapping[str, str], words: Words, *, shown: Sequence[str]
) -> tuple[Figure, str]:
    """The regions ranked by the year the gap opens (no extra measures), with their band."""
    table = _baseline(outlook, shown)
    beyond = outlook.horizon + 1
    point = table["gap_year"].fillna(beyond)
    fig = plot_ranked_intervals(
        [names.get(r, r) for r in table.index],
        point,
        table["gap_low"].clip(upper=beyond),
        table["gap_high"].clip(upper=beyond),
        title=words.text("capacity.figure_title"),
        xlabel=words.text("capacity.figure_x"),
        highlight=[True] * len(table),
        beyond=beyond,
        beyond_label=words.text("capacity.after", horizon=outlook.horizon),
    )
    alt = words.text("capacity.figure_alt", n=len(table), horizon=outlook.horizon)
    return fig, alt


def outlook_table(
    outlook: Outlook,
    names: Mapping[str, str],
    words: Words,
    *,
    shown: Sequence[str],
    scenarios: Sequence[str],
    threshold: int,
) -> pd.DataFrame:
    """Per region shown: GPs counted, capacity now and at the horizon, the gap year per scenario."""
    table = _baseline(outlook, shown)
    horizon = outlook.horizon
    years = outlook.years[outlook.years["scenario"] == BASELINE].set_index(["region_id", "year"])
    gps = outlook.regions.set_index("region_id")["gps"]
    out = pd.DataFrame({words.column("region"): [names.get(r, r) for r in table.index]})
    out[words.text("capacity.col_gps")] = [words.count(gps[r], threshold) for r in table.index]
    out[words.text("capacity.col_now")] = [words.percent(v, 0) for v in table["capacity_start"]]
    end = [years.loc[(r, horizon)] for r in table.index]
    out[words.text("capacity.col_end", horizon=horizon)] = [
        f"{words.percent(e['ratio'], 0)} ({words.percent(e['ratio_low'], 0)}–"
        f"{words.percent(e['ratio_high'], 0)})"
        for e in end
    ]
    out[words.text("capacity.col_gap")] = [
        _with_band(gap_words(y, int(b), horizon, words), _band(lo, hi, int(b), horizon, words))
        for y, lo, hi, b in zip(
            table["gap_year"], table["gap_low"], table["gap_high"], table["base_year"], strict=True
        )
    ]
    for scenario in scenarios:
        if scenario == BASELINE:
            continue
        other = outlook.gaps[outlook.gaps["scenario"] == scenario].set_index("region_id")
        out[words.text("capacity.col_gap_with", scenario=scenario_name(scenario, words))] = [
            gap_words(other.loc[r, "gap_year"], int(b), horizon, words)
            for r, b in zip(table.index, table["base_year"], strict=True)
        ]
    return out


def trajectory_figure(
    outlook: Outlook, names: Mapping[str, str], words: Words, *, regions: Sequence[str]
) -> tuple[Figure, str]:
    """Capacity as a share of need per year for ``regions`` (no extra measures), with bands."""
    years = outlook.years[
        (outlook.years["scenario"] == BASELINE) & outlook.years["region_id"].isin(list(regions))
    ]
    order = {r: k for k, r in enumerate(regions)}
    years = years.sort_values(
        ["region_id", "year"], key=lambda s: s.map(order) if s.name == "region_id" else s
    )
    fig = plot_capacity(
        years,
        dict(names),
        title=words.text("capacity.trajectory_title"),
        ylabel=words.text("capacity.trajectory_y"),
        band_label=words.text("capacity.band"),
        need_label=words.text("capacity.need_line"),
        percent=lambda v: words.percent(v, 0),
    )
    alt = words.text("capacity.trajectory_alt", n=len(regions), horizon=outlook.horizon)
    return fig, alt


def assumptions_table(
    ranges: Mapping[str, Sequence[float]],
    scenarios: Mapping[str, Mapping[str, float]],
    base: Assumptions,
    words: Words,
) -> pd.DataFrame:
    """The assumptions in words: the uncertain ones with their range, then each scenario's."""
    labels = words.section("assumptions")
    rows = []
    for name, (low, mid, high) in ranges.items():
        rows.append(
            {
                words.text("capacity.col_assumption"): labels.get(name, name),
                words.text("capacity.col_value"): (
                    f"{_assumption(name, mid, words)} ({_assumption(name, low, words)} "
                    f"{words.text('frame.to')} {_assumption(name, high, words)})"
                ),
            }
        )
    for name in ("retirement_spread", "new_gp_age", "nurse_gp_equivalent", "pa_gp_equivalent"):
        if name not in ranges:
            rows.append(
                {
                    words.text("capacity.col_assumption"): labels.get(name, name),
                    words.text("capacity.col_value"): _assumption(name, getattr(base, name), words),
                }
            )
    for scenario, changes in scenarios.items():
        for name, value in changes.items():
            rows.append(
                {
                    words.text("capacity.col_assumption"): (
                        f"{scenario_name(scenario, words)}: {labels.get(name, name)}"
                    ),
                    words.text("capacity.col_value"): _assumption(name, value, words),
                }
            )
    return pd.DataFrame(rows)


def _assumption(name: str, value: float, words: Words) -> str:
    """An assumption's value: trends and shares in %, ages in years, the rest as a number."""
    if name in ("leaving_per_year", "hours_trend", "contacts_trend"):
        return words.percent(value, 1)
    return words.number(value, 1)


def left_out_words(
    withheld: Sequence[str], skipped: Mapping[str, str], words: Words, *, threshold: int
) -> str:
    """Which regions the page does not show, and why, counted (never named when withheld)."""
    text = []
    if withheld:
        text.append(words.md("capacity.withheld", n=len(withheld), k=threshold))
    reasons = pd.Series(list(skipped.values()), dtype=object).value_counts()
    for reason, n in reasons.items():
        text.append(
            words.md("capacity.skipped", n=int(n), reason=words.text(f"capacity.skip_{reason}"))
        )
    return "\n\n".join(text)
