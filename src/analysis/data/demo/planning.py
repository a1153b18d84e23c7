"""The demo's planning inputs: population, contact rates, GPs by age band, GP training.

Drawn from a random stream of their own (``[seed, PLANNING_STREAM]``), after the
other tables, so that adding or changing a planning input never changes the
bytes of the panel, event or survey files. Magnitudes are in
:mod:`analysis.data.demo.scenario` ("planning inputs").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.contract import AGE_GROUPS, GP_AGE_BANDS
from analysis.data.demo.scenario import (
    AGE_LEAN,
    AGE_MIX,
    AGE_TILT_SD,
    AGEING_PER_YEAR,
    CONTACT_RATES,
    GP_AGE_LEAN,
    GP_AGE_MIX,
    GP_AGE_TILT_SD,
    GP_HOURS,
    GP_HOURS_SD,
    GPS_PER_FTE,
    PERIODS,
    POPULATION_GROWTH,
    PROJECTION_END,
    REGIONAL_TRAINING,
    SETTLE_SHARE_SD,
    TRAINING,
)

#: Second entropy word of the planning inputs' random stream.
PLANNING_STREAM = 13


def _tilted(shares: tuple[float, ...], lean: tuple[float, ...], tilt: float) -> np.ndarray:
    """``shares`` leaning towards the groups with a positive ``lean`` by ``tilt``, summing to 1."""
    weights = np.asarray(shares) * np.exp(tilt * np.asarray(lean))
    return weights / weights.sum()


def population_table(regions: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Inhabitants per region, year and age group, from the first data year to 2035.

    The first year's total is the region's ``population``; each region grows at
    its own rate and ages at its own pace (its age tilt grows each year).
    Years after the country's data period are marked ``projected``.
    """
    rows = []
    for rid, country, total in zip(
        regions.region_id, regions.country, regions.population, strict=True
    ):
        first, last = (pd.Timestamp(d).year for d in PERIODS[country])
        tilt = rng.normal(0, AGE_TILT_SD)
        ageing = rng.uniform(*AGEING_PER_YEAR)
        growth = rng.uniform(*POPULATION_GROWTH[country])
        for year in range(first, PROJECTION_END + 1):
            t = year - first
            shares = _tilted(AGE_MIX[country], AGE_LEAN, tilt + ageing * t)
            counts = np.round(total * (1 + growth) ** t * shares).astype(int)
            for group, count in zip(AGE_GROUPS, counts, strict=True):
                rows.append((rid, year, group, int(count), "true" if year > last else "false"))
    return pd.DataFrame(rows, columns=["region_id", "year", "age_group", "population", "projected"])


def contact_rates_table() -> pd.DataFrame:
    """GP contacts per inhabitant per year by age group, per country (no randomness)."""
    rows = [
        (country, group, rate)
        for country, rates in CONTACT_RATES.items()
        for group, rate in zip(AGE_GROUPS, rates, strict=True)
    ]
    return pd.DataFrame(rows, columns=["country", "age_group", "contacts_per_year"])


def gp_workforce_table(
    pr: pd.DataFrame, cap: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """The GPs of each practice open in its country's last month, by age band, with hours.

    Head count from the practice's GP FTE in that month (:data:`GPS_PER_FTE`);
    each GP's age band from the country's mix tilted by the region's GP age
    tilt (some regions are greying), hours from the band's mean. One row per
    practice and band holding GPs.
    """
    last = cap.groupby("practice_id")["month"].max()
    fte = cap.set_index(["practice_id", "month"])["gp_fte"]
    tilts: dict[str, float] = {}
    rows = []
    for practice, region, country in zip(pr.practice_id, pr.region_id, pr.country, strict=True):
        end = pd.Timestamp(PERIODS[country][1])
        if practice not in last.index or last[practice] != end:
            continue  # closed before the count
        tilt = tilts.setdefault(region, rng.normal(0, GP_AGE_TILT_SD))
        n_gps = max(1, round(float(fte[(practice, end)]) * GPS_PER_FTE[country]))
        bands = rng.choice(
            len(GP_AGE_BANDS), n_gps, p=_tilted(GP_AGE_MIX[country], GP_AGE_LEAN, tilt)
        )
        hours = rng.normal(np.asarray(GP_HOURS[country])[bands], GP_HOURS_SD).clip(16, 80)
        for band in sorted(set(bands.tolist())):
            mine = bands == band
            rows.append(
                (
                    practice,
                    end.date().isoformat(),
                    GP_AGE_BANDS[band],
                    int(mine.sum()),
                    round(float(hours[mine].mean()), 1),
                )
            )
    return pd.DataFrame(rows, columns=["practice_id", "date", "age_band", "gps", "hours_per_week"])


def training_table(regions: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """GPs completing their training per region and year (later years: plans), and who stays.

    Graduates per 100,000 inhabitants as in :data:`TRAINING`, Poisson around the
    mean; regions with regional training places (:data:`REGIONAL_TRAINING`)
    train more from their first year and keep more of their graduates.
    """
    rows = []
    for rid, country, population in zip(
        regions.region_id, regions.country, regions.population, strict=True
    ):
        per_100k, settle = TRAINING[country]
        share = float(np.clip(rng.normal(settle, SETTLE_SHARE_SD), 0.2, 0.9))
        regional = REGIONAL_TRAINING.get(rid)
        for year in range(pd.Timestamp(PERIODS[country][0]).year, PROJECTION_END + 1):
            rate, stays = per_100k, share
            if regional is not None and year >= regional["from"]:
                rate, stays = rate + regional["extra_per_100k"], regional["settle_share"]
            graduates = int(rng.poisson(rate * population / 100_000))
            rows.append((rid, year, graduates, round(stays, 2)))
    return pd.DataFrame(rows, columns=["region_id", "year", "graduates", "settle_share"])


def planning_tables(
    regions: pd.DataFrame, pr: pd.DataFrame, cap: pd.DataFrame, seed: int
) -> dict[str, pd.DataFrame]:
    """Every planning input of the demo, by contract table name, from its own stream."""
    rng = np.random.default_rng([seed, PLANNING_STREAM])
    return {
        "population": population_table(regions, rng),
        "contact_rates": contact_rates_table(),
        "gp_workforce": gp_workforce_table(pr, cap, rng),
        "training": training_table(regions, rng),
    }
