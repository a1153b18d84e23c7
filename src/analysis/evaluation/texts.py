"""Section headings and explanations of the region and synthesis reports, in en and nl.

The notebooks show these through :func:`report_text`, so a Dutch report is Dutch
throughout, not only where the findings are generated.
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

from analysis.reporting.escape import markdown_literal

Language = Literal["en", "nl"]

SECTIONS: dict[str, dict[str, str]] = {
    "title": {
        "en": "# Pilot evaluation: {name} ({region_id}, {country})\n\nWhat changed in this "
        "region's pilot practices, compared with practices that did not take part, and how "
        "sure we can be.",
        "nl": "# Evaluatie van de pilot: {name} ({region_id}, {country})\n\nWat veranderde er "
        "in de pilotpraktijken van deze regio, vergeleken met praktijken die niet meededen, en "
        "hoe zeker is dat?",
    },
    "profile": {
        "en": "## Region profile\n\nPractices and listed patients per year (mean over months), "
        "pilot and comparison practices.",
        "nl": "## Profiel van de regio\n\nPraktijken en ingeschreven patiënten per jaar "
        "(gemiddeld over de maanden), pilot- en vergelijkingspraktijken.",
    },
    "interventions": {"en": "**Interventions**", "nl": "**Interventies**"},
    "action_log": {
        "en": "**Action log: the latest PDSA cycles, meetings and staffing changes**",
        "nl": "**Actielogboek: de laatste PDSA-cycli, overleggen en personeelswijzigingen**",
    },
    "trends": {
        "en": "## Outcome trends\n\nMonthly rate per practice, pilot against comparison "
        "practices; dashed lines mark the starts.",
        "nl": "## Verloop van de uitkomsten\n\nMaandcijfer per praktijk, pilot- tegenover "
        "vergelijkingspraktijken; stippellijnen markeren de start.",
    },
    "effects": {
        "en": "## Effects\n\n`att_gt` (Callaway & Sant'Anna) is the primary estimate; `twfe` "
        "is shown because many papers report it; for a region that started at one moment "
        "`its` (interrupted time series of the pilot practices) and `synthetic_control` (the "
        "region against a weighted mix of comparison regions) add independent views; `its` "
        "compares the months after the start with the pilot practices' own pre-pilot trend "
        "and season, continued.\n\nDesign: **{design}**. Ratio: "
        "effect on rates and counts (0.80 = 20% fewer); pp: percentage points for shares; "
        "95% intervals (for `att_gt` with a t quantile on the number of pilot practices "
        "minus one, because a region has few of them).",
        "nl": "## Effecten\n\n`att_gt` (Callaway & Sant'Anna) is de primaire schatting; `twfe` "
        "staat erbij omdat veel studies die rapporteren; voor een regio die in één keer "
        "startte geven `its` (onderbroken tijdreeks van de pilotpraktijken) en "
        "`synthetic_control` (de regio tegenover een gewogen mix van vergelijkingsregio's) "
        "een onafhankelijke blik; `its` vergelijkt de maanden na de start met de eigen trend "
        "en seizoenspatroon van vóór de pilot, doorgetrokken.\n\nOpzet: "
        "**{design}**. Ratio: effect op cijfers en aantallen (0,80 = 20% minder); pp: "
        "procentpunt voor aandelen; 95%-intervallen (voor `att_gt` met een t-kwantiel op het "
        "aantal pilotpraktijken min één, omdat een regio er weinig heeft).",
    },
    "event_study": {
        "en": "{outcome}: effect by quarter since the start",
        "nl": "{outcome}: effect per kwartaal sinds de start",
    },
    "quarters_since_start": {
        "en": "quarters since the start (0 = first quarter of the pilot)",
        "nl": "kwartalen sinds de start (0 = eerste kwartaal van de pilot)",
    },
    "effect_vs_baseline": {
        "en": "change, % of the pre-pilot level",
        "nl": "verandering, % van het niveau vóór de pilot",
    },
    "effect_pp": {"en": "change, percentage points", "nl": "verandering, procentpunt"},
    "before_start": {"en": "before the start", "nl": "vóór de start"},
    "after_start": {"en": "after the start", "nl": "na de start"},
    "unit_rate": {
        "en": "per 1,000 listed patients per year",
        "nl": "per 1.000 ingeschreven patiënten per jaar",
    },
    "forest_ratio": {"en": "ratio (1 = no change)", "nl": "ratio (1 = geen verandering)"},
    "forest_difference": {
        "en": "difference in share (0 = no change)",
        "nl": "verschil in aandeel (0 = geen verandering)",
    },
    "forest_prediction_interval": {"en": "prediction interval", "nl": "voorspellingsinterval"},
    "forest_pooled_estimate": {"en": "pooled estimate", "nl": "gepoold effect"},
    "caveat_no_estimate": {
        "en": "No effect estimate for {outcome}: {reason}.",
        "nl": "Geen effectschatting voor {outcome}: {reason}.",
    },
    "caveat_skipped_methods": {
        "en": "No {methods} estimate for {outcome}: {reason}.",
        "nl": "Geen schatting met {methods} voor {outcome}: {reason}.",
    },
    "caveat_left_out": {
        "en": "{n} practice(s) left out of the estimates for {outcome} because they have no "
        "value for it in a whole quarter.",
        "nl": "{n} praktijk(en) niet meegenomen in de schattingen voor {outcome} omdat ze in een "
        "heel kwartaal geen waarde hebben.",
    },
    "skip_no_pre_period": {
        "en": "the pilot practices have no month of data before the start of the pilot, so "
        "there is nothing to compare with",
        "nl": "de pilotpraktijken hebben geen maand met gegevens vóór de start van de pilot, dus "
        "er is niets om mee te vergelijken",
    },
    "skip_no_post_period": {
        "en": "the pilot practices have no month of data after the start of the pilot",
        "nl": "de pilotpraktijken hebben geen maand met gegevens na de start van de pilot",
    },
    "skip_no_baseline": {
        "en": "no pilot or no comparison practice has a non-zero value before the start, so "
        "there is no baseline to compare with",
        "nl": "geen pilot- of vergelijkingspraktijk heeft vóór de start een waarde boven nul, "
        "dus er is geen uitgangswaarde om mee te vergelijken",
    },
    "skip_no_comparison": {
        "en": "there are no comparison practices (practices without the intervention) in this "
        "country",
        "nl": "er zijn geen vergelijkingspraktijken (praktijken zonder de interventie) in dit land",
    },
    "skip_no_complete_pilot_practices": {
        "en": "none of the region's pilot practices has data in every month of the study window",
        "nl": "geen van de pilotpraktijken van de regio heeft gegevens in elke maand van de "
        "onderzoeksperiode",
    },
    "skip_incomplete_series": {
        "en": "no pilot or no comparison practice has a value in every quarter",
        "nl": "geen pilot- of vergelijkingspraktijk heeft een waarde in elk kwartaal",
    },
    "skip_too_few_regions": {
        "en": "fewer than three regions to build a synthetic comparison region from",
        "nl": "minder dan drie regio's om een synthetische vergelijkingsregio van te maken",
    },
    "skip_estimator_failed": {
        "en": "the method cannot be fitted to this region's data",
        "nl": "de methode is niet te schatten op de gegevens van deze regio",
    },
    "caveat_dropped_practices": {
        "en": "{n} practice(s), pilot or comparison, left out of the effect estimates because "
        "they were not observed in every month of the study window.",
        "nl": "{n} praktijk(en), pilot of vergelijking, niet meegenomen in de effectschattingen "
        "omdat ze niet in elke maand van de onderzoeksperiode zijn waargenomen.",
    },
    "caveat_quality": {
        "en": "{check}: {n} case(s) in this region's practices; see the data-quality report.",
        "nl": "{check}: {n} geval(len) in de praktijken van deze regio; zie het rapport over de "
        "gegevenskwaliteit.",
    },
    "caveat_dropped_rows": {
        "en": "{n} event rows were dropped study-wide at ingest; see the data-quality report "
        "for why.",
        "nl": "{n} gebeurtenisregels zijn bij het inlezen in de hele studie weggelaten; zie het "
        "rapport over de gegevenskwaliteit voor de reden.",
    },
    "unit_share": {"en": "share of all contacts", "nl": "aandeel van alle contacten"},
    "unit_minutes_per_fte": {
        "en": "minutes per month per GP FTE",
        "nl": "minuten per maand per fte huisarts",
    },
    "unit_minutes": {"en": "minutes per month", "nl": "minuten per maand"},
    "findings": {"en": "## Findings", "nl": "## Bevindingen"},
    "caveats": {"en": "## Data caveats", "nl": "## Kanttekeningen bij de gegevens"},
    "no_caveats": {
        "en": "No data-quality issues for this region.",
        "nl": "Geen problemen met de gegevenskwaliteit voor deze regio.",
    },
    "synthesis_title": {
        "en": "# Synthesis: effects across pilot regions\n\nEach region's primary effect "
        "(Callaway & Sant'Anna) pooled with the other regions that piloted the same "
        "intervention, in a random-effects meta-analysis (REML, Knapp-Hartung intervals). "
        "Heterogeneity tells whether the pilot works about equally everywhere or depends on "
        "the region. Ratios below 1 mean a decrease.",
        "nl": "# Synthese: effecten over de pilotregio's\n\nHet primaire effect van elke regio "
        "(Callaway & Sant'Anna), samengenomen met de andere regio's met dezelfde interventie "
        "in een random-effects meta-analyse (REML, Knapp-Hartung-intervallen). De "
        "heterogeniteit laat zien of de pilot overal ongeveer even goed werkt of van de regio "
        "afhangt. Een ratio onder 1 betekent een daling.",
    },
    "nothing_to_pool": {
        "en": "Fewer than two regions per programme have estimates: nothing to pool.",
        "nl": "Minder dan twee regio's per programma hebben schattingen: niets samen te nemen.",
    },
}


#: Report headers of the columns of the profile, intervention and action-log tables.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "group": {"en": "group", "nl": "groep"},
    "year": {"en": "year", "nl": "jaar"},
    "practices": {"en": "practices", "nl": "praktijken"},
    "listed_patients": {"en": "listed patients", "nl": "ingeschreven patiënten"},
    "gp_fte": {"en": "GP FTE", "nl": "fte huisarts"},
    "nurse_fte": {"en": "practice-nurse FTE", "nl": "fte praktijkondersteuner"},
    "intervention": {"en": "intervention", "nl": "interventie"},
    "start": {"en": "start", "nl": "start"},
    "end": {"en": "end", "nl": "einde"},
    "date": {"en": "date", "nl": "datum"},
    "kind": {"en": "kind", "nl": "soort"},
    "text": {"en": "what happened", "nl": "wat er gebeurde"},
}

#: Report words for coded cell values (groups, open ends, action-log kinds).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "pilot": {"en": "pilot", "nl": "pilot"},
    "comparison": {"en": "comparison", "nl": "vergelijking"},
    "ongoing": {"en": "ongoing", "nl": "loopt nog"},
    "pdsa_plan": {"en": "PDSA: plan", "nl": "PDSA: plan"},
    "pdsa_do": {"en": "PDSA: do", "nl": "PDSA: uitvoeren"},
    "pdsa_study": {"en": "PDSA: study", "nl": "PDSA: bestuderen"},
    "pdsa_act": {"en": "PDSA: act", "nl": "PDSA: bijstellen"},
    "meeting": {"en": "meeting", "nl": "overleg"},
    "staffing": {"en": "staffing change", "nl": "personeelswijziging"},
    "external": {"en": "external event", "nl": "externe gebeurtenis"},
}


_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def _dutch_thousands(value: object) -> object:
    if isinstance(value, str) and _THOUSANDS.match(value):
        return value.replace(",", ".")
    return value


def localise_table(table: pd.DataFrame, language: Language = "en") -> pd.DataFrame:
    """A copy of ``table`` with report headers and coded values in ``language``.

    Columns and values without a label keep their own name, with underscores
    shown as spaces (intervention names are the data's own).

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["comparison"], "listed_patients": [31000]})
    >>> localise_table(table, "nl").to_dict("records")
    [{'groep': 'vergelijking', 'ingeschreven patiënten': 31000}]
    >>> counts = pd.DataFrame({"listed_patients": ["31,000", "<10"]})
    >>> localise_table(counts, "nl")["ingeschreven patiënten"].tolist()
    ['31.000', '<10']
    """
    _check_language(language)
    out = table.copy()
    coded = {code: labels[language] for code, labels in VALUE_LABELS.items()}
    for column in out.select_dtypes(include=["object", "string"]).columns:
        words = coded
        if column == "intervention":
            words = {v: v.replace("_", " ") for v in out[column].dropna().unique()}
        out[column] = out[column].map(lambda v, words=words: words.get(v, v))
        if language == "nl":  # counts written as text (suppressed columns): 29,643 -> 29.643
            out[column] = out[column].map(_dutch_thousands)
    return out.rename(
        columns=lambda c: COLUMN_LABELS.get(c, {}).get(language, str(c).replace("_", " "))
    )


def report_text(
    section: str, language: Language = "en", *, markdown: bool = True, **fields: object
) -> str:
    """Markdown of one report section in ``language``, with ``fields`` filled in.

    Text fields come from the data (region names, outcome words), so in Markdown
    they are shown literally (:func:`analysis.reporting.escape.markdown_literal`);
    ``markdown=False`` gives plain text for figure labels.

    Examples
    --------
    >>> report_text("findings", "nl")
    '## Bevindingen'
    >>> report_text("caveat_no_estimate", "en", outcome="<b>x</b>", reason="none")[:43]
    'No effect estimate for &lt;b&gt;x&lt;/b&gt;'
    """
    _check_language(language)
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; use one of {sorted(SECTIONS)}")
    if markdown:
        fields = {k: markdown_literal(v) if isinstance(v, str) else v for k, v in fields.items()}
    return SECTIONS[section][language].format(**fields)


def _check_language(language: str) -> None:
    if language not in ("en", "nl"):
        raise ValueError(f"language must be 'en' or 'nl', not {language!r}")
