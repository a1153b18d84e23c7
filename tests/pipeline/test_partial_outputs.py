"""A half-written executed notebook never replaces a good one; a killed run's leftovers go."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.pipeline import execute_jobs
from analysis.reporting.batch import execute_region, running_notebook
from tests.pipeline.test_kernels import job, probe_notebook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
WRITE_LIMIT = 100_000  # bytes a process may write to one file in the full-disk run

# Executes a pickled job in a process that cannot write files beyond WRITE_LIMIT bytes
# (RLIMIT_FSIZE: writes fail with EFBIG, as on a full disk with ENOSPC). The kernel is
# started first, so only the worker's own writes, papermill's among them, are limited.
LIMITED_RUN = """
import json, pickle, resource, signal, sys
from analysis.reporting.batch import execute_region
from analysis.reporting.kernels import warm_kernel
job = pickle.loads(open(sys.argv[1], "rb").read())
with warm_kernel(job.kernel_name, job.workdir):
    pass
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.RLIM_INFINITY))
outcome = execute_region(job, reuse_kernel=True)
print(json.dumps({{"status": outcome.status, "error": outcome.error}}))
"""


def large_output_notebook(path: Path) -> Path:
    """The probe notebook with an output several times ``WRITE_LIMIT``."""
    nb = nbformat.read(probe_notebook(path), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"print(region_id * {4 * WRITE_LIMIT})"))
    nbformat.write(nb, path)
    return path


def test_a_notebook_that_cannot_be_written_whole_keeps_the_previous_one(tmp_path):
    region = job(tmp_path, large_output_notebook(tmp_path / "large.ipynb"), "a")
    first = execute_region(region)
    assert first.status == "ok", first.error
    good_notebook = region.executed_path.read_bytes()
    good_report = region.html_path.read_bytes()
    assert len(good_notebook) > 4 * WRITE_LIMIT

    pickled = tmp_path / "job.pickle"
    pickled.write_bytes(pickle.dumps(region))
    limited = subprocess.run(
        [sys.executable, "-c", LIMITED_RUN.format(limit=WRITE_LIMIT), str(pickled)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert limited.returncode == 0, limited.stderr
    outcome = json.loads(limited.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "failed"
    assert "File too large" in outcome["error"]
    assert region.executed_path.read_bytes() == good_notebook, "the good notebook was replaced"
    assert region.html_path.read_bytes() == good_report
    assert not running_notebook(region).exists(), "the partial notebook was left behind"


def test_the_next_run_removes_what_a_killed_run_left_half_written(tmp_path):
    region = job(tmp_path, probe_notebook(tmp_path / "probe.ipynb"), "a")
    folder = region.html_path.parent  # the region's folder of reports
    folder.mkdir(parents=True)
    region.executed_path.parent.mkdir(parents=True)
    users = [folder / "notes.tmp", folder / ".draft.tmp"]  # not the workbench's
    for path in users:
        path.write_text("mine")

    def leave_partial_files() -> list[Path]:
        partial = [
            running_notebook(region),
            folder / f".{region.html_path.name}.k3x_9a2b.tmp",
            folder / f".{region.record_path.name}.0abcdefg.tmp",
            region.executed_path.parent / f".{region.executed_path.name}.zz12ab34.tmp",
        ]
        for path in partial:
            path.write_text('{"cells": [')  # cut off, as by kill -9
        return partial

    partial = leave_partial_files()
    assert [o.status for o in execute_jobs([region], workers=1).outcomes] == ["ok"]
    assert not [p for p in partial if p.exists()]
    nbformat.read(region.executed_path, as_version=4)  # the executed notebook is whole

    partial = leave_partial_files()  # killed again; the next run finds everything cached
    assert [o.status for o in execute_jobs([region], workers=1).outcomes] == ["cached"]
    assert not [p for p in partial if p.exists()]
    assert all(path.read_text() == "mine" for path in users)
