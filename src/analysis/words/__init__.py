"""Words and numbers of the reports, per language: one catalogue, one formatter.

- :mod:`analysis.words.catalogue`: every sentence, heading and label (``nl.toml``,
  ``en.toml``, Flemish ``nl-BE.toml``) behind :class:`Words`;
- :mod:`analysis.words.indicators`: per outcome its name, description, unit and
  better direction (``indicators.toml`` plus the study's own);
- :mod:`analysis.words.numbers`: numbers, percentages, changes and months (Babel).
"""

from analysis.words.catalogue import Words, words_for
from analysis.words.indicators import (
    Indicator,
    IndicatorError,
    IndicatorWords,
    indicator_catalogue,
    require_words,
)
from analysis.words.numbers import (
    LANGUAGES,
    Country,
    Language,
    check_language,
    format_change,
    format_month,
    format_number,
    format_ordinal,
    format_percent,
)

__all__ = [
    "LANGUAGES",
    "Country",
    "Indicator",
    "IndicatorError",
    "IndicatorWords",
    "Language",
    "Words",
    "check_language",
    "format_change",
    "format_month",
    "format_number",
    "format_ordinal",
    "format_percent",
    "indicator_catalogue",
    "require_words",
    "words_for",
]
