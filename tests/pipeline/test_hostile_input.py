"""Hostile or careless text in the data never runs as script, never becomes a path.

Region names and action-log texts are the user's: they reach the region reports,
the monitors, the synthesis and the index. Opened in headless Chromium, a page
must show them literally and run none of them; a region id that is not a safe id
must never name a file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pandas as pd
import pytest

from analysis import pipeline
from analysis.config import load_config
from analysis.data.ingest import ingest
from analysis.errors import WorkbenchError
from analysis.reporting.layout import ReportLayout
from tests.pipeline.chromium import serve
from tests.pipeline.conftest import make_project, write_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
WORKBENCH = Path(sys.executable).parent / "workbench"

NAME = '<script>alert("name")</script> Zorg_*regio* $\\euro$ [x](javascript:alert(2))'
LOG_TEXT = '<img src=x onerror=alert("log")> <script>alert("log")</script> cost $\\euro$ 5'


def _pilots(project: Path) -> list[str]:
    table = pipeline.region_table(load_config(project / "workbench.toml"))
    pilots = table[table["pilot"].astype(bool)]
    return [
        *pilots[pilots["country"] == "NL"]["region_id"].head(1),
        *pilots[pilots["country"] == "BE"]["region_id"].head(2),
    ]


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory, demo_data) -> Path:
    """A study whose regions carry script and markup in their names, its pilots in log texts."""
    project = make_project(tmp_path_factory.mktemp("hostile"), demo_data)
    regions = _pilots(project)
    raw = project / "data" / "raw"
    table = pd.read_csv(raw / "regions.csv", dtype=str, keep_default_na=False)
    # every region: the planning pages list regions without a pilot too
    table["name"] = NAME
    table.to_csv(raw / "regions.csv", index=False)
    events = pd.read_csv(raw / "events.csv", dtype=str, keep_default_na=False)
    mine = events["region_id"].isin(regions) & (events["kind"] != "external")
    events.loc[mine, "text"] = LOG_TEXT
    events.to_csv(raw / "events.csv", index=False)
    ingest(raw, project / "data" / "processed")
    write_config(project, regions=json.dumps(regions), language="nl")
    result = pipeline.build_reports(load_config(project / "workbench.toml"))
    failed = [o for o in result.outcomes if o.status != "ok"]
    assert not failed, f"markup in names or log texts broke a run: {failed}"
    return project


def test_script_in_names_and_log_texts_never_runs_and_reads_literally(hostile_project, visit):
    reports = hostile_project / "reports"
    with serve(reports) as site:
        index = visit(urljoin(site, "index.html"))
        pages = sorted(
            {u.split("#")[0] for u in index.web_links() if u.startswith(site)}
            | {urljoin(site, "index.html"), urljoin(site, "researchers.html")}
        )
        assert any("/monitor/" in p and p.endswith(".nl.html") for p in pages)
        assert any("synthesis" in p for p in pages)
        assert urljoin(site, "learning.html") in pages
        assert any("planning/pilot_selection" in p for p in pages)
        assert any("planning/capacity_outlook" in p for p in pages)
        for url in (p for p in pages if p.endswith(".html")):
            page = index if url == urljoin(site, "index.html") else visit(url)
            assert page.dialogs == [], f"script from the data ran in {url}"
            assert page.errors == [], url
            schemes = {urlparse(link).scheme for link in page.links()}
            assert schemes <= {"http"}, f"{url} links to {schemes}"
            named = (
                "region_evaluation",
                "/monitor/",
                "learning",
                "pilot_selection",
                "capacity_outlook",
            )
            if any(kind in url for kind in named) or url.endswith("index.html"):
                text = page.page.inner_text("body")
                assert '<script>alert("name")</script> Zorg_*regio* $\\euro$' in text, url
        report = next(p for p in pages if "region_evaluation.nl.html" in p)
        assert "<script>alert" not in visit(report).page.content().split("<body", 1)[1].replace(
            "&lt;script&gt;", ""
        )


def test_log_texts_show_literally_in_the_monitor(hostile_project, visit):
    region = _pilots(hostile_project)[0]
    with serve(hostile_project / "reports") as site:
        (edition,) = (hostile_project / "reports" / region / "monitor").glob("*.nl.html")
        monitor = visit(urljoin(site, f"{region}/monitor/{edition.name}"))
        assert monitor.dialogs == []
        assert LOG_TEXT in monitor.page.inner_text("body")


def test_an_unsafe_region_id_never_names_a_file(project, tmp_path):
    """Processed data made outside the ingest, with a path as a region id: refused, exit 2."""
    processed = project / "data" / "processed"
    config = load_config(project / "workbench.toml")
    victim = pipeline.region_table(config)["region_id"].iloc[0]
    for name in ("regions.parquet", "region_month.parquet"):
        frame = pd.read_parquet(processed / name)
        frame["region_id"] = frame["region_id"].replace(victim, "../../EVIL1")
        frame.to_parquet(processed / name)
    result = subprocess.run(
        [str(WORKBENCH), "run", "--regions", "all"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "'../../EVIL1' is not a safe id" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(project.parent.rglob("EVIL1*")), "a file was named after the unsafe id"


@pytest.mark.parametrize("bad", ["../x", "/tmp/ABS_EVIL", "javascript:alert(1)", ".hidden", ""])
def test_the_layout_refuses_unsafe_ids(tmp_path, bad):
    layout = ReportLayout(tmp_path / "reports")
    with pytest.raises(WorkbenchError, match="is not a safe id"):
        layout.report(bad, "region_evaluation", "nl")


def test_a_region_named_like_a_workbench_folder_is_refused(config):
    table = pipeline.region_table(config)
    with pytest.raises(WorkbenchError, match="keeps for itself"):
        pipeline.plan_region_jobs(
            config, ["synthesis"], "region_evaluation", table.assign(region_id="synthesis"), {}
        )
