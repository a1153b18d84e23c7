"""The main job, step by step: demo data, ingest, region runs, synthesis, index.

The command line (:mod:`analysis.cli`) is a thin layer over these functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd
from rich.console import Console

from analysis.config import StudyConfig
from analysis.errors import WorkbenchError
from analysis.ids import require_safe_id
from analysis.notebooks import ParameterError, declared_parameters, require_declared
from analysis.reporting.batch import (
    RegionJob,
    RegionOutcome,
    remove_partial_outputs,
    run_jobs_locally,
    run_jobs_on_dask,
    select_jobs,
)
from analysis.reporting.files import atomic_write_json, read_json
from analysis.reporting.html import ReportHeader
from analysis.reporting.index import MONITOR_NOTEBOOK, write_index_pages
from analysis.reporting.layout import (
    EDITION_SIGNALS,
    PLANNING_ID,
    PLANNING_NOTEBOOKS,
    RESERVED_IDS,
    SYNTHESIS_ID,
    ReportLayout,
    edition_month,
)
from analysis.reporting.progress import BatchProgress
from analysis.reporting.provenance import (
    git_commit,
    hash_files,
    hash_json,
    library_fingerprint,
    package_versions,
)
from analysis.reporting.quality_page import write_quality_pages
from analysis.words import Words

INGEST_RECORD = ".ingest.json"
#: Parameters offered to every region notebook that only the monitor needs: a notebook
#: without them is not told so.
MONITOR_PARAMETERS = ("indicators", "targets", "as_of", "previous_edition")
#: The processed tables the synthesis reads besides the regions' results.
SYNTHESIS_TABLES = ("regions.parquet", "interventions.parquet")


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


def raw_file_hashes(raw_dir: Path) -> dict[str, str]:
    """Content hash of each raw data file, by name."""
    return {
        p.name: hash_files([p])
        for p in sorted(raw_dir.iterdir())
        if p.is_file() and p.suffix in {".csv", ".parquet", ".json"}
    }


def ingest_if_changed(config: StudyConfig, *, force: bool = False) -> bool:
    """Rebuild the processed data unless raw data and library are unchanged; True if rebuilt.

    When only the action log changed since the workbench's last ingest (an entry
    added with ``workbench log add``), only ``events.parquet`` is rebuilt
    (:func:`~analysis.data.ingest.refresh_action_log`), in seconds.
    """
    from analysis.data.ingest import ingest, refresh_action_log

    files = raw_file_hashes(config.raw_dir)
    fingerprint = {"raw": hash_json(files), "files": files, "library": library_fingerprint()}
    record_path = config.processed_dir / INGEST_RECORD
    record = read_json(record_path)
    if not force and record == fingerprint and _panels_exist(config):
        return False
    changed = _changed_files(record, fingerprint)
    only_log = changed is not None and len(changed) == 1 and Path(changed[0]).stem == "events"
    if force or not only_log or not refresh_action_log(config.raw_dir, config.processed_dir):
        ingest(config.raw_dir, config.processed_dir)
    atomic_write_json(record_path, fingerprint)
    return True


def _changed_files(record: object, fingerprint: dict) -> list[str] | None:
    """The raw files that differ from the last ingest's record; None when it cannot tell."""
    if not isinstance(record, dict) or record.get("library") != fingerprint["library"]:
        return None
    before = record.get("files")
    if not isinstance(before, dict):
        return None
    now = fingerprint["files"]
    return sorted(name for name in set(before) | set(now) if before.get(name) != now.get(name))


def ingest_if_stale(config: StudyConfig) -> bool:
    """Re-ingest before a run when the raw data changed since the workbench's last ingest.

    Only a processed folder the workbench ingested itself (it has the record of
    :func:`ingest_if_changed`) is compared with the raw data: an entry added
    with ``workbench log add`` then reaches the next ``workbench run``.
    """
    if not isinstance(read_json(config.processed_dir / INGEST_RECORD), dict):
        return False
    return ingest_if_changed(config)


def _panels_exist(config: StudyConfig) -> bool:
    return all(
        (config.processed_dir / n).is_file()
        for n in ("practice_month.parquet", "region_month.parquet", "regions.parquet")
    )


#: Processed tables the planning pages never read: the action log (a coach's new entry must
#: not rerun them).
PLANNING_UNREAD_TABLES = ("events.parquet",)


def processed_data_hash(config: StudyConfig, leave_out: Sequence[str] = ()) -> str:
    """Content hash of the processed tables (but the file names in ``leave_out``)."""
    if not _panels_exist(config):
        raise WorkbenchError(
            f"no processed data in {config.processed_dir}. "
            "Fix: run `workbench ingest` (or `workbench report`) first"
        )
    return hash_files(
        path for path in config.processed_dir.glob("*.parquet") if path.name not in leave_out
    )


def region_table(config: StudyConfig) -> pd.DataFrame:
    """Regions with name, pilot flag and the first and last month of data."""
    regions = pd.read_parquet(config.processed_dir / "regions.parquet")
    months = pd.read_parquet(
        config.processed_dir / "region_month.parquet", columns=["region_id", "month"]
    )
    period = months.groupby("region_id")["month"].agg(first_month="min", last_month="max")
    return regions.merge(period, left_on="region_id", right_index=True, how="left")


def region_interventions(config: StudyConfig) -> dict[str, list[tuple[str, pd.Timestamp]]]:
    """Region id -> its interventions with their first start, in order of starting."""
    interventions = pd.read_parquet(config.processed_dir / "interventions.parquet")
    first = (
        interventions.groupby(["region_id", "intervention"])["start_date"]
        .min()
        .reset_index()
        .sort_values(["start_date", "intervention"])
    )
    return {
        rid: list(zip(group["intervention"], pd.to_datetime(group["start_date"]), strict=True))
        for rid, group in first.groupby("region_id")
    }


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
    require_safe_id(name, what="notebook name")
    path = config.notebooks_dir / f"{name}.ipynb"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in config.notebooks_dir.glob("*.ipynb")))
        raise WorkbenchError(f"notebook {path} not found. Fix: use one of: {known}")
    return path


def layout_of(config: StudyConfig) -> ReportLayout:
    """The layout of the study's reports folder."""
    return ReportLayout(config.reports_dir)


def shown_path(value: object, root: Path) -> object:
    """A path under the project root as the reader should see it: relative to the project.

    Reports are shared: a server's folder names say nothing to a reader and
    should not leave the institute.
    """
    if isinstance(value, str) and Path(value).is_absolute():
        path = Path(value)
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    return value


def _provenance(config: StudyConfig, data_hash: str, parameters: dict) -> dict[str, object]:
    versions = package_versions()
    return {
        "git commit": git_commit(config.root),
        "analysis library": library_fingerprint(),
        **{f"version {k}": v for k, v in versions.items()},
        "data content hash": data_hash[:16],
        "parameters": {k: shown_path(v, config.root) for k, v in parameters.items()},
    }


def _period(row: pd.Series, language: str, edition: str | None = None) -> str:
    """The report's data period; an edition's ends at its month."""
    words = Words(language)  # type: ignore[arg-type]
    end = pd.Timestamp(f"{edition}-01") if edition else row["last_month"]
    first, last = (words.month(m, short=True) for m in (row["first_month"], end))
    return f"{first} {words.text('frame.to')} {last}"


def plan_region_jobs(
    config: StudyConfig,
    region_ids: Sequence[str],
    notebook: str,
    table: pd.DataFrame,
    data_hashes: Mapping[str, str],
    languages: Sequence[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    *,
    as_of: str | None = None,
) -> list[RegionJob]:
    """One job per region and language for ``notebook``, with its parameters.

    ``data_hashes`` maps each region to the hash of the data its reports read
    (:func:`~analysis.evaluation.load.region_input_hashes`): a region's run is
    cached until its own data change.

    ``parameters`` are values for the notebook's own parameters (``--param``):
    names it declares and the workbench does not fill itself. They are part of
    each job's parameters, so of its cache key and its provenance.

    A notebook that declares an ``as_of`` parameter (the monitor) runs as an
    *edition*: on the data up to ``as_of`` (``YYYY-MM``; default: the region's
    last month of data), kept beside the earlier editions, and told where the
    previous edition's signals are (``previous_edition``), which then belong to
    its inputs. Regions whose data do not reach ``as_of`` get no edition (said
    on stderr).

    Raises
    ------
    ParameterError
        A given parameter the notebook does not declare, or one the workbench fills.
    """
    source = notebook_path(config, notebook)
    given = dict(parameters or {})
    declared = list(declared_parameters(source))
    require_declared(given, declared, source.stem)
    if as_of is not None and "as_of" not in declared:
        raise WorkbenchError(
            f"--as-of is given, but {source.name} does not declare an as_of parameter, so it "
            "cannot run on the data up to a month. Fix: leave --as-of out, or use "
            "--notebook region_monitor"
        )
    layout = layout_of(config)
    rows = table.set_index("region_id")
    now = datetime.now()
    jobs = []
    for rid in region_ids:
        if rid in RESERVED_IDS:
            raise WorkbenchError(
                f"region id '{rid}' is a folder name the workbench keeps for itself "
                f"({', '.join(sorted(RESERVED_IDS))}). Fix: rename the region in regions.csv"
            )
        layout.region_dir(rid)  # refuses an unsafe id before anything is planned
        row = rows.loc[rid]
        edition = _edition(row, as_of) if "as_of" in declared else None
        if "as_of" in declared and edition is None:
            continue
        for language in languages or config.languages:
            offered = {
                "region_id": rid,
                "processed_dir": str(config.processed_dir),
                "outcomes": list(config.outcomes),
                "language": language,
                "study_name": config.name,
                "disclosure_threshold": config.disclosure_threshold,
                "show_practice_ids": config.show_practice_ids,
                "indicator_words": config.indicators,
                **config.monitor.parameters(),
            }
            data_hash = data_hashes[rid]
            if edition is not None:
                previous = previous_edition(layout, rid, notebook, language, edition)
                offered |= {"as_of": edition, "previous_edition": str(previous or "")}
                data_hash = hash_json(
                    {"region": data_hash, "previous": hash_files([previous]) if previous else None}
                )
            header = ReportHeader(
                config.name,
                f"{row['name']} ({rid})",
                _period(row, language, edition),
                Words(language).moment(now),  # type: ignore[arg-type]
                language,
            )
            job = _job(config, source, declared, rid, offered, given, header, data_hash)
            jobs.append(replace(job, edition=edition))
    return jobs


def _edition(row: pd.Series, as_of: str | None) -> str | None:
    """The month of the region's edition: ``as_of`` or its last month; None outside its data."""
    first, last = (pd.Timestamp(row[k]).to_period("M") for k in ("first_month", "last_month"))
    month = pd.Period(as_of, "M") if as_of else last
    if first <= month <= last:
        return f"{month:%Y-%m}"
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"note: {row.name} has no edition as of {as_of}: its data run from {first:%Y-%m} to "
        f"{last:%Y-%m}",
        markup=False,
    )
    return None


def previous_edition(
    layout: ReportLayout, region_id: str, notebook: str, language: str, edition: str
) -> Path | None:
    """The signals file of the latest kept edition before ``edition``, if there is one."""
    for month in reversed(layout.editions(region_id, notebook, language)):
        if month < edition:
            path = layout.published(region_id, notebook, language, EDITION_SIGNALS, edition=month)
            if path.is_file():
                return path
    return None


_reported: set[tuple[Path, tuple[str, ...]]] = set()


def report_undeclared(notebook: Path, names: Sequence[str]) -> None:
    """Say once per notebook which parameters the workbench offers and it does not declare."""
    key = (notebook, tuple(names))
    if not names or key in _reported:
        return
    _reported.add(key)
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"note: {notebook.name} does not declare the parameter(s) {', '.join(names)}, so the "
        "workbench cannot pass them (study settings such as the disclosure threshold and the "
        "language do not reach it). Declare them in its cell tagged 'parameters'.",
        markup=False,
    )


def _job(
    config: StudyConfig,
    source: Path,
    declared: Sequence[str],
    region_id: str,
    offered: dict[str, object],
    given: Mapping[str, object],
    header: ReportHeader,
    data_hash: str,
) -> RegionJob:
    """A job: the offered parameters the notebook declares, the given ones, provenance.

    Offered parameters the notebook does not declare are reported once (a
    notebook without ``disclosure_threshold`` cannot suppress small counts),
    except those only a monitor uses (:data:`MONITOR_PARAMETERS`).
    ``given`` may not name an offered parameter: the workbench fills those from
    ``workbench.toml`` and the options, and the report's header says so.
    """
    taken = [name for name in given if name in offered]
    if taken:
        free = [name for name in declared if name not in offered]
        raise ParameterError(
            f"{source.stem}: the workbench sets '{taken[0]}' in every run (from workbench.toml, "
            "--regions or --language). Fix: change it there; --param sets the notebook's other "
            f"parameters: {', '.join(free) or 'it has none'}"
        )
    report_undeclared(source, sorted(set(offered) - set(declared) - set(MONITOR_PARAMETERS)))
    parameters = {k: v for k, v in offered.items() if k in declared} | dict(given)
    return RegionJob(
        region_id=region_id,
        notebook=source,
        language=header.language,
        layout=layout_of(config),
        parameters=parameters,
        header=header,
        provenance=_provenance(config, data_hash, parameters),
        data_hash=data_hash,
    )


def plan_synthesis_jobs(
    config: StudyConfig, region_ids: Sequence[str], languages: Sequence[str] | None = None
) -> list[RegionJob]:
    """Per language, the job that pools the regions' ``results.json`` (``synthesis.ipynb``)."""
    source = notebook_path(config, SYNTHESIS_ID)
    layout = layout_of(config)
    results = [layout.results(rid) for rid in region_ids]
    processed_data_hash(config)  # says clearly when nothing was ingested
    data_hash = hash_json(
        {
            "results": hash_files(p for p in results if p.is_file()),
            "processed": hash_files(config.processed_dir / name for name in SYNTHESIS_TABLES),
        }
    )
    declared = list(declared_parameters(source))
    now = datetime.now()
    jobs = []
    for language in languages or config.languages:
        offered = {
            "reports_dir": str(config.reports_dir),
            "processed_dir": str(config.processed_dir),
            "regions": list(region_ids),
            "language": language,
            "study_name": config.name,
            "disclosure_threshold": config.disclosure_threshold,
            "indicator_words": config.indicators,
        }
        words = Words(language)  # type: ignore[arg-type]
        header = ReportHeader(
            config.name,
            words.text("frame.all_regions"),
            words.text("frame.see_region_reports"),
            words.moment(now),
            language,
        )
        jobs.append(_job(config, source, declared, SYNTHESIS_ID, offered, {}, header, data_hash))
    return jobs


def plan_planning_jobs(
    config: StudyConfig,
    notebooks: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    parameters: Mapping[str, object] | None = None,
) -> list[RegionJob]:
    """Per planning notebook and language, its job into ``reports/planning/``.

    ``notebooks`` defaults to every planning notebook of :data:`PLANNING_NOTEBOOKS`
    that the study's ``notebooks/`` holds; ``parameters`` (``--param``) need one notebook.

    Raises
    ------
    WorkbenchError
        A notebook that is not a planning notebook, or parameters for several.
    ParameterError
        A parameter the notebook does not declare, or one the workbench fills.
    """
    chosen = list(notebooks or [])
    unknown = [name for name in chosen if name not in PLANNING_NOTEBOOKS]
    if unknown:
        raise WorkbenchError(
            f"'{unknown[0]}' is not a planning notebook. Fix: use one of "
            f"{', '.join(PLANNING_NOTEBOOKS)}"
        )
    if parameters and len(chosen) != 1:
        raise WorkbenchError(
            "--param sets one notebook's own parameters. Fix: name that notebook with "
            f"--notebook (one of {', '.join(PLANNING_NOTEBOOKS)})"
        )
    if not chosen:
        chosen = [n for n in PLANNING_NOTEBOOKS if (config.notebooks_dir / f"{n}.ipynb").is_file()]
    data_hash = processed_data_hash(config, leave_out=PLANNING_UNREAD_TABLES)
    table = region_table(config)
    period = {"first_month": table["first_month"].min(), "last_month": table["last_month"].max()}
    now = datetime.now()
    jobs = []
    for name in chosen:
        source = notebook_path(config, name)
        declared = list(declared_parameters(source))
        require_declared(dict(parameters or {}), declared, name)
        for language in languages or config.languages:
            words = Words(language)  # type: ignore[arg-type]
            offered = {
                "processed_dir": str(config.processed_dir),
                "language": language,
                "study_name": config.name,
                "disclosure_threshold": config.disclosure_threshold,
                "indicator_words": config.indicators,
            }
            header = ReportHeader(
                config.name,
                words.text("planning.region"),
                _period(pd.Series(period), language),
                words.moment(now),
                language,
            )
            jobs.append(
                _job(
                    config, source, declared, PLANNING_ID, offered, dict(parameters or {}),
                    header, data_hash,
                )
            )  # fmt: skip
    return jobs


def run_planning(
    config: StudyConfig,
    *,
    notebooks: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    force: bool = False,
) -> BatchResult:
    """``workbench plan``: the planning notebooks (or those named), then the index."""
    jobs = plan_planning_jobs(config, notebooks, languages, parameters)
    layout_of(config).prepare()
    result = execute_jobs(jobs, workers=config.n_workers, force=force)
    refresh_index(config)
    return result


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
    remove_partial_outputs(jobs)  # what a killed run left half-written
    to_run, outcomes = select_jobs(jobs, force=force, only_failed=only_failed)
    with BatchProgress([j.label for j in to_run]) as progress:
        for outcome in outcomes:
            if outcome.status == "cached":
                progress.console.print(
                    f"{outcome.label}: unchanged, cached report kept", highlight=False, markup=False
                )
        runner = (
            run_jobs_on_dask(to_run, scheduler, workers, progress.event)
            if scheduler
            else run_jobs_locally(to_run, workers, progress.event)
        )
        with closing(runner):  # on Ctrl-C or SIGTERM the runner stops its workers at once
            for outcome in runner:
                progress.done(outcome)
                outcomes.append(outcome)
    return BatchResult(sorted(outcomes, key=lambda o: o.region_id))


def refresh_index(config: StudyConfig) -> list[Path]:
    """Rewrite the landing pages, the data-quality pages and the researchers' page.

    Built from the run records on disk: every region that has a record
    appears, whatever the last run selected; each region's evaluation link
    points at the study's evaluation notebook.
    """
    layout = layout_of(config)
    table = region_table(config)
    languages = list(dict.fromkeys([*config.languages, *layout.languages()]))
    quality = write_quality_pages(
        layout,
        config.processed_dir,
        study=config.name,
        languages=languages,
        index_pages={lang: layout.index(lang, primary=i == 0) for i, lang in enumerate(languages)},
        threshold=config.disclosure_threshold,
    )
    from analysis.reporting.learning_page import write_learning_pages  # the monitor's imports

    names = dict(zip(table["region_id"], table["name"], strict=True))
    learning = write_learning_pages(
        layout,
        config.processed_dir,
        study=config.name,
        languages=languages,
        settings=config.monitor,
        names=names,
        indicator_words=config.indicators,
        index_pages={lang: layout.index(lang, primary=i == 0) for i, lang in enumerate(languages)},
    )
    return [
        *quality.values(),
        *learning.values(),
        *write_index_pages(
            layout,
            study=config.name,
            languages=languages,
            evaluation_notebook=config.notebook,
            names=names,
            countries=dict(zip(table["region_id"], table["country"], strict=True)),
            pilots=region_interventions(config),
            data_quality=quality,
            learning=learning,
        ),
    ]


def _plan(
    config: StudyConfig,
    notebook: str,
    languages: Sequence[str] | None,
    parameters: Mapping[str, object] | None = None,
    *,
    as_of: str | None = None,
) -> tuple[pd.DataFrame, list[RegionJob]]:
    """The regions table and one job of ``notebook`` per selected region and language."""
    from analysis.evaluation.load import region_input_hashes  # statsmodels: not at start-up

    processed_data_hash(config)  # first: says clearly when nothing was ingested
    table = region_table(config)
    region_ids = choose_regions(table, config.regions)
    hashes = region_input_hashes(config.processed_dir, region_ids)
    jobs = plan_region_jobs(
        config, region_ids, notebook, table, hashes, languages, parameters, as_of=as_of
    )
    if not jobs and region_ids:
        raise WorkbenchError(
            f"no region has data up to {as_of}. Fix: choose a month within the data, or other "
            "regions with --regions"
        )
    return table, jobs


def run_regions(
    config: StudyConfig,
    *,
    notebook: str | None = None,
    languages: Sequence[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    scheduler: str | None = None,
    force: bool = False,
    only_failed: bool = False,
    as_of: str | None = None,
) -> BatchResult:
    """``workbench run``: a notebook once per selected region and language, then the index.

    Everything is planned (and every mistake refused) before the reports folder
    is touched.

    Parameters
    ----------
    config
        The study configuration.
    notebook
        The notebook to run (default: the study's evaluation notebook).
    languages
        Report languages to build (default: the study's languages).
    parameters
        Values of the notebook's own parameters (``--param NAME=VALUE``); a name
        the notebook does not declare, or one the workbench fills, is refused.
    as_of
        ``YYYY-MM``: run an edition notebook (the monitor) on the data up to that month.
    """
    if notebook in PLANNING_NOTEBOOKS:
        raise WorkbenchError(
            f"{notebook} is a planning notebook for all regions together, not one per region. "
            f"Fix: run it with `workbench plan --notebook {notebook}`"
        )
    if as_of is not None:
        edition_month(as_of)
    ingest_if_stale(config)
    _, jobs = _plan(config, notebook or config.notebook, languages, parameters, as_of=as_of)
    layout_of(config).prepare()
    result = execute_jobs(
        jobs, workers=config.n_workers, scheduler=scheduler, force=force, only_failed=only_failed
    )
    refresh_index(config)
    return result


def build_reports(
    config: StudyConfig,
    *,
    languages: Sequence[str] | None = None,
    scheduler: str | None = None,
    force: bool = False,
) -> BatchResult:
    """``workbench report``: demo data, ingest, regions and monitors, synthesis, planning, index."""
    layout_of(config).prepare()
    config.raw_dir.mkdir(parents=True, exist_ok=True)
    ensure_demo(config)
    ingest_if_changed(config, force=force)
    _, jobs = _plan(config, config.notebook, languages)
    if (config.notebooks_dir / f"{MONITOR_NOTEBOOK}.ipynb").is_file():
        jobs += _plan(config, MONITOR_NOTEBOOK, languages)[1]
    regions = execute_jobs(jobs, workers=config.n_workers, scheduler=scheduler, force=force)
    region_ids = sorted({job.region_id for job in jobs})
    synthesis = execute_jobs(
        plan_synthesis_jobs(config, region_ids, languages), workers=1, scheduler=None, force=force
    )
    planning = execute_jobs(
        plan_planning_jobs(config, languages=languages),
        workers=config.n_workers,
        scheduler=scheduler,
        force=force,
    )
    refresh_index(config)
    return BatchResult(regions.outcomes + synthesis.outcomes + planning.outcomes)
