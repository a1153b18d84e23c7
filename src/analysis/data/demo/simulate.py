"""The demo's simulation: practices, their capacity, the injected effects and the truth.

Turns the scenario (:mod:`analysis.data.demo.scenario`) into practice and
practice-month tables with one random generator, in a fixed order (the same
seed gives the same tables), and computes the expected monthly counts with and
without the pilots, from which the event tables are drawn
(:mod:`analysis.data.demo.events`) and ``ground_truth.json`` is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analysis.data.contract import CONTACT_TYPES, DESTINATIONS, PROVIDER_ROLES
from analysis.data.demo.scenario import (
    BE_ZONES,
    CELLS,
    EFFECTS,
    NL_COMPARISON,
    NL_PILOTS,
    NORM_LIST_PER_FTE,
    PATIENT_STOP,
    PERIODS,
    PILOTS,
    PRESCRIPTION_RATE,
    RAMP_MONTHS,
    REFERRAL_EFFECTS,
    REFERRAL_RATES,
    RETURN_SHARE,
    SURVEY_SCORES,
    TREND_PER_YEAR,
    TRUTH_OUTCOMES,
    WAITING_DAYS,
    Pilot,
    ScaleConfig,
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


# --------------------------------------------------------------------------- helpers


def month_index(day: str | date, country: str) -> int:
    """Months between the country's first data month and ``day``."""
    d = pd.Timestamp(day)
    s = pd.Timestamp(PERIODS[country][0])
    return (d.year - s.year) * 12 + d.month - s.month


def study_months(country: str) -> pd.DatetimeIndex:
    start, end = PERIODS[country]
    return pd.date_range(start, end, freq="MS")


def epoch_days(months: pd.DatetimeIndex) -> np.ndarray:
    return ((months - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy(np.int32)


def season_curve(months: pd.DatetimeIndex, rng: np.random.Generator, amp: float) -> np.ndarray:
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


def regions_table(cfg: ScaleConfig, rng: np.random.Generator) -> pd.DataFrame:
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


def practice_counts(regions: pd.DataFrame, cfg: ScaleConfig) -> dict[str, int]:
    pilot_regions = {p.region_id for p in PILOTS}
    counts = {}
    for rid, country in zip(regions.region_id, regions.country, strict=True):
        pilot = rid in pilot_regions
        if country == "NL":
            counts[rid] = cfg.nl_pilot_practices if pilot else cfg.nl_comparison_practices
        else:
            counts[rid] = cfg.be_pilot_practices if pilot else cfg.be_comparison_practices
    return counts


def draw_practices(
    regions: pd.DataFrame, cfg: ScaleConfig, rng: np.random.Generator
) -> pd.DataFrame:
    """Practices with type, baseline GP FTE, open/close month and level effects."""
    pilot_regions = {p.region_id for p in PILOTS}
    counts = practice_counts(regions, cfg)
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
            n_months = len(study_months(country))
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


def practices_table(pr: pd.DataFrame) -> pd.DataFrame:
    """The public ``practices.csv`` columns."""
    out = pr[["practice_id", "region_id", "practice_type"]].copy()
    opened, closed = [], []
    for country, om, cm, year in zip(
        pr.country, pr.open_m, pr.close_m, pr.opened_year, strict=True
    ):
        months = study_months(country)
        opened.append(months[om].date().isoformat() if om > 0 else f"{year}-01-01")
        closed.append(
            (months[cm] + pd.offsets.MonthEnd(0)).date().isoformat() if cm < len(months) - 1 else ""
        )
    out["opened"] = opened
    out["closed"] = closed
    return out


def practice_start_months(pr: pd.DataFrame, rng: np.random.Generator) -> dict:
    """Start month index per (practice row, pilot index)."""
    starts: dict[tuple[int, int], int] = {}
    for k, pilot in enumerate(PILOTS):
        rows = np.flatnonzero(pr.region_id.to_numpy() == pilot.region_id)
        country = pilot.region_id[:2]
        base = month_index(pilot.start, country)
        for i in rows:
            offset = int(rng.integers(0, 10)) if pilot.unit == "practice" else 0
            starts[(int(i), k)] = base + offset
    return starts


def ramp(month_idx: np.ndarray, start: int) -> np.ndarray:
    """Linear ramp: 1/RAMP_MONTHS in the start month, full after RAMP_MONTHS months."""
    return np.clip((month_idx - start + 1) / RAMP_MONTHS, 0.0, 1.0)


def effect_multiplier(i: int, m_idx: np.ndarray, starts: dict, key: str) -> np.ndarray:
    """Multiplier of effect ``key`` in practice row ``i``'s months (1 = no effect), ramped."""
    multiplier = np.ones(len(m_idx))
    for (practice, k), start in starts.items():
        full = PILOTS[k].effects.get(key)
        if practice == i and full is not None:
            multiplier *= 1 + ramp(m_idx, start) * (full - 1)
    return multiplier


def _patient_stops(
    u: np.ndarray, progress: np.ndarray, multiplier: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Patient-stop states without and with the pilot, from the same uniform draws ``u``.

    A two-state Markov chain (:data:`PATIENT_STOP`): a stop starts with a chance that
    rises over the study period (``progress`` from 0 to 1) and ends with a fixed
    chance; the pilot multiplies the chance to start by ``multiplier`` and divides
    the chance to end by it.
    """
    p_start = PATIENT_STOP["start_first"] + progress * (
        PATIENT_STOP["start_last"] - PATIENT_STOP["start_first"]
    )
    states = []
    for mult in (np.ones_like(multiplier), multiplier):
        stop, in_stop = np.zeros(len(u), dtype=bool), False
        for t in range(len(u)):  # per practice, at most 96 months: cheap
            in_stop = (
                u[t] >= PATIENT_STOP["end"] / mult[t] if in_stop else u[t] < p_start[t] * mult[t]
            )
            stop[t] = in_stop
        states.append(stop)
    return states[0], states[1]


def capacity(pr: pd.DataFrame, starts: dict, rng: np.random.Generator) -> pd.DataFrame:
    """practice_months rows with internal columns (``_``: practice row, month, truth).

    ``_stop``/``_stop_cf`` and ``_tna``/``_tna_cf`` hold the patient stop and the
    (unrounded) waiting time with and without the pilots, for the ground truth.
    """
    frames = []
    nurse_pilots = {k for k, p in enumerate(PILOTS) if "gp_shift" in p.effects}
    for i, row in enumerate(pr.itertuples()):
        months = study_months(row.country)
        m_idx = np.arange(row.open_m, row.close_m + 1)
        n = len(m_idx)
        # GP FTE: occasional changes (a GP leaves or joins part-time).
        fte = np.full(n, row.gp_fte0)
        for _ in range(rng.poisson(0.8 * n / 60)):
            at = rng.integers(0, n)
            fte[at:] = np.maximum(0.6, fte[at:] + rng.choice([-0.3, -0.2, 0.2, 0.3, 0.5]))
        # Patient stop, with and without the pilot (the same random numbers: the pilot's
        # effect is the only difference). The list follows the practice without the pilot,
        # so the pilot's effect on stops does not move the denominators of the rates.
        norm = NORM_LIST_PER_FTE[row.country]
        stop_cf, stop = _patient_stops(
            rng.random(n), m_idx / len(months), effect_multiplier(i, m_idx, starts, "patient_stops")
        )
        growth = np.where(stop_cf, -0.0008, 0.0015) + rng.normal(0, 0.002, n)
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
        # Waiting time: practice level, monthly noise, longer in a stop and with a full list.
        wait = (
            WAITING_DAYS[row.country]
            * rng.lognormal(0, WAITING_DAYS["practice_sd"])
            * rng.lognormal(0, WAITING_DAYS["month_sd"], n)
            * (list_size / (norm * fte)) ** 2
        )
        tna_cf = wait * np.where(stop_cf, WAITING_DAYS["in_stop"], 1.0)
        tna = (
            wait
            * np.where(stop, WAITING_DAYS["in_stop"], 1.0)
            * effect_multiplier(i, m_idx, starts, "waiting_time")
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
                    "accepting_new_patients": ~stop,
                    "third_next_available_days": np.round(np.clip(tna, 0, 60), 1),
                    "_p": i,
                    "_m": m_idx,
                    "_stop": stop.astype(float),
                    "_stop_cf": stop_cf.astype(float),
                    "_tna": tna,
                    "_tna_cf": tna_cf,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def effect_arrays(cap: pd.DataFrame, starts: dict) -> dict[str, np.ndarray]:
    """Per practice-month multiplier of every effect key (1 = no effect)."""
    n = len(cap)
    eff = {k: np.ones(n) for k in EFFECTS}
    p_arr, m_arr = cap["_p"].to_numpy(), cap["_m"].to_numpy()
    for (i, k), start in starts.items():
        rows = p_arr == i
        r = ramp(m_arr[rows], start)
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
    returns: np.ndarray  # (n,) share of contacts that return for the same complaint


def expected(
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
    for key, destination in REFERRAL_EFFECTS.items():
        referrals[:, DESTINATIONS.index(destination)] *= g(key)
    rx_rate = np.where(is_nl, PRESCRIPTION_RATE["NL"], PRESCRIPTION_RATE["BE"])
    prescriptions = rx_rate * lst * pr.level_prescriptions.to_numpy()[p_arr] * s_c
    prescriptions = prescriptions * g("prescriptions")
    returns = np.where(is_nl, RETURN_SHARE["NL"], RETURN_SHARE["BE"]) * g("repeat_visits")
    return Expectation(cells, minutes, referrals, prescriptions, returns)


def expected_outcomes(x: Expectation) -> dict[str, np.ndarray]:
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
        "repeat_contact_share": x.returns,
    }
    # Per GP FTE: no pilot moves the FTE, so the ratio with/without is that of the counts.
    out["contacts_per_gp_fte"] = out["gp_contacts"]
    out["gp_minutes_per_fte"] = out["gp_minutes"]
    for j, dest in enumerate(DESTINATIONS):
        out[f"referrals_{dest}"] = x.referrals[:, j]
        out[f"referral_rate_{dest}"] = x.referrals[:, j]
    return out


def _capacity_outcomes(cap: pd.DataFrame, *, pilot: bool) -> dict[str, np.ndarray]:
    """Patient stop and waiting time with (``pilot``) or without the pilots."""
    suffix = "" if pilot else "_cf"
    return {
        "patient_stop_share": cap[f"_stop{suffix}"].to_numpy(),
        "third_next_available_days": cap[f"_tna{suffix}"].to_numpy(),
    }


#: Effect keys that act on the GP survey (their truth comes from the survey table).
SURVEY_EFFECTS = frozenset(score.effect for score in SURVEY_SCORES.values() if score.effect)


def truth_row(pilot: Pilot, outcome: str, scale: str, value: float, **sizes: int) -> dict:
    """One entry of ``ground_truth.json``."""
    keys = [key for key in pilot.effects if (outcome, scale) in TRUTH_OUTCOMES[key]]
    full = pilot.effects[keys[0]] if len(keys) == 1 and scale == "ratio" else None
    return {
        "region_id": pilot.region_id,
        "intervention": pilot.intervention,
        "outcome": outcome,
        "effect": round(float(value), 6),
        "scale": scale,
        "full_effect": None if full is None else round(float(full), 6),
        "start_date": pilot.start,
        "unit_type": pilot.unit,
        "ramp_months": RAMP_MONTHS,
        **sizes,
    }


def ground_truth(cap: pd.DataFrame, pr: pd.DataFrame, starts: dict, season: dict) -> list[dict]:
    """Average effect over the pilot practices' post-start practice-months.

    Ratios are the mean of (with pilot / without), differences the mean of (with
    - without), per practice-month; an outcome moved by several of a pilot's
    effects is listed once. Survey effects are left to
    :func:`analysis.data.demo.logs.survey_table`.
    """
    truth = []
    p_arr, m_arr = cap["_p"].to_numpy(), cap["_m"].to_numpy()
    for k, pilot in enumerate(PILOTS):
        post = np.zeros(len(cap), dtype=bool)
        for (i, kk), start in starts.items():
            if kk == k:
                post |= (p_arr == i) & (m_arr >= start)
        sub = cap[post]
        eff_only = effect_arrays(sub, {key: v for key, v in starts.items() if key[1] == k})
        with_eff = expected_outcomes(expected(sub, pr, eff_only, season))
        with_eff |= _capacity_outcomes(sub, pilot=True)
        without = expected_outcomes(expected(sub, pr, None, season))
        without |= _capacity_outcomes(sub, pilot=False)
        outcomes = dict.fromkeys(
            pair
            for key in pilot.effects
            if key not in SURVEY_EFFECTS
            for pair in TRUTH_OUTCOMES[key]
        )
        for outcome, scale in outcomes:
            a, b = with_eff[outcome], without[outcome]
            value = np.mean(a / b) if scale == "ratio" else np.mean(a - b)
            sizes = {"n_practices": len(np.unique(sub["_p"])), "n_practice_months": len(sub)}
            truth.append(truth_row(pilot, outcome, scale, value, **sizes))
    return truth


def seasons(rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    return {
        c: {
            "contacts": season_curve(study_months(c), rng, 0.12),
            "referrals": season_curve(study_months(c), rng, 0.05),
        }
        for c in ("NL", "BE")
    }
