"""A region's run is keyed on what its reports read: its own rows, its comparison practices."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.evaluation.load import region_input_hashes


@pytest.fixture()
def processed(demo_processed: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(demo_processed, tmp_path / "processed"))


@pytest.fixture()
def regions(processed: Path) -> dict[str, list[str]]:
    """Two pilot regions per country."""
    table = pd.read_parquet(processed / "regions.parquet")
    pilots = table[table["first_start"].notna()]
    return {c: sorted(g["region_id"])[:2] for c, g in pilots.groupby("country")}


def _edit(processed: Path, name: str, rows, column: str, change) -> None:
    """Change some cells of a processed table, every column keeping its Parquet type."""
    schema = pq.read_schema(processed / name)
    table = pd.read_parquet(processed / name)
    table.loc[rows(table), column] = change(table.loc[rows(table), column])
    pq.write_table(
        pa.Table.from_pandas(table, schema=schema, preserve_index=False), processed / name
    )


def test_another_regions_log_leaves_a_region_alone(processed, regions):
    ids = regions["BE"] + regions["NL"]
    before = region_input_hashes(processed, ids)
    assert len(set(before.values())) == len(ids)
    target = regions["BE"][0]
    _edit(
        processed, "events.parquet", lambda t: t["region_id"] == target, "text", lambda v: v + "!"
    )
    after = region_input_hashes(processed, ids)
    assert {r for r in ids if before[r] != after[r]} == {target}


def test_a_comparison_practice_changes_every_region_of_its_country(processed, regions):
    ids = regions["BE"] + regions["NL"]
    before = region_input_hashes(processed, ids)
    panel = pd.read_parquet(processed / "practice_month.parquet")
    practices = pd.read_parquet(processed / "practices.parquet")
    comparison = practices.loc[
        (practices["country"] == "BE") & practices["first_treated_month"].isna(), "practice_id"
    ].iloc[0]
    assert comparison in set(panel["practice_id"])
    _edit(
        processed,
        "practice_month.parquet",
        lambda t: (t["practice_id"] == comparison) & (t["month"] == t["month"].max()),
        "gp_contacts",
        lambda v: v + 1,
    )
    after = region_input_hashes(processed, ids)
    assert {r for r in ids if before[r] != after[r]} == set(regions["BE"])


def test_a_pilot_practice_of_another_region_is_not_an_input(processed, regions):
    ids = regions["BE"]
    before = region_input_hashes(processed, ids)
    own = regions["BE"][1]
    _edit(
        processed,
        "practice_month.parquet",
        lambda t: t["region_id"] == own,
        "gp_contacts",
        lambda v: v + 1,
    )
    after = region_input_hashes(processed, ids)
    assert {r for r in ids if before[r] != after[r]} == {own}
