"""Notebook parameters from the command line and from papermill, wherever the run starts.

`workbench run --param NAME=VALUE` gives a notebook's own parameters and refuses a name the
notebook does not declare before anything runs; a papermill run of a report notebook refuses
one in its validation cell. From the project root, from notebooks/ and from the batch the
notebooks find the same study (workbench.toml) and give the same results.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from analysis import pipeline
from analysis.cli import app
from analysis.evaluation.load import region_input_hashes

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
BIN = Path(sys.executable).parent
REGION = "NL-GOR"


def workbench(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "workbench"), *args], cwd=project, capture_output=True, text=True, timeout=600
    )


def papermill(cwd: Path, notebook: Path, output: Path, *args: str):
    return subprocess.run(
        [str(BIN / "papermill"), str(notebook), str(output), "-k", "pilot-workbench", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_param_is_part_of_the_jobs_parameters_and_cache_key(config):
    table = pipeline.region_table(config)
    hashes = region_input_hashes(config.processed_dir, [REGION])

    def plan(**parameters):
        jobs = pipeline.plan_region_jobs(
            config, [REGION], "region_monitor", table, hashes, parameters=parameters
        )
        return jobs[0]

    twelve, default = plan(months=12), plan()
    assert twelve.parameters["months"] == 12 and "months" not in default.parameters
    assert twelve.parameters["region_id"] == REGION
    assert twelve.cache_key != default.cache_key != plan(months=24).cache_key
    assert twelve.provenance["parameters"]["months"] == 12


@pytest.mark.parametrize(
    ("param", "words"),
    [
        ("mnths=12", ["region_monitor has no parameter 'mnths'", "did you mean 'months'?"]),
        ("language=en", ["the workbench sets 'language'", "--param sets", "months"]),
        ("months", ["is not NAME=VALUE"]),
    ],
)
def test_a_bad_param_is_refused_before_anything_runs(project, monkeypatch, param, words):
    monkeypatch.chdir(project)
    args = ["run", "--notebook", "region_monitor", "--regions", REGION, "--param", param]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 2, done.output
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for word in words:
        assert word in lines[0]
    assert not (project / "reports").exists(), "nothing was written"


def test_a_param_reaches_the_notebook(project):
    done = workbench(
        project, "run", "--notebook", "region_monitor", "--regions", REGION, "--param", "months=12"
    )
    assert done.returncode == 0, done.stderr
    (executed,) = (project / "reports" / "_executed" / REGION).glob("region_monitor.*.en.ipynb")
    notebook = nbformat.read(executed, as_version=4)
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "months = 12" in injected[0].source
    (record_path,) = (project / "reports" / REGION / "monitor").glob(".*.en.run.json")
    record = json.loads(record_path.read_text())
    assert record["status"] == "ok"


def test_papermill_from_the_root_or_from_notebooks_gives_the_same_results(project, tmp_path):
    notebook = project / "notebooks" / "region_evaluation.ipynb"
    from_root = papermill(project, notebook, tmp_path / "root.ipynb", "-p", "region_id", REGION)
    assert from_root.returncode == 0, from_root.stderr
    from_notebooks = papermill(
        project,
        notebook,
        tmp_path / "notebooks.ipynb",
        "-p",
        "region_id",
        REGION,
        "--cwd",
        "notebooks",
    )
    assert from_notebooks.returncode == 0, from_notebooks.stderr
    effects = json.loads((project / "results.json").read_text())
    assert effects and {e["outcome"] for e in effects} >= {"referral_rate_medical_specialist"}
    assert json.loads((project / "notebooks" / "results.json").read_text()) == effects


def test_papermill_refuses_a_misspelt_parameter(project, tmp_path):
    notebook = project / "notebooks" / "region_evaluation.ipynb"
    done = papermill(project, notebook, tmp_path / "out.ipynb", "-p", "region", REGION)
    assert done.returncode != 0
    assert "no parameter 'region'" in done.stderr
    assert "did you mean 'region_id'?" in done.stderr
    assert "region_id, processed_dir, outcomes" in done.stderr
    assert not (project / "results.json").exists(), "the default region was not reported"
