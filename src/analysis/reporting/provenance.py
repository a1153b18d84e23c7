"""Where a report came from: code version, package versions, data content."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterable
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import analysis

REPORTED_PACKAGES = (
    "pilot-workbench",
    "pandas",
    "numpy",
    "statsmodels",
    "scipy",
    "duckdb",
    "matplotlib",
    "papermill",
    "nbconvert",
)


def hash_files(paths: Iterable[Path], *, names: bool = True, chunk_size: int = 1 << 20) -> str:
    """SHA-256 over the contents of ``paths`` (sorted), and their names unless ``names=False``."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        if names:
            digest.update(path.name.encode())
        with path.open("rb") as handle:
            while block := handle.read(chunk_size):
                digest.update(block)
    return digest.hexdigest()


def hash_json(value: object) -> str:
    """SHA-256 of a JSON-serialisable value, independent of key order."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=1)
def library_fingerprint() -> str:
    """Version of the analysis library plus a hash of its source files and templates.

    The hash makes an edited but unreleased library (code or report template)
    invalidate cached reports.
    """
    return f"{analysis.__version__}+{source_hash(Path(analysis.__file__).parent)[:12]}"


def source_hash(package_dir: Path) -> str:
    """SHA-256 over a package's Python files and everything under its ``templates/``."""
    templates = (p for p in (package_dir / "templates").rglob("*") if p.is_file())
    return hash_files([*package_dir.rglob("*.py"), *templates])


@lru_cache(maxsize=8)
def git_commit(root: Path) -> str:
    """Commit of the project checkout, with ``-dirty`` when it has local changes.

    Asked once per process: a batch plans many jobs at the same commit.
    """
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src", "notebooks"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit}-dirty" if dirty.strip() else commit


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the results (asked once per process)."""
    found = {}
    for name in REPORTED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
