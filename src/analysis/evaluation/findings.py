"""Findings in words, generated from the estimates (English and Dutch)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from analysis.evaluation.estimate import Effect
from analysis.reporting.escape import markdown_literal

Language = Literal["en", "nl"]

OUTCOME_LABELS: dict[str, dict[str, str]] = {
    "referral_rate_medical_specialist": {
        "en": "referrals to medical specialists",
        "nl": "verwijzingen naar de medisch specialist",
    },
    "referral_rate_physiotherapy": {
        "en": "referrals to physiotherapy",
        "nl": "verwijzingen naar de fysiotherapeut",
    },
    "referral_rate_mental_health": {
        "en": "referrals to mental-health care",
        "nl": "verwijzingen naar de ggz",
    },
    "referral_rate_social_welfare": {
        "en": "referrals to social and welfare services",
        "nl": "verwijzingen naar sociaal domein en welzijn",
    },
    "gp_contact_rate": {"en": "GP contacts", "nl": "contacten met de huisarts"},
    "gp_minutes": {"en": "GP consultation minutes", "nl": "consultminuten van de huisarts"},
    "gp_minutes_per_fte": {
        "en": "GP consultation minutes per GP FTE",
        "nl": "consultminuten per fte huisarts",
    },
    "prescription_rate": {"en": "prescriptions", "nl": "voorschriften"},
    "contact_rate": {"en": "all practice contacts", "nl": "alle praktijkcontacten"},
    "nurse_contact_rate": {
        "en": "practice-nurse contacts",
        "nl": "contacten met de praktijkondersteuner",
    },
    "telephone_contact_rate": {"en": "telephone contacts", "nl": "telefonische contacten"},
    "e_consult_rate": {"en": "e-consults", "nl": "e-consulten"},
    "non_gp_contact_share": {
        "en": "share of contacts not with the GP",
        "nl": "aandeel contacten niet met de huisarts",
    },
    "e_consult_share": {"en": "share of e-consults", "nl": "aandeel e-consulten"},
}

TEXT = {
    "en": {
        "up": "rose",
        "down": "fell",
        "flat": "hardly changed",
        "by": "by",
        "ci": "95% interval",
        "to": "to",
        "sure": "The interval excludes no change: the data support a real effect.",
        "unsure": "The interval includes no change: the data cannot tell an effect from chance.",
        "none": "No effect estimates: this region has no intervention with a comparison group "
        "in the data, so the report is descriptive.",
        "pp": "percentage points",
        "versus": "in the pilot practices compared with the "
        "counterfactual built from comparison practices",
    },
    "nl": {
        "up": "stegen",
        "down": "daalden",
        "flat": "veranderden nauwelijks",
        "by": "met",
        "ci": "95%-interval",
        "to": "tot",
        "sure": "Het interval sluit 'geen verandering' uit: de gegevens wijzen op een echt effect.",
        "unsure": "Het interval omvat 'geen verandering': de gegevens kunnen een effect niet "
        "van toeval onderscheiden.",
        "none": "Geen effectschattingen: deze regio heeft geen interventie met een "
        "vergelijkingsgroep in de gegevens; het rapport is beschrijvend.",
        "pp": "procentpunt",
        "versus": "in de pilotpraktijken ten opzichte van het "
        "tegenfeitelijke verloop volgens de vergelijkingspraktijken",
    },
}


def outcome_label(outcome: str, language: Language = "en", *, title: bool = False) -> str:
    """Readable name of a panel column; ``title`` capitalises only the first letter."""
    label = OUTCOME_LABELS.get(outcome, {}).get(language, outcome.replace("_", " "))
    return label[:1].upper() + label[1:] if title else label


_DUTCH_SEPARATORS = str.maketrans({",": ".", ".": ","})


def format_number(
    value: float, decimals: int = 0, language: Language = "en", *, sign: bool = False
) -> str:
    """A number for a report: ``decimals`` decimals, thousands grouped, Dutch separators in Dutch.

    With ``sign``, positive numbers get a ``+``; a value that rounds to zero
    never shows as ``-0``.

    Examples
    --------
    >>> format_number(-0.04, 1, sign=True), format_number(1.5, 1, "nl", sign=True)
    ('0.0', '+1,5')
    >>> format_number(12345, 0), format_number(12345.6, 1, "nl")
    ('12,345', '12.345,6')
    """
    text = f"{value:+,.{decimals}f}" if sign else f"{value:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{decimals}f}"
    return text.translate(_DUTCH_SEPARATORS) if language == "nl" else text


def as_change(scale: str, estimate: float, low: float, high: float) -> tuple[list[float], int]:
    """Effect and interval as the reports state them, with the decimals to show.

    Ratios become percentage changes (0 decimals), differences in shares
    percentage points (1 decimal).
    """
    if scale == "ratio":
        return [100 * (v - 1) for v in (estimate, low, high)], 0
    return [100 * v for v in (estimate, low, high)], 1


def describe_effect(effect: Effect, language: Language = "en") -> str:
    """One sentence on size, direction and interval, and one on how sure we are."""
    t = TEXT[language]
    label = markdown_literal(outcome_label(effect.outcome, language, title=True))
    (change, low, high), decimals = as_change(
        effect.scale, effect.estimate, effect.ci_low, effect.ci_high
    )
    ratio = effect.scale == "ratio"
    unit, size_unit, null = ("%", "%", 1.0) if ratio else ("", f" {t['pp']}", 0.0)
    interval = (
        f"{t['ci']} {format_number(low, decimals, language, sign=True)}{unit} {t['to']} "
        f"{format_number(high, decimals, language, sign=True)}{unit}"
    )
    sure = t["sure"] if not (effect.ci_low <= null <= effect.ci_high) else t["unsure"]
    if round(abs(change), decimals) == 0:
        return f"**{label}** {t['flat']} {t['versus']} ({interval}). {sure}"
    direction = t["up"] if change > 0 else t["down"]
    size = format_number(abs(change), decimals, language)
    return f"**{label}** {direction} {t['by']} {size}{size_unit} {t['versus']} ({interval}). {sure}"


def describe_effects(effects: Sequence[Effect], language: Language = "en") -> str:
    """Markdown bullet list of the primary effects, one per outcome."""
    primary = [e for e in effects if e.primary and e.ci_low is not None]
    if not primary:
        return TEXT[language]["none"]
    return "\n".join(f"- {describe_effect(e, language)}" for e in primary)


def _cell(effect: Effect, language: Language = "en") -> str:
    """Estimate (interval): a ratio with 2 decimals, or percentage points with a sign."""
    if effect.scale == "ratio":
        values = [effect.estimate, effect.ci_low, effect.ci_high]
        decimals, sign, between = 2, False, "–"
    else:
        values = [
            None if v is None else 100 * v for v in (effect.estimate, effect.ci_low, effect.ci_high)
        ]
        decimals, sign, between = 1, True, f" {TEXT[language]['to']} "
    text = format_number(values[0], decimals, language, sign=sign)
    if effect.ci_low is None:
        return text
    low, high = (format_number(v, decimals, language, sign=sign) for v in values[1:])
    return f"{text} ({low}{between}{high})"


def effects_overview(effects: Sequence[Effect], language: Language = "en") -> pd.DataFrame:
    """One row per outcome, one column per method: estimate (95% interval).

    Ratios for rates and counts; percentage points for shares.
    """
    rows: dict[str, dict[str, str]] = {}
    for e in effects:
        label = outcome_label(e.outcome, language, title=True)
        unit = "ratio" if e.scale == "ratio" else "pp"
        rows.setdefault(label, {"scale": unit})[e.method] = _cell(e, language)
    header = "outcome" if language == "en" else "uitkomst"
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(header).reset_index()
