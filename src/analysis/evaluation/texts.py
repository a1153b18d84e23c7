"""Section headings and explanations of the region and synthesis reports, in en and nl.

The notebooks show these through :func:`report_text`, so a Dutch report is Dutch
throughout, not only where the findings are generated.
"""

from __future__ import annotations

from typing import Literal

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
    "event_study": {"en": "Event study: {outcome}", "nl": "Event study: {outcome}"},
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


def report_text(section: str, language: Language = "en", **fields: object) -> str:
    """Markdown of one report section in ``language``, with ``fields`` filled in.

    Examples
    --------
    >>> report_text("findings", "nl")
    '## Bevindingen'
    """
    if language not in ("en", "nl"):
        raise ValueError(f"language must be 'en' or 'nl', not {language!r}")
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; use one of {sorted(SECTIONS)}")
    return SECTIONS[section][language].format(**fields)
