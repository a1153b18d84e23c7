"""The GP capacity outlook: supply of GP FTE against the need for it, per region, to 2035.

The projection covers the patients on the lists of the region's practices in the
data (all of the region's patients when the data hold every practice); the
population table supplies growth and ageing, as indices of the region's own.

**Supply** (GP FTE), from the GPs counted per practice by age band
(``gp_workforce``), in year ``t`` after the count:

* every GP keeps working until retirement, whose age is normal with mean
  ``retirement_age`` and standard deviation ``retirement_spread``; a GP aged
  ``a`` now still works at ``a + t`` with probability ``R(a + t) / R(a)``, ``R``
  the normal survival function, times ``(1 - leaving_per_year) ** t`` for leaving
  general practice before retirement; ages are spread evenly over each band
  (:data:`BAND_AGES`);
* each year ``graduates x settle_share`` newly trained GPs settle in the region
  (``training``), aged ``new_gp_age``, working the hours of the country's GPs
  under 35, and the practices in the data get their share (the lists' share of
  the inhabitants, ``coverage``); extra training places add
  ``extra_graduates_per_100000`` graduates per 100,000 inhabitants, who settle as
  the others;
* FTE = weekly hours / the country's hours per FTE (hours of the counted GPs over
  the GP FTE of their practices in the count month), all hours changing by
  ``hours_trend`` per year;
* measures add FTE-equivalents from ``measures_from`` on: practice nurses
  (``nurse_fte_per_10000`` per 10,000 listed patients, each worth
  ``nurse_gp_equivalent`` GP FTE) and physician assistants (``pa_fte_per_10000``,
  ``pa_gp_equivalent``).

**Need** (GP FTE): ``coverage x sum_g population_g x contacts_g x (1 +
contacts_trend) ** t / (patients_per_fte x reference_contacts)``, with the
contacts per inhabitant per age group (``contact_rates``) and the country's mean
contacts per inhabitant in the count year as reference, so that in that year a
region of average age needs one FTE per ``patients_per_fte`` listed patients (the
Dutch norm practice: 2,095 patients per FTE, NZa) and an older one more.

**The gap** opens in the first year in which supply falls below need (capacity
below 100% of need). The uncertain inputs are given as (low, central, high);
the outlook draws them from triangular distributions, and the band of a gap
year holds the middle 80% of the draws (the 10th to 90th percentile).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.data.contract import AGE_GROUPS, GP_AGE_BANDS
from analysis.data.processed import read_processed
from analysis.errors import WorkbenchError
from analysis.planning.inputs import missing_inputs, read_input

__all__ = [
    "BAND_AGES",
    "UNCERTAIN",
    "Assumptions",
    "Outlook",
    "RegionCapacity",
    "capacity_inputs",
    "capacity_outlook",
    "gap_year",
    "project",
]

#: Ages (from, to exclusive) over which the GPs of each band are spread evenly.
BAND_AGES: dict[str, tuple[int, int]] = {
    "<35": (28, 35),
    "35-44": (35, 45),
    "45-54": (45, 55),
    "55-59": (55, 60),
    "60-64": (60, 65),
    "65+": (65, 72),
}
if tuple(BAND_AGES) != GP_AGE_BANDS:  # pragma: no cover - one place for the bands
    raise RuntimeError("BAND_AGES must cover the contract's GP_AGE_BANDS, in order")

#: Assumptions the outlook varies between their low and high values.
UNCERTAIN = ("retirement_age", "leaving_per_year", "hours_trend", "contacts_trend")


@dataclass(frozen=True)
class Assumptions:
    """The assumptions of one projection (a scenario's central values, or one draw).

    Attributes
    ----------
    retirement_age, retirement_spread
        Mean and standard deviation of the age at which GPs retire (years).
    leaving_per_year
        Share of the GPs who leave general practice each year before retiring.
    hours_trend
        Relative change of every GP's weekly hours per year (-0.01: 1% fewer).
    contacts_trend
        Relative change of the contacts per inhabitant per year (morbidity).
    new_gp_age
        Age at which newly trained GPs start.
    nurse_fte_per_10000, nurse_gp_equivalent
        Extra practice-nurse FTE per 10,000 listed patients, and the GP FTE one
        nurse FTE takes over.
    pa_fte_per_10000, pa_gp_equivalent
        Extra physician-assistant FTE per 10,000 listed patients, and the GP FTE
        one PA FTE takes over.
    extra_graduates_per_100000
        Extra GP graduates per 100,000 inhabitants per year (regional training places).
    measures_from
        First year the measures count (``None``: the year after the count).
    """

    retirement_age: float = 66.0
    retirement_spread: float = 3.0
    leaving_per_year: float = 0.01
    hours_trend: float = 0.0
    contacts_trend: float = 0.0
    new_gp_age: float = 32.0
    nurse_fte_per_10000: float = 0.0
    nurse_gp_equivalent: float = 0.3
    pa_fte_per_10000: float = 0.0
    pa_gp_equivalent: float = 0.7
    extra_graduates_per_100000: float = 0.0
    measures_from: int | None = None

    def with_changes(self, changes: Mapping[str, float]) -> Assumptions:
        """A copy with some assumptions changed; an unknown name is refused."""
        unknown = sorted(set(changes) - set(asdict(self)))
        if unknown:
            raise ValueError(f"unknown assumption(s) {unknown}; known: {', '.join(asdict(self))}")
        return replace(self, **changes)


@dataclass(frozen=True)
class RegionCapacity:
    """What the projection of one region starts from (see :func:`capacity_inputs`).

    Attributes
    ----------
    region_id, country
        The region.
    base_year
        Year of the GP count; ``t = 0``.
    heads, hours
        GPs and their mean weekly hours per band of :data:`BAND_AGES`.
    hours_per_fte
        Weekly hours of one GP FTE in the country.
    new_gp_hours
        Weekly hours of a newly trained GP.
    listed
        Patients on the lists of the counted practices in the count month.
    population
        Years (``base_year`` to the horizon) x age groups: inhabitants.
    contacts
        GP contacts per inhabitant per year, per age group (columns of ``population``).
    reference_contacts
        The country's mean contacts per inhabitant in the base year.
    graduates, settle_share
        Per year after the base year: graduates of the region and the share who settle.
    patients_per_fte
        Listed patients one GP FTE cares for in a region of average age.
    """

    region_id: str
    country: str
    base_year: int
    heads: np.ndarray
    hours: np.ndarray
    hours_per_fte: float
    new_gp_hours: float
    listed: float
    population: pd.DataFrame
    contacts: np.ndarray
    reference_contacts: float
    graduates: np.ndarray
    settle_share: np.ndarray
    patients_per_fte: float

    @property
    def years(self) -> np.ndarray:
        """The projected years, base year first."""
        return self.population.index.to_numpy()

    @property
    def coverage(self) -> float:
        """The lists' share of the region's inhabitants in the base year."""
        return float(self.listed / self.population.iloc[0].sum())

    @property
    def gps(self) -> int:
        """GPs counted (head count)."""
        return int(self.heads.sum())


def _as_array(value: float | np.ndarray) -> np.ndarray:
    return np.atleast_1d(np.asarray(value, dtype=float))


def _still_working(
    age: np.ndarray, t: np.ndarray, mean: np.ndarray, spread: np.ndarray, leaving: np.ndarray
) -> np.ndarray:
    """Chance that a GP aged ``age`` now still works ``t`` years later.

    ``age`` is sets x ages (or 1 x ages for all sets), ``mean``, ``spread`` and
    ``leaving`` one value per set; the result is sets x ages x years.
    """
    a = age[:, :, None]
    m, s = mean[:, None, None], spread[:, None, None]
    not_retired = stats.norm.logsf((a + t[None, None, :] - m) / s) - stats.norm.logsf((a - m) / s)
    return np.exp(not_retired) * (1 - leaving[:, None, None]) ** t[None, None, :]


def project(region: RegionCapacity, assumptions: Assumptions | Sequence[Assumptions]) -> dict:
    """Supply and need of GP FTE per year, for one or several sets of assumptions.

    Parameters
    ----------
    region
        The region's inputs.
    assumptions
        One :class:`Assumptions`, or several (draws): one row per set.

    Returns
    -------
    dict
        ``years`` (array), ``supply`` and ``need`` (sets x years arrays of GP FTE)
        and ``ratio`` (supply / need).
    """
    sets = [assumptions] if isinstance(assumptions, Assumptions) else list(assumptions)

    def column(name: str) -> np.ndarray:
        return np.array([float(getattr(a, name)) for a in sets])

    years = region.years
    t = (years - region.base_year).astype(float)
    hours_factor = (1 + column("hours_trend"))[:, None] ** t[None, :]
    mean, spread, leaving = (
        column("retirement_age"),
        column("retirement_spread"),
        column("leaving_per_year"),
    )
    supply = np.zeros((len(sets), len(years)))
    for (low, high), heads, hours in zip(
        BAND_AGES.values(), region.heads, region.hours, strict=True
    ):
        if heads == 0:
            continue
        ages = np.arange(low, high)[None, :] + 0.5
        working = _still_working(ages, t, mean, spread, leaving).mean(axis=1)
        supply += heads * hours / region.hours_per_fte * working
    # Newly trained GPs: those settling in year base + k (k >= 1) have worked t - k years.
    start = np.array([a.measures_from or region.base_year + 1 for a in sets])
    inhabitants = region.population.sum(axis=1).to_numpy()
    extra = column("extra_graduates_per_100000")[:, None] * inhabitants[None, 1:] / 100_000
    extra = extra * (years[None, 1:] >= start[:, None])
    arriving = (region.graduates[None, :] + extra) * region.settle_share[None, :]
    arriving = arriving * region.coverage * region.new_gp_hours / region.hours_per_fte
    new_age = column("new_gp_age")[:, None]
    staying = _still_working(new_age, t, mean, spread, leaving)[:, 0, :]  # by years worked
    for k in range(1, len(years)):
        supply[:, k:] += arriving[:, k - 1 : k] * staying[:, : len(years) - k]
    supply *= hours_factor
    measures = (
        region.listed
        / 10_000
        * (
            column("nurse_fte_per_10000") * column("nurse_gp_equivalent")
            + column("pa_fte_per_10000") * column("pa_gp_equivalent")
        )
    )
    supply += measures[:, None] * (years[None, :] >= start[:, None])
    demand = region.population.to_numpy() @ region.contacts  # contacts per year, per year
    trend = (1 + column("contacts_trend"))[:, None] ** t[None, :]
    need = (
        region.coverage
        * demand[None, :]
        * trend
        / (region.patients_per_fte * region.reference_contacts)
    )
    return {"years": years, "supply": supply, "need": need, "ratio": supply / need}


def gap_year(years: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """First year with capacity below need, per row of ``ratio``; NaN if none.

    Examples
    --------
    >>> gap_year(np.array([2026, 2027, 2028]), np.array([[1.1, 0.99, 1.2], [1.0, 1.0, 1.0]]))
    array([2027.,   nan])
    """
    short = np.atleast_2d(ratio) < 1
    first = np.argmax(short, axis=1)
    return np.where(short.any(axis=1), years[first], np.nan).astype(float)


# --------------------------------------------------------------------------- inputs


def _per_year(table: pd.DataFrame, column: str, years: np.ndarray) -> np.ndarray:
    """``column`` for ``years``: a missing year takes the last known one (0 before any)."""
    if table.empty:
        return np.zeros(len(years))
    series = table.set_index("year")[column].sort_index()
    full = series.reindex(range(int(series.index.min()), int(years.max()) + 1)).ffill()
    return full.reindex(years).fillna(0.0).to_numpy(dtype=float)


def capacity_inputs(
    processed_dir: Path | str,
    *,
    horizon: int = 2035,
    patients_per_fte: Mapping[str, float],
    countries: Sequence[str] = (),
) -> tuple[list[RegionCapacity], dict[str, str]]:
    """Every region's projection inputs from the processed data, and the regions left out.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest`` with the planning inputs
        ``gp_workforce``, ``population`` and ``contact_rates`` (``training``
        optional: without it no GPs arrive).
    horizon
        Last projected year.
    patients_per_fte
        Country -> listed patients per GP FTE in a region of average age.
    countries
        Countries to include (empty: all).

    Returns
    -------
    tuple
        The regions' inputs, and region id -> why it was left out (a reason code:
        ``no_gps``, ``no_population``, ``no_projection``, ``no_contact_rates``,
        ``no_list_size``, ``no_norm``).

    Raises
    ------
    WorkbenchError
        ``gp_workforce``, ``population`` or ``contact_rates`` was not supplied.
    """
    missing = missing_inputs(processed_dir, ["gp_workforce", "population", "contact_rates"])
    if missing:
        raise WorkbenchError(
            f"the capacity outlook needs the planning input(s) {', '.join(missing)}. Fix: supply "
            "them in the raw folder (docs/data-contract.md, 'Planning inputs') and ingest again"
        )
    population = read_input(processed_dir, "population")
    rates = read_input(processed_dir, "contact_rates")
    training = read_input(processed_dir, "training")
    regions = read_processed(processed_dir, "regions", ["region_id", "country"])
    if countries:
        regions = regions[regions["country"].isin(list(countries))]
    counted = _counted(read_input(processed_dir, "gp_workforce"), regions)
    panel = read_processed(
        processed_dir, "practice_month", ["practice_id", "month", "list_size", "gp_fte"]
    )
    at_count = _at_count(panel, counted)
    hours_per_fte, new_hours = _country_hours(counted, at_count)
    inputs, skipped = [], {}
    for rid, country in zip(regions["region_id"], regions["country"], strict=True):
        mine = counted[counted["region_id"] == rid]
        if mine["gps"].sum() == 0:
            skipped[rid] = "no_gps"
            continue
        base = int(pd.Timestamp(mine["date"].max()).year)
        years = np.arange(base, horizon + 1)
        pop = population[population["region_id"] == rid]
        table = pop.pivot_table(
            index="year", columns="age_group", values="population", aggfunc="sum"
        ).reindex(columns=[g for g in AGE_GROUPS if g in set(pop["age_group"])])
        own = rates[rates["country"] == country].set_index("age_group")["contacts_per_year"]
        listed = float(at_count["list_size"].reindex(mine["practice_id"].unique()).sum())
        reason = (
            "no_population" if pop.empty
            else "no_projection" if not set(years) <= set(table.index)
            else "no_contact_rates" if not set(table.columns) <= set(own.index)
            else "no_norm" if country not in patients_per_fte
            else "no_list_size" if not listed > 0
            else None
        )  # fmt: skip
        if reason is not None:
            skipped[rid] = reason
            continue
        by_band = mine.groupby("age_band")[["gps", "gp_hours"]].sum().reindex(list(BAND_AGES))
        grads = training[training["region_id"] == rid] if not training.empty else training
        inputs.append(
            RegionCapacity(
                region_id=rid,
                country=country,
                base_year=base,
                heads=by_band["gps"].fillna(0).to_numpy(dtype=float),
                hours=(by_band["gp_hours"] / by_band["gps"].where(by_band["gps"] > 0))
                .fillna(0.0)
                .to_numpy(dtype=float),
                hours_per_fte=hours_per_fte[country],
                new_gp_hours=new_hours[country],
                listed=listed,
                population=table.loc[years].astype(float),
                contacts=own.reindex(table.columns).to_numpy(dtype=float),
                reference_contacts=_reference_contacts(population, regions, rates, country, base),
                graduates=_per_year(grads, "graduates", years[1:]),
                settle_share=_per_year(grads, "settle_share", years[1:]),
                patients_per_fte=float(patients_per_fte[country]),
            )
        )
    return inputs, skipped


def _counted(workforce: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Each practice's latest GP count, with its country and the GPs' weekly hours summed."""
    latest = workforce.groupby("practice_id")["date"].transform("max")
    counted = workforce[workforce["date"] == latest].merge(regions, on="region_id", how="inner")
    return counted.assign(gp_hours=counted["gps"] * counted["hours_per_week"].fillna(0.0))


def _at_count(panel: pd.DataFrame, counted: pd.DataFrame) -> pd.DataFrame:
    """Per counted practice its panel row of the count month (or the latest before it)."""
    dates = counted.groupby("practice_id")["date"].max().rename("date")
    months = panel.merge(dates, left_on="practice_id", right_index=True)
    months = months[pd.to_datetime(months["month"]) <= pd.to_datetime(months["date"])]
    return months.sort_values("month").groupby("practice_id").tail(1).set_index("practice_id")


def _country_hours(
    counted: pd.DataFrame, at_count: pd.DataFrame
) -> tuple[dict[str, float], dict[str, float]]:
    """Per country the weekly hours of one GP FTE, and of a newly trained GP.

    Hours per FTE: the counted GPs' hours over the GP FTE of their practices in the
    count month. A new GP works as the country's GPs under 35 (all GPs if none).
    """
    country_of = counted.groupby("practice_id")["country"].first()
    fte = at_count["gp_fte"].groupby(country_of).sum()
    totals = counted.groupby("country")[["gp_hours", "gps"]].sum()
    young = (
        counted[counted["age_band"] == GP_AGE_BANDS[0]]
        .groupby("country")[["gp_hours", "gps"]]
        .sum()
    )
    per_fte, new = {}, {}
    for country, row in totals.iterrows():
        per_fte[country] = float(row["gp_hours"] / fte.get(country, np.nan))
        own = young.loc[country] if country in young.index and young.loc[country, "gps"] else row
        new[country] = float(own["gp_hours"] / own["gps"])
    return per_fte, new


def _reference_contacts(
    population: pd.DataFrame, regions: pd.DataFrame, rates: pd.DataFrame, country: str, year: int
) -> float:
    """The country's mean GP contacts per inhabitant in ``year`` (population-weighted)."""
    ids = set(regions.loc[regions["country"] == country, "region_id"])
    rows = population[population["region_id"].isin(ids) & (population["year"] == year)]
    own = rates[rates["country"] == country].set_index("age_group")["contacts_per_year"]
    by_group = rows.groupby("age_group")["population"].sum()
    return float((by_group * own.reindex(by_group.index)).sum() / by_group.sum())


# --------------------------------------------------------------------------- outlook


@dataclass(frozen=True)
class Outlook:
    """The capacity outlook of every region under every scenario.

    Attributes
    ----------
    years
        Region x scenario x year rows: ``ratio`` (central assumptions), ``ratio_low``
        and ``ratio_high`` (10th and 90th percentile over the draws), ``supply`` and
        ``need`` (GP FTE, central).
    gaps
        Region x scenario rows: ``gap_year`` (central; missing if none by the
        horizon), ``gap_low`` and ``gap_high`` (10th and 90th percentile of the
        draws' gap years, ``horizon + 1`` standing for "not before the horizon"),
        ``capacity_start`` and ``capacity_end`` (ratio in the first and last year).
    regions
        Region rows: ``region_id``, ``country``, ``base_year``, ``gps``, ``coverage``.
    skipped
        Region id -> reason code (see :func:`capacity_inputs`).
    horizon
        Last projected year.
    """

    years: pd.DataFrame
    gaps: pd.DataFrame
    regions: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)
    horizon: int = 2035


def _draws(
    central: Assumptions, ranges: Mapping[str, Sequence[float]], n_draws: int, seed: int
) -> list[Assumptions]:
    """``n_draws`` sets of assumptions, the uncertain ones triangular over (low, mode, high)."""
    rng = np.random.default_rng(seed)
    values: dict[str, np.ndarray] = {}
    for name, bounds in ranges.items():
        low, mode, high = (float(v) for v in bounds)
        if not low <= mode <= high:
            raise ValueError(f"{name} needs low <= central <= high, got {list(bounds)}")
        values[name] = (
            np.full(n_draws, mode) if low == high else rng.triangular(low, mode, high, n_draws)
        )
    return [
        central.with_changes({name: float(v[d]) for name, v in values.items()})
        for d in range(n_draws)
    ]


def capacity_outlook(
    regions: Sequence[RegionCapacity],
    *,
    ranges: Mapping[str, Sequence[float]],
    scenarios: Mapping[str, Mapping[str, float]],
    base: Assumptions | None = None,
    n_draws: int = 200,
    seed: int = 0,
    skipped: Mapping[str, str] | None = None,
) -> Outlook:
    """Project every region under every scenario, with bands from the uncertain assumptions.

    Parameters
    ----------
    regions
        Projection inputs (:func:`capacity_inputs`).
    ranges
        Assumption -> (low, central, high) for the uncertain ones (:data:`UNCERTAIN`
        or any field of :class:`Assumptions`).
    scenarios
        Scenario name -> assumptions it changes (measures such as
        ``{"nurse_fte_per_10000": 1.0}``); ``{}`` for none. The same draws are used
        in every scenario, so scenarios differ by their measures only.
    base
        Assumptions not in ``ranges`` (default :class:`Assumptions`).
    n_draws, seed
        Number of draws of the uncertain assumptions, and the random seed.

    Returns
    -------
    Outlook
    """
    if n_draws < 2:
        raise ValueError(f"n_draws must be at least 2, got {n_draws}")
    central = (base or Assumptions()).with_changes({n: float(v[1]) for n, v in ranges.items()})
    draws = _draws(central, ranges, n_draws, seed)
    year_rows, gap_rows = [], []
    horizon = 0
    for region in regions:
        horizon = max(horizon, int(region.years[-1]))
        for scenario, changes in scenarios.items():
            mid = project(region, central.with_changes(changes))
            spread = project(region, [d.with_changes(changes) for d in draws])
            low, high = np.percentile(spread["ratio"], [10, 90], axis=0)
            for k, year in enumerate(mid["years"]):
                year_rows.append(
                    {
                        "region_id": region.region_id,
                        "scenario": scenario,
                        "year": int(year),
                        "ratio": float(mid["ratio"][0, k]),
                        "ratio_low": float(low[k]),
                        "ratio_high": float(high[k]),
                        "supply": float(mid["supply"][0, k]),
                        "need": float(mid["need"][0, k]),
                    }
                )
            last = int(region.years[-1])
            drawn = np.nan_to_num(gap_year(spread["years"], spread["ratio"]), nan=last + 1)
            gap_rows.append(
                {
                    "region_id": region.region_id,
                    "scenario": scenario,
                    "gap_year": float(gap_year(mid["years"], mid["ratio"])[0]),
                    "gap_low": float(np.floor(np.percentile(drawn, 10))),
                    "gap_high": float(np.ceil(np.percentile(drawn, 90))),
                    "capacity_start": float(mid["ratio"][0, 0]),
                    "capacity_end": float(mid["ratio"][0, -1]),
                }
            )
    table = pd.DataFrame(
        [
            {
                "region_id": r.region_id,
                "country": r.country,
                "base_year": r.base_year,
                "gps": r.gps,
                "coverage": r.coverage,
            }
            for r in regions
        ],
        columns=["region_id", "country", "base_year", "gps", "coverage"],
    )
    return Outlook(
        years=pd.DataFrame(year_rows),
        gaps=pd.DataFrame(gap_rows),
        regions=table,
        skipped=dict(skipped or {}),
        horizon=horizon,
    )
