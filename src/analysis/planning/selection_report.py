"""The pilot-selection page in the reader's words: summary, tables, figure; disclosure-controlled.

What a stakeholder page of the selection shows, and what it withholds:

* every candidate region's rank, rank interval and chance of being chosen;
* per region and indicator the value and its contribution to the score, except
  where the value rests on fewer practices or GP survey respondents than the
  disclosure threshold (:func:`analysis.planning.indicators.disclosure_unit`):
  such cells are left empty;
* the score itself is not shown as a number, so a withheld contribution cannot
  be worked back from the score and the other contributions;
* counts of practices below the threshold read ``<k``; ranks read as ordinals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.planning.charts import plot_ranked_intervals
from analysis.planning.indicators import POPULATION_INDICATORS, IndicatorData
from analysis.planning.matching import Matches
from analysis.planning.selection import NeedScores, RankStability
from analysis.reporting.files import atomic_write_json
from analysis.words import Words

__all__ = [
    "balance_words",
    "indicator_label",
    "matches_table",
    "matching_summary",
    "ranking_table",
    "selection_figure",
    "selection_summary",
    "values_table",
    "weights_table",
    "withheld",
    "write_matches",
]

#: A chosen region is "stable" when it ranks in the top N in at least this share of replicates.
STABLE = 0.9
#: A region not chosen is "near" when it ranks in the top N in at least this share.
NEAR = 0.25
#: A standardised difference above this after matching is worth a warning (Stuart 2010;
#: Rubin 2001: |SMD| > 0.25 makes regression adjustment unreliable).
IMBALANCED = 0.25


def indicator_label(name: str, words: Words) -> str:
    """An indicator's name in the reader's words (planning words, else the outcome catalogue)."""
    own = words.section("planning_indicators")
    return own[name] if name in own else words.indicator(name).name


def indicator_unit(name: str, words: Words) -> str:
    """An indicator's unit in the reader's words."""
    own = words.section("planning_units")
    return own[name] if name in own else words.indicator(name).unit


def _is_share(name: str, words: Words) -> bool:
    if name in POPULATION_INDICATORS:
        return name != "inhabitants"
    known = words.indicators.get(name)
    return known is not None and known.scale == "share"


def format_value(name: str, value: float, words: Words) -> str | None:
    """A value as the page shows it: shares in %, head counts whole, others one decimal."""
    if pd.isna(value):
        return None
    if _is_share(name, words):
        return words.percent(value, 0)
    return words.number(value, 0 if name == "inhabitants" else 1)


def withheld(data: IndicatorData, threshold: int) -> pd.DataFrame:
    """Region x indicator: True where the value rests on fewer units than ``threshold``."""
    table = pd.DataFrame(index=pd.Index(data.regions["region_id"], name="region_id"))
    for name in data.indicators:
        units = data.units(name)
        table[name] = (units.notna() & (units < threshold)).reindex(table.index).to_numpy()
    return table


def _names(data: IndicatorData) -> dict[str, str]:
    return dict(zip(data.regions["region_id"], data.regions["name"].astype(str), strict=True))


def _rank_range(low: int, high: int, words: Words) -> str:
    if low == high:
        return words.ordinal(low)
    return f"{words.ordinal(low)}–{words.ordinal(high)}"


def ranking_table(
    scores: NeedScores,
    stability: RankStability,
    data: IndicatorData,
    words: Words,
    *,
    threshold: int,
    show: int,
) -> pd.DataFrame:
    """The ``show`` regions of most need: rank, interval, chance, practices, contributions.

    Contributions (weight share x standardised value, positive = more need) are
    left empty where the value is withheld or missing.
    """
    table = stability.table.sort_values(["rank", "p_top"], ascending=[True, False]).head(show)
    hidden = withheld(data, threshold)
    values = data.values()
    names = _names(data)
    practices = data.regions.set_index("region_id")["n_practices"]
    top_n = int(stability.settings["top_n"])
    out = pd.DataFrame(
        {
            words.text("selection.col_rank"): [words.ordinal(r) for r in table["rank"]],
            words.column("region"): [names[r] for r in table.index],
            words.text("selection.col_interval", level=words.percent(
                float(stability.settings["level"]), 0)): [
                _rank_range(lo, hi, words)
                for lo, hi in zip(table["rank_low"], table["rank_high"], strict=True)
            ],
            words.text("selection.col_chance", n=top_n): [
                words.percent(p, 0) for p in table["p_top"]
            ],
            words.column("practices"): [words.count(practices[r], threshold) for r in table.index],
        }
    )  # fmt: skip
    for name in data.indicators:
        cells = []
        for region in table.index:
            shown = not hidden.loc[region, name] and pd.notna(values.loc[region, name])
            value = scores.contributions.loc[region, name]
            cells.append(words.number(value, 2, sign=True) if shown else None)
        out[indicator_label(name, words)] = cells
    return out


def values_table(
    data: IndicatorData, regions: Sequence[str], words: Words, *, threshold: int
) -> pd.DataFrame:
    """The chosen regions' indicator values (withheld ones empty) and the candidates' median."""
    values = data.values()
    hidden = withheld(data, threshold)
    names = _names(data)
    rows = []
    for region in regions:
        row = {words.column("region"): names[region]}
        for name in data.indicators:
            value = None if hidden.loc[region, name] else values.loc[region, name]
            row[indicator_label(name, words)] = format_value(name, value, words)
        rows.append(row)
    median = {words.column("region"): words.text("selection.median_row")}
    for name in data.indicators:
        shown = values.loc[~hidden[name], name]
        median[indicator_label(name, words)] = format_value(name, shown.median(), words)
    rows.append(median)
    return pd.DataFrame(rows)


def weights_table(scores: NeedScores, directions: Mapping[str, str], words: Words) -> pd.DataFrame:
    """Per indicator: its unit, weight share and which value means more need."""
    return pd.DataFrame(
        {
            words.text("selection.col_indicator"): [
                indicator_label(i, words) for i in scores.weights.index
            ],
            words.text("selection.col_unit"): [
                indicator_unit(i, words) for i in scores.weights.index
            ],
            words.text("selection.col_weight"): [
                words.percent(w, 0) for w in scores.weights.to_numpy()
            ],
            words.text("selection.col_direction"): [
                words.text(f"selection.more_need_{directions[i]}") for i in scores.weights.index
            ],
        }
    )


def selection_summary(
    scores: NeedScores,
    stability: RankStability,
    data: IndicatorData,
    words: Words,
    *,
    country: str,
    chosen: Sequence[str],
) -> str:
    """The answer first: how many regions were compared, which were chosen, how sure that is."""
    names = _names(data)
    start, end = data.window
    text = [
        words.md(
            "selection.summary",
            n_regions=words.number(len(data.regions)),
            country=words.country_name(country),
            start=words.month(start),
            end=words.month(end - pd.DateOffset(months=1)),
        )
    ]
    if data.survey_wave is not None:
        text.append(words.md("selection.survey_wave", wave=words.month(data.survey_wave)))
    text.append(
        words.md(
            "selection.chosen", n=len(chosen), regions=words.listing([names[r] for r in chosen])
        )
    )
    p_top = stability.table["p_top"]
    stable = [r for r in chosen if p_top[r] >= STABLE]
    shaky = [r for r in chosen if p_top[r] < STABLE]
    near = [r for r in p_top.index if r not in chosen and p_top[r] >= NEAR]
    n = len(chosen)
    if stable:
        text.append(
            words.md(
                "selection.stable",
                n=n,
                count=len(stable),
                regions=words.listing([names[r] for r in stable]),
            )
        )
    if shaky or near:
        border = words.listing([names[r] for r in [*shaky, *near]])
        text.append(words.md("selection.borderline", n=n, regions=border))
    return "\n\n".join(text)


def selection_figure(
    stability: RankStability,
    data: IndicatorData,
    chosen: Sequence[str],
    words: Words,
    *,
    show: int,
) -> tuple[Figure, str]:
    """The ranked dot plot: rank and rank interval of the ``show`` regions of most need."""
    table = stability.table.sort_values(["rank", "p_top"], ascending=[True, False]).head(show)
    names = _names(data)
    level = words.percent(float(stability.settings["level"]), 0)
    top_n = int(stability.settings["top_n"])
    fig = plot_ranked_intervals(
        [names[r] for r in table.index],
        table["rank"],
        table["rank_low"],
        table["rank_high"],
        title=words.text("selection.figure_title", n=len(table)),
        xlabel=words.text("selection.figure_x", level=level),
        highlight=[r in chosen for r in table.index],
        legend=(words.text("selection.legend_chosen"), words.text("selection.legend_other")),
        cut=top_n + 0.5,
        tick_label=lambda v: words.ordinal(round(v)),
    )
    alt = words.text("selection.figure_alt", n=len(table), level=level, chosen=len(chosen))
    return fig, alt


def matches_table(matches: Matches, data: IndicatorData, words: Words) -> pd.DataFrame:
    """Per chosen region its comparison regions, nearest first, with their distance."""
    names = _names(data)
    return pd.DataFrame(
        {
            words.text("matching.col_pilot"): [names[p] for p in matches.pairs["pilot"]],
            words.text("matching.col_comparison"): [names[c] for c in matches.pairs["comparison"]],
            words.text("matching.col_distance"): [
                words.number(d, 2) for d in matches.pairs["distance"]
            ],
        }
    )


def matching_summary(
    matches: Matches,
    balance: pd.DataFrame,
    data: IndicatorData,
    words: Words,
    *,
    n_matches: int,
    covariates: Sequence[str],
) -> str:
    """How the comparison regions were found, who lacks one, and how well they balance."""
    names = _names(data)
    text = [
        words.md(
            "matching.summary",
            n=n_matches,
            caliper=words.number(matches.caliper, 2),
            covariates=words.listing([indicator_label(c, words) for c in covariates]),
        )
    ]
    if matches.unmatched:
        lacking = words.listing([names[r] for r in matches.unmatched])
        text.append(words.md("matching.unmatched", regions=lacking))
    if not balance.empty:
        text.append(
            words.md(
                "matching.balance",
                before=words.number(float(np.nanmax(np.abs(balance["smd_before"]))), 2),
                after=words.number(float(np.nanmax(np.abs(balance["smd_after"]))), 2),
            )
        )
        apart = balance.index[balance["smd_after"].abs() > IMBALANCED]
        if len(apart):
            names_apart = words.listing([indicator_label(c, words) for c in apart])
            text.append(words.md("matching.imbalanced", covariates=names_apart))
    return "\n\n".join(text)


def balance_words(balance: pd.DataFrame, words: Words) -> pd.DataFrame:
    """The balance table with the covariates' names and the numbers in the reader's words."""
    out = pd.DataFrame({words.text("selection.col_indicator"): [
        indicator_label(c, words) for c in balance.index
    ]})  # fmt: skip
    for column in ("pilot_mean", "pool_mean", "matched_mean"):
        out[words.text(f"matching.col_{column}")] = [
            format_value(name, v, words) for name, v in balance[column].items()
        ]
    for column in ("smd_before", "smd_after"):
        out[words.text(f"matching.col_{column}")] = [
            words.number(v, 2, sign=True) if pd.notna(v) else None for v in balance[column]
        ]
    return out


def write_matches(matches: Matches, path: Path | str, *, country: str, as_of: pd.Timestamp) -> Path:
    """The chosen regions and their comparison regions as JSON, for the evaluation to use."""
    return atomic_write_json(
        Path(path),
        {
            "country": country,
            "as_of": as_of.date().isoformat(),
            "caliper": matches.caliper,
            "comparisons": matches.as_dict(),
            "unmatched": matches.unmatched,
        },
    )
