"""The batch against its limit: the notebooks' own work, at 1 and 2 workers.

Part of ``benchmarks/batch.py``. Every demo region's evaluation report, with
the outcomes of the project's ``workbench.toml``, is made three ways:

1. ``workbench run --regions all --force --workers N`` (warm kernels, papermill,
   HTML rendering, run records);
2. the sum of the cell times papermill recorded in those executed notebooks,
   divided by ``N``: the notebooks' own work as the kernels timed it (issue 14's
   target: the batch within 1.2x of it);
3. the same notebooks' code run in ``N`` plain Python processes (an IPython shell
   without a kernel, so every display is formatted as in the kernel, but nothing
   is sent, saved or rendered): the library calls alone.

Runs alternate (the machine is shared) and the ratios are those of medians.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from common import Row

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_RATIO = 1.2


def write_study(folder: Path, processed: Path, workers: int) -> Path:
    """A study of every region with the project's default outcomes, reading ``processed``."""
    default = tomllib.loads((ROOT / "workbench.toml").read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "workbench.toml").write_text(
        '[study]\nname = "Batch limit benchmark"\n'
        f"[data]\nraw = {json.dumps(str(processed.parent / 'raw'))}\n"
        f"processed = {json.dumps(str(processed))}\nreports = 'reports'\n"
        f'[run]\nregions = "all"\nworkers = {workers}\n'
        f"outcomes = {json.dumps(default['run']['outcomes'])}\n",
        encoding="utf-8",
    )
    notebooks = folder / "notebooks"
    notebooks.mkdir(exist_ok=True)
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        (notebooks / path.name).write_bytes(path.read_bytes())
    return folder


def cell_seconds(reports: Path) -> tuple[float, int]:
    """Sum of the cell durations papermill recorded in the executed evaluation notebooks."""
    total, count = 0.0, 0
    for path in reports.glob("_executed/*/region_evaluation.*.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        total += sum(c["metadata"].get("papermill", {}).get("duration") or 0.0 for c in cells)
        count += 1
    return total, count


def workbench_run(study: Path, workers: int) -> tuple[float, float, int]:
    """Wall time of a forced run of every region; the cell times and the notebook count."""
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "workbench"), "run", "--regions", "all", "--force", "--workers", str(workers)],
        cwd=study,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - start
    return (wall, *cell_seconds(study / "reports"))


def library_loop(study: Path, workers: int) -> float:
    """Wall time of the notebooks' code in ``workers`` plain processes."""
    script = Path(__file__).with_name("library_loop.py")
    done = subprocess.run(
        [sys.executable, str(script), str(study), str(workers)],
        cwd=study,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"the library loop failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def measure(processed: Path, folder: Path, repeats: int) -> list[Row]:
    """Alternating runs at 1 and 2 workers; prints the medians and returns the summary rows."""
    runs: dict[int, dict[str, list[float]]] = {}
    notebooks = 0
    for k in range(repeats):
        for workers in (1, 2):
            study = write_study(folder / f"workers-{workers}", processed, workers)
            done = runs.setdefault(workers, {"batch": [], "cells": [], "loop": []})
            wall, cells, notebooks = workbench_run(study, workers)
            done["batch"].append(wall)
            done["cells"].append(cells / workers)
            done["loop"].append(library_loop(study, workers))
            print(
                f"  run {k + 1}, {workers} worker(s): batch {wall:.1f} s, cell times / workers "
                f"{cells / workers:.1f} s, library loop {done['loop'][-1]:.1f} s",
                flush=True,
            )
    rows: list[Row] = []
    print(f"{notebooks} region reports, medians of {repeats} alternating runs:")
    for workers, done in runs.items():
        batch, cells, loop = (statistics.median(done[key]) for key in ("batch", "cells", "loop"))
        verdict = "met" if batch / cells <= TARGET_RATIO else "NOT met"
        print(
            f"  {workers} worker(s): workbench run {batch:6.1f} s; cell times / workers "
            f"{cells:6.1f} s ({batch / cells:.2f}x, target <= {TARGET_RATIO:g}x: {verdict}); "
            f"library loop in plain processes {loop:6.1f} s ({batch / loop:.2f}x)"
        )
        rows.append(
            (
                f"batch, {notebooks} regions, {workers} worker(s)",
                batch,
                "s",
                "notebooks' cell times / workers",
                cells,
                TARGET_RATIO,
            )
        )
        rows.append(
            (
                f"batch, {notebooks} regions, {workers} worker(s)",
                batch,
                "s",
                "library loop in plain processes",
                loop,
                None,
            )
        )
    return rows
