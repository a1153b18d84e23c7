"""Shared fixtures: where the published reference data sets live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _reference_dir() -> Path:
    override = os.environ.get("PILOT_REFERENCE_DIR")
    return Path(override) if override else PROJECT_ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Folder with the public reference data sets (``../shared/reference``).

    Tests that use it skip, with the reason, when the folder is absent (a clone
    outside the workspace). Set ``PILOT_REFERENCE_DIR`` to point elsewhere.
    """
    path = _reference_dir()
    if not path.is_dir():
        pytest.skip(f"reference data folder {path} not found; set PILOT_REFERENCE_DIR")
    return path


@pytest.fixture(scope="session")
def reference_file(reference_dir: Path):
    """Return a function that gives the path of one reference file, or skips."""

    def get(name: str) -> Path:
        path = reference_dir / name
        if not path.is_file():
            pytest.skip(f"reference file {path} not found")
        return path

    return get
