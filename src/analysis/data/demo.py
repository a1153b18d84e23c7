"""Synthetic demo data with known injected effects.

:func:`generate_demo` writes a complete raw data set (the tables of
:mod:`analysis.data.contract`) for two studies, plus ``ground_truth.json``:

* NL, "Meer tijd voor de patiënt": staggered pilots in Noord-Limburg (2016,
  longer consults), Gorinchem (2017, longer consults and a welfare coach) and
  Kop van Noord-Holland (2019, practice nurses hired practice by practice),
  with comparison regions; data 2014-2021.
* BE, zorgstroomcoach: 8 of the 60 Flemish eerstelijnszones in two waves
  (2024 and 2025); the zones differ in what the coach worked on (practice
  nurse, welfare coach, digital triage); data 2022-2026.

Magnitudes follow DESIGN.md ("Realistic magnitudes"). Effects ramp up
linearly over the first :data:`RAMP_MONTHS` months after the start. Event
tables are generated in chunks of practices with vectorised NumPy and written
as Parquet row groups, so the ``national`` scale (about 50 million contacts)
runs in bounded memory.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.data import staging
from analysis.data.contract import CONTACT_TYPES, DESTINATIONS, PROVIDER_ROLES
from analysis.data.readers import raw_folder_is_empty
from analysis.errors import WorkbenchError

Scale = Literal["small", "national"]

RAMP_MONTHS = 6
NORM_LIST_PER_FTE = {"NL": 2095.0, "BE": 1100.0}
PERIODS = {"NL": ("2014-01-01", "2021-12-01"), "BE": ("2022-01-01", "2026-12-01")}
SURVEY_WAVES = {
    "NL": ("2015-10-01", "2017-10-01", "2019-10-01", "2021-10-01"),
    "BE": ("2024-10-01", "2025-10-01", "2026-10-01"),
}

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
CELL_TYPE = np.array([CONTACT_TYPES.index(c[0]) for c in CELLS], dtype=np.int8)
CELL_ROLE = np.array([PROVIDER_ROLES.index(c[1]) for c in CELLS], dtype=np.int8)
CELL_GP = PROVIDER_ROLES.index("gp") == CELL_ROLE
CELL_NURSE = np.isin(
    CELL_ROLE,
    [
        PROVIDER_ROLES.index(r)
        for r in ("practice_nurse", "mental_health_nurse", "nurse_specialist")
    ],
)
CELL_PHONE = CONTACT_TYPES.index("telephone") == CELL_TYPE
CELL_ECONSULT = CONTACT_TYPES.index("e_consult") == CELL_TYPE
#: GP cells whose contacts can move to the practice nurse (task shift).
CELL_SHIFTABLE = CELL_GP & np.isin(
    CELL_TYPE, [CONTACT_TYPES.index(t) for t in ("consult", "long_consult", "telephone")]
)
CELL_CONSULT_GP = CELL_GP & np.isin(
    CELL_TYPE, [CONTACT_TYPES.index(t) for t in ("consult", "long_consult")]
)
NURSE_CONSULT_CELL = 6
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

    ``effects`` maps an internal effect key to its full multiplier:
    ``ms_referrals``, ``mh_referrals``, ``sw_referrals``, ``prescriptions``,
    ``consult_minutes``, ``gp_shift`` (share of shiftable GP contacts kept by
    the GP; the rest move to the practice nurse), ``telephone``, ``econsult``.
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
    "small": ScaleConfig(8, 3, 4, 6, 1),
    "national": ScaleConfig(30, 12, 10, 8, 6),
}

LONGER = {"ms_referrals": 0.80, "prescriptions": 0.92, "consult_minutes": 1.5}
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
        pilots.append(Pilot(f"BE-ELZ{zone + 1:02d}", "zorgstroomcoach", wave, effects))
    return tuple(pilots)


PILOTS: tuple[Pilot, ...] = NL_PILOT_SPECS + _be_pilots()
BE_FOCUS_TEXT = {
    "gp_shift": "taakdelegatie naar praktijkverpleegkundige",
    "welfare": "doorverwijzing naar welzijnscoach",
    "digital_triage": "digitale triage en e-consult",
}


# --------------------------------------------------------------------------- helpers


def _month_index(day: str | date, country: str) -> int:
    """Months between the country's first data month and ``day``."""
    d = pd.Timestamp(day)
    s = pd.Timestamp(PERIODS[country][0])
    return (d.year - s.year) * 12 + d.month - s.month


def _months(country: str) -> pd.DatetimeIndex:
    start, end = PERIODS[country]
    return pd.date_range(start, end, freq="MS")


def _epoch_days(months: pd.DatetimeIndex) -> np.ndarray:
    return ((months - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy(np.int32)


def _season(months: pd.DatetimeIndex, rng: np.random.Generator, amp: float) -> np.ndarray:
    """Winter peak: cosine with maximum in January plus a yearly flu epidemic bump."""
    m = months.month.to_numpy()
    base = 1 + amp * np.cos(2 * np.pi * (m - 1) / 12)
    years = months.year.to_numpy()
    flu = {y: rng.uniform(0.03, 0.12) for y in np.unique(years)}
    bump = np.array(
        [
            flu[y] if mm in (1, 2) else (flu[y] / 2 if mm == 12 else 0.0)
            for y, mm in zip(years, m, strict=True)
        ]
    )
    return base * (1 + bump * amp / 0.12)


# --------------------------------------------------------------------------- tables


def _regions(cfg: ScaleConfig, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for rid, name in NL_PILOTS + NL_COMPARISON[: cfg.nl_comparison_regions]:
        rows.append((rid, name, "NL", "huisartsenregio", int(rng.integers(150_000, 320_000))))
    for k, name in enumerate(BE_ZONES):
        rows.append(
            (
                f"BE-ELZ{k + 1:02d}",
                f"ELZ {name}",
                "BE",
                "eerstelijnszone",
                int(rng.integers(75_000, 125_001)),
            )
        )
    return pd.DataFrame(rows, columns=["region_id", "name", "country", "region_type", "population"])


def _practice_counts(regions: pd.DataFrame, cfg: ScaleConfig) -> dict[str, int]:
    pilot_regions = {p.region_id for p in PILOTS}
    counts = {}
    for rid, country in zip(regions.region_id, regions.country, strict=True):
        pilot = rid in pilot_regions
        if country == "NL":
            counts[rid] = cfg.nl_pilot_practices if pilot else cfg.nl_comparison_practices
        else:
            counts[rid] = cfg.be_pilot_practices if pilot else cfg.be_comparison_practices
    return counts


def _practices(regions: pd.DataFrame, cfg: ScaleConfig, rng: np.random.Generator) -> pd.DataFrame:
    """Practices with type, baseline GP FTE, open/close month and level effects."""
    pilot_regions = {p.region_id for p in PILOTS}
    counts = _practice_counts(regions, cfg)
    rows = []
    for rid, country in zip(regions.region_id, regions.country, strict=True):
        for j in range(counts[rid]):
            if country == "NL":
                ptype = rng.choice(["solo", "duo", "group"], p=[0.40, 0.45, 0.15])
            elif rid not in pilot_regions:  # comparison zones: mostly small practices
                ptype = rng.choice(["solo", "duo"], p=[0.7, 0.3])
            else:
                ptype = rng.choice(
                    ["solo", "duo", "group", "health_centre"], p=[0.45, 0.30, 0.17, 0.08]
                )
            fte = {
                "solo": rng.uniform(0.8, 1.1),
                "duo": rng.uniform(1.6, 2.2),
                "group": rng.uniform(2.6, 4.0),
                "health_centre": rng.uniform(3.0, 5.0),
            }[ptype]
            n_months = len(_months(country))
            open_m, close_m = 0, n_months - 1
            if rid not in pilot_regions and rng.random() < 0.12:
                if rng.random() < 0.5:
                    open_m = int(rng.integers(6, n_months // 2))
                else:
                    close_m = int(rng.integers(n_months // 2, n_months - 6))
            rows.append(
                {
                    "practice_id": f"{rid.replace('-', '')}-P{j + 1:03d}",
                    "region_id": rid,
                    "country": country,
                    "practice_type": str(ptype),
                    "gp_fte0": round(fte, 2),
                    "open_m": open_m,
                    "close_m": close_m,
                    "level_contacts": rng.lognormal(0, 0.10),
                    "level_referrals": rng.lognormal(0, 0.15),
                    "level_prescriptions": rng.lognormal(0, 0.12),
                    "opened_year": int(rng.integers(1975, 2012 if country == "NL" else 2020)),
                }
            )
    return pd.DataFrame(rows)


def _practice_table(pr: pd.DataFrame) -> pd.DataFrame:
    """The public ``practices.csv`` columns."""
    out = pr[["practice_id", "region_id", "practice_type"]].copy()
    opened, closed = [], []
    for country, om, cm, year in zip(
        pr.country, pr.open_m, pr.close_m, pr.opened_year, strict=True
    ):
        months = _months(country)
        opened.append(months[om].date().isoformat() if om > 0 else f"{year}-01-01")
        closed.append(
            (months[cm] + pd.offsets.MonthEnd(0)).date().isoformat() if cm < len(months) - 1 else ""
        )
    out["opened"] = opened
    out["closed"] = closed
    return out


def _practice_start_months(pr: pd.DataFrame, rng: np.random.Generator) -> dict:
    """Start month index per (practice row, pilot index)."""
    starts: dict[tuple[int, int], int] = {}
    for k, pilot in enumerate(PILOTS):
        rows = np.flatnonzero(pr.region_id.to_numpy() == pilot.region_id)
        country = pilot.region_id[:2]
        base = _month_index(pilot.start, country)
        for i in rows:
            offset = int(rng.integers(0, 10)) if pilot.unit == "practice" else 0
            starts[(int(i), k)] = base + offset
    return starts


def _ramp(month_idx: np.ndarray, start: int) -> np.ndarray:
    """Linear ramp: 1/RAMP_MONTHS in the start month, full after RAMP_MONTHS months."""
    return np.clip((month_idx - start + 1) / RAMP_MONTHS, 0.0, 1.0)


def _capacity(pr: pd.DataFrame, starts: dict, rng: np.random.Generator) -> pd.DataFrame:
    """practice_months rows with internal columns (practice row, month index, ramps)."""
    frames = []
    nurse_pilots = {k for k, p in enumerate(PILOTS) if "gp_shift" in p.effects}
    for i, row in enumerate(pr.itertuples()):
        months = _months(row.country)
        m_idx = np.arange(row.open_m, row.close_m + 1)
        n = len(m_idx)
        # GP FTE: occasional changes (a GP leaves or joins part-time).
        fte = np.full(n, row.gp_fte0)
        for _ in range(rng.poisson(0.8 * n / 60)):
            at = rng.integers(0, n)
            fte[at:] = np.maximum(0.6, fte[at:] + rng.choice([-0.3, -0.2, 0.2, 0.3, 0.5]))
        # Patient stop: a two-state Markov chain, stops more common in later years.
        accepting = np.ones(n, dtype=bool)
        p_stop = 0.012 + 0.02 * (m_idx / len(months))
        state = True
        for t in range(n):  # per practice, n <= 96: cheap
            state = (rng.random() > p_stop[t]) if state else (rng.random() < 0.07)
            accepting[t] = state
        # List size: near the norm for the FTE, growing while accepting.
        norm = NORM_LIST_PER_FTE[row.country]
        growth = np.where(accepting, 0.0015, -0.0008) + rng.normal(0, 0.002, n)
        list_size = np.round(
            norm
            * fte[0]
            * rng.uniform(0.9, 1.1)
            * np.exp(np.cumsum(growth))
            * (fte / fte[0]) ** 0.5
        )
        # Practice nurse (somatic): hired at a practice-specific date.
        nurse = np.full(n, round(0.25 * fte[0], 2))
        hire = int(rng.integers(0, n))
        nurse[hire:] += rng.choice([0.2, 0.3, 0.5])
        for k in nurse_pilots:
            if (i, k) in starts:
                nurse[m_idx >= starts[(i, k)]] += round(0.4 * fte[0], 2)
        mhn = np.where(m_idx >= rng.integers(0, len(months)), 0.2, 0.1) * (row.country == "NL")
        pa_fte = np.where(rng.random() < 0.15, 0.5, 0.0) * np.ones(n) * (row.country == "NL")
        tna = np.round(
            np.clip(
                rng.gamma(4, 1.0, n) * (1.6 - 0.6 * accepting) * (list_size / (norm * fte)) ** 2,
                0,
                60,
            ),
            1,
        )
        frames.append(
            pd.DataFrame(
                {
                    "practice_id": row.practice_id,
                    "month": months[m_idx],
                    "list_size": list_size.astype(np.int64),
                    "gp_fte": np.round(fte, 2),
                    "nurse_fte": np.round(nurse, 2),
                    "mental_health_nurse_fte": np.round(mhn, 2),
                    "physician_assistant_fte": np.round(pa_fte, 2),
                    "accepting_new_patients": accepting,
                    "third_next_available_days": tna,
                    "_p": i,
                    "_m": m_idx,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _effect_arrays(cap: pd.DataFrame, starts: dict) -> dict[str, np.ndarray]:
    """Per practice-month multiplier of every effect key (1 = no effect)."""
    n = len(cap)
    keys = (
        "ms_referrals",
        "mh_referrals",
        "sw_referrals",
        "prescriptions",
        "consult_minutes",
        "gp_shift",
        "telephone",
        "econsult",
    )
    eff = {k: np.ones(n) for k in keys}
    p_arr, m_arr = cap["_p"].to_numpy(), cap["_m"].to_numpy()
    for (i, k), start in starts.items():
        rows = p_arr == i
        r = _ramp(m_arr[rows], start)
        for key, full in PILOTS[k].effects.items():
            eff[key][rows] *= 1 + r * (full - 1)
    return eff


# --------------------------------------------------------------------------- expectations


@dataclass
class Expectation:
    """Expected monthly counts per practice-month (no noise)."""

    cells: np.ndarray  # (n, n_cells) contacts
    minutes: np.ndarray  # (n, n_cells) mean minutes
    referrals: np.ndarray  # (n, n_destinations)
    prescriptions: np.ndarray  # (n,)


def _expected(
    cap: pd.DataFrame,
    pr: pd.DataFrame,
    eff: dict[str, np.ndarray] | None,
    season: dict[str, dict[str, np.ndarray]],
) -> Expectation:
    """Expected counts; ``eff=None`` gives the counterfactual without interventions."""
    p_arr, m_arr = cap["_p"].to_numpy(), cap["_m"].to_numpy()
    country = pr.country.to_numpy()[p_arr]
    is_nl = country == "NL"
    years = m_arr / 12.0
    lst = cap["list_size"].to_numpy(float) / 12.0
    one = np.ones(len(cap))
    e = eff or {}

    def g(key: str) -> np.ndarray:
        return e.get(key, one)

    s_c = np.where(
        is_nl,
        season["NL"]["contacts"][np.minimum(m_arr, 95)],
        season["BE"]["contacts"][np.minimum(m_arr, 59)],
    )
    s_r = np.where(
        is_nl,
        season["NL"]["referrals"][np.minimum(m_arr, 95)],
        season["BE"]["referrals"][np.minimum(m_arr, 59)],
    )
    base = np.where(
        is_nl[:, None], np.array([c[2] for c in CELLS]), np.array([c[3] for c in CELLS])
    )
    cells = (
        base
        * (
            lst
            * pr.level_contacts.to_numpy()[p_arr]
            * s_c
            * (1 + TREND_PER_YEAR["contacts"]) ** years
        )[:, None]
    )
    cells[:, CELL_ECONSULT] *= ((1 + TREND_PER_YEAR["econsult"]) ** years * g("econsult"))[:, None]
    cells[:, CELL_PHONE] *= g("telephone")[:, None]
    shift = g("gp_shift")
    moved = (cells[:, CELL_SHIFTABLE] * (1 - shift)[:, None]).sum(axis=1)
    cells[:, CELL_SHIFTABLE] *= shift[:, None]
    cells[:, NURSE_CONSULT_CELL] += moved
    minutes = np.where(
        is_nl[:, None],
        np.array([c[4] for c in CELLS], float),
        np.array([c[5] for c in CELLS], float),
    )
    minutes[:, CELL_CONSULT_GP] *= g("consult_minutes")[:, None]
    ref_base = np.where(
        is_nl[:, None], np.array(REFERRAL_RATES["NL"]), np.array(REFERRAL_RATES["BE"])
    )
    referrals = (
        ref_base
        * (
            lst
            * pr.level_referrals.to_numpy()[p_arr]
            * s_r
            * (1 + TREND_PER_YEAR["referrals"]) ** years
        )[:, None]
    )
    referrals[:, 0] *= g("ms_referrals")
    referrals[:, 2] *= g("mh_referrals")
    referrals[:, 3] *= g("sw_referrals")
    rx_rate = np.where(is_nl, PRESCRIPTION_RATE["NL"], PRESCRIPTION_RATE["BE"])
    prescriptions = rx_rate * lst * pr.level_prescriptions.to_numpy()[p_arr] * s_c
    prescriptions = prescriptions * g("prescriptions")
    return Expectation(cells, minutes, referrals, prescriptions)


def _outcomes(x: Expectation) -> dict[str, np.ndarray]:
    """Processed-panel outcomes computed from expected counts."""
    contacts = x.cells.sum(axis=1)
    gp = x.cells[:, CELL_GP].sum(axis=1)
    out = {
        "gp_contacts": gp,
        "nurse_contacts": x.cells[:, CELL_NURSE].sum(axis=1),
        "telephone_contacts": x.cells[:, CELL_PHONE].sum(axis=1),
        "e_consults": x.cells[:, CELL_ECONSULT].sum(axis=1),
        "gp_minutes": (x.cells[:, CELL_GP] * x.minutes[:, CELL_GP]).sum(axis=1),
        "non_gp_contact_share": (contacts - gp) / contacts,
        "prescriptions": x.prescriptions,
        "prescription_rate": x.prescriptions,
    }
    for j, dest in enumerate(DESTINATIONS):
        out[f"referrals_{dest}"] = x.referrals[:, j]
        out[f"referral_rate_{dest}"] = x.referrals[:, j]
    return out


#: Which outcomes each effect key moves, and on which scale they are reported.
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
    "prescriptions": (("prescriptions", "ratio"), ("prescription_rate", "ratio")),
    "consult_minutes": (("gp_minutes", "ratio"),),
    "gp_shift": (
        ("gp_contacts", "ratio"),
        ("nurse_contacts", "ratio"),
        ("non_gp_contact_share", "difference"),
    ),
    "telephone": (("telephone_contacts", "ratio"),),
    "econsult": (("e_consults", "ratio"),),
}


def _ground_truth(cap: pd.DataFrame, pr: pd.DataFrame, starts: dict, season: dict) -> list[dict]:
    """Average effect over the pilot practices' post-start practice-months."""
    truth = []
    p_arr, m_arr = cap["_p"].to_numpy(), cap["_m"].to_numpy()
    for k, pilot in enumerate(PILOTS):
        post = np.zeros(len(cap), dtype=bool)
        for (i, kk), start in starts.items():
            if kk == k:
                post |= (p_arr == i) & (m_arr >= start)
        sub = cap[post]
        eff_only = _effect_arrays(sub, {key: v for key, v in starts.items() if key[1] == k})
        with_eff = _outcomes(_expected(sub, pr, eff_only, season))
        without = _outcomes(_expected(sub, pr, None, season))
        for key, full in pilot.effects.items():
            for outcome, scale in TRUTH_OUTCOMES[key]:
                a, b = with_eff[outcome], without[outcome]
                value = np.mean(a / b) if scale == "ratio" else np.mean(a - b)
                truth.append(
                    {
                        "region_id": pilot.region_id,
                        "intervention": pilot.intervention,
                        "outcome": outcome,
                        "effect": round(float(value), 6),
                        "scale": scale,
                        "full_effect": round(float(full), 6) if scale == "ratio" else None,
                        "start_date": pilot.start,
                        "unit_type": pilot.unit,
                        "ramp_months": RAMP_MONTHS,
                        "n_practices": int(len(np.unique(sub["_p"]))),
                        "n_practice_months": int(len(sub)),
                    }
                )
    return truth


# --------------------------------------------------------------------------- events


def _dict_array(indices: np.ndarray, values: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices.astype(np.int32)), pa.array(list(values), pa.string())
    )


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row (practice-month) and column (cell) index of every event of a count matrix."""
    flat = np.repeat(np.arange(counts.size, dtype=np.int64), counts.ravel())
    return flat // counts.shape[1], flat % counts.shape[1]


def _dates(
    rng: np.random.Generator, month_days: np.ndarray, month_len: np.ndarray, rows: np.ndarray
) -> pa.Array:
    day = (rng.random(len(rows)) * month_len[rows]).astype(np.int32)
    return pa.array(month_days[rows] + day, pa.int32()).cast(pa.date32())


def _patients(
    rng: np.random.Generator, pnum: np.ndarray, lst: np.ndarray, rows: np.ndarray
) -> pa.Array:
    k = (rng.random(len(rows)) * lst[rows]).astype(np.int64)
    return pa.array(pnum[rows] * 10_000_000 + k, pa.int64())


class _Writers:
    """Parquet writers of the three event tables (one row group per chunk)."""

    SCHEMAS = {
        "contacts": pa.schema(
            [
                ("practice_id", pa.dictionary(pa.int32(), pa.string())),
                ("patient_id", pa.int64()),
                ("date", pa.date32()),
                ("contact_type", pa.dictionary(pa.int32(), pa.string())),
                ("provider_role", pa.dictionary(pa.int32(), pa.string())),
                ("minutes", pa.int16()),
                ("icpc", pa.dictionary(pa.int32(), pa.string())),
            ]
        ),
        "referrals": pa.schema(
            [
                ("practice_id", pa.dictionary(pa.int32(), pa.string())),
                ("patient_id", pa.int64()),
                ("date", pa.date32()),
                ("destination", pa.dictionary(pa.int32(), pa.string())),
                ("specialty", pa.dictionary(pa.int32(), pa.string())),
                ("icpc", pa.dictionary(pa.int32(), pa.string())),
            ]
        ),
        "prescriptions": pa.schema(
            [
                ("practice_id", pa.dictionary(pa.int32(), pa.string())),
                ("patient_id", pa.int64()),
                ("date", pa.date32()),
                ("atc", pa.dictionary(pa.int32(), pa.string())),
            ]
        ),
    }

    def __init__(self, out_dir: Path) -> None:
        self.writers = {
            name: pq.ParquetWriter(
                out_dir / f"{name}.parquet", schema, compression="zstd", compression_level=1
            )
            for name, schema in self.SCHEMAS.items()
        }
        self.rows = dict.fromkeys(self.SCHEMAS, 0)

    def write(self, name: str, columns: list[pa.Array]) -> None:
        table = pa.Table.from_arrays(columns, schema=self.SCHEMAS[name])
        self.writers[name].write_table(table, row_group_size=1 << 20)
        self.rows[name] += table.num_rows

    def close(self) -> None:
        for w in self.writers.values():
            w.close()


def _chunk_events(
    cap: pd.DataFrame,
    pr: pd.DataFrame,
    eff: dict,
    season: dict,
    rng: np.random.Generator,
    writers: _Writers,
) -> None:
    """Draw and write the events of one chunk of practice-months."""
    x = _expected(cap, pr, eff, season)
    n = len(cap)
    noise = rng.gamma(1 / 0.06**2, 0.06**2, n)  # practice-month overdispersion, CV 6 %
    p_arr = cap["_p"].to_numpy()
    ids = tuple(pr.practice_id)
    month_days = _epoch_days(pd.DatetimeIndex(cap["month"]))
    month_len = pd.DatetimeIndex(cap["month"]).days_in_month.to_numpy()
    lst = cap["list_size"].to_numpy(float)
    pnum = p_arr.astype(np.int64) + 1

    counts = rng.poisson(x.cells * noise[:, None])
    rows, cell = _expand(counts)
    mins = x.minutes[rows, cell] * rng.gamma(6.0, 1 / 6.0, len(rows))
    icpc = rng.choice(len(ICPC_CODES), size=len(rows), p=ICPC_P)
    writers.write(
        "contacts",
        [
            _dict_array(p_arr[rows], ids),
            _patients(rng, pnum, lst, rows),
            _dates(rng, month_days, month_len, rows),
            _dict_array(CELL_TYPE[cell], CONTACT_TYPES),
            _dict_array(CELL_ROLE[cell], PROVIDER_ROLES),
            pa.array(np.clip(np.round(mins), 1, 240).astype(np.int16)),
            _dict_array(icpc, ICPC_CODES),
        ],
    )

    counts = rng.poisson(x.referrals * noise[:, None])
    rows, dest = _expand(counts)
    spec = rng.integers(0, len(SPECIALTIES), len(rows))
    spec_arr = pa.DictionaryArray.from_arrays(
        pa.array(spec.astype(np.int32), mask=dest != 0), pa.array(list(SPECIALTIES))
    )
    writers.write(
        "referrals",
        [
            _dict_array(p_arr[rows], ids),
            _patients(rng, pnum, lst, rows),
            _dates(rng, month_days, month_len, rows),
            _dict_array(dest, DESTINATIONS),
            spec_arr,
            _dict_array(rng.choice(len(ICPC_CODES), size=len(rows), p=ICPC_P), ICPC_CODES),
        ],
    )

    counts = rng.poisson(x.prescriptions * noise)[:, None]
    rows, _ = _expand(counts)
    writers.write(
        "prescriptions",
        [
            _dict_array(p_arr[rows], ids),
            _patients(rng, pnum, lst, rows),
            _dates(rng, month_days, month_len, rows),
            _dict_array(rng.integers(0, len(ATC_CODES), len(rows)), ATC_CODES),
        ],
    )


def _write_events(
    out_dir: Path,
    cap: pd.DataFrame,
    pr: pd.DataFrame,
    eff: dict,
    season: dict,
    seed: int,
    chunk_events: int,
) -> dict[str, int]:
    """Generate the event tables chunk by chunk (bounded memory)."""
    writers = _Writers(out_dir)
    per_row = cap["list_size"].to_numpy(float) * 0.8  # rough events per practice-month
    bounds = np.searchsorted(
        np.cumsum(per_row), np.arange(chunk_events, per_row.sum(), chunk_events)
    )
    edges = [0, *bounds.tolist(), len(cap)]
    seqs = np.random.SeedSequence([seed, 7]).spawn(len(edges) - 1)
    try:
        for (a, b), ss in zip(zip(edges[:-1], edges[1:], strict=True), seqs, strict=True):
            if b > a:
                sl = slice(a, b)
                _chunk_events(
                    cap.iloc[sl],
                    pr,
                    {k: v[sl] for k, v in eff.items()},
                    season,
                    np.random.default_rng(ss),
                    writers,
                )
    finally:
        writers.close()
    return writers.rows


# --------------------------------------------------------------------------- logs


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


def _events(
    regions: pd.DataFrame, cap: pd.DataFrame, pr: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Action-research log: PDSA cycles per pilot region, meetings, staffing, flu."""
    rows = []
    for pilot in PILOTS:
        country = pilot.region_id[:2]
        months = _months(country)
        focus = (
            FOCUS_NL.get(pilot.intervention)
            if country == "NL"
            else BE_FOCUS_TEXT[BE_FOCUS[BE_PILOT_ZONES.index(int(pilot.region_id[-2:]) - 1) % 4][0]]
        )
        start = _month_index(pilot.start, country)
        for cycle in range(0, 60, 3):
            m = start - 2 + cycle
            if m + 1 >= len(months):
                break
            for j, kind in enumerate(("pdsa_plan", "pdsa_do", "pdsa_study", "pdsa_act")):
                mm = m + j // 2
                day = months[mm] + pd.Timedelta(days=int(4 + 12 * (j % 2) + rng.integers(0, 5)))
                rows.append(
                    (
                        pilot.region_id,
                        day.date().isoformat(),
                        kind,
                        PDSA_TEXT[kind].format(focus=focus) + f" (cyclus {cycle // 3 + 1})",
                    )
                )
        for mm in range(max(start - 3, 0), len(months), 2):
            day = months[mm] + pd.Timedelta(days=int(rng.integers(7, 25)))
            rows.append(
                (
                    pilot.region_id,
                    day.date().isoformat(),
                    "meeting",
                    "Regio-overleg huisartsen, coach en zorgverzekeraar",
                )
            )
        for y in sorted(set(months.year)):
            rows.append(
                (
                    pilot.region_id,
                    f"{y}-01-15",
                    "external",
                    "Griepepidemie: extra drukte in de praktijken",
                )
            )
    # Staffing entries: nurse FTE increases in pilot regions.
    pilot_regions = {p.region_id for p in PILOTS}
    nurse = cap[["practice_id", "month", "nurse_fte"]].copy()
    nurse["delta"] = nurse.groupby("practice_id")["nurse_fte"].diff()
    hires = nurse[nurse["delta"] > 0].merge(pr[["practice_id", "region_id"]], on="practice_id")
    hires = hires[hires.region_id.isin(pilot_regions)]
    for r in hires.itertuples():
        rows.append(
            (
                r.region_id,
                pd.Timestamp(r.month).date().isoformat(),
                "staffing",
                f"Praktijk {r.practice_id}: praktijkverpleegkundige/POH +{r.delta:.2f} fte",
            )
        )
    ev = pd.DataFrame(rows, columns=["region_id", "date", "kind", "text"])
    return ev.sort_values(["region_id", "date", "kind"], kind="stable").reset_index(drop=True)


def _interventions(pr: pd.DataFrame, starts: dict) -> pd.DataFrame:
    rows = []
    for k, pilot in enumerate(PILOTS):
        country = pilot.region_id[:2]
        if pilot.unit == "region":
            rows.append(("region", pilot.region_id, pilot.intervention, pilot.start, ""))
        else:
            for (i, kk), start in sorted(starts.items()):
                if kk == k:
                    d = _months(country)[start].date().isoformat()
                    rows.append(("practice", pr.practice_id.iloc[i], pilot.intervention, d, ""))
    return pd.DataFrame(
        rows, columns=["unit_type", "unit_id", "intervention", "start_date", "end_date"]
    )


def _survey(
    cap: pd.DataFrame, pr: pd.DataFrame, starts: dict, rng: np.random.Generator
) -> pd.DataFrame:
    rows = []
    treated_from = {}
    for (i, _k), s in starts.items():
        treated_from[i] = min(s, treated_from.get(i, 10**6))
    fte = dict(zip(zip(cap["_p"], cap["_m"], strict=True), cap["gp_fte"], strict=True))
    for i, row in enumerate(pr.itertuples()):
        for wave in SURVEY_WAVES[row.country]:
            m = _month_index(wave, row.country)
            if (i, m) not in fte:
                continue
            n_gp = max(1, round(float(fte[(i, m)])))
            post = i in treated_from and m >= treated_from[i]
            for r in range(n_gp):
                burnout = float(np.clip(rng.normal(22 - 3 * post, 9), 0, 54))
                rows.append(
                    {
                        "respondent_id": f"{row.practice_id}-R{r + 1}",
                        "practice_id": row.practice_id,
                        "wave": wave,
                        "hours_per_week": round(
                            float(
                                np.clip(rng.normal(52 if row.country == "NL" else 56, 8), 20, 90)
                            ),
                            1,
                        ),
                        "workload_score": round(
                            float(np.clip(rng.normal(7 - 0.5 * post, 1.5), 0, 10)), 1
                        ),
                        "burnout_score": round(burnout, 1),
                        "job_satisfaction": round(
                            float(np.clip(rng.normal(6.8 + 0.6 * post, 1.3), 1, 10)), 1
                        ),
                        "intends_to_leave": bool(
                            rng.random() < 1 / (1 + np.exp(2.2 - 0.06 * (burnout - 22)))
                        ),
                    }
                )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- main


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.10g", date_format="%Y-%m-%d")


def _seasons(rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    return {
        c: {"contacts": _season(_months(c), rng, 0.12), "referrals": _season(_months(c), rng, 0.05)}
        for c in ("NL", "BE")
    }


#: Name prefix of the staging folder of :func:`generate_demo` (inside the target folder).
DEMO_STAGING = ".demo-staging"


def _check_demo_target(out_dir: Path, seed: object, scale: str, force: bool) -> None:
    """Refuse a seed or scale that cannot work, and a folder holding data, before writing."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise WorkbenchError(
            f"seed {seed!r} cannot seed the demo. Fix: use a whole number of 0 or more, e.g. 42"
        )
    if scale not in SCALES:
        raise WorkbenchError(f"scale {scale!r} is not known. Fix: use one of {', '.join(SCALES)}")
    if out_dir.exists() and not out_dir.is_dir():
        raise WorkbenchError(f"{out_dir} is a file. Fix: choose a folder for the demo data")
    if not force and not raw_folder_is_empty(out_dir):
        held = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
        raise WorkbenchError(
            f"{out_dir} already holds files ({', '.join(held[:5])}"
            f"{', ...' if len(held) > 5 else ''}); the demo data are written only into an empty "
            "folder, so that they never replace or mix with real data. Fix: choose an empty "
            "folder, or add --force to overwrite the demo's files in it"
        )


def generate_demo(
    out_dir: Path, *, seed: int = 42, scale: Scale = "small", force: bool = False
) -> Path:
    """Write the synthetic demo raw data set and its ``ground_truth.json``.

    The files are generated in a staging folder inside ``out_dir`` and each
    complete file is then moved into place, so a killed run never leaves a
    truncated file where the ingest would read it; a staging folder left by a
    killed run is removed at the next call.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing). It must be empty (a README
        and hidden files aside) unless ``force`` is set.
    seed
        Random seed (a whole number >= 0); the same seed and scale give
        byte-identical files.
    scale
        ``"small"`` (a few practices per region, a few million events; for the
        demo reports and tests) or ``"national"`` (about 50 million contacts;
        for the ingest benchmark).
    force
        Write into a folder that holds files, overwriting the demo's own file
        names (other files are left alone).

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    WorkbenchError
        For a negative seed, an unknown scale, a folder holding files (without
        ``force``), or a disk that is full or not writable.
    """
    out_dir = Path(out_dir)
    _check_demo_target(out_dir, seed, scale, force)
    with staging.environment_errors(out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        staging.remove_stale(out_dir, DEMO_STAGING)
        stage = staging.staging_folder(out_dir, DEMO_STAGING)
        try:
            _write_demo(stage, seed, SCALES[scale])
            for path in sorted(stage.iterdir(), key=lambda p: p.name == "ground_truth.json"):
                if path.name != staging.MARKER:
                    path.replace(out_dir / path.name)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return out_dir


def _write_demo(out_dir: Path, seed: int, cfg: ScaleConfig) -> None:
    """Generate every demo file into ``out_dir``."""
    rng = np.random.default_rng(seed)
    regions = _regions(cfg, rng)
    pr = _practices(regions, cfg, rng)
    starts = _practice_start_months(pr, rng)
    cap = _capacity(pr, starts, rng)
    eff = _effect_arrays(cap, starts)
    season = _seasons(rng)

    _write_csv(regions, out_dir / "regions.csv")
    _write_csv(_practice_table(pr), out_dir / "practices.csv")
    public = cap.drop(columns=["_p", "_m"])
    public["accepting_new_patients"] = public["accepting_new_patients"].map(
        {True: "true", False: "false"}
    )
    _write_csv(public, out_dir / "practice_months.csv")
    _write_csv(_interventions(pr, starts), out_dir / "interventions.csv")
    _write_csv(_events(regions, cap, pr, rng), out_dir / "events.csv")
    _write_csv(_survey(cap, pr, starts, rng), out_dir / "survey.csv")
    _write_events(out_dir, cap, pr, eff, season, seed, cfg.chunk_events)
    truth = _ground_truth(cap, pr, starts, season)
    (out_dir / "ground_truth.json").write_text(
        json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
