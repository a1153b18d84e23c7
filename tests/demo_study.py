"""The small demo data set the tests share: raw tables and their ingest."""

from __future__ import annotations

from pathlib import Path

from analysis.data.demo import generate_demo
from analysis.data.ingest import ingest

DEMO_SEED = 7


def write_demo_data(folder: Path) -> Path:
    """Write the small demo data into ``folder/raw`` and ingest it into ``folder/processed``."""
    generate_demo(folder / "raw", seed=DEMO_SEED, scale="small")
    ingest(folder / "raw", folder / "processed")
    return folder
