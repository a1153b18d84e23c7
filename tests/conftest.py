"""Shared fixtures: where the published reference data sets live; the small demo, once."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis.data.demo import generate_demo
from analysis.data.ingest import IngestSummary, ingest
from tests.demo_study import write_demo_data

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


def _mount_tmpfs(folder: Path, options: str) -> bool:
    """Mount a small tmpfs on ``folder`` (root only); False when the system refuses."""
    if os.geteuid() != 0:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
    )
    return done.returncode == 0


@pytest.fixture
def read_only_dir(tmp_path) -> Iterator[Path]:
    """A folder nothing can be written into: a read-only tmpfs as root, mode 0555 otherwise."""
    folder = tmp_path / "read-only"
    if _mount_tmpfs(folder, "ro,size=64k"):
        yield folder
        subprocess.run(["umount", str(folder)], check=False)
    elif os.geteuid() != 0:
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
    else:
        pytest.skip("cannot make a read-only folder here: root, and mounting a tmpfs is refused")


@pytest.fixture
def full_disk_dir(tmp_path) -> Iterator[Path]:
    """A folder on a 64 KiB file system, which a report or an ingest fills (root only)."""
    folder = tmp_path / "full-disk"
    if not _mount_tmpfs(folder, "size=64k"):
        pytest.skip("a full disk is simulated with a tiny tmpfs, which needs root and mount")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo, generated once per session (seed 42)."""
    return generate_demo(tmp_path_factory.mktemp("demo") / "raw", seed=42, scale="small")


@pytest.fixture(scope="session")
def demo_ingested(
    demo_raw: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, IngestSummary]:
    """The small demo ingested once: (processed folder, summary)."""
    out = tmp_path_factory.mktemp("demo_processed") / "processed"
    return out, ingest(demo_raw, out)


@pytest.fixture(scope="session")
def demo_processed(demo_ingested: tuple[Path, IngestSummary]) -> Path:
    """Processed folder of the small demo."""
    return demo_ingested[0]


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    """Small demo data (seed 7), raw and processed, generated once per test session."""
    return write_demo_data(tmp_path_factory.mktemp("demo"))
