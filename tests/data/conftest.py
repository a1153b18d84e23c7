"""Fixtures: the small demo (generated and ingested once) and a mini CSV data set."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

MINI_PRACTICES = ("NLNLI-P001", "NLNLI-P002", "NLTWE-P001", "NLTWE-P002")
SMALL_TABLES = ("regions", "practices", "practice_months", "interventions", "events", "survey")


def tree_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` (relative path -> hex digest)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def hash_tree() -> Callable[[Path], dict[str, str]]:
    """The :func:`tree_hashes` function, for tests."""
    return tree_hashes


def _mini(demo_raw: Path, out: Path) -> Path:
    """Four NL practices, all CSV, a few thousand events, the planning inputs: fast to edit."""
    out.mkdir(parents=True)
    ids = ", ".join(f"'{p}'" for p in MINI_PRACTICES)
    con = duckdb.connect()
    con.execute("SET threads = 1")

    def copy(sql: str, name: str) -> None:
        con.execute(f"COPY ({sql}) TO '{out / name}' (HEADER, DELIMITER ',')")

    shutil.copy(demo_raw / "regions.csv", out / "regions.csv")
    csv = "read_csv('{}', all_varchar = true)"
    copy(
        f"SELECT * FROM {csv.format(demo_raw / 'practices.csv')} WHERE practice_id IN ({ids})",
        "practices.csv",
    )
    copy(
        f"SELECT * FROM {csv.format(demo_raw / 'practice_months.csv')} "
        f"WHERE practice_id IN ({ids}) AND month < '2018-01-01' ORDER BY practice_id, month",
        "practice_months.csv",
    )
    copy(
        f"SELECT * FROM {csv.format(demo_raw / 'interventions.csv')} WHERE unit_id = 'NL-NLI'",
        "interventions.csv",
    )
    copy(
        f"SELECT * FROM {csv.format(demo_raw / 'events.csv')} WHERE region_id = 'NL-NLI'",
        "events.csv",
    )
    copy(
        f"SELECT * FROM {csv.format(demo_raw / 'survey.csv')} WHERE practice_id IN ({ids})",
        "survey.csv",
    )
    regions = "('NL-NLI', 'NL-TWE')"
    for table, where in (
        ("population", f"region_id IN {regions} AND year <= '2020'"),
        ("gp_workforce", f"practice_id IN ({ids})"),
        ("contact_rates", "country = 'NL'"),
        ("training", f"region_id IN {regions}"),
    ):
        copy(f"SELECT * FROM {csv.format(demo_raw / f'{table}.csv')} WHERE {where}", f"{table}.csv")
    for table, every in (("contacts", 50), ("referrals", 10), ("prescriptions", 20)):
        copy(
            f"SELECT * FROM '{demo_raw / table}.parquet' WHERE practice_id IN ({ids}) "
            f"AND date < '2018-01-01' AND patient_id % {every} = 0 "
            "ORDER BY practice_id, date, patient_id",
            f"{table}.csv",
        )
    con.close()
    return out


@pytest.fixture(scope="session")
def mini_template(demo_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mini raw data set (all CSV), built once; copy it before editing."""
    return _mini(demo_raw, tmp_path_factory.mktemp("mini") / "raw")


@pytest.fixture()
def mini_raw(mini_template: Path, tmp_path: Path) -> Path:
    """A fresh, editable copy of the mini raw data set."""
    return Path(shutil.copytree(mini_template, tmp_path / "raw"))
