"""The project installs as documented: dependencies, conda file, entry points."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import analysis

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"duckdb": "python-duckdb"}  # conda-forge spells a few packages differently


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _conda_names() -> set[str]:
    names = set()
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"\s*-\s+([A-Za-z0-9_.\-]+)", line)
        if match:
            names.add(match.group(1).lower())
    return names


def test_every_dependency_is_in_environment_yml():
    project = _pyproject()["project"]
    required = project["dependencies"] + project["optional-dependencies"]["dev"]
    conda = _conda_names()
    missing = [r for r in required if CONDA_NAMES.get(_name(r), _name(r)) not in conda]
    assert not missing, f"add these to environment.yml: {missing}"


def test_design_card_packages_are_dependencies():
    names = {_name(r) for r in _pyproject()["project"]["dependencies"]}
    assert {"jupyterlab", "pandas", "statsmodels", "matplotlib", "papermill", "nbval"} <= names


def test_package_is_typed_and_versioned():
    assert (Path(analysis.__file__).parent / "py.typed").is_file()
    assert analysis.__version__ == _pyproject()["project"]["version"]


def test_workbench_console_script_is_registered():
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts.get("workbench") == "analysis.cli:main"
