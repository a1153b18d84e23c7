"""The indicator catalogue: per outcome its name, description, unit and better direction.

The built-in catalogue is ``indicators.toml`` beside this module. A study adds
its own outcomes in ``workbench.toml``::

    [indicators.lab_request_rate]
    scale = "ratio"            # "ratio" (rates, counts: % change) or "share" (percentage points)
    better = "lower"           # "lower", "higher" or "neutral"
    group = "right_place"      # referrals, workload, access, right_place, experience, other
    nl = { name = "laboratoriumaanvragen", unit = "per 1.000 patiënten per jaar",
           description = "aanvragen voor laboratoriumonderzoek" }
    en = { name = "laboratory requests", unit = "per 1,000 patients per year",
           description = "requests for laboratory tests" }

A Flemish variant (``nl-BE``) may override any of the Dutch words.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any, Literal, get_args

from analysis.words.numbers import LANGUAGES, Country, Language

Scale = Literal["ratio", "share"]
Better = Literal["lower", "higher", "neutral"]
Group = Literal["referrals", "workload", "access", "right_place", "experience", "other"]
GROUPS: tuple[Group, ...] = get_args(Group)
_WORD_FIELDS = ("name", "description", "unit")


@dataclass(frozen=True)
class IndicatorWords:
    """What a reader is told about an indicator in one language."""

    name: str
    description: str
    unit: str

    def title(self) -> str:
        """The name with a capital first letter, for headings and table rows."""
        return self.name[:1].upper() + self.name[1:]  # as Words.capital


@dataclass(frozen=True)
class Indicator:
    """One outcome of the catalogue.

    Attributes
    ----------
    column
        The panel column (``referral_rate_medical_specialist``).
    scale
        ``"ratio"``: effects read as % change; ``"share"``: as percentage points.
    better
        Which direction is an improvement (``"neutral"``: neither is).
    group
        The report section it belongs to, in the order of :data:`GROUPS`.
    words
        Words per language (``"nl"``, ``"en"``) and variant (``"nl-BE"``).
    denominator
        For a share: the count column of the region-month panel it is a share of
        (``n_practices``, ``contacts``); a share of fewer units than the disclosure
        threshold is not shown.
    seasonal
        Whether the indicator has a seasonal pattern (a winter peak): the
        monitor then charts it seasonally adjusted (:mod:`analysis.methods.seasonal`).
    """

    column: str
    scale: Scale
    better: Better
    group: Group
    words: Mapping[str, IndicatorWords] = field(default_factory=dict)
    denominator: str | None = None
    seasonal: bool = False

    def in_language(self, language: Language, country: Country | None = None) -> IndicatorWords:
        """The words in ``language``, Flemish where the region is in Belgium."""
        base = self.words[language]
        variant = self.words.get(f"{language}-{country}") if country else None
        return variant or base

    def assessment(self, change: float) -> Literal["better", "worse", "neutral"]:
        """Whether a change of this sign is better or worse for this indicator."""
        if self.better == "neutral" or change == 0:
            return "neutral"
        return "better" if (change < 0) == (self.better == "lower") else "worse"


class IndicatorError(ValueError):
    """An indicator without words, or with words that do not fit the catalogue."""


def _parse(column: str, entry: Mapping[str, Any], source: str) -> Indicator:
    scale, better = entry.get("scale"), entry.get("better")
    group = entry.get("group", "other")
    if scale not in get_args(Scale):
        raise IndicatorError(f"{source}: indicator '{column}': scale must be 'ratio' or 'share'")
    if better not in get_args(Better):
        raise IndicatorError(
            f"{source}: indicator '{column}': better must be 'lower', 'higher' or 'neutral'"
        )
    if group not in GROUPS:
        raise IndicatorError(
            f"{source}: indicator '{column}': group must be one of {', '.join(GROUPS)}"
        )
    words: dict[str, IndicatorWords] = {}
    for language in (*LANGUAGES, *(k for k in entry if "-" in k)):
        given = entry.get(language)
        if language in LANGUAGES and not isinstance(given, Mapping):
            raise IndicatorError(
                f"{source}: indicator '{column}' has no words in '{language}': give "
                f"{language} = {{ name = ..., description = ..., unit = ... }}"
            )
        if not isinstance(given, Mapping):
            continue
        base = entry.get(language.split("-")[0], {}) if "-" in language else {}
        merged = {**base, **given}
        missing = [f for f in _WORD_FIELDS if not str(merged.get(f, "")).strip()]
        if missing:
            raise IndicatorError(
                f"{source}: indicator '{column}' in '{language}' lacks {', '.join(missing)}"
            )
        words[language] = IndicatorWords(*(str(merged[f]) for f in _WORD_FIELDS))
    denominator = entry.get("denominator")
    seasonal = entry.get("seasonal", False)
    if not isinstance(seasonal, bool):
        raise IndicatorError(f"{source}: indicator '{column}': seasonal must be true or false")
    return Indicator(
        column,
        scale,
        better,
        group,
        words,
        str(denominator) if denominator else None,
        seasonal,
    )


@cache
def builtin_indicators() -> dict[str, Indicator]:
    """The indicators the workbench knows (``indicators.toml``)."""
    text = files("analysis.words").joinpath("indicators.toml").read_text(encoding="utf-8")
    return {c: _parse(c, e, "indicators.toml") for c, e in tomllib.loads(text).items()}


def indicator_catalogue(
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Indicator]:
    """The built-in indicators plus a study's own (``[indicators.*]`` of ``workbench.toml``).

    Raises
    ------
    IndicatorError
        When a study's indicator lacks words in a language or has an unknown
        scale, direction or group.
    """
    catalogue = dict(builtin_indicators())
    for column, entry in (extra or {}).items():
        catalogue[column] = _parse(column, entry, "workbench.toml [indicators]")
    return catalogue


def require_words(outcomes: Iterable[str], catalogue: Mapping[str, Indicator]) -> None:
    """Raise :class:`IndicatorError` naming every outcome the catalogue has no words for."""
    missing = [o for o in outcomes if o not in catalogue]
    if missing:
        raise IndicatorError(
            f"outcome(s) without words in the indicator catalogue: {', '.join(missing)}. Fix: "
            f"add [indicators.{missing[0]}] to workbench.toml with its scale, better direction "
            "and nl and en words (README, 'Adding an outcome')"
        )


def ordered(outcomes: Iterable[str], catalogue: Mapping[str, Indicator]) -> list[str]:
    """``outcomes`` in report order: by group (:data:`GROUPS`), then as given."""
    listed = list(outcomes)
    return sorted(listed, key=lambda o: (GROUPS.index(catalogue[o].group), listed.index(o)))
