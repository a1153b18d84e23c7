"""The main job end to end: papermill runs per region, HTML, index, cache, failures, Dask."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis import pipeline
from analysis.config import load_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
WORKBENCH = Path(sys.executable).parent / "workbench"
FAILING_NOTEBOOK = """
import nbformat
nb = nbformat.v4.new_notebook()
params = nbformat.v4.new_code_cell(
    'region_id: str = "x"  # region\\nprocessed_dir: str = ""  # data')
params.metadata["tags"] = ["parameters"]
nb.cells = [nbformat.v4.new_markdown_cell("# Fails for one region"), params,
            nbformat.v4.new_code_cell("assert region_id != {bad!r}, 'broken region'\\n"
                                      "open('results.json', 'w').write('[]')")]
nb.metadata["kernelspec"] = {{"name": "pilot-workbench", "display_name": "PW",
                              "language": "python"}}
nbformat.write(nb, {path!r})
"""


def two_pilots(config) -> list[str]:
    table = pipeline.region_table(config)
    pilots = table[table["pilot"].astype(bool)]
    return [pilots[pilots["country"] == c]["region_id"].iloc[0] for c in ("NL", "BE")]


def use_regions(project: Path, regions: list[str], **kwargs) -> object:
    from tests.pipeline.conftest import write_config

    write_config(project, regions=json.dumps(regions), **kwargs)
    return load_config(project / "workbench.toml")


def html_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_report_writes_index_region_reports_and_results(project, config):
    config = use_regions(project, two_pilots(config))
    result = pipeline.build_reports(config)
    ran = sorted((o.region_id, o.notebook) for o in result.outcomes if o.status == "ok")
    regions = sorted(two_pilots(config))
    assert ran == sorted(
        [(r, n) for r in regions for n in ("region_evaluation", "region_monitor")]
        + [("synthesis", "synthesis")]
        + [("planning", n) for n in ("capacity_outlook", "pilot_power", "pilot_selection")]
    ), result.outcomes
    index = html_text(config.reports_dir / "index.html")
    for region_id in two_pilots(config):
        report = config.reports_dir / region_id / "region_evaluation.en.html"
        assert f'href="{region_id}/region_evaluation.en.html"' in index
        text = html_text(report)
        assert "Test study" in text and "Provenance" in text
        assert "load_region(" not in text, "code cells must be hidden"
        assert not re.search(r'class="[^"]*jp-InputArea-editor', text), "no code editor cells"
        results = json.loads((config.reports_dir / region_id / "results.json").read_text())
        assert results, "results.json holds the effects"
        assert set(results[0]) >= {
            "outcome",
            "method",
            "estimate",
            "ci_low",
            "ci_high",
            "scale",
            "n_practices",
        }
    assert 'href="synthesis/synthesis.en.html"' in index
    for name in ("pilot_selection", "pilot_power", "capacity_outlook"):
        assert f'href="planning/{name}.en.html"' in index
    assert (config.reports_dir / "planning" / "matched_comparisons.json").is_file()
    for region_id in regions:
        assert re.search(rf'href="{region_id}/monitor/\d{{4}}-\d{{2}}\.en\.html"', index)


def test_unchanged_rerun_is_cached_and_a_change_reruns(project, config):
    regions = two_pilots(config)[:1]
    config = use_regions(project, regions)
    assert pipeline.run_regions(config).outcomes[0].status == "ok"
    report = config.reports_dir / regions[0] / "region_evaluation.en.html"
    before = report.stat().st_mtime_ns
    assert pipeline.run_regions(config).outcomes[0].status == "cached"
    assert report.stat().st_mtime_ns == before
    assert pipeline.run_regions(config, force=True).outcomes[0].status == "ok"
    changed = use_regions(project, regions, outcomes='["gp_contact_rate"]')
    assert pipeline.run_regions(changed).outcomes[0].status == "ok"


def test_failing_region_is_isolated_and_rerun_with_only_failed(project, config):
    good, bad = two_pilots(config)
    notebook = project / "notebooks" / "fails_once.ipynb"
    subprocess.run(
        [sys.executable, "-c", FAILING_NOTEBOOK.format(bad=bad, path=str(notebook))], check=True
    )
    use_regions(project, [good, bad])
    result = subprocess.run(
        [str(WORKBENCH), "run", "--notebook", "fails_once"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert "1 run(s) failed" in result.stderr and bad in result.stderr
    assert "Traceback" not in result.stderr
    reports = project / "reports"
    assert (reports / good / "fails_once.en.html").is_file()
    assert not (reports / bad / "fails_once.en.html").exists()
    executed = nbformat.read(reports / "_executed" / bad / "fails_once.en.ipynb", as_version=4)
    text = json.dumps(executed)
    assert "broken region" in text and "An Exception was encountered" in text
    record = json.loads((reports / bad / ".fails_once.en.run.json").read_text())
    assert record["status"] == "failed"
    runs = html_text(reports / "researchers.html")
    assert re.search(
        rf'data-region="{bad}" data-notebook="fails_once".*?class="failed"', runs, re.S
    )
    rerun = subprocess.run(
        [str(WORKBENCH), "run", "--notebook", "fails_once", "--only-failed"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 1
    assert re.search(rf"{good}.*skipped", rerun.stderr)


def test_reports_show_no_patient_identifiers(project, config):
    config = use_regions(project, two_pilots(config)[:1])
    pipeline.run_regions(config)
    raw = project / "data" / "raw"
    source = next(raw.glob("contacts.*"))
    reader = pd.read_parquet if source.suffix == ".parquet" else pd.read_csv
    patient_ids = set(reader(source, columns=["patient_id"])["patient_id"].astype(str).head(500))
    for html in (project / "reports").rglob("*.html"):
        text = html_text(html)
        assert "patient_id" not in text
        assert not [p for p in patient_ids if re.search(rf"\b{re.escape(p)}\b", text)]


def test_unknown_region_is_a_clear_error(project):
    result = subprocess.run(
        [str(WORKBENCH), "run", "--regions", "atlantis"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "unknown region id(s): atlantis" in result.stderr


def test_regions_run_on_a_running_dask_scheduler_by_address(project, config):
    from distributed import LocalCluster

    regions = two_pilots(config)[:1]
    config = use_regions(project, regions)
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        result = pipeline.run_regions(config, scheduler=cluster.scheduler_address)
    assert [o.status for o in result.outcomes] == ["ok"]
    assert (config.reports_dir / regions[0] / "region_evaluation.en.html").is_file()


def test_dutch_reports_speak_dutch(project, config):
    region, flemish = two_pilots(config)
    config = use_regions(project, [region, flemish], language="nl")
    assert [o.status for o in pipeline.run_regions(config).outcomes] == ["ok", "ok"]
    text = html_text(config.reports_dir / region / "region_evaluation.nl.html")
    assert "95%-interval" in text and ("daalde met" in text or "steeg met" in text)
    assert "Samenvatting" in text and "Summary" not in text
    for identifier in ("att_gt", "twfe", "synthetic_control", "single_start", "staggered"):
        assert f">{identifier}" not in text and f" {identifier} " not in text, identifier
    vlaams = html_text(config.reports_dir / flemish / "region_evaluation.nl.html")
    assert ">patiënten met GMD</th>" in vlaams and "ingeschreven" not in vlaams
    # the frame and the tables too: header, footer, column headers, Dutch separators
    assert "Regio: <b>" in text and "gegevensperiode" in text and "Region: <b>" not in text
    assert "<summary>Herkomst</summary>" in text
    assert ">ingeschreven patiënten</th>" in text and ">vergelijking</td>" in text
    assert re.search(r">\d{1,3}\.\d{3}</td>", text), "listed patients with a Dutch thousands dot"
    assert "Duidelijke effecten" in html_text(config.reports_dir / "index.html")
