"""Need-and-capacity indicators per region, from the processed data, the survey and population.

Every indicator is a ratio of sums, so that a region's value can be recomputed
from any resample of its practices (:mod:`analysis.planning.selection` bootstraps
practices):

* ``gp_fte_per_10000``: GP FTE per 10,000 patients on the lists of the region's
  practices (per 10,000 inhabitants when the data cover every practice);
* ``contacts_per_gp_fte``: GP contacts per GP FTE per month (workload per GP);
* any other numeric column of the practice-month panel (``patient_stop_share``,
  ``third_next_available_days``, ``referral_rate_medical_specialist``, ...): its
  mean over the region's practice-months in the window;
* a GP survey item (``workload_score``, ``burnout_score``, ...): the mean of the
  answers in the latest wave before the selection date;
* ``population_65_share``, ``population_75_share``, ``inhabitants``: from the
  population table (planning input) in the selection year; these describe the
  whole region and are not resampled.

The window is the ``months`` months before ``as_of``: the data a programme lead
has when choosing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from analysis.data.processed import processed_columns, read_processed
from analysis.data.survey import SURVEY_ITEMS, read_survey
from analysis.errors import WorkbenchError
from analysis.planning.inputs import read_input
from analysis.words.indicators import builtin_indicators

__all__ = [
    "POPULATION_INDICATORS",
    "RATIO_INDICATORS",
    "DisclosureUnit",
    "IndicatorData",
    "disclosure_unit",
    "need_indicators",
    "selection_date",
]

#: Indicators that are ratios of two panel sums: numerator, denominator, multiplier.
RATIO_INDICATORS: dict[str, tuple[str, str, float]] = {
    "gp_fte_per_10000": ("gp_fte", "list_size", 10_000.0),
    "contacts_per_gp_fte": ("gp_contacts", "gp_fte", 1.0),
}
#: Indicators of the whole region from the population table: the age groups counted.
POPULATION_INDICATORS: dict[str, tuple[str, ...]] = {
    "population_65_share": ("65-74", "75+"),
    "population_75_share": ("75+",),
    "inhabitants": (),
}
#: The units a region's value rests on, for disclosure control: a value resting on fewer
#: practices or survey respondents than the threshold is not shown.
DisclosureUnit = Literal["practices", "respondents"]


def disclosure_unit(indicator: str) -> DisclosureUnit | None:
    """What a region's value of ``indicator`` is a share or mean of, when that identifies.

    Survey items rest on respondents; panel shares of practices (the indicator
    catalogue's ``denominator = "n_practices"``, such as the patient stop) on
    practices. Rates and means of large counts, and population figures, on
    neither.

    Examples
    --------
    >>> disclosure_unit("patient_stop_share"), disclosure_unit("workload_score")
    ('practices', 'respondents')
    >>> disclosure_unit("gp_fte_per_10000") is None
    True
    """
    if indicator in SURVEY_ITEMS:
        return "respondents"
    known = builtin_indicators().get(indicator)
    if known is not None and known.denominator == "n_practices":
        return "practices"
    return None


@dataclass(frozen=True)
class IndicatorData:
    """What the need indicators rest on, per practice and per region.

    Attributes
    ----------
    sums
        One row per practice (``practice_id``, ``region_id``) and per resampled
        indicator two columns, ``<indicator>.num`` and ``<indicator>.den``: the
        practice's sums over the window. A region's value is the ratio of the sums
        over its practices.
    fixed
        Region id -> the population indicators (not resampled).
    regions
        One row per candidate region: ``region_id``, ``name``, ``country``,
        ``n_practices`` and ``n_respondents`` (survey, latest wave), in id order.
    indicators
        The indicators, in the order asked.
    window
        First month and the month after the last (``as_of``).
    survey_wave
        The survey wave used, if any.
    """

    sums: pd.DataFrame
    fixed: pd.DataFrame
    regions: pd.DataFrame
    indicators: tuple[str, ...]
    window: tuple[pd.Timestamp, pd.Timestamp]
    survey_wave: pd.Timestamp | None = None

    @property
    def resampled(self) -> list[str]:
        """The indicators computed from practice sums (the others are fixed)."""
        return [i for i in self.indicators if i not in self.fixed.columns]

    def values(self) -> pd.DataFrame:
        """Region x indicator values (missing where a region has no data for one)."""
        sums = self.sums.groupby("region_id").sum(numeric_only=True)
        out = pd.DataFrame(index=pd.Index(self.regions["region_id"], name="region_id"))
        for name in self.indicators:
            if name in self.fixed.columns:
                out[name] = self.fixed[name].reindex(out.index)
            else:
                num = sums[f"{name}.num"].reindex(out.index)
                den = sums[f"{name}.den"].reindex(out.index)
                out[name] = (num / den.where(den > 0)).astype(float)
        return out

    def units(self, indicator: str) -> pd.Series:
        """Per region the number of units its value of ``indicator`` rests on (or missing)."""
        unit = disclosure_unit(indicator)
        table = self.regions.set_index("region_id")
        if unit == "practices":
            return table["n_practices"]
        if unit == "respondents":
            return table["n_respondents"]
        return pd.Series(np.nan, index=table.index)


def selection_date(practice_months: pd.DataFrame, as_of: str = "") -> pd.Timestamp:
    """``as_of`` as a first-of-month date; ``""``: the month after the latest in the data."""
    if as_of:
        try:
            return pd.Timestamp(as_of).to_period("M").to_timestamp()
        except ValueError:
            raise WorkbenchError(
                f"as_of {as_of!r} is not a date. Fix: write it as YYYY-MM-DD, or '' for the "
                "latest data"
            ) from None
    return pd.Timestamp(practice_months["month"].max()) + pd.DateOffset(months=1)


def _panel_sums(panel: pd.DataFrame, indicators: Sequence[str]) -> pd.DataFrame:
    """Per practice the numerator and denominator sums of each panel indicator."""
    columns: dict[str, pd.Series] = {}
    for name in indicators:
        if name in RATIO_INDICATORS:
            top, bottom, factor = RATIO_INDICATORS[name]
            both = panel[top].notna() & panel[bottom].notna() & (panel[bottom] > 0)
            columns[f"{name}.num"] = (panel[top] * factor).where(both, 0.0)
            columns[f"{name}.den"] = panel[bottom].where(both, 0.0)
        else:
            value = pd.to_numeric(panel[name], errors="coerce").astype(float)
            columns[f"{name}.num"] = value.fillna(0.0)
            columns[f"{name}.den"] = value.notna().astype(float)
    frame = pd.DataFrame(columns).assign(
        practice_id=panel["practice_id"].to_numpy(), region_id=panel["region_id"].to_numpy()
    )
    return frame.groupby(["practice_id", "region_id"], as_index=False).sum()


def _survey_sums(
    survey: pd.DataFrame, items: Sequence[str], as_of: pd.Timestamp
) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Per practice the sums of answers and the number of answers in the latest wave."""
    if survey.empty:
        return pd.DataFrame(columns=["practice_id", "region_id"]), None
    waves = pd.to_datetime(survey["wave"])
    before = waves[waves < as_of]
    if before.empty:
        return pd.DataFrame(columns=["practice_id", "region_id"]), None
    wave = before.max()
    rows = survey[waves == wave]
    frame = rows[["practice_id", "region_id"]].copy()
    for item in items:
        n = rows[f"{item}_n"].fillna(0).astype(float)
        frame[f"{item}.num"] = (rows[f"{item}_mean"].fillna(0.0) * n).to_numpy()
        frame[f"{item}.den"] = n.to_numpy()
    frame["_respondents"] = rows["n_respondents"].astype(float).to_numpy()
    return frame.groupby(["practice_id", "region_id"], as_index=False).sum(), wave


def _population_indicators(
    population: pd.DataFrame, names: Sequence[str], regions: pd.DataFrame, year: int
) -> pd.DataFrame:
    """Region id -> the population indicators in ``year`` (the nearest year held)."""
    out = pd.DataFrame(index=pd.Index(regions["region_id"], name="region_id"))
    if population.empty:
        if "inhabitants" in names:
            out["inhabitants"] = regions.set_index("region_id")["population"].astype(float)
        return out.reindex(columns=list(names))
    held = population[population["region_id"].isin(out.index)]
    nearest = held.assign(_gap=(held["year"] - year).abs()).sort_values(["_gap", "year"])
    chosen = nearest.groupby("region_id")["year"].first()
    rows = held[held["year"] == held["region_id"].map(chosen)]
    by_group = rows.pivot_table(
        index="region_id", columns="age_group", values="population", aggfunc="sum"
    )
    total = by_group.sum(axis=1)
    for name in names:
        groups = POPULATION_INDICATORS[name]
        if not groups:
            out[name] = total.reindex(out.index).astype(float)
        else:
            share = by_group.reindex(columns=list(groups)).fillna(0).sum(axis=1) / total
            out[name] = share.reindex(out.index)
    return out


def need_indicators(
    processed_dir: Path | str,
    indicators: Sequence[str],
    *,
    country: str,
    as_of: str = "",
    months: int = 12,
    exclude_pilots: bool = True,
) -> IndicatorData:
    """The indicators of every candidate region of ``country`` over the window before ``as_of``.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest``.
    indicators
        Indicator names (see the module docstring).
    country
        ``"NL"`` or ``"BE"``: regions are compared within one country.
    as_of
        Date of the selection (``YYYY-MM-DD``); ``""``: after the country's latest month.
    months
        Months before ``as_of`` that the panel indicators average over.
    exclude_pilots
        Leave out regions whose pilot started before ``as_of``. Regions without a
        practice-month in the window are left out too: nothing describes them.

    Returns
    -------
    IndicatorData

    Raises
    ------
    WorkbenchError
        An unknown indicator, a country without regions, or no practice-months in
        the window.
    """
    if months < 1:
        raise WorkbenchError(f"months must be at least 1, not {months!r}")
    all_regions = read_processed(processed_dir, "regions")
    regions = all_regions[all_regions["country"] == country]
    if regions.empty:
        raise WorkbenchError(
            f"no regions of country {country!r} in the processed data. Fix: use one of "
            f"{', '.join(sorted(all_regions['country'].unique()))}"
        )
    panel_names = [i for i in indicators if i not in POPULATION_INDICATORS]
    needed = {
        c
        for i in panel_names
        if i not in SURVEY_ITEMS
        for c in (RATIO_INDICATORS[i][:2] if i in RATIO_INDICATORS else (i,))
    }
    held = processed_columns(processed_dir, "practice_month")
    unknown = sorted(
        i
        for i in panel_names
        if i not in SURVEY_ITEMS and i not in RATIO_INDICATORS and i not in held
    )
    if unknown:
        raise WorkbenchError(
            f"unknown indicator(s) {', '.join(unknown)}. Fix: use a practice-month column, "
            f"a survey item ({', '.join(SURVEY_ITEMS)}), "
            f"{', '.join([*RATIO_INDICATORS, *POPULATION_INDICATORS])}"
        )
    keys = ["practice_id", "region_id", "month"]
    panel = read_processed(processed_dir, "practice_month", [*keys, *sorted(needed - set(keys))])
    panel = panel[panel["region_id"].isin(regions["region_id"])]  # the country's data period
    end = selection_date(panel, as_of)
    if exclude_pilots:
        started = pd.to_datetime(regions["first_start"])
        regions = regions[started.isna() | (started >= end)]
    start = end - pd.DateOffset(months=months)
    month = pd.to_datetime(panel["month"])
    panel = panel[(month >= start) & (month < end) & panel["region_id"].isin(regions["region_id"])]
    if panel.empty:
        raise WorkbenchError(
            f"no practice-months of {country} between {start:%Y-%m} and {end:%Y-%m}. Fix: "
            "choose another as_of (the data's months are in data/processed/practice_month.parquet)"
        )
    regions = regions[regions["region_id"].isin(panel["region_id"])]  # no practice: no data
    sums = _panel_sums(panel, [i for i in panel_names if i not in SURVEY_ITEMS])
    survey_items = [i for i in indicators if i in SURVEY_ITEMS]
    survey, wave = _survey_sums(read_survey(processed_dir), survey_items, end)
    survey = survey[survey["region_id"].isin(regions["region_id"])]
    respondents = survey.groupby("region_id")["_respondents"].sum() if wave is not None else None
    if survey_items:
        sums = sums.merge(
            survey.drop(columns="_respondents", errors="ignore"),
            on=["practice_id", "region_id"],
            how="outer",
        ).fillna(0.0)
        for item in survey_items:  # no wave before as_of: the item has no values
            for part in ("num", "den"):
                sums[f"{item}.{part}"] = sums.get(f"{item}.{part}", 0.0)
    fixed = _population_indicators(
        read_input(processed_dir, "population"),
        [i for i in indicators if i in POPULATION_INDICATORS],
        regions,
        end.year,
    )
    table = (
        regions[["region_id", "name", "country"]].sort_values("region_id").reset_index(drop=True)
    )
    table["n_practices"] = table["region_id"].map(
        panel.groupby("region_id")["practice_id"].nunique()
    )
    table["n_practices"] = table["n_practices"].fillna(0).astype(int)
    table["n_respondents"] = (
        table["region_id"].map(respondents).fillna(0).astype(int) if respondents is not None else 0
    )
    return IndicatorData(
        sums=sums.sort_values(["region_id", "practice_id"]).reset_index(drop=True),
        fixed=fixed,
        regions=table,
        indicators=tuple(indicators),
        window=(start, end),
        survey_wave=wave,
    )
