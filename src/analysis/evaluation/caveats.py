"""Data caveats of a region report, in the reader's words and disclosure-controlled.

From the ingest's quality report, the practices left out of the estimates and
the outcomes and methods the region's data could not support (with the reason).
Counts only: practice ids never reach a stakeholder page, and counts below the
disclosure threshold are shown as ``fewer than k``.
"""

from __future__ import annotations

from analysis.evaluation.estimate import Evaluation
from analysis.evaluation.load import RegionData
from analysis.words import Words


def _outcome_words(outcome: str, words: Words) -> str:
    try:
        return words.indicator(outcome).name
    except KeyError:
        return outcome.replace("_", " ")


def skip_caveats(evaluation: Evaluation, words: Words, *, threshold: int) -> list[str]:
    """Sentences on ``evaluation.skipped``: per outcome with other estimates the methods
    that gave none and why; the outcomes without any estimate in one sentence per reason."""
    methods = words.section("methods")
    grouped: dict[tuple[str, str], list[str]] = {}
    for skipped in evaluation.skipped:
        grouped.setdefault((skipped.outcome, skipped.reason), []).append(skipped.method)
    estimated = {e.outcome for e in evaluation.effects}
    sentences = []
    unestimated: dict[str, list[str]] = {}  # reason -> outcomes without any estimate
    for (outcome, reason), skipped_methods in grouped.items():
        name = _outcome_words(outcome, words)
        if outcome in estimated:
            listed = words.listing([methods.get(m, m) for m in skipped_methods])
            why = words.text(f"skip.{reason}")
            sentences.append(
                words.md("caveats.skipped_methods", outcome=name, methods=listed, reason=why)
            )
        else:
            unestimated.setdefault(reason, []).append(name)
    for reason, names in unestimated.items():  # one sentence per reason
        why = words.text(f"skip.{reason}")
        sentences.append(words.md("caveats.no_estimate", outcome=words.listing(names), reason=why))
    for outcome, n in evaluation.left_out.items():
        sentences.append(
            words.md(
                "caveats.left_out",
                outcome=_outcome_words(outcome, words),
                n=words.count_in_words(n, threshold),
            )
        )
    return sentences


def data_caveats(
    data: RegionData, words: Words, evaluation: Evaluation | None = None, *, threshold: int
) -> list[str]:
    """Plain-language caveats for this region (Markdown sentences).

    Parameters
    ----------
    data
        The region's data, with the ingest's quality report.
    words
        The report's words.
    evaluation
        With it, the outcomes and methods that could not be estimated and why.
    threshold
        Counts below it are written as ``fewer than k``.
    """
    practices = set(data.panel.loc[data.panel["region_id"] == data.region_id, "practice_id"])
    notes = []
    if data.dropped_practices:
        n = words.count_in_words(len(data.dropped_practices), threshold)
        notes.append(words.md("caveats.dropped_practices", n=n))
    checks = words.section("quality")
    for key, label in checks.items():
        for item in data.quality.get(key, []):
            hits = _region_mentions(item, practices)
            if hits:
                column = item.get("column", "") if isinstance(item, dict) else ""
                check = f"{label} ({_outcome_words(column, words)})" if column else label
                n = words.count_in_words(hits, threshold)
                notes.append(words.md("caveats.quality", check=check, n=n))
    dropped = sum(v for v in data.quality.get("dropped", {}).values() if isinstance(v, int))
    if dropped:
        notes.append(words.md("caveats.dropped_rows", n=words.count_in_words(dropped, threshold)))
    if evaluation is not None:
        notes += skip_caveats(evaluation, words, threshold=threshold)
    return notes


def _region_mentions(item: object, practices: set[str]) -> int:
    """How many of a quality item's examples concern the given practices."""
    examples = item.get("examples", [item]) if isinstance(item, dict) else [item]
    return sum(any(p in str(example) for p in practices) for example in examples)
