"""`workbench plan`: the planning pages run once per language, cached, linked from the index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import pipeline
from analysis.errors import WorkbenchError
from analysis.notebooks import ParameterError

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
WORKBENCH = Path(sys.executable).parent / "workbench"


def workbench(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(WORKBENCH), *args], cwd=project, capture_output=True, text=True, timeout=600
    )


def test_one_planning_page_runs_with_a_param_then_is_cached(project, config):
    done = workbench(project, "plan", "--notebook", "pilot_power", "--param", "effect=-0.2")
    assert done.returncode == 0, done.stderr
    page = config.reports_dir / "planning" / "pilot_power.en.html"
    text = page.read_text(encoding="utf-8")
    assert "How many practices does a pilot need?" in text
    assert "drop of 20%" in text, "the --param reached the notebook"
    index = (config.reports_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="planning/pilot_power.en.html"' in index
    assert "Planning for programme leads" in index
    record = json.loads((config.reports_dir / "planning" / ".pilot_power.en.run.json").read_text())
    assert record["status"] == "ok"
    again = workbench(project, "plan", "--notebook", "pilot_power", "--param", "effect=-0.2")
    assert again.returncode == 0 and "unchanged, cached report kept" in again.stderr
    researchers = (config.reports_dir / "researchers.html").read_text(encoding="utf-8")
    assert "pilot_power" in researchers


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--notebook", "pilot_selection"], "is a planning notebook"),
        (["plan", "--notebook", "pilot_power", "--param", "efect=-0.2"], "did you mean 'effect'"),
    ],
)
def test_planning_mistakes_are_one_line_and_exit_2(project, args, message):
    done = workbench(project, *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (project / "reports" / "planning").exists()


def test_planning_jobs_get_the_study_settings_and_a_planning_header(config):
    jobs = pipeline.plan_planning_jobs(config, languages=["nl", "en"])
    assert sorted((j.notebook.stem, j.language) for j in jobs) == sorted(
        (n, lang)
        for n in ("pilot_selection", "pilot_power", "capacity_outlook")
        for lang in ("nl", "en")
    )
    for job in jobs:
        assert job.region_id == "planning"
        assert (
            job.html_path
            == config.reports_dir / "planning" / f"{job.notebook.stem}.{job.language}.html"
        )
        assert job.parameters["disclosure_threshold"] == config.disclosure_threshold
        assert job.parameters["study_name"] == "Test study"
        assert job.header.region in {"alle regio's (planning)", "all regions (planning)"}
    with pytest.raises(ParameterError, match="no parameter 'region_id'"):
        pipeline.plan_planning_jobs(config, ["pilot_power"], parameters={"region_id": "NL-GOR"})
    with pytest.raises(ParameterError, match="--language"):
        pipeline.plan_planning_jobs(config, ["pilot_power"], parameters={"language": "en"})
    with pytest.raises(WorkbenchError, match="not a planning notebook"):
        pipeline.plan_planning_jobs(config, ["region_monitor"])
    with pytest.raises(WorkbenchError, match="--param sets one notebook's own parameters"):
        pipeline.plan_planning_jobs(config, parameters={"effect": -0.2})
