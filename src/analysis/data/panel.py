"""Build the processed tables in DuckDB: practice x month and region x month panels.

All work happens in SQL over the typed views of :mod:`analysis.data.readers`;
event tables are aggregated to practice-months without passing through pandas.
"""

from __future__ import annotations

import re
import unicodedata

import duckdb

from analysis.data.contract import AGGREGATE_COUNT_COLUMNS, DESTINATIONS
from analysis.data.readers import quote_ident

NURSE_ROLES = ("practice_nurse", "mental_health_nurse", "nurse_specialist")

#: Count columns of the panel, as SQL aggregates over ``typed_contacts``.
CONTACT_COUNTS: dict[str, str] = {
    "contacts": "count(*)",
    "gp_contacts": "count(*) FILTER (provider_role = 'gp')",
    "gp_minutes": "coalesce(sum(minutes) FILTER (provider_role = 'gp'), 0)",
    "nurse_contacts": "count(*) FILTER (provider_role IN ('practice_nurse', "
    "'mental_health_nurse', 'nurse_specialist'))",
    "practice_nurse_contacts": "count(*) FILTER (provider_role = 'practice_nurse')",
    "mental_health_nurse_contacts": "count(*) FILTER (provider_role = 'mental_health_nurse')",
    "physician_assistant_contacts": "count(*) FILTER (provider_role = 'physician_assistant')",
    "assistant_contacts": "count(*) FILTER (provider_role = 'assistant')",
    "telephone_contacts": "count(*) FILTER (contact_type = 'telephone')",
    "e_consults": "count(*) FILTER (contact_type = 'e_consult')",
    "video_contacts": "count(*) FILTER (contact_type = 'video')",
    "home_visits": "count(*) FILTER (contact_type = 'home_visit')",
    "long_consults": "count(*) FILTER (contact_type = 'long_consult')",
    "contact_minutes": "coalesce(sum(minutes), 0)",
}
REFERRAL_COUNTS: dict[str, str] = {
    "referrals": "count(*)",
    **{f"referrals_{d}": f"count(*) FILTER (destination = '{d}')" for d in DESTINATIONS},
}
PRESCRIPTION_COUNTS: dict[str, str] = {"prescriptions": "count(*)"}

#: Days back a contact looks for an earlier contact on the same complaint (a repeat visit).
REPEAT_WINDOW_DAYS = 28
#: The complaint of a contact: its three-character ICPC-2 code (letter and two digits), so
#: that national extensions (``T90.02``) count as the same complaint as ``T90``.
ICPC_COMPLAINT = "upper(left(trim(icpc), 3))"
#: Count columns of the repeat-visit measure (event-level contacts with an ICPC code only).
REPEAT_COUNTS = ("icpc_contacts", "repeat_contacts")
EVENT_COUNTS = {
    "contacts": CONTACT_COUNTS,
    "referrals": REFERRAL_COUNTS,
    "prescriptions": PRESCRIPTION_COUNTS,
}
ALL_COUNTS: tuple[str, ...] = (
    *CONTACT_COUNTS,
    *REPEAT_COUNTS,
    *REFERRAL_COUNTS,
    *PRESCRIPTION_COUNTS,
)

#: Rates per 1,000 listed patients per year: rate column -> count column.
RATES: dict[str, str] = {
    "contact_rate": "contacts",
    "gp_contact_rate": "gp_contacts",
    "nurse_contact_rate": "nurse_contacts",
    "telephone_contact_rate": "telephone_contacts",
    "e_consult_rate": "e_consults",
    "video_contact_rate": "video_contacts",
    "home_visit_rate": "home_visits",
    "referral_rate": "referrals",
    **{f"referral_rate_{d}": f"referrals_{d}" for d in DESTINATIONS},
    "prescription_rate": "prescriptions",
}
CAPACITY_SUMS = (
    "list_size",
    "gp_fte",
    "nurse_fte",
    "mental_health_nurse_fte",
    "physician_assistant_fte",
)


def intervention_id(name: str) -> str:
    """Snake-case id of an intervention name (``"Longer consults"`` -> ``longer_consults``).

    Empty when the name has no Latin letters or digits; the ingest refuses such
    names (and ids longer than a safe id) before the panel is built.
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def repeats_sql(source: str) -> str:
    """SELECT of ``agg_repeats`` from ``source`` (practice_id, patient_id, date, icpc).

    A contact is a *repeat* when the same patient had a contact with the same
    complaint (:data:`ICPC_COMPLAINT`) at the same practice 1 to
    :data:`REPEAT_WINDOW_DAYS` days before (any contact type and provider; a
    second contact on the same day is not a return). Contacts without an ICPC
    code are left out of both counts. A window function over the event table
    counts the earlier contacts, so no patient data leave DuckDB.
    """
    days = REPEAT_WINDOW_DAYS
    return f"""
        SELECT practice_id, CAST(date_trunc('month', date) AS DATE) AS month,
               count(*) AS icpc_contacts, count(*) FILTER (earlier > 0) AS repeat_contacts
        FROM (SELECT practice_id, date,
                     count(*) OVER (PARTITION BY practice_id, patient_id, {ICPC_COMPLAINT}
                                    ORDER BY date RANGE BETWEEN INTERVAL {days} DAYS PRECEDING
                                                        AND INTERVAL 1 DAY PRECEDING) AS earlier
              FROM {source} WHERE nullif(trim(icpc), '') IS NOT NULL)
        GROUP BY ALL"""


def aggregate_repeats(con: duckdb.DuckDBPyConnection, source: str = "typed_contacts") -> None:
    """Create ``agg_repeats``: per practice-month, contacts with an ICPC code and repeats.

    See :func:`repeats_sql`; ``source`` is a FROM item with the typed columns
    ``practice_id``, ``patient_id``, ``date`` and ``icpc`` of the contacts.
    """
    con.execute(f"CREATE OR REPLACE TABLE agg_repeats AS {repeats_sql(source)}")


def _count_columns(present: set[str], aggregated_columns: set[str]) -> list[str]:
    """SELECT items of the panel's count columns."""
    items = []
    if present & set(EVENT_COUNTS):
        for table, counts in EVENT_COUNTS.items():
            for name in counts:
                value = f"coalesce(agg_{table}.{name}, 0)" if table in present else "NULL"
                items.append(f"CAST({value} AS BIGINT) AS {name}")
        for name in REPEAT_COUNTS:
            value = f"coalesce(agg_repeats.{name}, 0)" if "contacts" in present else "NULL"
            items.append(f"CAST({value} AS BIGINT) AS {name}")
    else:
        for name in ALL_COUNTS:
            value = f"pm.{name}" if name in aggregated_columns else "NULL"
            items.append(f"CAST({value} AS BIGINT) AS {name}")
    return items


def _joins(present: set[str]) -> str:
    tables = [t for t in EVENT_COUNTS if t in present]
    tables += ["repeats"] if "contacts" in present else []
    return "\n".join(
        f"LEFT JOIN agg_{t} ON agg_{t}.practice_id = pm.practice_id AND agg_{t}.month = pm.month"
        for t in tables
    )


def _rate(count: str, denominator: str = "list_size") -> str:
    return f"CASE WHEN {denominator} > 0 THEN {count} * 12000.0 / {denominator} END"


def _derived() -> list[str]:
    items = [f"{_rate(count)} AS {rate}" for rate, count in RATES.items()]
    items += [
        "CASE WHEN gp_fte > 0 THEN gp_minutes / gp_fte END AS gp_minutes_per_fte",
        "CASE WHEN gp_fte > 0 THEN list_size / gp_fte END AS patients_per_gp_fte",
        "CASE WHEN gp_fte > 0 THEN gp_contacts / gp_fte END AS contacts_per_gp_fte",
        "CASE WHEN icpc_contacts > 0 THEN repeat_contacts * 1.0 / icpc_contacts END "
        "AS repeat_contact_share",
        "CASE WHEN contacts > 0 THEN (contacts - gp_contacts) * 1.0 / contacts END "
        "AS non_gp_contact_share",
        "CASE WHEN contacts > 0 THEN e_consults * 1.0 / contacts END AS e_consult_share",
        "CASE WHEN contacts > 0 THEN telephone_contacts * 1.0 / contacts END AS telephone_share",
    ]
    return items


def resolve_interventions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create ``iv_practice`` (one row per practice and intervention) and return the ids.

    Region-level rows apply to every practice of the region; when a practice
    gets the same intervention more than once the earliest start counts and
    the latest end (ongoing if any is ongoing).
    """
    names = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT intervention FROM interventions ORDER BY 1"
        ).fetchall()
    ]
    mapping = {n: intervention_id(n) for n in names}
    con.execute("CREATE OR REPLACE TEMP TABLE iv_names (intervention VARCHAR, id VARCHAR)")
    con.executemany("INSERT INTO iv_names VALUES (?, ?)", list(mapping.items()))
    con.execute("""
        CREATE OR REPLACE TABLE iv_practice AS
        SELECT p.practice_id, p.region_id, n.id AS intervention,
               CAST(date_trunc('month', min(i.start_date)) AS DATE) AS start_date,
               CASE WHEN bool_or(i.end_date IS NULL) THEN NULL ELSE max(i.end_date) END
                   AS end_date
        FROM interventions i
        JOIN iv_names n USING (intervention)
        JOIN practices p ON (i.unit_type = 'region' AND p.region_id = i.unit_id)
                         OR (i.unit_type = 'practice' AND p.practice_id = i.unit_id)
        GROUP BY ALL ORDER BY p.practice_id, n.id""")
    return sorted(set(mapping.values()))


def _treatment(ids: list[str]) -> tuple[list[str], list[str], str]:
    """SELECT items and joins of the treatment columns."""
    items, joins = [], []
    for k, iv in enumerate(ids):
        a = f"iv{k}"
        joins.append(
            f"LEFT JOIN iv_practice {a} ON {a}.practice_id = b.practice_id "
            f"AND {a}.intervention = '{iv}'"
        )
        items.append(
            f"coalesce(b.month >= {a}.start_date AND ({a}.end_date IS NULL OR "
            f"b.month <= {a}.end_date), false) AS {quote_ident('treated_' + iv)}"
        )
        items.append(
            f"CAST(datediff('month', {a}.start_date, b.month) AS INTEGER) "
            f"AS {quote_ident('months_since_' + iv)}"
        )
    any_treated = " OR ".join(f"{quote_ident('treated_' + iv)}" for iv in ids) or "false"
    return items, joins, any_treated


def build_practice_month(
    con: duckdb.DuckDBPyConnection, present: set[str], aggregated_columns: set[str], ids: list[str]
) -> None:
    """Create table ``practice_month``: one row per practice and month."""
    counts = ",\n".join(_count_columns(present, aggregated_columns))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE panel_base AS
        SELECT pm.practice_id, p.region_id, r.country, p.practice_type, pm.month,
               pm.list_size, pm.gp_fte, pm.nurse_fte, pm.mental_health_nurse_fte,
               pm.physician_assistant_fte, pm.accepting_new_patients,
               pm.third_next_available_days,
               {counts}
        FROM practice_months pm
        JOIN practices p ON p.practice_id = pm.practice_id
        JOIN regions r ON r.region_id = p.region_id
        {_joins(present)}""")
    items, joins, any_treated = _treatment(ids)
    treat = ",\n".join(items)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE panel_treat AS
        SELECT b.*, {treat + "," if treat else ""}
               CAST(first.first_start AS DATE) AS first_treated_month
        FROM panel_base b
        {" ".join(joins)}
        LEFT JOIN (SELECT practice_id, min(start_date) AS first_start FROM iv_practice
                   GROUP BY 1) first ON first.practice_id = b.practice_id""")
    derived = ",\n".join(_derived())
    con.execute(f"""
        CREATE OR REPLACE TABLE practice_month AS
        SELECT * EXCLUDE (first_treated_month),
               ({any_treated}) AS treated, first_treated_month,
               CAST(year(month) AS INTEGER) AS year,
               CAST(NOT accepting_new_patients AS DOUBLE) AS patient_stop_share,
               {derived}
        FROM panel_treat ORDER BY practice_id, month""")


def build_region_month(
    con: duckdb.DuckDBPyConnection, present_counts: list[str], ids: list[str]
) -> None:
    """Create table ``region_month``: sums per region and month, rates from the sums."""
    sums = ", ".join(f"sum({c}) AS {c}" for c in (*CAPACITY_SUMS, *present_counts))
    shares = ", ".join(
        f"avg(CAST({quote_ident('treated_' + iv)} AS DOUBLE)) AS "
        f"{quote_ident('share_treated_' + iv)}"
        for iv in ids
    )
    nulls = ", ".join(f"CAST(NULL AS BIGINT) AS {c}" for c in ALL_COUNTS if c not in present_counts)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE region_base AS
        SELECT region_id, any_value(country) AS country, month,
               count(*) AS n_practices, {sums},
               avg(CAST(treated AS DOUBLE)) AS share_treated,
               {shares + "," if shares else ""}
               avg(CAST(accepting_new_patients AS DOUBLE)) AS share_accepting_new_patients,
               avg(patient_stop_share) AS patient_stop_share,
               avg(third_next_available_days) AS third_next_available_days
               {", " + nulls if nulls else ""}
        FROM practice_month GROUP BY region_id, month""")
    con.execute(f"""
        CREATE OR REPLACE TABLE region_month AS
        SELECT *, CAST(year(month) AS INTEGER) AS year, {", ".join(_derived())}
        FROM region_base ORDER BY region_id, month""")


def present_count_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Count columns of ``practice_month`` that are not entirely NULL."""
    cols = ", ".join(f"count({c})" for c in ALL_COUNTS)
    row = con.execute(f"SELECT {cols} FROM practice_month").fetchone()
    return [c for c, n in zip(ALL_COUNTS, row, strict=True) if n]


def aggregated_columns_in(columns: dict[str, str]) -> set[str]:
    """Aggregate count columns present in a practice_months file."""
    return {c for c in AGGREGATE_COUNT_COLUMNS if c in columns}
