"""Outputs are never stale, never foreign, never half-written; shared pages hide the lab.

The cache reruns a region whenever an output it relies on is missing or changed
or an input of the report changed; a failed region's earlier effects are
withdrawn from the index and the synthesis; the workbench writes only into a
reports folder it made; environment problems end in one line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis import pipeline
from analysis.config import load_config
from tests.pipeline.conftest import write_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
WORKBENCH = Path(sys.executable).parent / "workbench"

# A small evaluation notebook whose results and success the test controls.
TOY_NOTEBOOK = """
import nbformat
nb = nbformat.v4.new_notebook()
params = nbformat.v4.new_code_cell(
    'region_id: str = "x"  # region\\nlanguage: str = "en"  # language')
params.metadata["tags"] = ["parameters"]
nb.cells = [nbformat.v4.new_markdown_cell("# Toy evaluation"), params,
            nbformat.v4.new_code_cell(
                "assert region_id not in {failing!r}, 'broken region'\\n"
                "import json\\n"
                "json.dump([dict(outcome='gp_contact_rate', method='att_gt', estimate=0.8, "
                "ci_low=0.7, ci_high=0.9, scale='ratio', n_practices=8, primary=True)], "
                "open('results.json', 'w'))")]
nb.metadata["kernelspec"] = {{"name": "pilot-workbench", "display_name": "PW",
                              "language": "python"}}
nbformat.write(nb, {path!r})
"""


def toy_study(project: Path, regions: list[str], failing: tuple[str, ...] = ()) -> object:
    """Write the toy notebook (failing for ``failing``) and a configuration that uses it."""
    path = project / "notebooks" / "toy.ipynb"
    code = TOY_NOTEBOOK.format(failing=list(failing), path=str(path))
    subprocess.run([sys.executable, "-c", code], check=True)
    write_config(project, regions=json.dumps(regions))
    text = (project / "workbench.toml").read_text().replace("[run]", '[run]\nnotebook = "toy"')
    (project / "workbench.toml").write_text(text)
    return load_config(project / "workbench.toml")


def two_regions(config) -> list[str]:
    table = pipeline.region_table(config)
    return sorted(table.loc[table["pilot"].astype(bool), "region_id"])[:2]


def status(result) -> dict[str, str]:
    return {o.region_id: o.status for o in result.outcomes}


def test_a_missing_or_damaged_output_makes_the_region_run_again(project, config):
    regions = two_regions(config)[:1]
    config = toy_study(project, regions)
    assert status(pipeline.run_regions(config)) == {regions[0]: "ok"}
    assert status(pipeline.run_regions(config)) == {regions[0]: "cached"}
    results = config.reports_dir / regions[0] / "results.json"
    results.unlink()
    assert status(pipeline.run_regions(config)) == {regions[0]: "ok"}
    assert results.is_file()
    report = config.reports_dir / regions[0] / "toy.en.html"
    report.write_bytes(b"")  # a 0-byte report (disk full, killed copy) is not a report
    assert status(pipeline.run_regions(config)) == {regions[0]: "ok"}
    assert report.stat().st_size > 1000
    results.write_text("[]")  # edited by hand: not what the run published
    assert status(pipeline.run_regions(config)) == {regions[0]: "ok"}


def test_renaming_the_study_rebuilds_every_page_with_the_new_name(project, config):
    regions = two_regions(config)[:1]
    config = toy_study(project, regions)
    pipeline.run_regions(config)
    renamed = config.with_overrides(name="Meer tijd voor de patiënt")
    assert status(pipeline.run_regions(renamed)) == {regions[0]: "ok"}
    html = (config.reports_dir / regions[0] / "toy.en.html").read_text(encoding="utf-8")
    assert "Meer tijd voor de patiënt" in html and "Test study" not in html


def test_a_failed_region_s_old_effects_are_withdrawn_everywhere(project, config):
    good, bad = two_regions(config)
    config = toy_study(project, [good, bad])
    assert set(status(pipeline.run_regions(config)).values()) == {"ok"}
    index = (config.reports_dir / "index.html").read_text(encoding="utf-8")
    assert index.count("Gp contact rate") + index.count("GP contacts") == 2
    config = toy_study(project, [good, bad], failing=(bad,))
    assert status(pipeline.run_regions(config)) == {good: "ok", bad: "failed"}
    assert not (config.reports_dir / bad / "results.json").exists(), "stale results withdrawn"
    assert (config.reports_dir / bad / "toy.en.html").is_file(), "the old report is kept"
    index = (config.reports_dir / "index.html").read_text(encoding="utf-8")
    row = index.split(f'data-region="{bad}"')[1].split("</tr>")[0]
    assert "outdated" in row and "GP contacts" not in row
    assert "GP contacts" in index.split(f'data-region="{good}"')[1].split("</tr>")[0]
    pooled = pipeline.plan_synthesis_jobs(config, [good, bad])[0]
    assert pooled.parameters["regions"] == [good, bad]
    from analysis.evaluation.synthesis import collect_results

    assert set(collect_results(config.reports_dir, [good, bad])["region_id"]) == {good}


def test_the_index_keeps_every_region_and_links_the_evaluation(project, config):
    good, other = two_regions(config)
    pipeline.run_regions(config.with_overrides(regions=(good, other)))
    pipeline.run_regions(config.with_overrides(regions=(good,)), notebook="region_monitor")
    index = (config.reports_dir / "index.html").read_text(encoding="utf-8")
    for region in (good, other):
        assert f'href="{region}/region_evaluation.en.html"' in index
    assert re.search(rf'href="{good}/monitor/\d{{4}}-\d{{2}}\.en\.html"', index)


def test_stakeholder_pages_hide_the_lab_and_server_paths(project, config):
    region = two_regions(config)[0]
    pipeline.run_regions(config.with_overrides(regions=(region,)))
    reports = config.reports_dir
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "_executed" not in index and ".ipynb" not in index
    assert 'href="researchers.html"' in index
    runs = (reports / "researchers.html").read_text(encoding="utf-8")
    assert f"_executed/{region}/region_evaluation.en.ipynb" in runs
    report = (reports / region / "region_evaluation.en.html").read_text(encoding="utf-8")
    assert str(project) not in report, "the provenance shows paths relative to the project"
    assert "data/processed" in report


def test_a_foreign_reports_folder_is_refused_and_left_alone(project, config):
    foreign = project / "my-thesis"
    foreign.mkdir()
    (foreign / "index.html").write_text("my own page")
    (foreign / "thesis.docx").write_text("three years of work")
    text = (project / "workbench.toml").read_text()
    (project / "workbench.toml").write_text(
        text.replace("[run]", '[data]\nreports = "my-thesis"\n[run]')
    )
    result = subprocess.run(
        [str(WORKBENCH), "run"], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2, result.stderr
    assert "holds files the workbench did not make" in result.stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["index.html", "thesis.docx"]
    assert (foreign / "index.html").read_text() == "my own page"


def _use_reports(project: Path, folder: Path) -> None:
    text = (project / "workbench.toml").read_text()
    (project / "workbench.toml").write_text(
        text.replace("[run]", f'[data]\nreports = "{folder}"\n[run]')
    )


def test_a_read_only_reports_folder_is_one_line(project, read_only_dir):
    _use_reports(project, read_only_dir / "reports")
    result = subprocess.run(
        [str(WORKBENCH), "run"], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot write to" in lines[0] and "Fix:" in lines[0], lines


def test_a_full_disk_fails_the_run_cleanly_and_keeps_the_earlier_reports(
    project, config, full_disk_dir
):
    region = two_regions(config)[0]
    reports = full_disk_dir / "reports"
    _use_reports(project, reports)
    result = subprocess.run(
        [str(WORKBENCH), "run", "--regions", region],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr
    said = " ".join(result.stderr.replace("│", " ").split())
    assert "No space left" in said or "disk is full" in said, result.stderr
    # what was there before is intact: no half-written report, record or index
    for html in reports.rglob("*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>"), html
    for record in reports.rglob("*.run.json"):
        json.loads(record.read_text())
    for notebook in reports.rglob("*.ipynb"):
        nbformat.read(notebook, as_version=4)


def test_dutch_by_default_and_english_beside_it_without_touching_dutch(project, config):
    region = two_regions(config)[0]
    text = (project / "workbench.toml").read_text().replace('language = "en"\n', "")
    (project / "workbench.toml").write_text(text)
    config = load_config(project / "workbench.toml").with_overrides(regions=(region,))
    assert config.languages == ("nl",)
    assert status(pipeline.run_regions(config)) == {region: "ok"}
    dutch = config.reports_dir / region / "region_evaluation.nl.html"
    before = dutch.stat().st_mtime_ns
    english = pipeline.run_regions(config, languages=["en"])
    assert [(o.region_id, o.language, o.status) for o in english.outcomes] == [(region, "en", "ok")]
    assert (config.reports_dir / region / "region_evaluation.en.html").is_file()
    assert dutch.stat().st_mtime_ns == before, "building English never touches the Dutch report"
    assert status(pipeline.run_regions(config)) == {region: "cached"}, "nor invalidates it"
    index = (config.reports_dir / "index.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in index and "evaluatierapport" in index
    assert f'href="{region}/region_evaluation.en.html"' in index, "the English version is linked"
    assert '<html lang="en">' in (config.reports_dir / "index.en.html").read_text(encoding="utf-8")
    report = dutch.read_text(encoding="utf-8")
    assert '<html lang="nl">' in report and "Samenvatting" in report
