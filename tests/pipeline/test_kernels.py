"""The warm kernel: reused across regions, yet each region starts clean."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from analysis.reporting.batch import RegionJob, execute_region
from analysis.reporting.html import ReportHeader
from analysis.reporting.kernels import shutdown_kernels
from analysis.reporting.layout import ReportLayout

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]


def probe_notebook(path: Path) -> Path:
    """A notebook that records what it can see and leaves a variable behind."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region_id: str = "x"  # region')
    params.metadata["tags"] = ["parameters"]
    probe = (
        "import json, os\n"
        "stale = [k for k, v in list(globals().items()) if v == 'first' and k != 'region_id']\n"
        "seen = {'leak': 'leak' in dir(), 'cwd': os.getcwd(), 'pid': os.getpid(),\n"
        "        'stale': stale, 'outputs': len(Out)}\n"
        "open('seen.json', 'w').write(json.dumps(seen))\n"
        "leak = region_id"
    )
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Probe"),
        params,
        nbformat.v4.new_code_cell(probe),
        nbformat.v4.new_code_cell("region_id"),  # an output: Out, _ and _<n> hold the region
    ]
    nb.metadata["kernelspec"] = {
        "name": "pilot-workbench",
        "display_name": "PW",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def job(tmp_path: Path, notebook: Path, region_id: str) -> RegionJob:
    return RegionJob(
        region_id=region_id,
        notebook=notebook,
        language="en",
        layout=ReportLayout(tmp_path / "reports"),
        parameters={"region_id": region_id},
        header=ReportHeader("s", region_id, "-", "-"),
        provenance={},
        data_hash="d",
    )


def test_a_reused_kernel_starts_each_region_clean_in_its_own_folder(tmp_path):
    notebook = probe_notebook(tmp_path / "probe.ipynb")
    try:
        seen = []
        for region_id in ("first", "second"):
            outcome = execute_region(job(tmp_path, notebook, region_id), reuse_kernel=True)
            assert outcome.status == "ok", outcome.error
            # what the notebook wrote in its working folder is published to the region's
            seen.append(json.loads((tmp_path / "reports" / region_id / "seen.json").read_text()))
    finally:
        shutdown_kernels()
    assert seen[0]["pid"] == seen[1]["pid"], "the same kernel ran both regions"
    assert seen[1]["leak"] is False, "the second region sees nothing of the first"
    assert seen[1]["stale"] == [] and seen[1]["outputs"] == 0, "nor its outputs"
    assert [Path(s["cwd"]).parent.name for s in seen] == ["first", "second"]
