"""Enforce the data contract on the raw tables, in DuckDB.

Every check first counts offending rows in one aggregate pass over the file
(parallel, no row numbers); only when something is wrong does a second,
ordered query locate the first offending row by line number, so that the
:class:`~analysis.errors.InputError` can name file, line and column. Small
tables are additionally validated with their pandera schema
(:func:`analysis.data.contract.pandera_schema`).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandera.errors

from analysis.data.contract import TABLES, Field, pandera_schema
from analysis.data.readers import (
    Source,
    duckdb_read_error,
    quote_ident,
    quote_literal,
    raw_present_sql,
    raw_text_sql,
    typed_sql,
)
from analysis.errors import InputError

_TYPE_HINTS = {
    "id": "write an identifier",
    "string": "write text",
    "integer": "write a whole number without units (e.g. 2095)",
    "number": "write a number such as 0.8 (or 0,8 in a semicolon-separated file)",
    "date": "write a date as YYYY-MM-DD (or DD-MM-YYYY)",
    "month": "write the first day of the month as YYYY-MM-DD",
    "boolean": "write true/false (or 1/0, ja/nee)",
}


@dataclass(frozen=True)
class Check:
    """One row-level condition on one column; ``condition`` is true for bad rows."""

    field: Field
    condition: str
    problem: str  # may contain {value}
    hint: str


def _column_checks(src: Source) -> list[Check]:
    checks: list[Check] = []
    for f in src.spec.fields:
        if f.name not in src.columns:
            continue
        typed, present = typed_sql(src, f), raw_present_sql(src, f)
        checks.append(
            Check(
                f,
                f"{present} AND ({typed}) IS NULL",
                f"value '{{value}}' is not a valid {f.dtype}",
                _TYPE_HINTS[f.dtype],
            )
        )
        if not f.nullable:
            checks.append(
                Check(f, f"NOT {present}", "the value is empty", f"fill in {f.description}")
            )
        if f.allowed is not None:
            allowed = ", ".join(quote_literal(a) for a in f.allowed)
            listed = ", ".join(f.allowed)
            checks.append(
                Check(
                    f,
                    f"({typed}) IS NOT NULL AND ({typed}) NOT IN ({allowed})",
                    f"value '{{value}}' is not allowed; allowed values are: {listed}",
                    f"use one of: {listed}",
                )
            )
        if f.minimum is not None:
            what = (
                "negative value '{value}'"
                if f.minimum == 0
                else f"value '{{value}}' is below the minimum {f.minimum:g}"
            )
            unit = f" ({f.unit})" if f.unit and f.unit != f.name else ""
            empty = "; leave the cell empty if unknown" if f.nullable else ""
            checks.append(
                Check(
                    f,
                    f"({typed}) < {f.minimum}",
                    what,
                    f"{f.name}{unit} must be at least {f.minimum:g}: correct the value{empty}",
                )
            )
        if f.maximum is not None:
            checks.append(
                Check(
                    f,
                    f"({typed}) > {f.maximum}",
                    f"value '{{value}}' is above the maximum {f.maximum:g}",
                    f"{f.name} must be at most {f.maximum:g}",
                )
            )
        if f.dtype == "month":
            checks.append(
                Check(
                    f,
                    f"day({typed}) <> 1",
                    "'{value}' is not the first day of a month",
                    "write each month as its first day, e.g. 2019-03-01",
                )
            )
    return checks


def _where(src: Source, line: int) -> tuple[int | None, str]:
    """InputError ``line`` and a prefix for the problem (Parquet has rows, not lines)."""
    if src.kind == "parquet":
        return None, f"row {line} of the Parquet file: "
    return line, ""


def _locate(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    condition: str,
    value_sql: str = "NULL",
    view: str | None = None,
) -> tuple[int, str | None]:
    """Line number and value of the first row meeting ``condition``."""
    view = view or f"rawlined_{src.table}"
    row = con.execute(
        f"SELECT _line, {value_sql} FROM {view} WHERE {condition} ORDER BY _line LIMIT 1"
    ).fetchone()
    return int(row[0]), row[1]


def _raise(src: Source, line: int, column: str | None, problem: str, hint: str, n_bad: int) -> None:
    at, prefix = _where(src, line)
    more = (
        f" ({n_bad - 1} more row{'s' if n_bad > 2 else ''} with this problem)" if n_bad > 1 else ""
    )
    raise InputError(prefix + problem + more, file=src.path, line=at, column=column, hint=hint)


def check_columns(con: duckdb.DuckDBPyConnection, src: Source) -> int:
    """Run the column checks of one table; raise on the first failing one.

    Returns
    -------
    int
        Number of rows in the table.
    """
    checks = _column_checks(src)
    counts = ", ".join(f"count_if({c.condition})" for c in checks)
    try:
        row = con.execute(
            f"SELECT count(*){', ' + counts if counts else ''} FROM raw_{src.table}"
        ).fetchone()
    except duckdb.Error as exc:
        line, text = duckdb_read_error(exc)
        raise InputError(
            f"the file cannot be read: {text}",
            file=src.path,
            line=line,
            hint="check the separators and quotes of that line; every line needs "
            "as many fields as the header",
        ) from None
    n_rows, bad = row[0], row[1:]
    if n_rows == 0:
        raise InputError(
            "the file has a header but no data rows",
            file=src.path,
            line=2,
            hint="export the table again with its data",
        )
    for check, n_bad in zip(checks, bad, strict=True):
        if n_bad:
            line, value = _locate(con, src, check.condition, raw_text_sql(src, check.field))
            _raise(
                src, line, check.field.name, check.problem.format(value=value), check.hint, n_bad
            )
    return int(n_rows)


def check_key(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """Raise on the first duplicate of the table key."""
    key = src.spec.key
    if not key:
        return
    cols = ", ".join(quote_ident(k) for k in key)
    row = con.execute(f"""
        SELECT _line, first_line, {cols} FROM (
            SELECT *, row_number() OVER (PARTITION BY {cols} ORDER BY _line) AS rn,
                   min(_line) OVER (PARTITION BY {cols}) AS first_line
            FROM lined_{src.table})
        WHERE rn = 2 ORDER BY _line LIMIT 1""").fetchone()
    if row:
        values = ", ".join(f"{k}={v}" for k, v in zip(key, row[2:], strict=True))
        _raise(
            src,
            row[0],
            key[-1],
            f"duplicate key ({values}); the same key is on line {row[1]}",
            f"each ({', '.join(key)}) may occur only once: remove or merge the duplicate",
            1,
        )


def check_pandera(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """Validate a small table with its pandera schema (after the SQL checks)."""
    df = con.execute(f"SELECT * FROM lined_{src.table}").df()
    try:
        pandera_schema(src.table).validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        case = exc.failure_cases.iloc[0]
        index = case.get("index")
        line = int(df["_line"].iloc[int(index)]) if index is not None and index == index else 1
        _raise(
            src,
            line,
            case.get("column"),
            f"breaks the contract: {case.get('check')} (value '{case.get('failure_case')}')",
            "see docs/data-contract.md",
            len(exc.failure_cases),
        )


def validate_small(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> None:
    """Column, key and pandera checks of the non-event tables."""
    for name, src in sources.items():
        if TABLES[name].event_level:
            continue
        check_columns(con, src)
        check_key(con, src)
        check_pandera(con, src)


# --------------------------------------------------------------------------- relations


def _check_reference(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    column: str,
    parent: str,
    parent_column: str,
    where: str = "true",
    hint: str | None = None,
) -> None:
    """Raise if a value of ``column`` is not in ``parent.parent_column``."""
    cond = (
        f"{column} IS NOT NULL AND {where} AND {column} NOT IN "
        f"(SELECT {parent_column} FROM {parent})"
    )
    n_bad = con.execute(f"SELECT count(*) FROM typed_{src.table} WHERE {cond}").fetchone()[0]
    if n_bad:
        line, value = _locate(con, src, cond, column, view=f"lined_{src.table}")
        noun = parent.rstrip("s")
        _raise(
            src,
            line,
            column,
            f"{noun} '{value}' does not exist in {parent}",
            hint or f"add {noun} '{value}' to {parent} or correct the id",
            n_bad,
        )


def _windows(con: duckdb.DuckDBPyConnection) -> None:
    """``practice_window``: per practice its open period and its country's study window."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE practice_window AS
        WITH w AS (
            SELECT r.country, min(pm.month) AS window_start,
                   CAST(last_day(max(pm.month)) AS DATE) AS window_end
            FROM practice_months pm JOIN practices p USING (practice_id)
            JOIN regions r USING (region_id) GROUP BY 1)
        SELECT p.practice_id, p.opened, p.closed, w.window_start, w.window_end
        FROM practices p JOIN regions r USING (region_id) LEFT JOIN w USING (country)""")


def _check_period(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    column: str,
    monthly: bool,
    window: bool,
    n_rows_hint: int | None = None,
) -> None:
    """Dates must fall in the practice's open period (and the study window)."""
    d = quote_ident(column)
    opened = "date_trunc('month', w.opened)" if monthly else "w.opened"
    conds = [
        (
            f"{d} < {opened}",
            "before the practice opened ({opened})",
            "correct the date or the practice's 'opened' date in practices",
        ),
        (
            f"{d} > w.closed",
            "after the practice closed ({closed})",
            "correct the date or the practice's 'closed' date in practices",
        ),
    ]
    if window:
        conds += [
            (
                f"{d} < w.window_start",
                "before the study window ({window_start} to {window_end})",
                "the study window is the range of months in practice_months for the country; "
                "remove the row or add the missing practice_months",
            ),
            (
                f"{d} > w.window_end",
                "after the study window ({window_start} to {window_end})",
                "the study window is the range of months in practice_months for the country; "
                "remove the row or add the missing practice_months",
            ),
        ]
    join = "JOIN practice_window w ON w.practice_id = t.practice_id"
    counts = ", ".join(f"count_if({c})" for c, _, _ in conds)
    bad = con.execute(f"SELECT {counts} FROM typed_{src.table} t {join}").fetchone()
    for (cond, problem, hint), n_bad in zip(conds, bad, strict=True):
        if n_bad:
            row = con.execute(
                f"SELECT t._line, CAST(t.{d} AS VARCHAR), w.opened, w.closed, w.window_start, "
                f"w.window_end, t.practice_id FROM lined_{src.table} t {join} WHERE {cond} "
                "ORDER BY t._line LIMIT 1"
            ).fetchone()
            detail = problem.format(
                opened=row[2], closed=row[3], window_start=row[4], window_end=row[5]
            )
            _raise(
                src,
                row[0],
                column,
                f"date {row[1]} of practice '{row[6]}' is {detail}",
                hint,
                n_bad,
            )


def validate_relations(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> None:
    """Foreign keys and dates of the small tables."""
    _check_reference(con, sources["practices"], "region_id", "regions", "region_id")
    _check_order(con, sources["practices"], "opened", "closed")
    _check_reference(con, sources["practice_months"], "practice_id", "practices", "practice_id")
    _windows(con)
    _check_period(con, sources["practice_months"], "month", monthly=True, window=False)
    iv = sources["interventions"]
    _check_reference(
        con,
        iv,
        "unit_id",
        "regions",
        "region_id",
        "unit_type = 'region'",
        "add the region to regions.csv or correct unit_id",
    )
    _check_reference(
        con,
        iv,
        "unit_id",
        "practices",
        "practice_id",
        "unit_type = 'practice'",
        "add the practice to practices.csv or correct unit_id",
    )
    _check_order(con, iv, "start_date", "end_date")
    if "events" in sources:
        _check_reference(con, sources["events"], "region_id", "regions", "region_id")
    if "survey" in sources:
        _check_reference(con, sources["survey"], "practice_id", "practices", "practice_id")


def _check_order(con: duckdb.DuckDBPyConnection, src: Source, first: str, last: str) -> None:
    cond = f"{quote_ident(last)} < {quote_ident(first)}"
    n_bad = con.execute(f"SELECT count(*) FROM typed_{src.table} WHERE {cond}").fetchone()[0]
    if n_bad:
        line, value = _locate(
            con, src, cond, f"CAST({quote_ident(last)} AS VARCHAR)", view=f"lined_{src.table}"
        )
        _raise(
            src,
            line,
            last,
            f"{last} {value} is before {first}",
            f"{last} must be on or after {first}",
            n_bad,
        )


def validate_events(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> dict[str, int]:
    """Column checks, practice references and dates of the event tables.

    Returns
    -------
    dict
        Table -> number of rows.
    """
    rows = {}
    for name, src in sources.items():
        if not TABLES[name].event_level:
            continue
        rows[name] = check_columns(con, src)
        _check_reference(con, src, "practice_id", "practices", "practice_id")
        _check_period(con, src, "date", monthly=False, window=True)
    return rows
