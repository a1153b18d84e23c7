"""Bad input: every case raises InputError naming file, line, column and the fix."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from rawedit import first_line, read_rows, set_cell, write_rows

from analysis.data.contract import CONTACT_TYPES, PRACTICE_TYPES, TABLES
from analysis.data.ingest import ingest
from analysis.data.validate import relation_checks
from analysis.errors import InputError
from analysis.ids import SAFE_ID_RULE


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


# --------------------------------------------------------------------------- ids (issue 9.2)

ID_COLUMNS = [
    (table.name, f.name) for table in TABLES.values() for f in table.fields if f.dtype == "id"
]


UNSAFE_IDS = ["../../EVIL1", "/tmp/ABS_EVIL", ".hidden", "a b", "x\\..\\y", "é" * 3, "x" * 65]


@pytest.mark.parametrize(
    ("table", "column", "bad"),
    [(t, c, "../../EVIL1") for t, c in ID_COLUMNS]
    + [("regions", "region_id", bad) for bad in UNSAFE_IDS[1:]],
    ids=lambda v: str(v)[:20],
)
def test_every_id_column_refuses_an_unsafe_id(
    mini_raw: Path, tmp_path: Path, table: str, column: str, bad: str
) -> None:
    """The contract's ``id`` type means a safe id: every id column, no hand-made list."""
    set_cell(mini_raw / f"{table}.csv", 2, column, bad)
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, f"{table}.csv", 2, column)
    assert f"'{bad}' is not a safe id" in msg and SAFE_ID_RULE in msg


def test_ids_that_name_things_are_declared_id() -> None:
    """Region, practice and unit ids are declared ``id``; pseudonyms are ``key``."""
    named = {("regions", "region_id"), ("practices", "practice_id"), ("practices", "region_id")}
    assert named | {("interventions", "unit_id"), ("events", "region_id")} <= set(ID_COLUMNS)
    keys = {(t.name, f.name) for t in TABLES.values() for f in t.fields if f.dtype == "key"}
    assert keys == {
        ("contacts", "patient_id"),
        ("referrals", "patient_id"),
        ("prescriptions", "patient_id"),
        ("survey", "respondent_id"),
    }


def test_ids_that_differ_only_in_case_are_one_id(mini_raw: Path, tmp_path: Path) -> None:
    """'NL-GOR' and 'nl-gor' would share a report folder on macOS and Windows."""
    rows = read_rows(mini_raw / "regions.csv")
    twin = [rows[3][0].lower(), *rows[3][1:]]
    write_rows(mini_raw / "regions.csv", [*rows, twin])
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "regions.csv", len(rows) + 1, "region_id")
    assert "duplicate key" in msg and "line 4" in msg


def test_pseudonymised_keys_may_be_any_text(mini_raw: Path, tmp_path: Path) -> None:
    set_cell(mini_raw / "contacts.csv", 2, "patient_id", "aGVsbG8/+w==")
    ingest(mini_raw, tmp_path / "processed")


# --------------------------------------------------------------------------- headers (9.5, 9.12)


@pytest.mark.parametrize("twin", ["region id", "Region_id", "REGION-ID", "région_id", "region_id"])
def test_header_names_that_collide_after_normalising(
    mini_raw: Path, tmp_path: Path, twin: str
) -> None:
    """A second column that reads as an existing one is an error, never a silent choice."""
    rows = read_rows(mini_raw / "practices.csv")
    write_rows(mini_raw / "practices.csv", [rows[0] + [twin]] + [r + ["NL-TWE"] for r in rows[1:]])
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practices.csv", 1, twin)
    assert "(column 2)" in msg and "(column 6)" in msg or "columns 2 and 6" in msg


def test_parquet_column_names_that_collide(mini_raw: Path, tmp_path: Path) -> None:
    import duckdb

    src = mini_raw / "practices.csv"
    duckdb.sql(
        f"COPY (SELECT *, 'NL-TWE' AS \"Region ID\" FROM read_csv('{src}', all_varchar = true)) "
        f"TO '{mini_raw / 'practices.parquet'}' (FORMAT parquet)"
    )
    src.unlink()
    msg = ingest_error(mini_raw, tmp_path)
    assert "practices.parquet" in msg and "column 'Region ID'" in msg and "same name" in msg


def test_trailing_separator_on_every_line(mini_raw: Path, tmp_path: Path) -> None:
    """Excel and SAS exports end each line with the separator when the last cell is empty."""
    lines = (mini_raw / "regions.csv").read_text(encoding="utf-8").splitlines()
    text = "".join(line.replace(",", ";") + ";\n" for line in lines)
    (mini_raw / "regions.csv").write_text(text, encoding="utf-8")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "regions.csv", 1, None)
    assert "ends with the separator ';'" in msg and "column 6" in msg


# --------------------------------------------------------------------------- not CSV text


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


NOT_TEXT = {
    "utf-16 with BOM": (lambda text: text.encode("utf-16"), "UTF-16"),
    "utf-16 without BOM": (lambda text: text.encode("utf-16-le"), "UTF-16"),
    "xlsx": (lambda text: _zip_bytes(), "Excel workbook"),
    "xls": (lambda text: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old Excel"),
}


@pytest.mark.parametrize("kind", NOT_TEXT)
def test_file_that_is_not_csv_text_is_named_without_binary(
    mini_raw: Path, tmp_path: Path, kind: str
) -> None:
    encode, words = NOT_TEXT[kind]
    path = mini_raw / "regions.csv"
    path.write_bytes(encode(path.read_text(encoding="utf-8")))
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "regions.csv", 1, None)
    assert words in msg and "save " in msg
    assert msg.isprintable(), f"binary in the message: {msg!r}"


# --------------------------------------------------------------------------- values (9.12)

BAD_CELLS = {
    "huge integer": ("regions", "population", "99999999999999999999999", "too large"),
    "two-digit year dd-mm-yy": ("practices", "opened", "01-03-80", "two-digit year"),
    "two-digit year yy-mm-dd": ("practices", "opened", "80-03-01", "two-digit year"),
    "two-digit year d-m-yy": ("interventions", "start_date", "1-1-16", "two-digit year"),
    "two-digit month": ("practice_months", "month", "01-01-14", "two-digit year"),
    "two-digit event date": ("contacts", "date", "03-02-15", "two-digit year"),
    "quoted decimal comma": ("practice_months", "nurse_fte", "0,4", "decimal comma"),
    "intervention without id": (
        "interventions",
        "intervention",
        "Консультации",
        "no Latin letters or digits",
    ),
}


@pytest.mark.parametrize("case", BAD_CELLS)
def test_a_bad_value_is_named_with_its_fix(mini_raw: Path, tmp_path: Path, case: str) -> None:
    table, column, value, words = BAD_CELLS[case]
    set_cell(mini_raw / f"{table}.csv", 2, column, value)
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, f"{table}.csv", 2, column)
    assert f"'{value}'" in msg and words in msg
    assert "Conversion Error" not in msg and "coerce_dtype" not in msg, "no internal message"


def _semicolon_decimal_comma(path: Path) -> None:
    rows = read_rows(path)
    out = [rows[0]] + [[re.sub(r"^(-?\d+)\.(\d+)$", r"\1,\2", v) for v in r] for r in rows[1:]]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\n").writerows(out)


def test_decimal_point_in_a_decimal_comma_file(mini_raw: Path, tmp_path: Path) -> None:
    """'0.85' in a file of decimal commas would silently become 85."""
    path = mini_raw / "practice_months.csv"
    _semicolon_decimal_comma(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    k = lines[0].split(";").index("gp_fte")
    cells = lines[140].split(";")
    cells[k] = "0.85"
    lines[140] = ";".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practice_months.csv", 141, "gp_fte")
    assert "'0.85' has a decimal point" in msg and "0,85" in msg


def test_decimal_comma_in_part_of_a_decimal_point_file(mini_raw: Path, tmp_path: Path) -> None:
    path = mini_raw / "practice_months.csv"
    rows = read_rows(path)
    rows[150][rows[0].index("gp_fte")] = "0,85"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\n").writerows(rows)
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "practice_months.csv", 151, "gp_fte")
    assert "'0,85' has a decimal comma" in msg and "write 0.85" in msg


# --------------------------------------------------------------------------- physical lines (9.12)


def _multiline_text(path: Path, record: int) -> int:
    """Give record ``record`` (header = 1) a three-line text; return the lines it adds."""
    rows = read_rows(path)
    rows[record - 1][rows[0].index("text")] = "Plan:\nfirst step\nsecond step"
    write_rows(path, rows)
    return 2


def test_line_numbers_count_lines_after_a_multiline_field(mini_raw: Path, tmp_path: Path) -> None:
    path = mini_raw / "events.csv"
    extra = _multiline_text(path, 3)
    rows = read_rows(path)
    rows[40][rows[0].index("kind")] = "vergadering"
    write_rows(path, rows)
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "events.csv", 41 + extra, "kind")
    editor = path.read_text(encoding="utf-8").splitlines()
    assert "vergadering" in editor[41 + extra - 1], "the line named is the line an editor shows"


def test_read_error_line_counts_lines_after_a_multiline_field(
    mini_raw: Path, tmp_path: Path
) -> None:
    path = mini_raw / "events.csv"
    extra = _multiline_text(path, 3)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[30 + extra] += ",one field too many"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = ingest_error(mini_raw, tmp_path)
    assert "events.csv" in msg and f"line {31 + extra}:" in msg and "fields" in msg


def test_duplicate_key_lines_count_lines_after_a_multiline_field(
    mini_raw: Path, tmp_path: Path
) -> None:
    path = mini_raw / "regions.csv"
    rows = read_rows(path)
    rows[1][rows[0].index("name")] = "Noord-\nLimburg\n(regio)"
    write_rows(path, [*rows, rows[4]])
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "regions.csv", len(rows) + 1 + 2, "region_id")
    assert "the same key is on line 7" in msg


# --------------------------------------------------------------------------- file names (9.4, 9.12)


@pytest.mark.parametrize(
    ("rename", "advice"),
    [
        ("Regions.csv", "rename Regions.csv to regions.csv"),
        ("regions.txt", "rename regions.txt to regions.csv"),
        ("REGIONS.CSV", "rename REGIONS.CSV to regions.csv"),
    ],
)
def test_table_under_a_name_the_contract_does_not_know(
    mini_raw: Path, tmp_path: Path, rename: str, advice: str
) -> None:
    (mini_raw / "regions.csv").rename(mini_raw / rename)
    msg = ingest_error(mini_raw, tmp_path)
    assert rename in msg and advice in msg
    assert "regions.csv, practices.csv, practice_months.csv" in msg, "the names expected"


def test_unknown_files_are_listed(mini_raw: Path, tmp_path: Path) -> None:
    (mini_raw / "thesis.docx").write_bytes(b"PK\x03\x04 not a table")
    (mini_raw / "README.md").write_text("# my extract\n")
    (mini_raw / ".gitkeep").write_text("")
    msg = ingest_error(mini_raw, tmp_path)
    assert "thesis.docx" in msg and "move thesis.docx out of the raw folder" in msg
    assert "README.md" not in msg.split("Fix:")[0]


# --------------------------------------------------------------------------- relations (9.5)


def test_conditional_reference_from_the_contract(mini_raw: Path, tmp_path: Path) -> None:
    """interventions.unit_id refers to practices where unit_type is 'practice'."""
    set_cell(mini_raw / "interventions.csv", 2, "unit_type", "practice")
    msg = ingest_error(mini_raw, tmp_path)
    assert_names(msg, "interventions.csv", 2, "unit_id")
    assert "practice 'NL-NLI' does not exist in practices" in msg
    assert "unit_type 'practice'" in msg


def test_relation_checks_come_from_the_contract() -> None:
    """Every foreign key, date order and date rule of contract.py is a check, nothing else."""
    for table in TABLES.values():
        checks = relation_checks(table.name)
        n_dates = sum(2 for _ in table.date_rule.within) if table.date_rule else 0
        assert len(checks) == len(table.foreign_keys) + len(table.date_order) + n_dates
        for fk in table.foreign_keys:
            assert any(f"FROM {fk.table})" in c.condition for c in checks), fk


@pytest.fixture()
def demo_copy(demo_raw: Path, tmp_path: Path) -> Path:
    """The small demo with its CSV tables copied (editable) and its event files linked."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in demo_raw.iterdir():
        if path.suffix == ".csv":
            shutil.copy(path, raw / path.name)
        elif path.suffix == ".parquet":
            (raw / path.name).symlink_to(path)
    return raw


@pytest.mark.parametrize(
    ("practice", "region", "country"),
    [("BEELZ04-P001", "NL-TWE", "NL"), ("NLTWE-P002", "BE-ELZ10", "BE")],
)
def test_practice_in_a_region_of_the_other_country(
    demo_copy: Path, tmp_path: Path, practice: str, region: str, country: str
) -> None:
    """It stretched the country's window, dropped its practices and left reports empty."""
    path = demo_copy / "practices.csv"
    line = first_line(path, lambda r: r["practice_id"] == practice)
    set_cell(path, line, "region_id", region)
    msg = ingest_error(demo_copy, tmp_path)
    assert_names(msg, "practices.csv", line, "region_id")
    assert f"practice '{practice}' is in region '{region}' of {country}" in msg
    assert f"lie outside those of most {country} practices" in msg
