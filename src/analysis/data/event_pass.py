"""One pass over each event table: validate it and count it per practice-month at once.

The event tables (contacts, referrals, prescriptions) hold nearly all of the
raw data. :func:`aggregate_events` reads each of them once: a single DuckDB
query parses every column into its contract type, counts the panel's
aggregates per practice and month (:data:`analysis.data.panel.EVENT_COUNTS`),
and counts, per practice-month, the rows that break each column check of the
contract (:func:`analysis.data.validate.column_checks`) together with the
first and last date. The relation checks (the practice exists, the date lies in
the practice's open period and the study window;
:func:`analysis.data.validate.relation_checks`) then run on those few
practice-months instead of on every row: a date rule is a bound on the date, so
some row of a practice-month breaks it exactly when its first or its last date
does.

Only when a check fails (or the file cannot be read) is the table validated
again row by row, in the order and with the messages of
:func:`analysis.data.validate.locate_problem`, which names the file, line and
column of the first bad row. Valid input is therefore read once; bad input gets
exactly the error it always got.
"""

from __future__ import annotations

import duckdb

from analysis.data import panel, validate
from analysis.data.contract import TABLES
from analysis.data.readers import Source, grouping_sql, quote_ident, typed_sql


def _single_pass_sql(src: Source, checks: list[validate.Check]) -> str:
    """The aggregation of one event table with a count of bad rows per column check."""
    t = src.table
    typed = ", ".join(f"{typed_sql(src, f)} AS {quote_ident(f.name)}" for f in src.spec.fields)
    flags = "".join(f", ({c.condition}) AS _bad_{k}" for k, c in enumerate(checks))
    date = quote_ident(src.spec.date_rule.column if src.spec.date_rule else "date")
    counts = ", ".join(f"{sql} AS {name}" for name, sql in panel.EVENT_COUNTS[t].items())
    bad = "".join(f", count_if(_bad_{k}) AS _bad_{k}" for k in range(len(checks)))
    return f"""
        SELECT practice_id, CAST(date_trunc('month', {date}) AS DATE) AS month, {counts},
               count(*) AS _rows, min({date}) AS _first, max({date}) AS _last{bad}
        FROM (SELECT {typed}{flags} FROM raw_{t})
        GROUP BY ALL"""


def _relations_hold(con: duckdb.DuckDBPyConnection, src: Source, checked: str) -> bool:
    """Whether the relation checks hold for every row, judged from the practice-months.

    Each practice-month stands for its rows twice: with its first and with its
    last date. The reference checks depend on the practice alone; the date
    checks are bounds (``date < opened``, ``date > window_end``, ...), which a
    row breaks only if the first or the last date of its practice-month does.
    """
    checks = validate.relation_checks(src.table)
    if not checks:
        return True
    rule = src.spec.date_rule
    date = quote_ident(rule.column if rule else "date")
    ends = (
        f"(SELECT practice_id, _first AS {date} FROM {checked} "
        f"UNION ALL SELECT practice_id, _last FROM {checked}) t"
    )
    join = validate.WINDOW_JOIN if rule is not None else ""
    counts = ", ".join(f"count_if({c.condition})" for c in checks)
    row = con.execute(f"SELECT {counts} FROM {ends} {join}").fetchone()
    return not any(row)


def _aggregate_table(con: duckdb.DuckDBPyConnection, src: Source) -> int:
    """Create ``agg_<table>`` from one pass over the table; the number of rows.

    Raises
    ------
    InputError
        For the first bad row (as :func:`analysis.data.validate.locate_problem`).
    """
    t = src.table
    checked = f"checked_{t}"
    checks = validate.column_checks(src)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {checked} AS {_single_pass_sql(src, checks)}")
    except duckdb.Error:
        validate.locate_problem(con, src)  # an unreadable file: the read error, with its line
        raise  # readable after all (a full disk, ...): not a problem of the data
    bad = "".join(f", sum(_bad_{k})" for k in range(len(checks)))
    n_rows, *n_bad = con.execute(f"SELECT coalesce(sum(_rows), 0){bad} FROM {checked}").fetchone()
    if n_rows == 0 or any(n_bad) or not _relations_hold(con, src, checked):
        validate.locate_problem(con, src)
        raise RuntimeError(f"the checks of {src.label} failed but no bad row was found")
    counts = ", ".join(panel.EVENT_COUNTS[t])
    con.execute(
        f"CREATE OR REPLACE TABLE agg_{t} AS SELECT practice_id, month, {counts} FROM {checked}"
    )
    con.execute(f"DROP TABLE {checked}")
    return int(n_rows)


def aggregate_events(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> dict[str, int]:
    """Validate and aggregate every event table of ``sources``, one pass over each.

    Creates ``agg_<table>`` (practice_id, month, the counts of
    :data:`analysis.data.panel.EVENT_COUNTS`) per event table and, with
    contacts, ``agg_repeats`` (:func:`analysis.data.panel.aggregate_repeats`,
    which needs its own pass: a window over each patient's contacts). Needs the
    small tables materialised and ``practice_window``
    (:func:`analysis.data.validate.validate_relations`).

    Returns
    -------
    dict
        Table -> number of rows.

    Raises
    ------
    InputError
        For the first bad row of the first table that has one, with file, line
        and column.
    """
    rows = {
        name: _aggregate_table(con, src)
        for name, src in sources.items()
        if TABLES[name].event_level
    }
    if "contacts" in rows:
        panel.aggregate_repeats(con, _repeat_source(sources["contacts"]))
    return rows


def _repeat_source(src: Source) -> str:
    """The contacts' columns that the repeat window reads, patients grouped by their stored id."""
    columns = [
        f"{(grouping_sql if name == 'patient_id' else typed_sql)(src, src.spec.field(name))} "
        f"AS {name}"
        for name in ("practice_id", "patient_id", "date", "icpc")
    ]
    return f"(SELECT {', '.join(columns)} FROM raw_{src.table})"
