"""Numbers, percentages, changes and months as a reader of each language writes them.

One formatter per language, built on Babel's locale data (CLDR): ``18,2%`` and
``1.234`` in Dutch, ``18.2%`` and ``1,234`` in English, ``maart 2025``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import pandas as pd
from babel.dates import format_date, format_datetime
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


def format_ordinal(n: int, language: Language = "en") -> str:
    """A rank as an ordinal: ``3e`` in Dutch, ``3rd`` in English.

    Examples
    --------
    >>> [format_ordinal(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    >>> format_ordinal(1, "nl")
    '1e'
    """
    if check_language(language) == "nl":
        return f"{n}e"
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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


def format_moment(moment: dt.datetime, language: Language = "en") -> str:
    """A date and time for a page header: ``30 november 2026, 14:05``.

    Examples
    --------
    >>> format_moment(dt.datetime(2026, 11, 30, 14, 5), "nl")
    '30 november 2026, 14:05'
    """
    check_language(language)
    return format_datetime(moment, "d MMMM y, HH:mm", locale=LOCALES[language])


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


def format_interval(scale: str, low: float, high: float, language: Language) -> str:
    """An interval in the reports' notation: ``-25% tot -10%`` or ``+0,4 tot +3,8 pp``.

    Examples
    --------
    >>> format_interval("ratio", 0.75, 0.9, "nl"), format_interval("difference", 0.004, 0.038, "en")
    ('-25% tot -10%', '+0.4 to +3.8 pp')
    """
    to = {"nl": "tot", "en": "to"}[check_language(language)]
    values, decimals, unit = change_values(scale, low, low, high)
    lo_text, hi_text = (format_number(v, decimals, language, sign=True) for v in values[1:])
    if unit == "%":
        return f"{lo_text}% {to} {hi_text}%"
    return f"{lo_text} {to} {hi_text} pp"


def format_size(scale: str, estimate: float, language: Language, *, sign: bool = True) -> str:
    """An effect alone in the reports' notation: ``-18%`` or ``+2,1 pp`` (``sign=False``: ``18%``).

    Examples
    --------
    >>> format_size("ratio", 0.82, "nl"), format_size("difference", -0.021, "en", sign=False)
    ('-18%', '2.1 pp')
    """
    (value, *_), decimals, unit = change_values(scale, estimate, estimate, estimate)
    text = format_number(value if sign else abs(value), decimals, language, sign=sign)
    return f"{text}%" if unit == "%" else f"{text} pp"


def format_change(
    scale: str, estimate: float, low: float | None, high: float | None, language: Language
) -> str:
    """``-18% (-25% tot -10%)`` or ``+2,1 pp (+0,4 tot +3,8 pp)``: the effect with its interval.

    Examples
    --------
    >>> format_change("ratio", 0.82, 0.75, 0.9, "nl")
    '-18% (-25% tot -10%)'
    >>> format_change("difference", 0.021, 0.004, 0.038, "en")
    '+2.1 pp (+0.4 to +3.8 pp)'
    """
    size = format_size(scale, estimate, language)
    if low is None or high is None:
        return size
    return f"{size} ({format_interval(scale, low, high, language)})"
