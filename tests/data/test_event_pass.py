"""The single pass over the event tables: same panel, same errors, rows located only on failure."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from rawedit import first_line, read_rows, set_cell, write_rows
from test_errors import assert_names, ingest_error

from analysis.data import validate
from analysis.data.ingest import ingest

EVENT_TABLES = ("contacts", "referrals", "prescriptions")


def _as_parquet(raw: Path) -> None:
    """Store the event tables as Parquet with integer patient ids, as the demo does."""
    for table in EVENT_TABLES:
        csv = raw / f"{table}.csv"
        duckdb.sql(
            f"COPY (SELECT * REPLACE (CAST(patient_id AS BIGINT) AS patient_id) "
            f"FROM read_csv('{csv}', all_varchar = true)) "
            f"TO '{raw / table}.parquet' (FORMAT parquet)"
        )
        csv.unlink()


def test_text_and_integer_patient_ids_give_the_same_panel(mini_raw: Path, tmp_path: Path):
    """The repeat window groups a Parquet file's integer ids as integers, CSV ids as text."""
    from_csv = ingest(mini_raw, tmp_path / "csv")
    _as_parquet(mini_raw)
    from_parquet = ingest(mini_raw, tmp_path / "parquet")
    assert from_csv.event_rows == from_parquet.event_rows
    csv_panel = pd.read_parquet(tmp_path / "csv" / "practice_month.parquet")
    parquet_panel = pd.read_parquet(tmp_path / "parquet" / "practice_month.parquet")
    pd.testing.assert_frame_equal(csv_panel, parquet_panel)
    assert csv_panel["repeat_contacts"].sum() > 0


def test_valid_data_are_never_checked_row_by_row(mini_raw: Path, tmp_path: Path, monkeypatch):
    def located(*args: object) -> None:
        raise AssertionError("locate_problem ran on valid data")

    monkeypatch.setattr(validate, "locate_problem", located)
    summary = ingest(mini_raw, tmp_path / "processed")
    assert summary.event_rows["contacts"] == len(read_rows(mini_raw / "contacts.csv")) - 1


def _bad_rows(path: Path, column: str, value: str, lines: list[int]) -> None:
    rows = read_rows(path)
    for line in lines:
        rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


@pytest.mark.parametrize(
    ("table", "column", "value", "words"),
    [
        ("contacts", "contact_type", "visit", "is not allowed"),
        ("contacts", "minutes", "700", "above the maximum 600"),
        ("contacts", "practice_id", "", "the value is empty"),
        ("referrals", "date", "2019-01-01", "after the study window"),
        ("prescriptions", "practice_id", "NLXXX-P9", "does not exist in practices"),
    ],
)
def test_every_bad_row_is_counted_and_the_first_is_named(
    mini_raw: Path, tmp_path: Path, table: str, column: str, value: str, words: str
):
    """Bad rows in different practice-months: the first is named, the others counted."""
    path = mini_raw / f"{table}.csv"
    last = len(read_rows(path))
    _bad_rows(path, column, value, [last, 7, last // 2])
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, f"{table}.csv", 7, column)
    assert words in msg and "(2 more rows with this problem)" in msg, msg


def test_a_date_inside_its_month_but_after_the_practice_closed(mini_raw: Path, tmp_path: Path):
    """A practice-month whose first day is open but whose last contact is after closing."""
    practice = "NLTWE-P002"
    contacts = mini_raw / "contacts.csv"
    late = [
        k
        for k, row in enumerate(read_rows(contacts)[1:], start=2)
        if row[0] == practice and row[2].startswith("2017-12") and row[2] > "2017-12-15"
    ]
    assert late, "the mini data have contacts late in December 2017"
    set_cell(
        mini_raw / "practices.csv",
        first_line(mini_raw / "practices.csv", lambda r: r["practice_id"] == practice),
        "closed",
        "2017-12-15",
    )
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "contacts.csv", late[0], "date")
    assert "after the practice closed (2017-12-15)" in msg, msg
