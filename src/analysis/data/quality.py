"""Data-quality report of an ingest: ``data_quality.json`` and ``data_quality.html``.

The report lists what a researcher should look at before trusting the panel:
missing practice-months, practices without list size, implausible rates
(outside the ranges of DESIGN.md's "Realistic magnitudes", generously
widened), outliers within a practice's own series, and which rows were left
out of the panel and why. Problems that make the input unusable are not
reported here: they stop the ingest with an :class:`~analysis.errors.InputError`.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from analysis.data.readers import quote_literal

if TYPE_CHECKING:
    from analysis.data.ingest import IngestSummary
    from analysis.data.readers import Source

#: Plausible range of practice-month values (per 1,000 listed patients per year unless noted).
PLAUSIBLE: dict[str, tuple[float, float, str]] = {
    "contact_rate": (1_000, 15_000, "contacts per 1,000 patients per year (NL ~5,000, BE ~6,200)"),
    "referral_rate_medical_specialist": (
        50,
        1_000,
        "hospital referrals per 1,000 per year (NL ~300)",
    ),
    "prescription_rate": (100, 30_000, "prescriptions per 1,000 per year"),
    "patients_per_gp_fte": (300, 5_000, "listed patients per GP FTE (NL norm 2,095)"),
    "gp_minutes_per_fte": (
        500,
        25_000,
        "GP contact minutes per GP FTE per month (25,000 = 96 h a week)",
    ),
}
OUTLIER_COLUMNS = ("contact_rate", "gp_contact_rate", "referral_rate_medical_specialist")
OUTLIER_Z = 6.0
LIST_SIZE_JUMP = 0.2
MAX_EXAMPLES = 20


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [{n: _plain(v) for n, v in zip(names, r, strict=True)} for r in cur.fetchall()]


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 3)
    return value


def dropped_rows(con: duckdb.DuckDBPyConnection, present: set[str]) -> dict[str, int]:
    """Event rows left out of the panel: their practice has no practice_months row that month."""
    dropped = {}
    for table in sorted(present):
        count = "contacts" if table == "contacts" else table
        n = con.execute(f"""
            SELECT coalesce(sum(a.{count}), 0) FROM agg_{table} a
            ANTI JOIN practice_months pm USING (practice_id, month)""").fetchone()[0]
        dropped[f"{table}: month missing in practice_months"] = int(n)
    return dropped


def _missing_months(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _rows(
        con,
        f"""
        WITH span AS (
            SELECT w.practice_id,
                   greatest(w.window_start, coalesce(CAST(date_trunc('month', w.opened) AS DATE),
                                                     w.window_start)) AS first_m,
                   least(CAST(date_trunc('month', w.window_end) AS DATE),
                         coalesce(CAST(date_trunc('month', w.closed) AS DATE),
                                  CAST(date_trunc('month', w.window_end) AS DATE))) AS last_m
            FROM practice_window w WHERE w.window_start IS NOT NULL),
        expected AS (
            SELECT practice_id, CAST(unnest(generate_series(first_m, last_m,
                                                            INTERVAL 1 MONTH)) AS DATE) AS month
            FROM span WHERE first_m <= last_m)
        SELECT practice_id, count(*) AS missing_months, min(month) AS first_missing
        FROM expected e ANTI JOIN practice_months pm USING (practice_id, month)
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {MAX_EXAMPLES}""",
    )


def _no_list_size(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _rows(
        con,
        f"""
        SELECT practice_id, count(*) AS months_without_list_size, min(month) AS first_month
        FROM practice_month WHERE list_size IS NULL OR list_size = 0
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {MAX_EXAMPLES}""",
    )


def _implausible(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    out = []
    for col, (low, high, meaning) in PLAUSIBLE.items():
        n, examples = con.execute(f"""
            SELECT count(*), list(practice_id || ' ' || strftime(month, '%Y-%m') || ': '
                                  || round({col}, 1) ORDER BY practice_id, month)[1:5]
            FROM practice_month WHERE {col} < {low} OR {col} > {high}""").fetchone()
        if n:
            out.append(
                {
                    "column": col,
                    "range": [low, high],
                    "meaning": meaning,
                    "practice_months": int(n),
                    "examples": examples,
                }
            )
    return out


def _outliers(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    out = []
    for col in OUTLIER_COLUMNS:
        n, examples = con.execute(f"""
            WITH s AS (
                SELECT practice_id, month, {col} AS x,
                       median({col}) OVER (PARTITION BY practice_id) AS med
                FROM practice_month WHERE {col} IS NOT NULL),
            m AS (SELECT *, median(abs(x - med)) OVER (PARTITION BY practice_id) AS mad FROM s)
            SELECT count(*), list(practice_id || ' ' || strftime(month, '%Y-%m') || ': '
                                  || round(x, 1) ORDER BY practice_id, month)[1:5]
            FROM m WHERE mad > 0 AND abs(x - med) / (1.4826 * mad) > {OUTLIER_Z}""").fetchone()
        if n:
            out.append(
                {
                    "column": col,
                    "rule": f"robust z-score > {OUTLIER_Z:g} within practice",
                    "practice_months": int(n),
                    "examples": examples,
                }
            )
    return out


def _list_size_jumps(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    n, examples = con.execute(f"""
        WITH s AS (SELECT practice_id, month, list_size,
                          lag(list_size) OVER (PARTITION BY practice_id ORDER BY month) AS prev
                   FROM practice_month)
        SELECT count(*), list(practice_id || ' ' || strftime(month, '%Y-%m') || ': '
                              || prev || ' -> ' || list_size ORDER BY practice_id, month)[1:5]
        FROM s WHERE prev > 0 AND abs(list_size * 1.0 / prev - 1) > {LIST_SIZE_JUMP}""").fetchone()
    if not n:
        return None
    return {
        "column": "list_size",
        "rule": f"changes by more than {LIST_SIZE_JUMP:.0%} from one month to the next",
        "practice_months": int(n),
        "examples": examples,
    }


def _empty_months(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[dict[str, Any]]:
    if "contacts" not in present:
        return []
    return _rows(
        con,
        f"""
        SELECT practice_id, count(*) AS months_without_contacts, min(month) AS first_month
        FROM practice_month WHERE contacts = 0 AND coalesce(list_size, 0) > 0
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {MAX_EXAMPLES}""",
    )


#: Timing problems of an intervention, per practice: SQL condition -> what it means.
INTERVENTION_TIMING: dict[str, str] = {
    "i.start_date <= s.first_month": "starts in or before the practice's first month of data: "
    "no months before the start to compare with",
    "i.start_date > s.last_month": "starts after the practice's last month of data: "
    "no months after the start",
}


def intervention_timing(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Interventions that leave their practices no month before, or none after, the start.

    One item per region, intervention and problem; the effect of such an
    intervention cannot be estimated, and the region report says so.
    """
    issue = " ".join(f"WHEN {c} THEN {quote_literal(t)}" for c, t in INTERVENTION_TIMING.items())
    return _rows(
        con,
        f"""
        WITH s AS (SELECT practice_id, min(month) AS first_month, max(month) AS last_month
                   FROM practice_months GROUP BY 1),
        t AS (SELECT i.region_id, i.intervention, i.practice_id, i.start_date,
                     CASE {issue} END AS issue
              FROM iv_practice i JOIN s USING (practice_id))
        SELECT region_id, intervention, issue, count(*) AS practices,
               list(practice_id || ' ' || strftime(start_date, '%Y-%m')
                    ORDER BY practice_id)[1:5] AS examples
        FROM t WHERE issue IS NOT NULL GROUP BY ALL ORDER BY ALL LIMIT {MAX_EXAMPLES}""",
    )


def warnings(report: dict[str, Any]) -> list[str]:
    """One line per problem of the report that an evaluation cannot work around."""
    return [
        f"intervention {item['intervention']} of region {item['region_id']} "
        f"{item['issue']} ({item['practices']} practice(s))"
        for item in report.get("intervention_timing", [])
    ]


def input_record(src: Source) -> dict[str, Any]:
    """How a raw file was read (name, format, dialect), as the report's "Files read" lists it."""
    return {
        "file": src.path.name,
        "format": src.kind,
        "delimiter": src.delimiter if src.kind == "csv" else None,
        "decimal_comma": src.decimal_comma if src.kind == "csv" else None,
        "encoding": src.encoding if src.kind == "csv" else None,
    }


def assess(
    con: duckdb.DuckDBPyConnection,
    sources: dict[str, Source],
    summary: IngestSummary,
    present: set[str],
) -> dict[str, Any]:
    """Compute the data-quality report as a JSON-friendly dictionary."""
    inputs = {name: input_record(src) for name, src in sorted(sources.items())}
    stop = _rows(
        con,
        """
        SELECT country, year(month) AS year,
               round(1 - avg(CAST(accepting_new_patients AS DOUBLE)), 3) AS share_patient_stop
        FROM practice_month GROUP BY ALL ORDER BY ALL""",
    )
    return {
        "summary": {
            "mode": summary.mode,
            "practices": summary.n_practices,
            "regions": summary.n_regions,
            "months": summary.n_months,
            "practice_months": summary.n_practice_months,
            "event_rows": summary.event_rows,
            "interventions": summary.interventions,
        },
        "inputs": inputs,
        "dropped": summary.dropped,
        "missing_months": _missing_months(con),
        "practices_without_list_size": _no_list_size(con),
        "months_without_contacts": _empty_months(con, present),
        "implausible_rates": _implausible(con),
        "outliers": _outliers(con) + [j for j in [_list_size_jumps(con)] if j],
        "intervention_timing": intervention_timing(con),
        "patient_stop_share": stop,
    }


def _html_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p class='ok'>None found.</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r.values()) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


SECTIONS = (
    ("intervention_timing", "Interventions without months before or after their start"),
    ("dropped", "Rows left out of the panel, and why"),
    ("missing_months", "Practices with missing months (no practice_months row)"),
    ("practices_without_list_size", "Practice-months without list size (rates are empty)"),
    ("months_without_contacts", "Practice-months without any contact (delivery gap?)"),
    ("implausible_rates", "Implausible values"),
    ("outliers", "Outliers within a practice's own series"),
    ("patient_stop_share", "Share of practice-months with a patient stop"),
    ("inputs", "Files read"),
)


def render_html(report: dict[str, Any]) -> str:
    """Render the report as a self-contained HTML page."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Data quality</title><style>body{font-family:sans-serif;margin:2em;"
        "max-width:70em}table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
        ".ok{color:#2a7}</style></head><body><h1>Data quality</h1>",
    ]
    summ = report["summary"]
    parts.append(
        "<p>"
        + ", ".join(f"{html.escape(str(k))}: {html.escape(_cell(v))}" for k, v in summ.items())
        + "</p>"
    )
    for key, title in SECTIONS:
        value = report[key]
        if isinstance(value, dict):
            value = [
                {"item": k, **(v if isinstance(v, dict) else {"value": v})}
                for k, v in value.items()
            ]
        parts.append(f"<h2>{html.escape(title)}</h2>{_html_table(value)}")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_reports(report: dict[str, Any], out_dir: Path) -> None:
    """Write ``data_quality.json`` and ``data_quality.html`` into ``out_dir``."""
    (out_dir / "data_quality.json").write_text(
        json.dumps(report, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    (out_dir / "data_quality.html").write_text(render_html(report), encoding="utf-8")
