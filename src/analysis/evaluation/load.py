"""A region's slice of the processed data: its practices, their comparison group, context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from analysis.data.processed import read_processed
from analysis.data.survey import read_survey
from analysis.errors import WorkbenchError

Design = Literal["staggered", "single_start", "descriptive"]


@dataclass(frozen=True)
class RegionData:
    """Everything a region report needs.

    Attributes
    ----------
    region
        The region's row of ``regions.parquet``.
    panel
        Practice-months of the region's practices and of the comparison practices
        (never-treated practices in the same country), balanced over the study window.
    interventions
        The region's interventions, one row per practice and intervention.
    events
        The region's action-research log (PDSA cycles, meetings, staffing changes).
    quality
        The ingest's data-quality report (``data_quality.json``).
    dropped_practices
        Practices left out because they were not observed in every month.
    survey
        The GP survey aggregated to practice and wave (``survey_practice_wave.parquet``)
        for the practices of ``panel``; empty when no survey was delivered.
    """

    region: pd.Series
    panel: pd.DataFrame
    interventions: pd.DataFrame
    events: pd.DataFrame
    quality: dict = field(default_factory=dict)
    dropped_practices: tuple[str, ...] = ()
    survey: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def region_id(self) -> str:
        """The region's id."""
        return str(self.region["region_id"])

    @property
    def pilot_practices(self) -> pd.DataFrame:
        """Practice-months of the region's practices that received an intervention."""
        p = self.panel
        return p[(p["region_id"] == self.region_id) & p["first_treated_month"].notna()]

    @property
    def comparison_practices(self) -> pd.DataFrame:
        """Practice-months of the never-treated comparison practices."""
        return self.panel[self.panel["first_treated_month"].isna()]

    @property
    def start_months(self) -> list[pd.Timestamp]:
        """Distinct first-treatment months of the pilot practices."""
        return sorted(self.pilot_practices["first_treated_month"].dropna().unique())

    def observed(self, outcomes: list[str]) -> list[str]:
        """The ``outcomes`` that are panel columns with at least one value (for trend charts)."""
        return [o for o in outcomes if o in self.panel.columns and self.panel[o].notna().any()]

    @property
    def design(self) -> Design:
        """``staggered`` (several start months), ``single_start``, or ``descriptive``."""
        n_starts = len(self.start_months)
        if n_starts == 0 or self.comparison_practices.empty:
            return "descriptive"
        return "staggered" if n_starts > 1 else "single_start"


def _balanced(panel: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    n_months = panel["month"].nunique()
    counts = panel.groupby("practice_id")["month"].nunique()
    complete = counts.index[counts == n_months]
    dropped = tuple(sorted(set(counts.index) - set(complete)))
    return panel[panel["practice_id"].isin(complete)], dropped


def load_region(processed_dir: Path | str, region_id: str) -> RegionData:
    """Load one region and its comparison practices from the processed data.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest``.
    region_id
        Id from the regions table.

    Returns
    -------
    RegionData

    Examples
    --------
    >>> data = load_region("data/processed", "nl-noord-limburg")  # doctest: +SKIP
    >>> data.design  # doctest: +SKIP
    'single_start'
    """
    processed_dir = Path(processed_dir)
    regions = read_processed(processed_dir, "regions")
    if region_id not in set(regions["region_id"]):
        raise WorkbenchError(
            f"region {region_id!r} is not in {processed_dir / 'regions.parquet'}."
            f" Fix: use one of {', '.join(sorted(regions['region_id'])[:8])}, …"
        )
    region = regions.set_index("region_id").loc[region_id].copy()
    region["region_id"] = region_id
    same_country = regions.loc[regions["country"] == region["country"], "region_id"]
    panel = read_processed(processed_dir, "practice_month")
    panel = panel[panel["region_id"].isin(same_country)]
    in_region = panel["region_id"] == region_id
    panel = panel[in_region | panel["first_treated_month"].isna()]
    panel, dropped = _balanced(panel)
    interventions = read_processed(processed_dir, "interventions")
    events = read_processed(processed_dir, "events")
    survey = read_survey(processed_dir)
    if not survey.empty:
        practices = set(panel["practice_id"])
        survey = survey[survey["practice_id"].isin(practices)].reset_index(drop=True)
    quality_path = processed_dir / "data_quality.json"
    quality = json.loads(quality_path.read_text()) if quality_path.is_file() else {}
    return RegionData(
        region=region,
        panel=panel.reset_index(drop=True),
        interventions=interventions[interventions["region_id"] == region_id].reset_index(drop=True),
        events=events[events["region_id"] == region_id].reset_index(drop=True),
        quality=quality,
        dropped_practices=dropped,
        survey=survey,
    )
