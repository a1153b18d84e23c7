"""A region's slice of the processed data: its practices, their comparison group, context."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from analysis.data.contract import PLANNING_TABLES
from analysis.data.processed import read_processed, read_regions
from analysis.data.survey import SURVEY_TABLE, read_survey
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
    regions = read_regions(processed_dir, region_id)
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


# --------------------------------------------------------------------------- what a region reads

#: Per processed table, the rows a region's reports read (SQL over ``t``, the table, ``own``,
#: the region's practices, and ``compared``, the never-treated practices of its country);
#: :func:`load_region` and the monitor read no others.
_REGION_ROWS = {
    "region_month.parquet": "t.region_id = $region",
    "practice_month.parquet": "t.region_id = $region",
    "interventions.parquet": "t.region_id = $region",
    "events.parquet": "t.region_id = $region",
    f"{SURVEY_TABLE}.parquet": "t.practice_id IN (SELECT practice_id FROM own UNION ALL "
    "SELECT practice_id FROM compared)",
}
#: Processed tables a region's reports read otherwise (``regions``: its row and its country's
#: ids; the comparison practice-months) or not at all (``practices``). Any other table of the
#: folder counts whole for every region: a change in it reruns them all.
_READ_OTHERWISE = (
    "regions.parquet",
    "practices.parquet",
    *(f"{name}.parquet" for name in PLANNING_TABLES),  # read by the planning pages only
)


def region_input_hashes(processed_dir: Path | str, region_ids: Sequence[str]) -> dict[str, str]:
    """Per region, a content hash of every processed row its reports read.

    That is what :func:`load_region` and the monitor read: the region's row of
    ``regions.parquet`` and the ids of the regions of its country, its rows of
    ``region_month``, ``practice_month``, ``interventions`` and ``events``, the
    practice-months and survey waves of its own practices and of every
    comparison practice of its country (never treated: the evaluation compares
    against them, so a change there changes the report), and the parts of
    ``data_quality.json`` that concern its practices or the whole study. A
    processed table it does not know counts whole. A change anywhere else
    (another region's action log, a pilot practice of another region) leaves
    the hash as it was, so the region's reports are not run again.

    Rows are hashed with DuckDB's ``hash`` of the whole row and summed, so the
    hash does not depend on the order of rows.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest``.
    region_ids
        The regions to hash.

    Returns
    -------
    dict
        Region id -> SHA-256 hex digest.
    """
    processed_dir = Path(processed_dir)
    quality_path = processed_dir / "data_quality.json"
    quality = json.loads(quality_path.read_text()) if quality_path.is_file() else {}
    con = duckdb.connect(config={"threads": 1})
    try:
        con.execute(
            "CREATE TEMP TABLE regions AS SELECT * FROM read_parquet(?)",
            [str(processed_dir / "regions.parquet")],
        )
        con.execute(
            "CREATE TEMP TABLE pm AS SELECT t.*, r.country FROM read_parquet(?) t "
            "JOIN regions r USING (region_id)",
            [str(processed_dir / "practice_month.parquet")],
        )
        comparison = dict(
            con.execute(
                "SELECT country, count(*) || ':' || sum(hash(t)::HUGEINT) "
                "FROM pm t WHERE first_treated_month IS NULL GROUP BY country"
            ).fetchall()
        )
        return {
            rid: _region_hash(con, processed_dir, rid, comparison, quality) for rid in region_ids
        }
    finally:
        con.close()


def _region_hash(
    con: duckdb.DuckDBPyConnection,
    processed_dir: Path,
    region_id: str,
    comparison: dict[str, str],
    quality: dict,
) -> str:
    row = con.execute(
        "SELECT country, hash(r) FROM regions r WHERE region_id = ?", [region_id]
    ).fetchone()
    if row is None:
        raise WorkbenchError(f"region {region_id!r} is not in {processed_dir / 'regions.parquet'}")
    country, own_row = row
    con.execute(
        "CREATE OR REPLACE TEMP TABLE own AS SELECT DISTINCT practice_id FROM pm "
        "WHERE region_id = ?",
        [region_id],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE compared AS SELECT DISTINCT practice_id FROM pm "
        "WHERE country = ? AND first_treated_month IS NULL",
        [country],
    )
    parts: dict[str, object] = {
        "region": str(own_row),
        "country regions": [
            r
            for (r,) in con.execute(
                "SELECT region_id FROM regions WHERE country = ? ORDER BY 1", [country]
            ).fetchall()
        ],
        "comparison practices": comparison.get(country, "0"),
        "quality": quality_slice(quality, {p for (p,) in con.execute("FROM own").fetchall()}),
    }
    for path in sorted(processed_dir.glob("*.parquet")):
        if path.name in _READ_OTHERWISE:
            continue
        where = _REGION_ROWS.get(path.name)
        if where is None:
            parts[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            parts[path.name] = con.execute(
                f"SELECT count(*) || ':' || coalesce(sum(hash(t)::HUGEINT), 0) "
                f"FROM read_parquet($path) t WHERE {where}",
                {"path": str(path), "region": region_id}
                if "$region" in where
                else {"path": str(path)},
            ).fetchone()[0]
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def quality_slice(quality: dict, practices: set[str]) -> dict:
    """The parts of the ingest's quality report that a region's report may show.

    The study-wide counts (rows dropped, the summary) and every finding whose
    examples name one of ``practices``.
    """
    found: dict[str, object] = {k: quality.get(k) for k in ("dropped", "summary")}
    for key, items in quality.items():
        if isinstance(items, list):
            found[key] = [item for item in items if any(p in json.dumps(item) for p in practices)]
    return found
