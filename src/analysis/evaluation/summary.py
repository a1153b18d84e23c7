"""The answer first: a region report's summary, headline table and appendix, in words.

The effects are data (:class:`~analysis.evaluation.estimate.Effect`); the words
come from the catalogue (:mod:`analysis.words`). How sure a sentence sounds
follows the 95% interval (:func:`certainty`); whether a change is better or worse
follows the indicator catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from analysis.evaluation.charts import intervention_starts
from analysis.evaluation.estimate import Effect, Evaluation
from analysis.evaluation.load import RegionData
from analysis.words import Words
from analysis.words.indicators import ordered
from analysis.words.numbers import change_values

Certainty = Literal["clear", "unclear", "flat"]

#: An interval within this band around "no change" means little or nothing changed:
#: percent for rates and counts, percentage points for shares.
FLAT_BAND = {"ratio": 5.0, "difference": 1.0}


def certainty(effect: Effect) -> Certainty:
    """How sure the data are: ``clear`` (interval excludes no change), ``flat`` or ``unclear``.

    ``flat``: the interval includes no change and stays within :data:`FLAT_BAND`
    of it, so any change is small. ``unclear``: it includes no change and runs
    further, so the data cannot tell.

    Examples
    --------
    >>> certainty(Effect("x", "att_gt", 0.8, 0.7, 0.9, "ratio", 8, True))
    'clear'
    >>> certainty(Effect("x", "att_gt", 1.01, 0.98, 1.03, "ratio", 8, True))
    'flat'
    """
    null = 1.0 if effect.scale == "ratio" else 0.0
    if effect.ci_low is None or effect.ci_high is None:
        return "unclear"
    if not effect.ci_low <= null <= effect.ci_high:
        return "clear"
    (_, low, high), _, _ = change_values(
        effect.scale, effect.estimate, effect.ci_low, effect.ci_high
    )
    band = FLAT_BAND["ratio" if effect.scale == "ratio" else "difference"]
    return "flat" if max(abs(low), abs(high)) <= band else "unclear"


def primary_effects(evaluation: Evaluation) -> list[Effect]:
    """The main estimate of each outcome that has one, in report order."""
    found = {e.outcome: e for e in evaluation.effects if e.primary and e.ci_low is not None}
    return [found[o] for o in found]


def assessment(effect: Effect, words: Words) -> str:
    """``beter`` / ``slechter`` / ``geen duidelijke verandering`` / ``meer`` / ``minder``."""
    if certainty(effect) != "clear":
        return words.value("unclear")
    change = effect.estimate - (1.0 if effect.scale == "ratio" else 0.0)
    verdict = words.indicators[effect.outcome].assessment(change)
    if verdict == "neutral":
        return words.value("more" if change > 0 else "less")
    return words.value(verdict)


def effect_sentence(effect: Effect, words: Words) -> str:
    """One Markdown sentence: what changed, by how much, with its interval and verdict."""
    name = words.indicator(effect.outcome).title()
    interval = (
        f"{words.text('findings.ci')} {words.interval(effect.scale, effect.ci_low, effect.ci_high)}"
    )
    (change, *_), decimals, _ = change_values(effect.scale, effect.estimate, 0, 0)
    if round(change, decimals) == 0:
        return words.md(
            "findings.sentence_flat",
            outcome=name,
            direction=words.text("findings.flat"),
            interval=interval,
        )
    verdict = words.indicators[effect.outcome].assessment(change)
    judged = "" if verdict == "neutral" else words.text(f"findings.assessment_{verdict}")
    return words.md(
        "findings.sentence",
        outcome=name,
        direction=words.text("findings.up" if change > 0 else "findings.down"),
        size=words.size(effect.scale, effect.estimate, sign=False),
        interval=interval,
        assessment=judged,
    )


def _interventions_text(data: RegionData, words: Words) -> str:
    starts = intervention_starts(data)
    return words.listing(
        [
            words.text(
                "report.start", intervention=words.intervention(code), month=words.month(start)
            )
            for code, start in starts
        ]
    )


def summary_markdown(
    data: RegionData, evaluation: Evaluation, words: Words, *, threshold: int, period: str
) -> str:
    """The report's opening: what was tried, since when, what changed and how sure we are."""
    n_pilot = data.pilot_practices["practice_id"].nunique()
    n_comparison = data.comparison_practices["practice_id"].nunique()
    country = words.country_name(str(data.region.get("country", "")))
    lines = [words.md("report.summary")]
    if data.design == "descriptive":
        return "\n\n".join([*lines, words.md("report.descriptive")])
    lines.append(
        words.md(
            "report.tried",
            name=str(data.region["name"]),
            country=country,
            interventions=_interventions_text(data, words),
            n_pilot=words.count_in_words(n_pilot, threshold),
            n_comparison=words.count_in_words(n_comparison, threshold),
            period=period,
        )
    )
    effects = primary_effects(evaluation)
    clear = [e for e in effects if certainty(e) == "clear"]
    if clear:
        bullets = "\n".join(f"- {effect_sentence(e, words)}" for e in clear)
        lines.append(
            f"{words.md('report.clear_intro')}\n\n{bullets}\n\n{words.md('certainty.clear')}"
        )
    elif effects:
        lines.append(words.md("report.no_clear"))
    rest = [words.indicator(e.outcome).name for e in effects if certainty(e) != "clear"]
    if rest:
        lines.append(words.md("report.unclear_list", outcomes=words.listing(rest)))
    lines.append(covers_markdown(data, words))
    return "\n\n".join(line for line in lines if line)


def covers_markdown(data: RegionData, words: Words) -> str:
    """Which intervention(s) the estimates cover; empty without interventions."""
    starts = intervention_starts(data)
    if len(starts) == 1:
        return words.md("report.covers_one", intervention=words.intervention(starts[0][0]))
    if starts:
        names = words.listing([words.intervention(code) for code, _ in starts])
        return words.md("report.covers", interventions=names)
    return ""


def overlap_caveats(data: RegionData, words: Words) -> list[str]:
    """A caveat for each pair of interventions that ran at the same time."""
    if data.interventions.empty:
        return []
    spans = (
        data.interventions.groupby("intervention")
        .agg(start=("start_date", "min"), end=("end_date", "max"))
        .sort_values("start")
    )
    notes = []
    rows = list(spans.itertuples())
    for i, first in enumerate(rows):
        for second in rows[i + 1 :]:
            if pd.isna(first.end) or second.start <= first.end:
                notes.append(
                    words.md(
                        "caveats.overlap",
                        first=words.intervention(str(first.Index)),
                        second=words.intervention(str(second.Index)),
                        month=words.month(second.start),
                    )
                )
    return notes


def headline_table(evaluation: Evaluation, words: Words, outcomes: Sequence[str]) -> pd.DataFrame:
    """One row per outcome: the change with its 95% interval and whether that is better.

    Outcomes without an estimate say so; rows follow the catalogue's groups
    (referrals, workload, access, right place, experience).
    """
    effects = {e.outcome: e for e in primary_effects(evaluation)}
    rows = []
    for outcome in ordered(outcomes, words.indicators):
        effect = effects.get(outcome)
        rows.append(
            {
                "outcome": words.indicator(outcome).title(),
                "change": (
                    words.change(effect.scale, effect.estimate, effect.ci_low, effect.ci_high)
                    if effect
                    else words.value("no_estimate")
                ),
                "assessment": assessment(effect, words) if effect else "–",
            }
        )
    return pd.DataFrame(rows, columns=["outcome", "change", "assessment"])


def methods_table(evaluation: Evaluation, words: Words) -> pd.DataFrame:
    """Every estimate of every method, in words: the appendix's check of the main estimate."""
    methods = words.section("methods")
    rows: dict[str, dict[str, str]] = {}
    for e in evaluation.effects:
        name = words.indicator(e.outcome).title()
        rows.setdefault(name, {})[methods.get(e.method, e.method)] = words.change(
            e.scale, e.estimate, e.ci_low, e.ci_high
        )
    table = pd.DataFrame.from_dict(rows, orient="index")
    return table.rename_axis(words.column("outcome")).reset_index()


def glossary_markdown(words: Words, *, threshold: int) -> str:
    """The plain-language glossary as a bullet list."""
    return "\n".join(
        f"- {words.md(f'glossary.{key}', k=threshold)}" for key in words.section("glossary")
    )
