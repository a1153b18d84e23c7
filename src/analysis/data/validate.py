"""Enforce the data contract on the raw tables, in DuckDB.

Every rule comes from :mod:`analysis.data.contract`: the column checks from the
fields (type, emptiness, safe ids, allowed values, bounds, plausible years, one
decimal mark), the relation checks from the tables' foreign keys, date order
and date rules. Each check is a SQL boolean expression that is true for a bad
row, so the checks of a table are counted in one aggregate pass over the file
(parallel, no row numbers; for the event tables the same pass aggregates them,
see :mod:`analysis.data.event_pass`); only when something is wrong does a
second, ordered query locate the first offending row, so that the
:class:`~analysis.errors.InputError` can name file, line and column. Small
tables are additionally validated with their pandera schema
(:func:`analysis.data.contract.pandera_schema`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import duckdb
import pandera.errors

from analysis.data.contract import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_INTEGER,
    TABLES,
    DateRule,
    Field,
    ForeignKey,
    pandera_schema,
)
from analysis.data.panel import intervention_id
from analysis.data.readers import (
    Source,
    physical_line,
    printable,
    quote_ident,
    quote_literal,
    raw_present_sql,
    raw_text_sql,
    read_error,
    typed_sql,
)
from analysis.errors import InputError
from analysis.ids import SAFE_ID_PATTERN, SAFE_ID_RULE, is_safe_id

_TYPE_HINTS = {
    "id": f"write an id of {SAFE_ID_RULE}",
    "key": "write an identifier",
    "string": "write text",
    "integer": "write a whole number without units (e.g. 2095)",
    "number": "write a number such as 0.8 (or 0,8 in a semicolon-separated file)",
    "date": "write a date as YYYY-MM-DD (or DD-MM-YYYY)",
    "month": "write the first day of the month as YYYY-MM-DD",
    "boolean": "write true/false (or 1/0, ja/nee)",
}
#: A number with a thousands point in a decimal-comma file: 1.250 or 12.500,5.
_THOUSANDS_POINT = r"-?\d{1,3}(\.\d{3})+(,\d*)?"
_COMMA_DECIMAL = re.compile(r"-?\d*,\d+")

Explain = Callable[[str | None], tuple[str, str]]
_UNSAFE_ID = (
    "value '{value}' is not a safe id (ids name report folders and links)",
    f"use {SAFE_ID_RULE}, e.g. NL-GOR or be_elz.04",
)


@dataclass(frozen=True)
class Check:
    """One row-level rule; ``condition`` is a SQL expression, true for bad rows.

    ``problem`` and ``hint`` are format strings filled from ``values`` (SQL
    expressions evaluated on the first bad row; ``value`` defaults to the cell
    of ``column`` as written). ``explain``, when given, turns that value into
    a more specific problem and hint.
    """

    column: str
    condition: str
    problem: str
    hint: str
    values: dict[str, str] = field(default_factory=dict)
    explain: Explain | None = None


# --------------------------------------------------------------------------- columns


def _as_number(text: str, decimal_comma: bool) -> float | None:
    cleaned = text.replace(" ", "")
    if decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _explain_invalid(src: Source, f: Field, value: str | None) -> tuple[str, str]:
    """Problem and fix for a value that does not parse as ``f``'s type."""
    text = (value or "").strip()
    shown = printable(text)
    problem, hint = f"value '{shown}' is not a valid {f.dtype}", _TYPE_HINTS[f.dtype]
    if f.dtype not in ("integer", "number"):
        return problem, hint
    if not src.decimal_comma and _COMMA_DECIMAL.fullmatch(text.replace(" ", "")):
        return (
            f"value '{shown}' has a decimal comma, but this file writes decimals with a point "
            "(as its first lines show)",
            "use one decimal mark throughout the file: write "
            f"{text.replace(',', '.')} here (or decimal commas everywhere in a ';'-separated "
            "file)",
        )
    number = _as_number(text, src.decimal_comma)
    if f.dtype == "integer" and number is not None and math.isfinite(number):
        if abs(number) >= MAX_INTEGER:
            return (
                f"value '{shown}' is too large for a whole number",
                f"write a whole number below {MAX_INTEGER:,}; is this the right column "
                f"for {f.description}?",
            )
        return f"value '{shown}' is not a whole number", hint
    return problem, hint


def column_checks(src: Source) -> list[Check]:
    """The checks that the contract declares for each column of ``src`` present."""
    checks: list[Check] = []
    for f in src.spec.fields:
        if f.name not in src.columns:
            continue
        typed, present = typed_sql(src, f), raw_present_sql(src, f)
        checks.append(
            Check(
                f.name,
                f"{present} AND ({typed}) IS NULL",
                f"value '{{value}}' is not a valid {f.dtype}",
                _TYPE_HINTS[f.dtype],
                explain=partial(_explain_invalid, src, f),
            )
        )
        if not f.nullable:
            checks.append(
                Check(f.name, f"NOT {present}", "the value is empty", f"fill in {f.description}")
            )
        checks += _decimal_mark_checks(src, f)
        checks += _value_checks(f, typed, checked_by_reference=_safe_by_reference(src, f))
    return checks


def _safe_by_reference(src: Source, f: Field) -> bool:
    """True when ``f`` must exist in another table's ``id`` column (checked there).

    Such an id is safe once its reference holds, so it needs no pattern match of
    its own on every row of a large event table: the reference check names an
    unsafe value as such (:func:`_reference_check`).
    """
    return any(
        fk.column == f.name
        and fk.when is None
        and TABLES[fk.table].field(fk.ref_column).dtype == "id"
        for fk in src.spec.foreign_keys
    )


def _decimal_mark_checks(src: Source, f: Field) -> list[Check]:
    """In a decimal-comma file a point is a thousands separator: ``1.14`` is a mixed mark."""
    col = src.columns[f.name]
    if f.dtype not in ("integer", "number") or not src.decimal_comma:
        return []
    if src.source_types.get(col, "VARCHAR") != "VARCHAR":
        return []
    text = f"replace(trim({quote_ident(col)}), ' ', '')"
    return [
        Check(
            f.name,
            f"contains({text}, '.') AND NOT regexp_full_match({text}, "
            f"{quote_literal(_THOUSANDS_POINT)})",
            "value '{value}' has a decimal point, but this file writes decimals with a comma",
            "use one decimal mark throughout the file",
            explain=_explain_decimal_point,
        )
    ]


def _explain_decimal_point(value: str | None) -> tuple[str, str]:
    text = printable((value or "").strip())
    return (
        f"value '{text}' has a decimal point, but this file writes decimals with a comma "
        "(as its first lines show)",
        f"use one decimal mark throughout the file: write {text.replace('.', ',')} here; in a "
        "file with decimal commas a point separates thousands (1.250 = 1250)",
    )


def _value_checks(f: Field, typed: str, *, checked_by_reference: bool = False) -> list[Check]:
    """Rules on a parsed value: safe id, allowed values, bounds, first of month, year."""
    checks: list[Check] = []
    if f.dtype == "id" and not checked_by_reference:
        checks.append(
            Check(
                f.name,
                f"({typed}) IS NOT NULL AND NOT regexp_full_match({typed}, "
                f"{quote_literal(SAFE_ID_PATTERN)})",
                _UNSAFE_ID[0],
                _UNSAFE_ID[1],
            )
        )
    if f.allowed is not None:
        allowed = ", ".join(quote_literal(a) for a in f.allowed)
        listed = ", ".join(f.allowed)
        checks.append(
            Check(
                f.name,
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
                f.name,
                f"({typed}) < {f.minimum}",
                what,
                f"{f.name}{unit} must be at least {f.minimum:g}: correct the value{empty}",
            )
        )
    if f.maximum is not None:
        checks.append(
            Check(
                f.name,
                f"({typed}) > {f.maximum}",
                f"value '{{value}}' is above the maximum {f.maximum:g}",
                f"{f.name} must be at most {f.maximum:g}",
            )
        )
    if f.dtype in ("date", "month"):
        checks.append(
            Check(
                f.name,
                f"year({typed}) < {EARLIEST_YEAR} OR year({typed}) > {LATEST_YEAR}",
                f"date '{{value}}' does not lie in the years {EARLIEST_YEAR} to {LATEST_YEAR} "
                "(a two-digit year?)",
                "write the year with four digits, e.g. 2019-03-01 or 01-03-2019",
            )
        )
    if f.dtype == "month":
        checks.append(
            Check(
                f.name,
                f"day({typed}) <> 1",
                "'{value}' is not the first day of a month",
                "write each month as its first day, e.g. 2019-03-01",
            )
        )
    return checks


# --------------------------------------------------------------------------- running checks


def _raise(src: Source, line: int, column: str | None, problem: str, hint: str, n_bad: int) -> None:
    """Raise the InputError of ``n_bad`` rows, the first at record ``line`` (header = 1)."""
    more = (
        f" ({n_bad - 1} more row{'s' if n_bad > 2 else ''} with this problem)" if n_bad > 1 else ""
    )
    if src.kind == "parquet":
        at, prefix = None, f"row {line} of the Parquet file: "
    else:
        at, prefix = physical_line(src, line), ""
    raise InputError(prefix + problem + more, file=src.path, line=at, column=column, hint=hint)


def run_checks(
    con: duckdb.DuckDBPyConnection, src: Source, checks: list[Check], source: str, lined: str
) -> int:
    """Count the bad rows of every check in one pass; raise on the first check that fails.

    Parameters
    ----------
    source, lined
        FROM clauses (aliased ``t``) without and with the ``_line`` column.

    Returns
    -------
    int
        Number of rows in ``source``.
    """
    counts = "".join(f", count_if({c.condition})" for c in checks)
    try:
        row = con.execute(f"SELECT count(*){counts} FROM {source}").fetchone()
    except duckdb.Error as exc:
        raise read_error(
            src,
            exc,
            "check the separators and quotes of that line; every line needs as many fields "
            "as the header",
        ) from None
    for check, n_bad in zip(checks, row[1:], strict=True):
        if n_bad:
            values = check.values or {"value": raw_text_sql(src, src.spec.field(check.column))}
            found = con.execute(
                f"SELECT t._line, {', '.join(values.values())} FROM {lined} "
                f"WHERE {check.condition} ORDER BY t._line LIMIT 1"
            ).fetchone()
            filled = {k: printable(str(v)) for k, v in zip(values, found[1:], strict=True)}
            problem, hint = check.problem.format(**filled), check.hint.format(**filled)
            if check.explain is not None:
                problem, hint = check.explain(found[1])
            _raise(src, int(found[0]), check.column, problem, hint, n_bad)
    return int(row[0])


def check_columns(con: duckdb.DuckDBPyConnection, src: Source) -> int:
    """Run the column checks of one table; raise on the first failing one.

    Returns
    -------
    int
        Number of rows in the table.
    """
    t = src.table
    n_rows = run_checks(con, src, column_checks(src), f"raw_{t} t", f"rawlined_{t} t")
    if n_rows == 0:
        raise InputError(
            "the file has a header but no data rows",
            file=src.path,
            line=2,
            hint="export the table again with its data",
        )
    return n_rows


def check_key(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """Raise on the first duplicate of the table key.

    Ids are compared without case here: ``NL-GOR`` and ``nl-gor`` would name the
    same report folder on a case-insensitive file system (macOS, Windows).
    """
    key = src.spec.key
    if not key:
        return
    cols = ", ".join(quote_ident(k) for k in key)
    parts = ", ".join(
        f"lower({quote_ident(k)})" if src.spec.field(k).dtype == "id" else quote_ident(k)
        for k in key
    )
    row = con.execute(f"""
        SELECT _line, first_line, {cols} FROM (
            SELECT *, row_number() OVER (PARTITION BY {parts} ORDER BY _line) AS rn,
                   min(_line) OVER (PARTITION BY {parts}) AS first_line
            FROM lined_{src.table})
        WHERE rn = 2 ORDER BY _line LIMIT 1""").fetchone()
    if row:
        values = ", ".join(f"{k}={v}" for k, v in zip(key, row[2:], strict=True))
        first = physical_line(src, row[1])
        where = "line" if src.kind == "csv" else "row"
        _raise(
            src,
            row[0],
            key[-1],
            f"duplicate key ({printable(values)}); the same key is on {where} {first}"
            + (" (ids are compared without case)" if parts != cols else ""),
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

WINDOW_JOIN = "LEFT JOIN practice_window w ON w.practice_id = t.practice_id"


def _reference_check(fk: ForeignKey) -> Check:
    col = f"t.{quote_ident(fk.column)}"
    condition = (
        f"{col} IS NOT NULL AND {col} NOT IN (SELECT {quote_ident(fk.ref_column)} FROM {fk.table})"
    )
    noun = fk.table.removesuffix("s")
    hint = f"add {noun} '{{value}}' to {fk.table} or correct {fk.column}"
    if fk.when is not None:
        other, value = fk.when
        condition += f" AND t.{quote_ident(other)} = {quote_literal(value)}"
        hint += f" (rows with {other} '{value}' refer to {fk.table})"
    problem = f"{noun} '{{value}}' does not exist in {fk.table}"
    return Check(
        fk.column,
        condition,
        problem,
        hint,
        {"value": col},
        explain=partial(_explain_reference, problem, hint),
    )


def _explain_reference(problem: str, hint: str, value: str | None) -> tuple[str, str]:
    """An unknown id that is not even a safe id is named as such."""
    shown = printable(str(value))
    if not is_safe_id(value):
        problem, hint = _UNSAFE_ID
    return problem.format(value=shown), hint.format(value=shown)


def _order_check(early: str, late: str) -> Check:
    a, b = f"t.{quote_ident(early)}", f"t.{quote_ident(late)}"
    return Check(
        late,
        f"{b} < {a}",
        f"{late} {{value}} is before {early} ({{early}})",
        f"{late} must be on or after {early}",
        {"value": f"CAST({b} AS VARCHAR)", "early": f"CAST({a} AS VARCHAR)"},
    )


_WINDOW_HINT = (
    "the study window is the range of months in practice_months for the country; "
    "remove the row or add the missing practice_months"
)


def _period_checks(rule: DateRule, monthly: bool) -> list[Check]:
    """The date of ``rule.column`` against the practice's open period and study window."""
    d = f"t.{quote_ident(rule.column)}"
    opened = "date_trunc('month', w.opened)" if monthly else "w.opened"
    values = {"value": f"CAST({d} AS VARCHAR)", "practice": "t.practice_id"} | {
        k: f"CAST(w.{k} AS VARCHAR)" for k in ("opened", "closed", "window_start", "window_end")
    }
    what = "date {value} of practice '{practice}' is"
    bounds: dict[str, list[tuple[str, str, str]]] = {
        "practice_open": [
            (
                f"{d} < {opened}",
                f"{what} before the practice opened ({{opened}})",
                "correct the date or the practice's 'opened' date in practices",
            ),
            (
                f"{d} > w.closed",
                f"{what} after the practice closed ({{closed}})",
                "correct the date or the practice's 'closed' date in practices",
            ),
        ],
        "study_window": [
            (
                f"{d} < w.window_start",
                f"{what} before the study window ({{window_start}} to {{window_end}})",
                _WINDOW_HINT,
            ),
            (
                f"{d} > w.window_end",
                f"{what} after the study window ({{window_start}} to {{window_end}})",
                _WINDOW_HINT,
            ),
        ],
    }
    return [
        Check(rule.column, cond, problem, hint, values)
        for bound in rule.within
        for cond, problem, hint in bounds[bound]
    ]


def relation_checks(table: str) -> list[Check]:
    """The checks of a table's references and dates, as its contract declares them."""
    spec = TABLES[table]
    checks = [_reference_check(fk) for fk in spec.foreign_keys]
    checks += [_order_check(early, late) for early, late in spec.date_order]
    if spec.date_rule is not None:
        monthly = spec.field(spec.date_rule.column).dtype == "month"
        checks += _period_checks(spec.date_rule, monthly)
    return checks


def check_relations(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """Run the relation checks of one table (after ``practice_window`` exists)."""
    checks = relation_checks(src.table)
    if not checks:
        return
    join = WINDOW_JOIN if TABLES[src.table].date_rule is not None else ""
    t = src.table
    run_checks(con, src, checks, f"typed_{t} t {join}", f"lined_{t} t {join}")


#: Per country its study window: the first day of its first month in ``practice_months`` to
#: the last day of its last (tables ``practice_months``, ``practices``, ``regions``).
COUNTRY_WINDOWS_SQL = """
    SELECT r.country, min(pm.month) AS window_start,
           CAST(last_day(max(pm.month)) AS DATE) AS window_end
    FROM practice_months pm JOIN practices p USING (practice_id)
    JOIN regions r USING (region_id) GROUP BY 1"""


def build_practice_window(con: duckdb.DuckDBPyConnection) -> None:
    """``practice_window``: per practice its open period and its country's study window."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE practice_window AS
        WITH w AS ({COUNTRY_WINDOWS_SQL})
        SELECT p.practice_id, p.opened, p.closed, w.window_start, w.window_end
        FROM practices p JOIN regions r USING (region_id) LEFT JOIN w USING (country)""")


def check_practice_countries(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """A practice whose months lie outside those of most practices of its country is refused.

    Such a practice sits in a region of the other country (or has wrong months):
    it would stretch the country's study window and leave every other practice
    of the country incomplete.
    """
    con.execute("""
        CREATE OR REPLACE TEMP TABLE practice_span AS
        WITH span AS (
            SELECT pm.practice_id, r.country, min(pm.month) AS first_month,
                   max(pm.month) AS last_month
            FROM practice_months pm JOIN practices p USING (practice_id)
            JOIN regions r USING (region_id) GROUP BY ALL),
        core AS (
            SELECT country, quantile_disc(first_month, 0.5) AS core_start,
                   quantile_disc(last_month, 0.5) AS core_end, count(*) AS n_practices
            FROM span GROUP BY 1)
        SELECT * FROM span JOIN core USING (country)""")
    months = {k: f"strftime(s.{k}, '%Y-%m')" for k in ("first_month", "last_month")}
    core = {k: f"strftime(s.{k}, '%Y-%m')" for k in ("core_start", "core_end")}
    check = Check(
        "region_id",
        "s.n_practices >= 3 AND s.core_start <= s.core_end AND "
        "(s.last_month < s.core_start OR s.first_month > s.core_end)",
        "practice '{practice}' is in region '{value}' of {country}, but its months in "
        "practice_months ({first_month} to {last_month}) lie outside those of most {country} "
        "practices ({core_start} to {core_end})",
        "check the practice's region_id (a region of the other country?) or its months in "
        "practice_months",
        {"value": "t.region_id", "practice": "t.practice_id", "country": "s.country"}
        | months
        | core,
    )
    join = "JOIN practice_span s ON s.practice_id = t.practice_id"
    run_checks(con, src, [check], f"typed_practices t {join}", f"lined_practices t {join}")


def check_intervention_names(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """Every intervention name must give a safe id (:func:`~analysis.data.panel.intervention_id`).

    Two names that differ only in case, spaces or punctuation give the same id and
    count as one intervention; a name without Latin letters or digits gives none.
    """
    names = con.execute("SELECT DISTINCT intervention FROM interventions ORDER BY 1").fetchall()
    for (name,) in names:
        iv = intervention_id(name)
        if is_safe_id(iv):
            continue
        line = con.execute(
            "SELECT min(_line) FROM lined_interventions WHERE intervention = ?", [name]
        ).fetchone()[0]
        why = "has no Latin letters or digits" if not iv else f"gives the id '{iv}', too long"
        _raise(
            src,
            int(line),
            "intervention",
            f"intervention name '{printable(name)}' {why} for the columns and links named after it",
            f"name the intervention with Latin letters and digits so that its id is {SAFE_ID_RULE}"
            " (e.g. 'longer consults' -> longer_consults)",
            1,
        )


def check_event_interventions(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """An action-log entry's ``intervention`` must name an intervention of the study.

    Names are compared by their id (:func:`~analysis.data.panel.intervention_id`):
    ``Longer consults`` and ``longer_consults`` are the same intervention.
    """
    if "intervention" not in src.columns:
        return
    known = {
        intervention_id(name)
        for (name,) in con.execute("SELECT DISTINCT intervention FROM interventions").fetchall()
    }
    given = con.execute(
        "SELECT DISTINCT intervention FROM events WHERE intervention IS NOT NULL ORDER BY 1"
    ).fetchall()
    for (name,) in given:
        if intervention_id(name) in known:
            continue
        line = con.execute(
            "SELECT min(_line) FROM lined_events WHERE intervention = ?", [name]
        ).fetchone()[0]
        _raise(
            src,
            int(line),
            "intervention",
            f"intervention '{printable(name)}' is not an intervention of the interventions table",
            f"use one of {', '.join(sorted(known)) or '(none: the interventions table is empty)'}"
            ", or leave the cell empty",
            1,
        )


def validate_relations(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> None:
    """References and dates of the small tables (materialised), from the contract."""
    build_practice_window(con)
    for name, src in sources.items():
        if not TABLES[name].event_level:
            check_relations(con, src)
    check_practice_countries(con, sources["practices"])
    check_intervention_names(con, sources["interventions"])
    if "events" in sources:
        check_event_interventions(con, sources["events"])


def locate_problem(con: duckdb.DuckDBPyConnection, src: Source) -> int:
    """Check an event table row by row; raise for its first bad row, with file, line and column.

    The column checks come first, then the references and dates (needs
    ``practice_window``). :mod:`analysis.data.event_pass` calls this only when
    its single pass over the table found a problem.

    Returns
    -------
    int
        Number of rows, when every check holds.
    """
    n_rows = check_columns(con, src)
    check_relations(con, src)
    return n_rows
