"""The main job, step by step: demo data, ingest, region runs, synthesis, index.

The command line (:mod:`analysis.cli`) is a thin layer over these functions.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat
import pandas as pd

from analysis.config import StudyConfig
from analysis.errors import WorkbenchError
from analysis.reporting.batch import (
    RegionJob,
    RegionOutcome,
    run_jobs_locally,
    run_jobs_on_dask,
    select_jobs,
)
from analysis.reporting.files import atomic_write_json, read_json
from analysis.reporting.html import FRAME_WORDS, ReportHeader
from analysis.reporting.index import MONITOR_NOTEBOOK, index_rows, write_index
from analysis.reporting.progress import BatchProgress
from analysis.reporting.provenance import (
    git_commit,
    hash_files,
    library_fingerprint,
    package_versions,
)

SYNTHESIS_ID = "synthesis"
INGEST_RECORD = ".ingest.json"


# --- data -------------------------------------------------------------------------------------


def raw_is_empty(raw_dir: Path) -> bool:
    """True when ``raw_dir`` holds no files at all (a README and hidden files do not count)."""
    from analysis.data.readers import raw_folder_is_empty

    return raw_folder_is_empty(raw_dir)


def ensure_demo(config: StudyConfig, *, seed: int = 42) -> bool:
    """Write the demo data into the raw folder when it is empty; True if it did."""
    if not raw_is_empty(config.raw_dir):
        return False
    from analysis.data.demo import generate_demo

    generate_demo(config.raw_dir, seed=seed, scale="small")
    return True


def raw_data_hash(raw_dir: Path) -> str:
    """Content hash of the raw data files."""
    return hash_files(p for p in raw_dir.iterdir() if p.suffix in {".csv", ".parquet", ".json"})


def ingest_if_changed(config: StudyConfig, *, force: bool = False) -> bool:
    """Rebuild the processed data unless raw data and library are unchanged; True if rebuilt."""
    from analysis.data.ingest import ingest

    fingerprint = {"raw": raw_data_hash(config.raw_dir), "library": library_fingerprint()}
    record_path = config.processed_dir / INGEST_RECORD
    if not force and read_json(record_path) == fingerprint and _panels_exist(config):
        return False
    ingest(config.raw_dir, config.processed_dir)
    atomic_write_json(record_path, fingerprint)
    return True


def _panels_exist(config: StudyConfig) -> bool:
    return all(
        (config.processed_dir / n).is_file()
        for n in ("practice_month.parquet", "region_month.parquet", "regions.parquet")
    )


def processed_data_hash(config: StudyConfig) -> str:
    """Content hash of the processed panels a region notebook reads."""
    if not _panels_exist(config):
        raise WorkbenchError(
            f"no processed data in {config.processed_dir}. "
            "Fix: run `workbench ingest` (or `workbench report`) first"
        )
    return hash_files(config.processed_dir.glob("*.parquet"))


def region_table(config: StudyConfig) -> pd.DataFrame:
    """Regions with name, pilot flag and the first and last month of data."""
    regions = pd.read_parquet(config.processed_dir / "regions.parquet")
    months = pd.read_parquet(
        config.processed_dir / "region_month.parquet", columns=["region_id", "month"]
    )
    period = months.groupby("region_id")["month"].agg(first_month="min", last_month="max")
    return regions.merge(period, left_on="region_id", right_index=True, how="left")


def pilot_descriptions(config: StudyConfig) -> dict[str, str]:
    """Region id -> its interventions and start months, e.g. ``longer consults (2016-01)``."""
    interventions = pd.read_parquet(config.processed_dir / "interventions.parquet")
    first = (
        interventions.groupby(["region_id", "intervention"])["start_date"]
        .min()
        .reset_index()
        .sort_values("start_date")
    )
    first["text"] = (
        first["intervention"].str.replace("_", " ")
        + " ("
        + pd.to_datetime(first["start_date"]).dt.strftime("%Y-%m")
        + ")"
    )
    return first.groupby("region_id")["text"].agg("; ".join).to_dict()


def choose_regions(table: pd.DataFrame, selection: str | Sequence[str]) -> list[str]:
    """Resolve ``"pilots"``, ``"all"`` or explicit ids to region ids (sorted)."""
    if selection == "all":
        return sorted(table["region_id"])
    if selection == "pilots":
        return sorted(table.loc[table["pilot"].astype(bool), "region_id"])
    wanted = [selection] if isinstance(selection, str) else list(selection)
    unknown = sorted(set(wanted) - set(table["region_id"]))
    if unknown:
        raise WorkbenchError(
            f"unknown region id(s): {', '.join(unknown)}. Fix: use ids from the regions table, "
            f"e.g. {', '.join(sorted(table['region_id'])[:5])}, or 'pilots' / 'all'"
        )
    return sorted(wanted)


# --- planning ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    """Outcomes of one batch, in region order."""

    outcomes: list[RegionOutcome]

    @property
    def failed(self) -> list[RegionOutcome]:
        """The regions whose run failed."""
        return [o for o in self.outcomes if o.status == "failed"]


def notebook_path(config: StudyConfig, name: str) -> Path:
    """The ``.ipynb`` of a report notebook, checked to exist."""
    path = config.notebooks_dir / f"{Path(name).stem}.ipynb"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in config.notebooks_dir.glob("*.ipynb")))
        raise WorkbenchError(f"notebook {path} not found. Fix: use one of: {known}")
    return path


def notebook_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    notebook = nbformat.read(path, as_version=4)
    names: set[str] = set()
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                target = node.target if isinstance(node, ast.AnnAssign) else None
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                if isinstance(target, ast.Name):
                    names.add(target.id)
    return names


def _provenance(config: StudyConfig, data_hash: str, parameters: dict) -> dict[str, object]:
    versions = package_versions()
    return {
        "git commit": git_commit(config.root),
        "analysis library": library_fingerprint(),
        **{f"version {k}": v for k, v in versions.items()},
        "data content hash": data_hash[:16],
        "parameters": parameters,
    }


def plan_region_jobs(
    config: StudyConfig,
    region_ids: Sequence[str],
    notebook: str,
    table: pd.DataFrame,
    data_hash: str,
) -> list[RegionJob]:
    """One job per region for ``notebook``, with its parameters and output paths."""
    source = notebook_path(config, notebook)
    declared = notebook_parameters(source)
    rows = table.set_index("region_id")
    now = datetime.now().isoformat(timespec="minutes")
    jobs = []
    for rid in region_ids:
        row = rows.loc[rid]
        offered = {
            "region_id": rid,
            "processed_dir": str(config.processed_dir),
            "outcomes": list(config.outcomes),
            "language": config.language,
            "study_name": config.name,
            "disclosure_threshold": config.disclosure_threshold,
        }
        parameters = {k: v for k, v in offered.items() if k in declared}
        to = FRAME_WORDS[config.language]["to"]
        period = f"{row['first_month']:%Y-%m} {to} {row['last_month']:%Y-%m}"
        jobs.append(
            RegionJob(
                region_id=rid,
                notebook=source,
                parameters=parameters,
                workdir=config.reports_dir / rid,
                executed_path=config.reports_dir / "_executed" / rid / source.name,
                html_path=config.reports_dir / rid / f"{source.stem}.html",
                header=ReportHeader(
                    config.name, f"{row['name']} ({rid})", period, now, config.language
                ),
                provenance=_provenance(config, data_hash, parameters),
                data_hash=data_hash,
            )
        )
    return jobs


def plan_synthesis_job(config: StudyConfig, region_ids: Sequence[str]) -> RegionJob:
    """The job that pools all regions' ``results.json`` in ``notebooks/synthesis.ipynb``."""
    source = notebook_path(config, "synthesis")
    results = [config.reports_dir / rid / "results.json" for rid in region_ids]
    data_hash = hash_files(p for p in results if p.is_file())
    parameters = {
        "reports_dir": str(config.reports_dir),
        "processed_dir": str(config.processed_dir),
        "regions": list(region_ids),
        "language": config.language,
        "study_name": config.name,
    }
    now = datetime.now().isoformat(timespec="minutes")
    words = FRAME_WORDS[config.language]
    return RegionJob(
        region_id=SYNTHESIS_ID,
        notebook=source,
        parameters=parameters,
        workdir=config.reports_dir / SYNTHESIS_ID,
        executed_path=config.reports_dir / "_executed" / SYNTHESIS_ID / source.name,
        html_path=config.reports_dir / SYNTHESIS_ID / "synthesis.html",
        header=ReportHeader(
            config.name, words["all_regions"], words["see_region_reports"], now, config.language
        ),
        provenance=_provenance(config, data_hash, parameters),
        data_hash=data_hash,
    )


# --- running ----------------------------------------------------------------------------------


def execute_jobs(
    jobs: Sequence[RegionJob],
    *,
    workers: int,
    scheduler: str | None = None,
    force: bool = False,
    only_failed: bool = False,
) -> BatchResult:
    """Execute the jobs that need it, with live progress; cached ones are skipped."""
    to_run, outcomes = select_jobs(jobs, force=force, only_failed=only_failed)
    with BatchProgress([j.label for j in to_run]) as progress:
        for outcome in outcomes:
            if outcome.status == "cached":
                progress.console.print(
                    f"{outcome.label}: unchanged, cached report kept", highlight=False
                )
        runner = (
            run_jobs_on_dask(to_run, scheduler, workers, progress.event)
            if scheduler
            else run_jobs_locally(to_run, workers, progress.event)
        )
        for outcome in runner:
            progress.done(outcome)
            outcomes.append(outcome)
    return BatchResult(sorted(outcomes, key=lambda o: o.region_id))


def refresh_index(
    config: StudyConfig,
    jobs: Sequence[RegionJob],
    outcomes: Sequence[RegionOutcome],
    table: pd.DataFrame,
) -> Path:
    """Rewrite ``reports/index.html`` from the run records and results."""
    names = dict(zip(table["region_id"], table["name"], strict=True))
    rows = index_rows(
        jobs,
        outcomes,
        names,
        config.reports_dir,
        config.language,
        pilots=pilot_descriptions(config),
    )
    synthesis = config.reports_dir / SYNTHESIS_ID / "synthesis.html"
    return write_index(
        config.reports_dir,
        rows,
        study=config.name,
        language=config.language,
        synthesis=synthesis if synthesis.is_file() else None,
    )


def _plan(config: StudyConfig, notebook: str) -> tuple[pd.DataFrame, list[RegionJob]]:
    """The regions table and one job of ``notebook`` per selected region."""
    data_hash = processed_data_hash(config)  # first: says clearly when nothing was ingested
    table = region_table(config)
    region_ids = choose_regions(table, config.regions)
    return table, plan_region_jobs(config, region_ids, notebook, table, data_hash)


def run_regions(
    config: StudyConfig,
    *,
    scheduler: str | None = None,
    force: bool = False,
    only_failed: bool = False,
) -> BatchResult:
    """``workbench run``: the configured notebook once per selected region, then the index."""
    table, jobs = _plan(config, config.notebook)
    result = execute_jobs(
        jobs, workers=config.n_workers, scheduler=scheduler, force=force, only_failed=only_failed
    )
    refresh_index(config, jobs, result.outcomes, table)
    return result


def build_reports(
    config: StudyConfig, *, scheduler: str | None = None, force: bool = False
) -> BatchResult:
    """``workbench report``: demo data, ingest, regions and their monitors, synthesis, index."""
    config.raw_dir.mkdir(parents=True, exist_ok=True)
    ensure_demo(config)
    ingest_if_changed(config, force=force)
    table, jobs = _plan(config, config.notebook)
    if (config.notebooks_dir / f"{MONITOR_NOTEBOOK}.ipynb").is_file():
        jobs_with_monitors = jobs + _plan(config, MONITOR_NOTEBOOK)[1]
    else:
        jobs_with_monitors = jobs
    regions = execute_jobs(
        jobs_with_monitors, workers=config.n_workers, scheduler=scheduler, force=force
    )
    region_ids = [job.region_id for job in jobs]
    synthesis = execute_jobs(
        [plan_synthesis_job(config, region_ids)], workers=1, scheduler=None, force=force
    )
    evaluated = [o for o in regions.outcomes if o.notebook == Path(config.notebook).stem]
    refresh_index(config, jobs, evaluated, table)
    return BatchResult(regions.outcomes + synthesis.outcomes)
