"""The demo's scenario: regions, pilots, injected effects and magnitudes, as data to review.

Everything a reader may want to check or change about the synthetic demo lives
here, with no code that draws random numbers: the study periods and survey
waves, the contact mix and referral rates per country (DESIGN.md, "Realistic
magnitudes"), the regions and practices per scale, the pilots with their
(post-ramp) effects, the action-log texts, and which outcomes each effect
moves (:data:`TRUTH_OUTCOMES`, what ``ground_truth.json`` lists).
:mod:`analysis.data.demo.simulate` turns it into tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

RAMP_MONTHS = 6
NORM_LIST_PER_FTE = {"NL": 2095.0, "BE": 1100.0}
PERIODS = {"NL": ("2014-01-01", "2021-12-01"), "BE": ("2022-01-01", "2026-12-01")}
#: GP survey waves (each autumn in Flanders from 2024, so the 2025 pilot zones have a wave
#: before their start; every other year in the Netherlands).
SURVEY_WAVES = {
    "NL": ("2015-10-01", "2017-10-01", "2019-10-01", "2021-10-01"),
    "BE": ("2024-10-01", "2025-10-01", "2026-10-01"),
}


@dataclass(frozen=True)
class SurveyScore:
    """A score of the GP survey: respondent mean, spreads, trend, bounds, effect key."""

    mean: dict[str, float]  # per country
    practice_sd: float  # between practices
    sd: float  # between respondents of a practice
    per_year: float  # secular change per year
    low: float
    high: float
    effect: str | None = None  # key of EFFECTS that multiplies the mean


SURVEY_SCORES: dict[str, SurveyScore] = {
    "workload_score": SurveyScore({"NL": 7.0, "BE": 7.2}, 0.5, 1.3, 0.05, 0, 10, "survey_workload"),
    "burnout_score": SurveyScore({"NL": 22.0, "BE": 23.0}, 3.0, 8.0, 0.3, 0, 54),
    "job_satisfaction": SurveyScore(
        {"NL": 6.8, "BE": 6.6}, 0.4, 1.2, -0.03, 1, 10, "survey_satisfaction"
    ),
    "hours_per_week": SurveyScore({"NL": 52.0, "BE": 56.0}, 3.0, 7.0, 0.0, 20, 90),
}
#: Patient stop (a practice closed to new patients) as a two-state Markov chain per practice:
#: the monthly chance that a stop starts (rising linearly over the study period) and ends;
#: about a fifth to a third of practice-months in a full or conditional stop (DESIGN.md).
PATIENT_STOP = {"start_first": 0.02, "start_last": 0.04, "end": 0.08}
#: Days to the third-next available appointment: national mean at a list at the norm,
#: spread between practices and months (lognormal SD), factor during a patient stop.
WAITING_DAYS = {"NL": 4.0, "BE": 5.0, "practice_sd": 0.25, "month_sd": 0.12, "in_stop": 1.25}
#: Share of contacts that are a return for the same complaint within 28 days (a follow-up
#: of an earlier contact of the same patient with the same ICPC code).
RETURN_SHARE = {"NL": 0.18, "BE": 0.20}

# (contact_type, provider_role, NL per patient-year, BE per patient-year, NL minutes, BE minutes)
CELLS: tuple[tuple[str, str, float, float, float, float], ...] = (
    ("consult", "gp", 2.00, 3.90, 10, 21),
    ("long_consult", "gp", 0.55, 0.30, 20, 35),
    ("home_visit", "gp", 0.18, 0.75, 25, 38),
    ("telephone", "gp", 0.70, 0.55, 7, 10),
    ("e_consult", "gp", 0.08, 0.05, 5, 6),
    ("video", "gp", 0.01, 0.10, 10, 12),
    ("consult", "practice_nurse", 0.55, 0.25, 15, 20),
    ("telephone", "practice_nurse", 0.20, 0.00, 8, 8),
    ("consult", "mental_health_nurse", 0.12, 0.05, 30, 40),
    ("telephone", "assistant", 0.45, 0.25, 5, 5),
    ("consult", "physician_assistant", 0.04, 0.00, 15, 15),
    ("consult", "nurse_specialist", 0.02, 0.00, 20, 20),
)

# Per patient-year, per destination (order of DESTINATIONS).
REFERRAL_RATES = {
    "NL": (0.300, 0.12, 0.050, 0.015, 0.20, 0.04),
    "BE": (0.350, 0.10, 0.040, 0.012, 0.25, 0.03),
}
PRESCRIPTION_RATE = {"NL": 1.5, "BE": 1.8}
TREND_PER_YEAR = {"contacts": 0.010, "referrals": 0.014, "econsult": 0.15}

ICPC_CODES = (
    "R74",
    "A97",
    "L03",
    "K86",
    "T90",
    "P76",
    "R05",
    "S18",
    "L02",
    "D01",
    "R78",
    "P74",
    "K85",
    "A04",
    "S88",
    "N01",
    "R80",
    "L15",
    "U71",
    "T93",
)
ICPC_P = np.array([14, 10, 8, 7, 6, 6, 6, 5, 5, 5, 4, 4, 4, 3, 3, 3, 3, 2, 1, 1], float)
ICPC_P /= ICPC_P.sum()
SPECIALTIES = (
    "cardiology",
    "dermatology",
    "orthopaedics",
    "surgery",
    "neurology",
    "internal_medicine",
    "ent",
    "ophthalmology",
    "gynaecology",
    "urology",
)
ATC_CODES = (
    "J01CA04",
    "N02BE01",
    "M01AE01",
    "C09AA02",
    "A02BC01",
    "R03AC02",
    "C10AA05",
    "N06AB06",
    "H02AB06",
    "D07AC01",
    "A10BA02",
    "R06AE07",
)

NL_PILOTS = (
    ("NL-NLI", "Noord-Limburg"),
    ("NL-GOR", "Gorinchem"),
    ("NL-KNH", "Kop van Noord-Holland"),
)
NL_COMPARISON = (
    ("NL-TWE", "Twente"),
    ("NL-DRE", "Drenthe"),
    ("NL-ZEE", "Zeeland"),
    ("NL-FRL", "Friesland"),
    ("NL-ZLI", "Zuid-Limburg"),
    ("NL-GRO", "Groningen"),
    ("NL-UTR", "Utrecht-Stad"),
    ("NL-AMS", "Amsterdam-Oost"),
    ("NL-EIN", "Eindhoven"),
    ("NL-NIJ", "Nijmegen"),
    ("NL-ZWO", "Zwolle"),
    ("NL-DHG", "Den Haag-Zuid"),
)
BE_ZONES = (
    "Aalst",
    "Antwerpen Centrum",
    "Antwerpen Noord",
    "Antwerpen Oost",
    "Antwerpen Zuid",
    "Beveren-Waasland",
    "Brugge",
    "Brussel",
    "Dender",
    "Diest",
    "Dijleland",
    "Meetjesland",
    "Gent",
    "Gent Noord",
    "Geel",
    "Genk",
    "Halle",
    "Hasselt",
    "Herentals",
    "Heist",
    "Westhoek",
    "Kortrijk",
    "Leuven",
    "Lier",
    "Lokeren",
    "Maasland",
    "Mechelen",
    "Menen",
    "Midden-Limburg",
    "Mol",
    "Ninove",
    "Noord-Limburg",
    "Noorderkempen",
    "Oostende",
    "Vlaamse Ardennen",
    "Pajottenland",
    "Poperinge",
    "Roeselare",
    "Rupelstreek",
    "Schelde-Leie",
    "Sint-Niklaas",
    "Sint-Truiden",
    "Tielt",
    "Tienen",
    "Tongeren",
    "Torhout",
    "Turnhout",
    "Westkust",
    "Vilvoorde",
    "Waregem",
    "Wetteren",
    "Zennevallei",
    "Zottegem",
    "Voorkempen",
    "Boom",
    "Diksmuide",
    "Lommel",
    "Brasschaat",
    "Houtland",
    "Zuid-Oost-Limburg",
)


@dataclass(frozen=True)
class Pilot:
    """An intervention in a pilot region, with its full (post-ramp) effects.

    ``effects`` maps an effect key of :data:`EFFECTS` to its full multiplier
    (1 = no effect), reached :data:`RAMP_MONTHS` months after the start.
    """

    region_id: str
    intervention: str
    start: str
    effects: dict[str, float]
    unit: Literal["region", "practice"] = "region"


@dataclass(frozen=True)
class ScaleConfig:
    """Sizes of one scale."""

    nl_pilot_practices: int
    nl_comparison_regions: int
    nl_comparison_practices: int
    be_pilot_practices: int
    be_comparison_practices: int
    chunk_events: int = 4_000_000


SCALES: dict[str, ScaleConfig] = {
    "small": ScaleConfig(8, 3, 4, 10, 1),
    "national": ScaleConfig(30, 12, 10, 8, 6),
}

#: What each effect key multiplies (the multiplier of a pilot is in its ``effects``).
EFFECTS: dict[str, str] = {
    "ms_referrals": "referrals to medical specialists",
    "mh_referrals": "referrals to mental-health care",
    "sw_referrals": "referrals to social and welfare services",
    "physio_referrals": "referrals to physiotherapy",
    "dx_referrals": "referrals for diagnostics",
    "prescriptions": "prescriptions",
    "consult_minutes": "minutes of a GP consult",
    "gp_shift": "share of shiftable GP contacts kept by the GP (the rest go to the nurse)",
    "telephone": "telephone contacts",
    "econsult": "e-consults",
    "repeat_visits": "share of contacts that return for the same complaint (RETURN_SHARE)",
    "patient_stops": "chance that a patient stop starts (and 1 / it: chance that one ends)",
    "waiting_time": "days to the third-next available appointment",
    "survey_workload": "mean workload score in the GP survey",
    "survey_satisfaction": "mean job satisfaction in the GP survey",
}

#: Effect keys that multiply the referrals to one destination.
REFERRAL_EFFECTS: dict[str, str] = {
    "ms_referrals": "medical_specialist",
    "physio_referrals": "physiotherapy",
    "mh_referrals": "mental_health",
    "sw_referrals": "social_welfare",
    "dx_referrals": "diagnostics",
}

#: Longer consults ("Meer tijd voor de patiënt"): fewer hospital referrals (about -20%) and
#: lab requests (about -9%, the VGZ interim report), less medication, physiotherapy instead
#: of a scan, fewer returns for the same complaint, more job satisfaction.
LONGER = {
    "ms_referrals": 0.80,
    "prescriptions": 0.92,
    "consult_minutes": 1.5,
    "physio_referrals": 1.25,
    "dx_referrals": 0.91,
    "repeat_visits": 0.75,
    "survey_satisfaction": 1.09,
}
#: What the Flemish zorgstroomcoach does in every pilot zone: better access (fewer and
#: shorter patient stops, shorter waiting times) and a lower workload in the survey.
COACH = {"patient_stops": 0.3, "waiting_time": 0.80, "survey_workload": 0.91}
NL_PILOT_SPECS = (
    Pilot("NL-NLI", "longer_consults", "2016-01-01", {**LONGER, "ms_referrals": 0.78}),
    Pilot(
        "NL-GOR",
        "longer_consults",
        "2017-01-01",
        {**LONGER, "ms_referrals": 0.82, "consult_minutes": 1.4},
    ),
    Pilot("NL-GOR", "welfare_coach", "2017-07-01", {"mh_referrals": 0.75, "sw_referrals": 1.8}),
    Pilot("NL-KNH", "practice_nurse", "2019-01-01", {"gp_shift": 0.82}, unit="practice"),
)
BE_WAVES = ("2024-01-01", "2025-01-01")
BE_PILOT_ZONES = (3, 13, 22, 37, 7, 27, 46, 58)  # indices into BE_ZONES (0-based)
BE_FOCUS = (
    ("gp_shift", {"gp_shift": 0.85}),
    ("welfare", {"mh_referrals": 0.78, "sw_referrals": 1.7}),
    ("digital_triage", {"telephone": 0.70, "econsult": 2.5}),
    ("gp_shift", {"gp_shift": 0.80}),
)


def _be_pilots() -> tuple[Pilot, ...]:
    pilots = []
    for k, zone in enumerate(BE_PILOT_ZONES):
        wave = BE_WAVES[k // 4]
        _, effects = BE_FOCUS[k % 4]
        pilots.append(Pilot(f"BE-ELZ{zone + 1:02d}", "zorgstroomcoach", wave, {**COACH, **effects}))
    return tuple(pilots)


PILOTS: tuple[Pilot, ...] = NL_PILOT_SPECS + _be_pilots()
BE_FOCUS_TEXT = {
    "gp_shift": "taakdelegatie naar praktijkverpleegkundige",
    "welfare": "doorverwijzing naar welzijnscoach",
    "digital_triage": "digitale triage en e-consult",
}

PDSA_TEXT = {
    "pdsa_plan": "Plan: {focus} - doel en meetpunten afgesproken met de praktijken",
    "pdsa_do": "Do: {focus} uitgevoerd in de praktijken van de regio",
    "pdsa_study": "Study: cijfers besproken; verwijzingen en drukte vergeleken met vóór de start",
    "pdsa_act": "Act: aanpak bijgesteld en volgende cyclus gepland (coördinatie, patiëntenstop)",
}
FOCUS_NL = {
    "longer_consults": "langere consulten (20 minuten)",
    "welfare_coach": "welzijnscoach in plaats van medicatie",
    "practice_nurse": "taakdelegatie naar POH en physician assistant",
}
#: The action-research theme of each pilot's PDSA cycles ("MGZ in de regio"), by its focus:
#: longer consults need room in the insurer's rules, welfare coaches work across domains,
#: task delegation scales up what works, digital triage is steered regionally.
FOCUS_THEMES = {
    "longer_consults": "policy_room",
    "welfare_coach": "cross_domain",
    "practice_nurse": "scaling_up",
    "gp_shift": "scaling_up",
    "welfare": "cross_domain",
    "digital_triage": "regional_steering",
}


#: Which outcomes each effect key moves (the names the reports use), and on which scale.
TRUTH_OUTCOMES: dict[str, tuple[tuple[str, str], ...]] = {
    "ms_referrals": (
        ("referrals_medical_specialist", "ratio"),
        ("referral_rate_medical_specialist", "ratio"),
    ),
    "mh_referrals": (
        ("referrals_mental_health", "ratio"),
        ("referral_rate_mental_health", "ratio"),
    ),
    "sw_referrals": (
        ("referrals_social_welfare", "ratio"),
        ("referral_rate_social_welfare", "ratio"),
    ),
    "physio_referrals": (
        ("referrals_physiotherapy", "ratio"),
        ("referral_rate_physiotherapy", "ratio"),
    ),
    "dx_referrals": (
        ("referrals_diagnostics", "ratio"),
        ("referral_rate_diagnostics", "ratio"),
    ),
    "prescriptions": (("prescriptions", "ratio"), ("prescription_rate", "ratio")),
    "consult_minutes": (("gp_minutes", "ratio"), ("gp_minutes_per_fte", "ratio")),
    "gp_shift": (
        ("gp_contacts", "ratio"),
        ("contacts_per_gp_fte", "ratio"),
        ("gp_minutes_per_fte", "ratio"),
        ("nurse_contacts", "ratio"),
        ("non_gp_contact_share", "difference"),
    ),
    "telephone": (("telephone_contacts", "ratio"),),
    "econsult": (("e_consults", "ratio"),),
    "repeat_visits": (("repeat_contact_share", "difference"),),
    "patient_stops": (
        ("patient_stop_share", "difference"),
        ("third_next_available_days", "ratio"),
    ),
    "waiting_time": (("third_next_available_days", "ratio"),),
    "survey_workload": (("workload_score", "ratio"),),
    "survey_satisfaction": (("job_satisfaction", "ratio"),),
}


# --------------------------------------------------------------------------- planning inputs
# What the capacity outlook and the pilot selection read besides the panel: population by
# age group with a projection, GP contacts per inhabitant by age group, the GPs of each
# practice by age band with their hours, and regional GP training. Drawn by
# analysis.data.demo.planning from a random stream of their own, so the other files keep
# their bytes.

#: Last year of the population projection and of the training plans.
PROJECTION_END = 2035
#: Population share per age group (contract.AGE_GROUPS) in the country's first data year.
AGE_MIX = {"NL": (0.16, 0.37, 0.27, 0.11, 0.09), "BE": (0.17, 0.37, 0.27, 0.10, 0.09)}
#: How strongly each age group leans with a region's age tilt (older regions: more 65+).
AGE_LEAN = (-1.0, -0.5, 0.0, 1.0, 1.5)
#: Spread of the regions' age tilt, and the ageing per year (added to the tilt each year).
AGE_TILT_SD = 0.15
AGEING_PER_YEAR = (0.010, 0.025)  # uniform range, per region
#: Population growth per year, uniform range per region.
POPULATION_GROWTH = {"NL": (-0.002, 0.008), "BE": (-0.001, 0.007)}
#: GP contacts per inhabitant per year by age group: about 5 per registered patient in NL
#: (Nivel 2019-2021) and 6 in Flanders (IMA-AIM), rising steeply with age.
CONTACT_RATES = {"NL": (2.9, 3.8, 5.0, 7.4, 10.8), "BE": (3.6, 4.6, 6.1, 8.8, 12.5)}
#: GP age bands (contract.GP_AGE_BANDS): share of GPs per band, and how strongly each band
#: leans with a region's GP age tilt (greying regions: more GPs of 60 and over).
GP_AGE_MIX = {
    "NL": (0.12, 0.28, 0.25, 0.13, 0.13, 0.09),
    "BE": (0.15, 0.20, 0.17, 0.12, 0.16, 0.20),
}
GP_AGE_LEAN = (-1.0, -0.6, 0.0, 0.5, 0.8, 1.0)
GP_AGE_TILT_SD = 0.5
#: GPs (head count) per GP FTE: many Dutch GPs work part-time.
GPS_PER_FTE = {"NL": 1.2, "BE": 1.0}
#: Mean weekly hours per GP by age band, and their spread between GPs.
GP_HOURS = {"NL": (44.0, 45.0, 49.0, 49.0, 45.0, 32.0), "BE": (50.0, 54.0, 57.0, 56.0, 52.0, 40.0)}
GP_HOURS_SD = 6.0
#: GP training: graduates per 100,000 inhabitants per year, and the share who settle in the
#: region (mean, spread between regions).
TRAINING = {"NL": (4.2, 0.55), "BE": (4.0, 0.50)}
SETTLE_SHARE_SD = 0.08
#: Regional training places as in Kop van Noord-Holland: extra graduates per 100,000
#: inhabitants per year from a year on, who settle more often where they trained.
REGIONAL_TRAINING = {"NL-KNH": {"from": 2019, "extra_per_100k": 3.0, "settle_share": 0.75}}
