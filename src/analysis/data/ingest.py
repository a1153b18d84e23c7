"""Ingest: raw files -> validated, processed Parquet panel and DuckDB database.

``ingest(raw_dir, out_dir)`` reads the raw tables (CSV or Parquet), enforces
the data contract, builds the practice x month and region x month panels with
DuckDB working on the files, writes a data-quality report, and replaces
``out_dir`` only when everything succeeded: the build happens in a marked
staging sibling folder that is renamed into place at the end
(:mod:`analysis.data.staging`). ``out_dir`` is replaced only when the workbench
made it (or it is empty); ``raw_dir`` is only read.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from analysis.data import event_pass, panel, quality, staging, validate
from analysis.data.contract import EVENT_TABLES, PLANNING_TABLES, TABLES
from analysis.data.panel import intervention_id
from analysis.data.readers import (
    DUCK_TYPES,
    Source,
    create_views,
    find_files,
    open_source,
    quote_ident,
    quote_literal,
)
from analysis.data.survey import SURVEY_TABLE, aggregate_survey
from analysis.errors import InputError, WorkbenchError

DUCKDB_THREADS = 2
DUCKDB_MEMORY_LIMIT = "3GB"
OUTPUT_FILES = (
    "practice_month.parquet",
    "region_month.parquet",
    "regions.parquet",
    "practices.parquet",
    "interventions.parquet",
    "events.parquet",
    "workbench.duckdb",
    "data_quality.json",
    "data_quality.html",
)
#: Every name the ingest writes into its output folder (an unmarked folder holding
#: only these was made by a workbench version before the marker; ``survey.parquet``
#: held the respondents before they were aggregated to practices; the planning inputs are
#: written when supplied).
OWN_NAMES = (
    *OUTPUT_FILES,
    f"{SURVEY_TABLE}.parquet",
    "survey.parquet",
    *(f"{name}.parquet" for name in PLANNING_TABLES),
)


@dataclass
class IngestSummary:
    """What an ingest produced.

    Attributes
    ----------
    n_practices, n_regions, n_months
        Practices and regions in the panel; distinct months.
    n_practice_months, n_region_months
        Rows of the two panels.
    mode
        ``"events"`` (event-level tables) or ``"aggregated"`` (counts in practice_months).
    interventions
        Intervention ids (``treated_<id>`` columns).
    paths
        Output name -> path (in the final ``out_dir``).
    dropped
        Reason -> number of rows left out of the panel.
    warnings
        Problems of the data-quality report that leave an evaluation without an
        estimate (an intervention without months before or after its start).
    seconds
        Wall time.
    """

    n_practices: int
    n_regions: int
    n_months: int
    n_practice_months: int
    n_region_months: int
    mode: str
    interventions: list[str]
    paths: dict[str, Path] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    event_rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __str__(self) -> str:
        events = ", ".join(f"{n:,} {name}" for name, n in self.event_rows.items())
        dropped = sum(self.dropped.values())
        return (
            f"{self.n_practices} practices in {self.n_regions} regions, {self.n_months} months "
            f"({self.n_practice_months:,} practice-months)"
            + (f"; events: {events}" if events else "; aggregated counts")
            + f"; {dropped:,} rows dropped (see data_quality.html); {self.seconds:.1f} s"
            + "".join(f"\nwarning: {w} (see data_quality.html)" for w in self.warnings)
        )

    def to_dict(self) -> dict:
        """JSON-friendly dictionary."""
        d = asdict(self)
        d["paths"] = {k: str(v) for k, v in self.paths.items()}
        return d


def _connect(scratch: Path) -> duckdb.DuckDBPyConnection:
    scratch.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(
        config={
            "threads": DUCKDB_THREADS,
            "memory_limit": DUCKDB_MEMORY_LIMIT,
            "temp_directory": str(scratch / "duckdb_tmp"),
            "preserve_insertion_order": True,
        }
    )


def _open_sources(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, scratch: Path
) -> dict[str, Source]:
    files = find_files(raw_dir)
    for name, spec in TABLES.items():
        if spec.required and name not in files:
            raise InputError(
                f"required table '{name}' is missing from {raw_dir}",
                file=raw_dir / f"{name}.csv",
                hint=f"supply {name}.csv (see docs/data-contract.md)",
            )
    sources = {name: open_source(con, name, path, scratch) for name, path in files.items()}
    for src in sources.values():
        create_views(con, src)
    return sources


def _materialise_small(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> None:
    """Copy the small (non-event) tables into DuckDB tables."""
    small = ("regions", "practices", "practice_months", "interventions", "events", "survey")
    for name in (*small, *PLANNING_TABLES):
        if name in sources:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM typed_{name}")
    if "events" not in sources:
        columns = ", ".join(
            f"{quote_ident(f.name)} {DUCK_TYPES[f.dtype]}" for f in TABLES["events"].fields
        )
        con.execute(f"CREATE TABLE events ({columns})")


def _copy(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> None:
    con.execute(
        f"COPY ({sql}) TO {quote_literal(path)} "
        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 500000)"
    )


def _as_timestamps(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SELECT list casting DATE columns to TIMESTAMP (pandas reads them as datetime64)."""
    cols = con.execute(f"DESCRIBE {table}").fetchall()
    return ", ".join(
        f'CAST("{c}" AS TIMESTAMP) AS "{c}"' if t == "DATE" else f'"{c}"' for c, t, *_ in cols
    )


def _event_intervention_ids(con: duckdb.DuckDBPyConnection) -> None:
    """``ev_names``: each intervention name of the action log with its id (as in the panel)."""
    names = con.execute(
        "SELECT DISTINCT intervention FROM events WHERE intervention IS NOT NULL"
    ).fetchall()
    con.execute("CREATE OR REPLACE TEMP TABLE ev_names (intervention VARCHAR, id VARCHAR)")
    if names:
        con.executemany(
            "INSERT INTO ev_names VALUES (?, ?)", [(n, intervention_id(n)) for (n,) in names]
        )


def _events_out(con: duckdb.DuckDBPyConnection) -> str:
    """``events_out``: the action log with intervention ids and each entry's month."""
    _event_intervention_ids(con)
    con.execute("""CREATE OR REPLACE TABLE events_out AS
                   SELECT e.* REPLACE (n.id AS intervention),
                          CAST(date_trunc('month', e.date) AS DATE) AS month
                   FROM events e LEFT JOIN ev_names n USING (intervention)
                   ORDER BY region_id, date, kind""")
    return "events_out"


def _planning_outputs(con: duckdb.DuckDBPyConnection, present: set[str]) -> dict[str, str]:
    """Processed name -> table of each planning input supplied (GP counts get the region)."""
    tables = {name: name for name in PLANNING_TABLES if name in present}
    if "gp_workforce" in tables:
        con.execute("""
            CREATE OR REPLACE TABLE gp_workforce_out AS
            SELECT w.*, p.region_id FROM gp_workforce w JOIN practices p USING (practice_id)
            ORDER BY w.practice_id, w.date, w.age_band""")
        tables["gp_workforce"] = "gp_workforce_out"
    return tables


def _write_outputs(
    con: duckdb.DuckDBPyConnection, build: Path, has_survey: bool, planning: set[str]
) -> None:
    con.execute("""
        CREATE OR REPLACE TABLE regions_out AS
        SELECT r.*, f.first_start IS NOT NULL AS pilot, f.first_start
        FROM regions r LEFT JOIN (SELECT region_id, min(start_date) AS first_start
                                  FROM iv_practice GROUP BY 1) f USING (region_id)
        ORDER BY region_id""")
    con.execute("""
        CREATE OR REPLACE TABLE practices_out AS
        SELECT p.*, r.country, f.first_start IS NOT NULL AS pilot,
               f.first_start AS first_treated_month
        FROM practices p JOIN regions r USING (region_id)
        LEFT JOIN (SELECT practice_id, min(start_date) AS first_start FROM iv_practice
                   GROUP BY 1) f USING (practice_id)
        ORDER BY practice_id""")
    tables = {
        "practice_month": "practice_month",
        "region_month": "region_month",
        "regions": "regions_out",
        "practices": "practices_out",
        "interventions": "iv_practice",
        "events": _events_out(con),
    }
    if has_survey:
        tables[SURVEY_TABLE] = aggregate_survey(con)
    tables |= _planning_outputs(con, planning)
    for name, table in tables.items():
        _copy(con, f"SELECT {_as_timestamps(con, table)} FROM {table}", build / f"{name}.parquet")
    _write_database(build, list(tables))


def _write_database(build: Path, names: list[str]) -> None:
    """``workbench.duckdb`` with views over the Parquet files, by relative path."""
    db = duckdb.connect(str(build / "workbench.duckdb"))
    try:
        db.execute(f"SET file_search_path = {quote_literal(build)}")
        for name in names:
            db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{name}.parquet')")
    finally:
        db.close()


def connect(processed_dir: Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open ``workbench.duckdb`` of a processed folder with its views working.

    The views refer to the Parquet files by relative path, so the folder can
    be moved; this sets DuckDB's ``file_search_path`` to the folder.
    """
    processed_dir = Path(processed_dir).resolve()
    con = duckdb.connect(str(processed_dir / "workbench.duckdb"), read_only=read_only)
    con.execute(f"SET file_search_path = {quote_literal(processed_dir)}")
    return con


def _summary(
    con: duckdb.DuckDBPyConnection,
    mode: str,
    ids: list[str],
    dropped: dict[str, int],
    event_rows: dict[str, int],
) -> IngestSummary:
    n_p, n_r, n_m, n_pm = con.execute(
        "SELECT count(DISTINCT practice_id), count(DISTINCT region_id), count(DISTINCT month), "
        "count(*) FROM practice_month"
    ).fetchone()
    n_rm = con.execute("SELECT count(*) FROM region_month").fetchone()[0]
    return IngestSummary(
        n_p, n_r, n_m, n_pm, n_rm, mode, ids, dropped=dropped, event_rows=event_rows
    )


def _build(raw_dir: Path, build: Path) -> IngestSummary:
    con = _connect(build / ".scratch")
    try:
        sources = _open_sources(con, raw_dir, build / ".scratch")
        present = {t for t in EVENT_TABLES if t in sources}
        aggregated = panel.aggregated_columns_in(sources["practice_months"].columns)
        if not present and not aggregated:
            raise InputError(
                "no event tables (contacts, referrals, prescriptions) and no count columns "
                "in practice_months",
                file=sources["practice_months"].path,
                line=1,
                hint="supply contacts.parquet/referrals.parquet, or add count columns such as "
                "'contacts' and 'referrals_medical_specialist' to practice_months",
            )
        validate.validate_small(con, sources)
        _materialise_small(con, sources)
        validate.validate_relations(con, sources)
        event_rows = event_pass.aggregate_events(con, sources)
        ids = panel.resolve_interventions(con)
        panel.build_practice_month(con, present, aggregated, ids)
        counts = panel.present_count_columns(con)
        panel.build_region_month(con, counts, ids)
        dropped = quality.dropped_rows(con, present)
        _write_outputs(con, build, "survey" in sources, set(sources))
        mode = "events" if present else "aggregated"
        summary = _summary(con, mode, ids, dropped, event_rows)
        report = quality.assess(con, sources, summary, present)
        quality.write_reports(report, build)
        summary.warnings = quality.warnings(report)
        return summary
    finally:
        con.close()
        shutil.rmtree(build / ".scratch", ignore_errors=True)


def _check_dirs(raw_dir: Path, out_dir: Path) -> None:
    if not raw_dir.is_dir():
        raise InputError(
            f"raw data folder {raw_dir} does not exist",
            file=raw_dir,
            hint="point to the folder holding regions.csv, practices.csv, ...",
        )
    if out_dir == raw_dir or raw_dir.is_relative_to(out_dir) or out_dir.is_relative_to(raw_dir):
        raise InputError(
            "the output folder must not contain or lie inside the raw folder",
            file=out_dir,
            hint="use a separate folder such as data/processed",
        )
    foreign = staging.foreign_entries(out_dir, OWN_NAMES)
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        shown = ", ".join(foreign[:5]) + more
        raise WorkbenchError(
            f"{out_dir} holds files the workbench did not make ({shown}); the ingest replaces "
            "its output folder as a whole and never deletes what it did not make. Fix: choose "
            "an empty or new folder for --out (or move those files away)"
        )


def _building_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}.building"


def ingest(raw_dir: Path, out_dir: Path) -> IngestSummary:
    """Validate the raw tables and build the processed panel.

    Parameters
    ----------
    raw_dir
        Folder with the raw tables (see ``docs/data-contract.md``). Never written to.
    out_dir
        Folder to (re)create with ``practice_month.parquet``, ``region_month.parquet``,
        ``regions.parquet``, ``practices.parquet``, ``interventions.parquet``,
        ``events.parquet``, ``workbench.duckdb``, ``data_quality.json`` and
        ``data_quality.html`` (plus ``survey_practice_wave.parquet``, the survey
        aggregated to practices and waves, when a survey is supplied, and the planning
        inputs supplied: ``population.parquet``, ``gp_workforce.parquet`` with each
        practice's ``region_id``, ``contact_rates.parquet``, ``training.parquet``).

    Returns
    -------
    IngestSummary
        Sizes, output paths and dropped-row counts.

    Raises
    ------
    InputError
        For input that breaks the contract; ``out_dir`` is then left as it was.
    WorkbenchError
        When ``out_dir`` holds files the workbench did not make, or the disk is
        full or the folder not writable; ``out_dir`` is then left as it was.
    """
    started = time.perf_counter()
    raw_dir, out_dir = Path(raw_dir).resolve(), Path(out_dir).resolve()
    _check_dirs(raw_dir, out_dir)
    with staging.environment_errors(out_dir):
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        prefix = _building_prefix(out_dir)
        staging.remove_stale(out_dir.parent, prefix)
        staging.remove_stale(out_dir.parent, f".{out_dir.name}.old", restore_to=out_dir)
        build = staging.staging_folder(out_dir.parent, prefix)
        try:
            summary = _build(raw_dir, build)
            made = [p.name for p in build.iterdir() if p.name != staging.MARKER]
            staging.write_marker(build, "processed", made)
            staging.swap_in(build, out_dir, OWN_NAMES)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
    summary.paths = {name: out_dir / name for name in sorted(made)}
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


#: The raw tables an action log is checked against (and the log itself).
ACTION_LOG_TABLES = ("regions", "practices", "practice_months", "interventions", "events")


def refresh_action_log(raw_dir: Path, out_dir: Path) -> bool:
    """Rebuild only ``events.parquet`` of an ingested folder after a change to the action log.

    An entry added with ``workbench log add`` (or by hand) changes no panel: the
    log is checked as :func:`ingest` checks it (its columns and values, its
    regions, intervention names and dates against the other small tables) and
    written in place of the old ``events.parquet`` (atomically), in seconds
    instead of a full ingest of the event tables.

    Returns
    -------
    bool
        False, writing nothing, when ``out_dir`` is not a complete ingest or the
        log's file, format or dialect differ from those the last ingest read
        (``data_quality.json`` lists them): then run :func:`ingest`.

    Raises
    ------
    InputError
        For a log that breaks the contract; ``events.parquet`` is then left as it was.
    """
    raw_dir, out_dir = Path(raw_dir).resolve(), Path(out_dir).resolve()
    report = out_dir / "data_quality.json"
    if not report.is_file() or not all((out_dir / name).is_file() for name in OUTPUT_FILES):
        return False
    recorded = json.loads(report.read_text(encoding="utf-8")).get("inputs", {}).get("events")
    files = find_files(raw_dir)
    if "events" not in files or not set(ACTION_LOG_TABLES) <= set(files):
        return False
    with (
        staging.environment_errors(out_dir),
        tempfile.TemporaryDirectory(prefix=".refresh-", dir=out_dir) as scratch,
    ):
        con = _connect(Path(scratch))
        try:
            sources = {
                name: open_source(con, name, files[name], Path(scratch))
                for name in ACTION_LOG_TABLES
            }
            if quality.input_record(sources["events"]) != recorded:
                return False
            for src in sources.values():
                create_views(con, src)
            validate.validate_small(con, sources)
            _materialise_small(con, sources)
            validate.validate_relations(con, sources)
            table = _events_out(con)
            written = Path(scratch) / "events.parquet"
            _copy(con, f"SELECT {_as_timestamps(con, table)} FROM {table}", written)
        finally:
            con.close()
        written.replace(out_dir / "events.parquet")
    return True
