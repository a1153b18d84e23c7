"""Numbers, percentages, changes and months as a reader of each language writes them.

One formatter per language, built on Babel's locale data (CLDR): ``18,2%`` and
``1.234`` in Dutch, ``18.2%`` and ``1,234`` in English, ``maart 2025``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
Country = Literal["NL", "BE"]

#: Babel locale per language (and country, where the region's country changes words).
LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def check_language(language: object) -> Language:
    """``language`` if it is a report language; ``ValueError`` naming the choices otherwise."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language  # type: ignore[return-value]


def format_number(
    value: float, decimals: int = 0, language: Language = "en", *, sign: bool = False
) -> str:
    """A number for a report: ``decimals`` decimals, thousands grouped, the language's marks.

    With ``sign``, positive numbers get a ``+``; a value that rounds to zero
    never shows as ``-0``.

    Examples
    --------
    >>> format_number(-0.04, 1, sign=True), format_number(1.5, 1, "nl", sign=True)
    ('0.0', '+1,5')
    >>> format_number(12345, 0), format_number(12345.6, 1, "nl")
    ('12,345', '12.345,6')
    """
    check_language(language)
    if round(float(value), decimals) == 0:
        value = 0.0
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if sign and value != 0:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=pattern, locale=LOCALES[language])


def format_percent(value: float, decimals: int = 0, language: Language = "en") -> str:
    """A share (0.182) as a percentage (``18,2%`` in Dutch).

    Examples
    --------
    >>> format_percent(0.182, 1, "nl"), format_percent(0.5, 0, "en")
    ('18,2%', '50%')
    """
    return f"{format_number(100 * value, decimals, language)}%"


def format_month(month: object, language: Language = "en", *, short: bool = False) -> str:
    """A month in words: ``maart 2025`` (``mrt 2025`` with ``short``).

    Examples
    --------
    >>> format_month("2025-03-01", "nl"), format_month("2025-03-01", "en", short=True)
    ('maart 2025', 'Mar 2025')
    """
    check_language(language)
    day = pd.Timestamp(month).date() if not isinstance(month, dt.date) else month
    return format_date(day, "LLL y" if short else "LLLL y", locale=LOCALES[language])


def change_values(
    scale: str, estimate: float, low: float, high: float
) -> tuple[list[float], int, str]:
    """Effect and interval as the reports state them: the numbers, decimals and unit.

    Ratios (rates and counts) become percentage changes with 0 decimals;
    differences in shares become percentage points with 1 decimal. This is the
    one notation of every page: index, report, monitor and synthesis.

    Examples
    --------
    >>> change_values("ratio", 0.82, 0.75, 0.9)
    ([-18.0, -25.0, -10.0], 0, '%')
    """
    if scale == "ratio":
        return [round(100 * (v - 1), 10) for v in (estimate, low, high)], 0, "%"
    return [100 * v for v in (estimate, low, high)], 1, "pp"


def format_change(
    scale: str, estimate: float, low: float | None, high: float | None, language: Language
) -> str:
    """``-18% (-25% tot -10%)`` or ``+2,1 pp (+0,4 tot +3,8)``: the effect with its interval.

    Examples
    --------
    >>> format_change("ratio", 0.82, 0.75, 0.9, "nl")
    '-18% (-25% tot -10%)'
    >>> format_change("difference", 0.021, 0.004, 0.038, "en")
    '+2.1 pp (+0.4 to +3.8)'
    """
    to = {"nl": "tot", "en": "to"}[check_language(language)]
    if low is None or high is None:
        values, decimals, unit = change_values(scale, estimate, estimate, estimate)
        return _with_unit(format_number(values[0], decimals, language, sign=True), unit)
    values, decimals, unit = change_values(scale, estimate, low, high)
    est, lo, hi = (format_number(v, decimals, language, sign=True) for v in values)
    if unit == "%":
        return f"{est}% ({lo}% {to} {hi}%)"
    return f"{est} pp ({lo} {to} {hi})"


def _with_unit(number: str, unit: str) -> str:
    return f"{number}%" if unit == "%" else f"{number} pp"
