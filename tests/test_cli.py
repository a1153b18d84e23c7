"""The command line: help texts and clear errors instead of tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKBENCH = Path(sys.executable).parent / "workbench"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WORKBENCH), *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "ingest", "run", "report", "lab"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["demo", "ingest", "run", "report", "lab"])
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0
    assert "Usage: workbench" in result.stdout
    assert "--help" in result.stdout


def test_run_options_are_documented():
    out = run("run", "--help").stdout
    for option in (
        "--regions",
        "--notebook",
        "--workers",
        "--scheduler",
        "--force",
        "--only-failed",
        "--param",
    ):
        assert option in out


def test_missing_configuration_is_a_clear_error(tmp_path):
    result = run("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "no workbench.toml found" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_processed_data_is_a_clear_error(tmp_path):
    (tmp_path / "workbench.toml").write_text('[study]\nname = "t"\n')
    result = run("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "workbench ingest" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_language_in_configuration(tmp_path):
    (tmp_path / "workbench.toml").write_text('[study]\nlanguage = "fr"\n')
    result = run("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "language" in result.stderr and '"nl"' in result.stderr


def test_unknown_scale_is_rejected(tmp_path):
    result = run("demo", "--scale", "huge", "--out", str(tmp_path / "raw"))
    assert result.returncode == 2
    assert "'small' or 'national'" in result.stderr
    assert not (tmp_path / "raw").exists()


def test_make_help_lists_targets():
    result = subprocess.run(["make", "-s", "help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0
    for target in ("setup", "report", "test", "lab", "lint", "clean"):
        assert f"make {target}" in result.stdout
