"""Helpers the benchmarks share: medians, a commit's source, the results the summary prints."""

from __future__ import annotations

import json
import statistics
import subprocess
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "data" / "bench" / "results"

#: One row: (what, figure, unit, limit's name, limit's figure, target ratio or None).
Row = tuple[str, float, str, str, float, float | None]


def median(values: list[float]) -> float:
    """Median of ``values`` (the benchmarks alternate runs and compare medians)."""
    return statistics.median(values)


def record(benchmark: str, rows: list[Row]) -> Path:
    """Write the rows of ``benchmark`` for ``benchmarks/summary.py``; returns the file."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{benchmark}.json"
    payload = {"measured": datetime.now().isoformat(timespec="seconds"), "rows": rows}
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return path


def checkout_src(ref: str, folder: Path) -> Path:
    """The ``src`` folder of commit ``ref`` of this repository, unpacked into ``folder``.

    Put it first on ``PYTHONPATH`` to run the ``analysis`` package of that commit.
    """
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"
