"""Run one report notebook per region: in parallel, cached, failures isolated.

A :class:`RegionJob` says everything one run needs (it is picklable, so a
local process pool or a Dask cluster can execute it). :func:`run_batch`
skips jobs whose inputs have not changed since their last successful run,
executes the rest with papermill, renders each executed notebook to HTML
in-process, and returns one :class:`RegionOutcome` per job.
"""

from __future__ import annotations

import os
import shutil
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import asdict, dataclass
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import nbformat

from analysis.reporting.files import atomic_write_json, read_json, remove_stale_temporaries
from analysis.reporting.html import ReportHeader, render_html
from analysis.reporting.layout import ReportLayout
from analysis.reporting.lifetime import init_pool_worker, stop_pool
from analysis.reporting.provenance import hash_files, hash_json, library_fingerprint

Status = Literal["ok", "failed", "cached", "skipped"]
RUNNING_SUFFIX = ".running.ipynb"
KERNEL_NAME = "pilot-workbench"


@dataclass(frozen=True)
class RegionJob:
    """One notebook execution for one region in one language.

    Its output paths come from the study's :class:`ReportLayout`; its cache key
    ties them to every input the run uses.
    """

    region_id: str
    notebook: Path
    language: str
    layout: ReportLayout
    parameters: dict[str, Any]
    header: ReportHeader
    provenance: dict[str, Any]
    data_hash: str
    kernel_name: str = KERNEL_NAME
    edition: str | None = None

    @property
    def label(self) -> str:
        """Region, notebook (and edition) and language, for progress displays."""
        notebook = _notebook_label(self.notebook.stem, self.edition)
        return f"{self.region_id} · {notebook} · {self.language}"

    def _where(self) -> tuple[str, str, str]:
        return self.region_id, self.notebook.stem, self.language

    @property
    def html_path(self) -> Path:
        """The stakeholder report this run writes."""
        return self.layout.report(*self._where(), edition=self.edition)

    @property
    def executed_path(self) -> Path:
        """The executed notebook this run writes (for researchers)."""
        return self.layout.executed(*self._where(), edition=self.edition)

    @property
    def workdir(self) -> Path:
        """The notebook's working folder; what it writes there is published on success."""
        return self.layout.workdir(*self._where(), edition=self.edition)

    @property
    def record_path(self) -> Path:
        """The JSON record of this region's last run of this notebook (edition) and language."""
        return self.layout.record(*self._where(), edition=self.edition)

    def published_path(self, name: str) -> Path:
        """Where a file the notebook wrote in its working folder is published."""
        return self.layout.published(*self._where(), name, edition=self.edition)

    @property
    def cache_key(self) -> str:
        """Changes when anything the report shows may change.

        The notebook, its parameters, the data, the library and templates, and
        the report's frame (study name, region name, data period, language).
        """
        frame = {k: v for k, v in asdict(self.header).items() if k != "generated"}
        return hash_json(
            {
                "notebook": hash_files([self.notebook]),
                "parameters": self.parameters,
                "data": self.data_hash,
                "library": library_fingerprint(),
                "frame": frame,
                "kernel": self.kernel_name,
                "edition": self.edition,
            }
        )

    def last_record(self) -> dict[str, Any]:
        """The record of the last run, or an empty dict."""
        record = read_json(self.record_path, default={})
        return record if isinstance(record, dict) else {}

    def is_cached(self) -> bool:
        """True when the last run succeeded with the same inputs and all its outputs are intact.

        Every output the run recorded (report, executed notebook, published files
        such as ``results.json``) must still exist with the content it had: a
        deleted or truncated output makes the run due again.
        """
        record = self.last_record()
        return (
            record.get("status") == "ok"
            and record.get("cache_key") == self.cache_key
            and outputs_intact(self.layout.root, record.get("outputs"))
        )


def outputs_intact(root: Path, outputs: object) -> bool:
    """True when each ``{relative path: sha256}`` of ``outputs`` is under ``root``, unchanged."""
    if not isinstance(outputs, dict) or not outputs:
        return False
    for relative, digest in outputs.items():
        path = root / relative
        if not path.is_file() or hash_files([path], names=False) != digest:
            return False
    return True


@dataclass(frozen=True)
class RegionOutcome:
    """What happened to one job."""

    region_id: str
    status: Status
    duration: float = 0.0
    finished: str = ""
    error: str | None = None
    notebook: str = ""
    language: str = ""
    edition: str | None = None

    @property
    def label(self) -> str:
        """Region, notebook (and edition) and language, as :attr:`RegionJob.label`."""
        return (
            f"{self.region_id} · {_notebook_label(self.notebook, self.edition)} · {self.language}"
        )


def _notebook_label(notebook: str, edition: str | None) -> str:
    return f"{notebook} {edition}" if edition else notebook


def execute_region(job: RegionJob, *, reuse_kernel: bool = False) -> RegionOutcome:
    """Execute one job's notebook with papermill, render its HTML, publish its outputs.

    The notebook runs in its own working folder; only when it succeeded are the
    report written and the files it made (``results.json``) moved into the
    region's folder. Never raises for a failing notebook: the executed notebook
    is kept (papermill marks the failing cell), the outcome says ``"failed"``,
    the previous HTML report is left as it was, and the files the previous run
    published are withdrawn so that no stale result is read as current.
    The previous executed notebook is also kept when the new one could not be
    written completely (a full disk, for example).

    Parameters
    ----------
    job
        What to run.
    reuse_kernel
        Run in a warm kernel of this process and keep it for the next job (see
        :mod:`analysis.reporting.kernels`) instead of a kernel of its own.
    """
    return complete_region(job, run_notebook(job, reuse_kernel=reuse_kernel))


@dataclass(frozen=True)
class NotebookRun:
    """How a job's notebook execution ended (picklable): its error, if any, and its time."""

    error: str | None
    seconds: float


def run_notebook(job: RegionJob, *, reuse_kernel: bool = False) -> NotebookRun:
    """The first half of :func:`execute_region`: execute the notebook, write it, nothing else."""
    start = time.perf_counter()
    try:
        _fresh_folder(job.workdir)
        job.executed_path.parent.mkdir(parents=True, exist_ok=True)
        _execute_notebook(job, reuse_kernel)
    except Exception as exc:  # noqa: BLE001 - one region's failure must not stop the batch
        return NotebookRun(_describe_error(exc), time.perf_counter() - start)
    return NotebookRun(None, time.perf_counter() - start)


def complete_region(job: RegionJob, run: NotebookRun) -> RegionOutcome:
    """The second half of :func:`execute_region`: render, publish and record (or withdraw).

    A local batch calls it in its own process while the worker that ran the
    notebook goes on with the next one (:func:`run_jobs_locally`).
    """
    start = time.perf_counter() - run.seconds  # the outcome's duration counts both halves
    error = run.error
    if error is None:
        try:
            render_html(
                job.executed_path, job.html_path, header=job.header, provenance=job.provenance
            )
            published = _publish(job)
        except Exception as exc:  # noqa: BLE001 - one region's failure must not stop the batch
            error = _describe_error(exc)
    if error is not None:
        _withdraw(job)
        return _finish(job, "failed", start, error=error)
    return _finish(job, "ok", start, published=published)


def _fresh_folder(folder: Path) -> None:
    """Empty a run's working folder (under ``_executed/``), keeping the folder itself.

    A warm kernel may still have it as its working directory.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.iterdir():
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()


def _publish(job: RegionJob) -> list[Path]:
    """Move the files the notebook wrote into the region's folder (atomic renames)."""
    published = []
    for made in sorted(job.workdir.iterdir()):
        if made.is_file() and not made.name.startswith("."):
            target = job.published_path(made.name)
            made.replace(target)
            published.append(target)
    return published


def _withdraw(job: RegionJob) -> None:
    """Remove the files the last successful run of this job published, if unchanged since."""
    record = job.last_record()
    for relative in record.get("published", []):
        path = job.layout.root / relative
        if path.is_file() and hash_files([path], names=False) == record["outputs"].get(relative):
            path.unlink()


def execute_region_in_warm_kernel(job: RegionJob) -> RegionOutcome:
    """:func:`execute_region` with ``reuse_kernel=True`` (picklable for process pools)."""
    return execute_region(job, reuse_kernel=True)


def run_notebook_in_warm_kernel(job: RegionJob) -> NotebookRun:
    """:func:`run_notebook` with ``reuse_kernel=True`` (picklable for process pools)."""
    return run_notebook(job, reuse_kernel=True)


def running_notebook(job: RegionJob) -> Path:
    """Where papermill writes the job's executed notebook until it is complete."""
    return job.executed_path.with_name(f"{job.executed_path.stem}{RUNNING_SUFFIX}")


def _execute_notebook(job: RegionJob, reuse_kernel: bool) -> None:
    import papermill as pm  # imported here: a worker pays for it, the CLI start-up does not

    from analysis.reporting.kernels import ENGINE_NAME, warm_kernel

    running = running_notebook(job)
    try:
        with warm_kernel(job.kernel_name, job.workdir, keep=reuse_kernel) as kernel:
            pm.execute_notebook(
                str(job.notebook),
                str(running),
                parameters=job.parameters,
                kernel_name=job.kernel_name,
                cwd=str(job.workdir),
                progress_bar=False,
                log_output=False,
                engine_name=ENGINE_NAME,
                kernel=kernel,
            )
    except BaseException:
        _keep_if_complete(running, job.executed_path)  # papermill writes it when a cell fails
        raise
    if not _keep_if_complete(running, job.executed_path):
        raise OSError(
            f"the executed notebook {running} was not written completely (is the disk full?); "
            "the previous executed notebook and report are kept"
        )


def _keep_if_complete(running: Path, executed: Path) -> bool:
    """Move ``running`` over ``executed`` when it is a whole notebook; else delete it."""
    try:
        nbformat.read(running, as_version=4)
    except (OSError, ValueError):  # missing, truncated or not JSON
        running.unlink(missing_ok=True)
        return False
    running.replace(executed)
    return True


def remove_partial_outputs(jobs: Sequence[RegionJob]) -> None:
    """Remove what a killed run left half-written for these jobs.

    That is, running notebooks (:func:`running_notebook`) and the temporary
    files of interrupted atomic writes in the jobs' folders. Finished outputs
    are never touched. Call it before a run, when no other run writes there.
    """
    for job in jobs:
        running_notebook(job).unlink(missing_ok=True)
        for folder in {job.workdir, job.executed_path.parent, job.html_path.parent}:
            if folder.is_dir():
                remove_stale_temporaries(folder)


def _describe_error(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "PapermillExecutionError":
        return f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"  # type: ignore[attr-defined]
    text = str(exc).strip().splitlines()
    return f"{name}: {text[0] if text else ''}".strip() or traceback.format_exc(limit=1)


def _finish(
    job: RegionJob,
    status: Status,
    start: float,
    error: str | None = None,
    published: Sequence[Path] = (),
) -> RegionOutcome:
    outcome = RegionOutcome(
        job.region_id,
        status,
        round(time.perf_counter() - start, 2),
        datetime.now().isoformat(timespec="seconds"),
        error,
        job.notebook.stem,
        job.language,
        job.edition,
    )
    root = job.layout.root
    record: dict[str, Any] = {
        "region_id": job.region_id,
        "notebook": job.notebook.stem,
        "language": job.language,
        "edition": job.edition,
        "status": status,
        "duration": outcome.duration,
        "finished": outcome.finished,
        "error": error,
        "cache_key": job.cache_key if status == "ok" else None,
    }
    if status == "ok":
        files = [job.html_path, job.executed_path, *published]
        record["outputs"] = {
            p.relative_to(root).as_posix(): hash_files([p], names=False) for p in files
        }
        record["published"] = [p.relative_to(root).as_posix() for p in published]
        record["last_ok"] = outcome.finished
    else:  # keep the time of the last good run: the index marks its report as outdated
        previous = job.last_record()
        record["last_ok"] = previous.get("last_ok") or (
            previous.get("finished") if previous.get("status") == "ok" else None
        )
    atomic_write_json(job.record_path, record)
    return outcome


def select_jobs(
    jobs: Sequence[RegionJob], *, force: bool = False, only_failed: bool = False
) -> tuple[list[RegionJob], list[RegionOutcome]]:
    """Split jobs into those to execute and outcomes for those left alone.

    Parameters
    ----------
    jobs
        All planned jobs.
    force
        Execute even when the cache says nothing changed.
    only_failed
        Execute only jobs whose last run failed.
    """
    to_run: list[RegionJob] = []
    left: list[RegionOutcome] = []
    for job in jobs:
        record = job.last_record()
        if only_failed and record.get("status") != "failed":
            left.append(_from_record(job, "skipped"))
        elif not force and not only_failed and job.is_cached():
            left.append(_from_record(job, "cached"))
        else:
            to_run.append(job)
    return to_run, left


def _from_record(job: RegionJob, status: Status) -> RegionOutcome:
    record = job.last_record()
    return RegionOutcome(
        job.region_id,
        status,
        float(record.get("duration") or 0.0),
        str(record.get("finished") or ""),
        record.get("error"),
        job.notebook.stem,
        job.language,
        job.edition,
    )


ProgressCallback = Callable[[str, str], None]


def run_jobs_locally(
    jobs: Sequence[RegionJob],
    workers: int,
    on_event: ProgressCallback,
    *,
    reuse_kernels: bool = True,
) -> Iterator[RegionOutcome]:
    """Execute jobs in ``workers`` local processes, yielding outcomes as they finish.

    With ``reuse_kernels`` each process keeps one kernel for all its regions.
    The workers only execute notebooks; a thread of this process renders each
    report and records its run (:func:`complete_region`) while the worker goes on
    with its next notebook, so that rendering costs the batch no time while a
    core is free.
    The processes and their kernels end with this process, even when it is
    killed (:mod:`analysis.reporting.lifetime`); on Ctrl-C, SIGTERM (see
    :func:`~analysis.reporting.lifetime.raise_on_sigterm`) or when the caller
    stops iterating, they are stopped at once: the reports and run records of
    the jobs not yet finished stay as they were.
    """
    if not jobs:
        return
    run = run_notebook_in_warm_kernel if reuse_kernels else run_notebook
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(jobs))),
        mp_context=get_context("spawn"),
        initializer=init_pool_worker,
        initargs=(os.getpid(),),
    )
    # reports are rendered in a thread: the main thread only waits, so that Ctrl-C and
    # SIGTERM always reach it there (a library may swallow a KeyboardInterrupt)
    reports = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report")
    try:
        notebooks = {pool.submit(run, job): job for job in jobs}
        for job in jobs:
            on_event(job.label, "submitted")
        rendering: dict[Future, RegionJob] = {}
        while notebooks or rendering:
            done, _ = wait([*notebooks, *rendering], return_when=FIRST_COMPLETED)
            for future in done:
                if future in notebooks:
                    job = notebooks.pop(future)
                    ran = _result_or_failure(future, job)  # a crashed worker fails its region
                    if isinstance(ran, NotebookRun):
                        rendering[reports.submit(complete_region, job, ran)] = job
                    else:
                        yield ran
                else:
                    yield _result_or_failure(future, rendering.pop(future))
    except BaseException:  # interrupted, terminated, or closed by the caller: stop now
        reports.shutdown(wait=False, cancel_futures=True)
        stop_pool(pool)
        raise
    reports.shutdown()
    pool.shutdown()


def run_jobs_on_dask(
    jobs: Sequence[RegionJob], scheduler: str, workers: int, on_event: ProgressCallback
) -> Iterator[RegionOutcome]:
    """Execute jobs on a Dask cluster (``"local"`` starts a LocalCluster).

    Each notebook run is its own task (its own key), executed in a warm kernel
    of the worker (:class:`analysis.reporting.cluster.WarmKernels`). A
    malformed or unreachable ``scheduler`` raises
    :class:`~analysis.errors.WorkbenchError`.
    """
    if not jobs:
        return
    from distributed import as_completed as dask_completed

    from analysis.reporting.cluster import dask_client

    with dask_client(scheduler, workers) as client:
        futures = {
            client.submit(execute_region_in_warm_kernel, job, key=_task_key(job), pure=False): job
            for job in jobs
        }
        for job in jobs:
            on_event(job.label, "submitted")
        for future in dask_completed(list(futures)):
            yield _result_or_failure(future, futures[future])


def _task_key(job: RegionJob) -> str:
    """A Dask key of its own for every notebook run: ``Client.submit`` returns the
    existing future for a key it knows, so two runs must never share one."""
    return f"{job.notebook.stem}-{job.edition or ''}-{job.region_id}-{uuid.uuid4().hex}"


def _result_or_failure(future: Any, job: RegionJob) -> RegionOutcome | NotebookRun:
    """What the worker returned, or the failed outcome of a worker that crashed."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a crashed worker fails only its own region
        return RegionOutcome(
            job.region_id,
            "failed",
            0.0,
            datetime.now().isoformat(timespec="seconds"),
            _describe_error(exc),
            job.notebook.stem,
            job.language,
            job.edition,
        )
