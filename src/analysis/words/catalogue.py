"""Every word a report, monitor, index or synthesis shows, per language, in one catalogue.

The words are in ``nl.toml`` and ``en.toml`` beside this module, one table per
part of the reports (``[frame]``, ``[report]``, ``[monitor]``, ...); ``nl-BE.toml``
holds the Flemish words where they differ from the Netherlands' (a Flemish
practice has patients with a GMD and a praktijkverpleegkundige, not
ingeschreven patiënten and a praktijkondersteuner). The region's country decides.

:class:`Words` is what report code asks: ``words.md("report.title", name=...)``
for Markdown (fields from the data shown literally), ``words.text(...)`` for
plain text (figure labels), and the formatters of :mod:`analysis.words.numbers`.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import pandas as pd

from analysis.reporting.escape import markdown_literal
from analysis.words import numbers
from analysis.words.indicators import Indicator, IndicatorWords, builtin_indicators
from analysis.words.numbers import Country, Language, check_language

VARIANTS: dict[tuple[str, str], str] = {("nl", "BE"): "nl-BE"}


@cache
def _load(name: str) -> dict[str, dict[str, str]]:
    text = files("analysis.words").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def catalogue(language: Language, country: Country | None = None) -> dict[str, dict[str, str]]:
    """All sections of the catalogue in ``language``, with the country's variant applied."""
    base = {section: dict(words) for section, words in _load(check_language(language)).items()}
    variant = VARIANTS.get((language, country or ""))
    for section, words in (_load(variant) if variant else {}).items():
        base[section].update(words)
    return base


@dataclass(frozen=True)
class Words:
    """The words and number formats of one report.

    Parameters
    ----------
    language
        ``"nl"`` or ``"en"``.
    country
        The region's country (``"NL"``, ``"BE"``): Flemish words for Belgian regions.
    indicators
        The indicator catalogue (built-in plus the study's own).

    Examples
    --------
    >>> Words("nl", "BE").column("listed_patients")
    'patiënten met GMD'
    >>> Words("en").number(1234.5, 1)
    '1,234.5'
    """

    language: Language
    country: Country | None = None
    indicators: Mapping[str, Indicator] = field(default_factory=builtin_indicators)

    def __post_init__(self) -> None:
        check_language(self.language)

    # ---------------------------------------------------------------- sentences

    def template(self, key: str) -> str:
        """The raw template of ``"section.key"``."""
        section, _, name = key.partition(".")
        sections = catalogue(self.language, self.country)
        try:
            return sections[section][name]
        except KeyError:
            raise KeyError(f"no words for {key!r} in the {self.language} catalogue") from None

    def section(self, name: str) -> dict[str, str]:
        """All templates of one section (for code that looks words up by its own keys)."""
        return dict(catalogue(self.language, self.country)[name])

    def text(self, key: str, **fields: object) -> str:
        """Plain text of ``"section.key"`` with ``fields`` filled in (figures, page titles)."""
        return self.template(key).format(**fields)

    def md(self, key: str, **fields: object) -> str:
        """Markdown of ``"section.key"``; text fields are shown literally (they may be data)."""
        literal = {k: markdown_literal(v) if isinstance(v, str) else v for k, v in fields.items()}
        return self.template(key).format(**literal)

    # ---------------------------------------------------------------- names of things

    def indicator(self, outcome: str) -> IndicatorWords:
        """Name, description and unit of an outcome; an outcome without words is an error."""
        try:
            return self.indicators[outcome].in_language(self.language, self.country)
        except KeyError:
            raise KeyError(
                f"outcome {outcome!r} has no words in the indicator catalogue: add "
                f"[indicators.{outcome}] to workbench.toml"
            ) from None

    def column(self, name: str) -> str:
        """A table header; unknown columns keep their name with spaces for underscores."""
        return self.section("columns").get(name, name.replace("_", " "))

    def value(self, code: str) -> str:
        """A coded cell value (``pilot``, ``pdsa_plan``) in words; other values as they are."""
        return self.section("values").get(code, code)

    def intervention(self, code: str) -> str:
        """An intervention's name: the catalogue's words, else the data's id with spaces."""
        return self.section("interventions").get(code, code.replace("_", " "))

    def country_name(self, code: str) -> str:
        """``Nederland`` / ``Vlaanderen``."""
        return self.section("countries").get(code, code)

    @staticmethod
    def capital(text: str) -> str:
        """``text`` with its first letter upper case, the rest as it is (``GP contacts``)."""
        return text[:1].upper() + text[1:]

    def listing(self, items: list[str]) -> str:
        """``a, b en c``: items in running text, joined with the language's 'and'.

        Examples
        --------
        >>> Words("nl").listing(["a", "b", "c"]), Words("en").listing(["a"])
        ('a, b en c', 'a')
        """
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.text('report.and')} {items[-1]}"

    # ---------------------------------------------------------------- numbers

    def number(self, value: float, decimals: int = 0, *, sign: bool = False) -> str:
        """:func:`analysis.words.numbers.format_number` in this language."""
        return numbers.format_number(value, decimals, self.language, sign=sign)

    def percent(self, value: float, decimals: int = 0) -> str:
        """:func:`analysis.words.numbers.format_percent` in this language."""
        return numbers.format_percent(value, decimals, self.language)

    def ordinal(self, n: int) -> str:
        """:func:`analysis.words.numbers.format_ordinal` in this language (a rank: ``3e``)."""
        return numbers.format_ordinal(int(n), self.language)

    def month(self, month: object, *, short: bool = False) -> str:
        """:func:`analysis.words.numbers.format_month` in this language."""
        return numbers.format_month(month, self.language, short=short)

    def moment(self, moment: dt.datetime) -> str:
        """:func:`analysis.words.numbers.format_moment` in this language."""
        return numbers.format_moment(moment, self.language)

    def change(self, scale: str, estimate: float, low: float | None, high: float | None) -> str:
        """:func:`analysis.words.numbers.format_change` in this language."""
        return numbers.format_change(scale, estimate, low, high, self.language)

    def interval(self, scale: str, low: float, high: float) -> str:
        """:func:`analysis.words.numbers.format_interval` in this language."""
        return numbers.format_interval(scale, low, high, self.language)

    def size(self, scale: str, estimate: float, *, sign: bool = True) -> str:
        """:func:`analysis.words.numbers.format_size` in this language."""
        return numbers.format_size(scale, estimate, self.language, sign=sign)

    def count(self, n: float, threshold: int) -> str:
        """A count for a table: ``<k`` when below the disclosure threshold (zero stays 0)."""
        if pd.isna(n):
            return ""
        return f"<{threshold}" if 0 < n < threshold else self.number(n)

    def count_in_words(self, n: float, threshold: int) -> str:
        """A count for running text: ``fewer than 10`` when below the threshold."""
        if 0 < n < threshold:
            return self.text("disclosure.fewer_than", k=threshold)
        return self.number(n)


def words_for(
    language: Language, country: str | None = None, extra: Mapping[str, Any] | None = None
) -> Words:
    """:class:`Words` for a report, with a study's own indicators added.

    Parameters
    ----------
    language
        The report language.
    country
        The region's country code, if the report is about one region.
    extra
        The study's ``[indicators.*]`` tables (a notebook parameter).
    """
    from analysis.words.indicators import indicator_catalogue

    known = country if country in ("NL", "BE") else None
    return Words(language, known, indicator_catalogue(extra) if extra else builtin_indicators())
