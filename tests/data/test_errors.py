"""Bad input: every case raises InputError naming file, line, column and the fix."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.data.contract import CONTACT_TYPES, PRACTICE_TYPES
from analysis.data.ingest import ingest
from analysis.errors import InputError


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell; ``line`` as an editor shows it (header = 1)."""
    rows = read_rows(path)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def first_line(path: Path, predicate: Callable[[dict[str, str]], bool]) -> int:
    rows = read_rows(path)
    for k, row in enumerate(rows[1:], start=2):
        if predicate(dict(zip(rows[0], row, strict=True))):
            return k
    raise AssertionError("no such line")


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def ingest_error(raw: Path, tmp_path: Path) -> str:
    """Run the ingest, expect an InputError, check nothing is left behind; return the message."""
    before = tree_hashes(raw)
    with pytest.raises(InputError) as info:
        ingest(raw, tmp_path / "processed")
    assert tree_hashes(raw) == before, "the ingest wrote to the raw folder"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".processed")]
    assert not (tmp_path / "processed").exists()
    return str(info.value)


def assert_names(message: str, file: str, line: int | None, column: str | None) -> None:
    assert file in message, message
    if line is not None:
        assert f"line {line}," in message or f"line {line}:" in message, message
    if column is not None:
        assert f"column '{column}'" in message, message
    assert "Fix:" in message, message


# --------------------------------------------------------------------------- columns


def test_missing_required_column(mini_raw: Path, tmp_path: Path) -> None:
    rows = read_rows(mini_raw / "practices.csv")
    k = rows[0].index("practice_type")
    write_rows(mini_raw / "practices.csv", [r[:k] + r[k + 1 :] for r in rows])
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practices.csv", 1, "practice_type")
    assert "missing" in msg


def test_missing_required_column_in_event_file(mini_raw: Path, tmp_path: Path) -> None:
    rows = read_rows(mini_raw / "contacts.csv")
    k = rows[0].index("minutes")
    write_rows(mini_raw / "contacts.csv", [r[:k] + r[k + 1 :] for r in rows])
    assert_names(ingest_error(mini_raw, tmp_path), "contacts.csv", 1, "minutes")


def test_wrong_type_integer(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "practice_months.csv", 5, "list_size", "veel")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practice_months.csv", 5, "list_size")
    assert "'veel'" in msg and "integer" in msg


def test_wrong_type_date_in_event_file(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "contacts.csv", 10, "date", "2016-13-45")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "contacts.csv", 10, "date")
    assert "'2016-13-45'" in msg and "date" in msg


def test_empty_required_value(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "practice_months.csv", 8, "gp_fte", "")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practice_months.csv", 8, "gp_fte")
    assert "empty" in msg


def test_negative_minutes(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "contacts.csv", 7, "minutes", "-5")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "contacts.csv", 7, "minutes")
    assert "negative" in msg


def test_negative_count(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "practice_months.csv", 12, "list_size", "-120")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practice_months.csv", 12, "list_size")
    assert "negative" in msg


def test_month_not_first_day(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "practice_months.csv", 3, "month", "2014-02-15")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practice_months.csv", 3, "month")
    assert "first day" in msg


def test_category_not_allowed_lists_allowed_values(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "contacts.csv", 15, "contact_type", "visite")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "contacts.csv", 15, "contact_type")
    assert "'visite'" in msg
    assert all(t in msg for t in CONTACT_TYPES)


def test_category_not_allowed_in_small_table(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "practices.csv", 3, "practice_type", "duopraktijk")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practices.csv", 3, "practice_type")
    assert all(t in msg for t in PRACTICE_TYPES)


# --------------------------------------------------------------------------- keys, references


def test_duplicate_key(mini_raw: Path, tmp_path: Path) -> None:
    rows = read_rows(mini_raw / "practices.csv")
    write_rows(mini_raw / "practices.csv", [*rows, rows[2]])
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practices.csv", len(rows) + 1, "practice_id")
    assert "duplicate" in msg and "line 3" in msg


def test_duplicate_practice_month(mini_raw: Path, tmp_path: Path) -> None:
    rows = read_rows(mini_raw / "practice_months.csv")
    write_rows(mini_raw / "practice_months.csv", [*rows[:6], rows[5], *rows[6:]])
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practice_months.csv", 7, "month")
    assert "duplicate" in msg and "line 6" in msg


def test_unknown_practice_in_event_file(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "contacts.csv", 12, "practice_id", "NLXXX-P999")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "contacts.csv", 12, "practice_id")
    assert "'NLXXX-P999' does not exist" in msg


def test_unknown_region(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "practices.csv", 4, "region_id", "NL-XXX")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practices.csv", 4, "region_id")
    assert "'NL-XXX' does not exist" in msg


def test_unknown_intervention_unit(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "interventions.csv", 2, "unit_id", "NL-NOPE")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "interventions.csv", 2, "unit_id")
    assert "'NL-NOPE' does not exist" in msg


# --------------------------------------------------------------------------- dates


def test_event_before_practice_opened(mini_raw: Path, tmp_path: Path) -> None:
    practice = "NLNLI-P001"
    set_cell(
        mini_raw / "practices.csv",
        first_line(mini_raw / "practices.csv", lambda r: r["practice_id"] == practice),
        "opened",
        "2014-02-10",
    )
    rows = read_rows(mini_raw / "practice_months.csv")
    write_rows(
        mini_raw / "practice_months.csv",
        [r for r in rows if not (r[0] == practice and r[1] == "2014-01-01")],
    )
    expected = first_line(
        mini_raw / "contacts.csv",
        lambda r: r["practice_id"] == practice and r["date"] < "2014-02-10",
    )
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "contacts.csv", expected, "date")
    assert "before the practice opened" in msg


def test_practice_month_after_practice_closed(mini_raw: Path, tmp_path: Path) -> None:
    practice = "NLTWE-P001"
    set_cell(
        mini_raw / "practices.csv",
        first_line(mini_raw / "practices.csv", lambda r: r["practice_id"] == practice),
        "closed",
        "2015-06-30",
    )
    expected = first_line(
        mini_raw / "practice_months.csv",
        lambda r: r["practice_id"] == practice and r["month"] >= "2015-07-01",
    )
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practice_months.csv", expected, "month")
    assert "after the practice closed" in msg


def test_event_outside_study_window(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "referrals.csv", 20, "date", "2019-03-04")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "referrals.csv", 20, "date")
    assert "after the study window" in msg


def test_end_before_start(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "interventions.csv", 2, "end_date", "2015-01-01")
    assert_names(ingest_error(mini_raw, tmp_path), "interventions.csv", 2, "end_date")


# --------------------------------------------------------------------------- files


def test_empty_file(mini_raw: Path, tmp_path: Path) -> None:
    (mini_raw / "regions.csv").write_bytes(b"")
    msg = ingest_error(mini_raw, tmp_path)
    assert "regions.csv" in msg and "empty" in msg


def test_header_only(mini_raw: Path, tmp_path: Path) -> None:
    rows = read_rows(mini_raw / "practices.csv")
    write_rows(mini_raw / "practices.csv", rows[:1])
    msg = ingest_error(mini_raw, tmp_path)
    assert "practices.csv" in msg and "no data rows" in msg


def test_unreadable_parquet(mini_raw: Path, tmp_path: Path) -> None:
    (mini_raw / "contacts.csv").unlink()
    (mini_raw / "contacts.parquet").write_bytes(b"this is not parquet" * 10)
    msg = ingest_error(mini_raw, tmp_path)
    assert "contacts.parquet" in msg and "cannot be read" in msg


def test_ragged_csv_line(mini_raw: Path, tmp_path: Path) -> None:
    lines = (mini_raw / "contacts.csv").read_text(encoding="utf-8").splitlines()
    lines[30] += ",extra,fields"
    (mini_raw / "contacts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = ingest_error(mini_raw, tmp_path)
    assert "contacts.csv" in msg and "cannot be read" in msg and "line 31" in msg


def test_missing_table(mini_raw: Path, tmp_path: Path) -> None:
    (mini_raw / "practices.csv").unlink()
    msg = ingest_error(mini_raw, tmp_path)
    assert "practices" in msg and "missing" in msg


def test_parquet_error_names_row(mini_raw: Path, tmp_path: Path) -> None:
    import duckdb

    src = mini_raw / "contacts.csv"
    duckdb.sql(
        f"COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 25 THEN -3 "
        f"ELSE minutes END AS minutes) FROM read_csv('{src}')) "
        f"TO '{mini_raw / 'contacts.parquet'}' (FORMAT parquet)"
    )
    src.unlink()
    msg = ingest_error(mini_raw, tmp_path)
    assert "contacts.parquet" in msg and "row 25" in msg and "column 'minutes'" in msg
