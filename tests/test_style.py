"""The code base passes its own linter and formatter (what `make lint` runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).parent / "ruff"
TARGETS = ["src", "tests", "benchmarks", "notebooks"]


def test_ruff_check_passes():
    result = subprocess.run(
        [str(RUFF), "check", *TARGETS], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_applied():
    result = subprocess.run(
        [str(RUFF), "format", "--check", *TARGETS], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
