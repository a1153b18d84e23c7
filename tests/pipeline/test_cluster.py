"""The full report on a Dask LocalCluster, and a clear line for a scheduler that is not there."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.reporting.cluster import CONNECT_TIMEOUT_SETTING
from analysis.reporting.layout import PLANNING_NOTEBOOKS, ReportLayout
from tests.pipeline.test_batch import two_pilots, use_regions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
WORKBENCH = Path(sys.executable).parent / "workbench"
NOTEBOOKS = ("region_evaluation", "region_monitor")


def workbench(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(WORKBENCH), *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **env},
    )


def test_the_full_report_on_a_local_cluster_runs_every_notebook_once(project, config):
    regions = two_pilots(config)
    use_regions(project, regions)
    result = workbench(project, "report", "--scheduler", "local", "--workers", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    # a monitor's line names its edition: "BE-ELZ04 · region_monitor 2026-12 · en: ok (..."
    finished = re.findall(
        r"^(\S+) · (\w+)(?: \d{4}-\d{2})? · en: (\w+) \(", result.stderr, re.MULTILINE
    )
    expected = (
        [(r, n, "ok") for r in regions for n in NOTEBOOKS]
        + [("synthesis",) * 2 + ("ok",)]
        + [("planning", n, "ok") for n in PLANNING_NOTEBOOKS]  # on the cluster too
    )
    assert sorted(finished) == sorted(expected), "each notebook run exactly once"
    reports = project / "reports"
    index = (reports / "index.html").read_text(encoding="utf-8")
    layout = ReportLayout(reports)
    for region in regions:
        for notebook in NOTEBOOKS:
            editions = layout.editions(region, notebook, "en")
            page = layout.report(region, notebook, "en", edition=(editions or [None])[-1])
            assert page.is_file(), page
            assert f'href="{page.relative_to(reports).as_posix()}"' in index
    assert (reports / "synthesis" / "synthesis.en.html").is_file()
    assert 'href="synthesis/synthesis.en.html"' in index
    assert "without encryption" not in result.stderr, "kernels talk over encrypted TCP"


def closed_port() -> int:
    """A local TCP port where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("address", "says"),
    [
        (f"tcp://127.0.0.1:{closed_port()}", "no Dask scheduler answers at tcp://127.0.0.1:"),
        ("nonsense", "--scheduler 'nonsense' is not a Dask scheduler address"),
    ],
    ids=["unreachable", "malformed"],
)
def test_a_scheduler_that_is_not_there_is_one_line_and_exit_2(project, config, address, says):
    region = two_pilots(config)[0]
    earlier = {
        project / "reports" / ".workbench-reports": "made by the workbench",
        project / "reports" / "index.html": "<p>earlier index</p>",
        project / "reports" / region / "region_evaluation.en.html": "<p>earlier report</p>",
    }
    for path, text in earlier.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = workbench(
        project, "run", "--force", "--scheduler", address, **{CONNECT_TIMEOUT_SETTING: "2s"}
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and says in lines[0] and "Fix: " in lines[0]
    assert all(path.read_text(encoding="utf-8") == text for path, text in earlier.items())
