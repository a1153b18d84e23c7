"""Reading the processed data: one place that says what to do when a table is missing.

The ingest writes one Parquet file per table into the processed folder
(``practice_month``, ``region_month``, ``regions``, ``practices``,
``interventions``, ``events``, ...; see ``docs/data-contract.md``). A missing file
means the data were not ingested, which every reader says in the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from analysis.errors import WorkbenchError

__all__ = ["processed_columns", "processed_path", "read_processed", "read_regions"]


def processed_path(processed_dir: Path | str, name: str) -> Path:
    """The Parquet file of table ``name`` (``"regions"``), checked to exist.

    Raises
    ------
    WorkbenchError
        The file is missing: the data were not ingested.
    """
    path = Path(processed_dir) / f"{name}.parquet"
    if not path.is_file():
        raise WorkbenchError(f"{path} not found. Fix: run `workbench ingest` first")
    return path


def read_processed(
    processed_dir: Path | str, name: str, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Table ``name`` of the processed data (only ``columns``, if given)."""
    path = processed_path(processed_dir, name)
    return pd.read_parquet(path, columns=list(columns) if columns is not None else None)


def processed_columns(processed_dir: Path | str, name: str) -> list[str]:
    """The columns of table ``name``, read from the file's schema only."""
    return list(pq.read_schema(processed_path(processed_dir, name)).names)


def read_regions(processed_dir: Path | str, region_id: str) -> pd.DataFrame:
    """The processed regions table, checked to hold ``region_id``.

    Raises
    ------
    WorkbenchError
        The region is not in the table (the message lists some that are).
    """
    regions = read_processed(processed_dir, "regions")
    if region_id not in set(regions["region_id"]):
        raise WorkbenchError(
            f"region {region_id!r} is not in {Path(processed_dir) / 'regions.parquet'}."
            f" Fix: use one of {', '.join(sorted(regions['region_id'])[:8])}, …"
        )
    return regions
