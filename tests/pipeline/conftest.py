"""A small study project in a temporary folder: demo data, ingest, notebooks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.config import load_config
from tests.pipeline.chromium import browser, visit  # noqa: F401 - fixtures for the browser tests

ROOT = Path(__file__).resolve().parents[2]


def write_config(
    folder: Path,
    *,
    regions: str = '"pilots"',
    outcomes: str | None = None,
    workers: int = 2,
    language: str = "en",
) -> Path:
    outcomes = outcomes or '["referral_rate_medical_specialist", "gp_contact_rate"]'
    path = folder / "workbench.toml"
    path.write_text(
        f'[study]\nname = "Test study"\nlanguage = "{language}"\n'
        f"[run]\nregions = {regions}\noutcomes = {outcomes}\nworkers = {workers}\n"
        f"disclosure_threshold = 10\n",
        encoding="utf-8",
    )
    return path


def make_project(folder: Path, demo_data: Path) -> Path:
    """Fill ``folder`` as a study project: notebooks, the demo data (copied), a configuration."""
    shutil.copytree(
        ROOT / "notebooks",
        folder / "notebooks",
        ignore=shutil.ignore_patterns("*.py", ".ipynb_checkpoints"),
    )
    for name in ("raw", "processed"):
        shutil.copytree(demo_data / name, folder / "data" / name)
    write_config(folder)
    return folder


@pytest.fixture
def project(tmp_path, demo_data) -> Path:
    """A fresh project folder: notebooks, the demo data (copied), a configuration."""
    return make_project(tmp_path, demo_data)


@pytest.fixture
def config(project):
    return load_config(project / "workbench.toml")


@pytest.fixture(scope="session")
def stakeholder_reports(tmp_path_factory, demo_data) -> Path:
    """The demo batch as stakeholders get it, in Dutch (the default language).

    A Dutch pilot region with two interventions and two Flemish pilot regions
    (so the synthesis pools; one of them without a survey wave before its start),
    their monitors, the synthesis, index and data-quality pages; built once per
    session. The outcomes include a survey item, so the survey section is checked.
    """
    import json

    from analysis import pipeline

    project = make_project(tmp_path_factory.mktemp("stakeholders"), demo_data)
    table = pipeline.region_table(load_config(project / "workbench.toml"))
    starts = pipeline.region_interventions(load_config(project / "workbench.toml"))
    pilots = table[table["pilot"].astype(bool)]
    dutch = sorted(
        pilots.loc[pilots["country"] == "NL", "region_id"], key=lambda r: -len(starts[r])
    )
    regions = [dutch[0], *pilots[pilots["country"] == "BE"]["region_id"].head(2)]
    outcomes = ["referral_rate_medical_specialist", "gp_contact_rate", "workload_score"]
    write_config(project, regions=json.dumps(regions), outcomes=json.dumps(outcomes), language="nl")
    config = load_config(project / "workbench.toml")
    result = pipeline.build_reports(config)
    assert {o.status for o in result.outcomes} == {"ok"}, result.outcomes
    return config.reports_dir
