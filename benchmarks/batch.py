"""Benchmark: region reports, workbench vs the naive loop and vs the notebooks' own work.

Usage::

    .venv/bin/python benchmarks/batch.py [--zones N] [--workers 2] [--repeats 2]

Builds the small demo in ``data/bench/batch`` (once), then, in the same run:

1. ``workbench run`` for every BE zone (forced, so nothing is cached);
2. the same run again with nothing changed (everything cached);
3. the same zones on a Dask LocalCluster of as many workers
   (``workbench run --scheduler local``, forced): the cluster path against the
   local pool, both with warm kernels;
4. the way a researcher would script it by hand: one zone after another, a
   ``papermill`` command line, then ``jupyter nbconvert --no-input``.

5. every region with the project's outcomes, at 1 and 2 workers, against the
   notebooks' own work (:mod:`batch_limit`: the cell times papermill recorded,
   and the same code in plain processes), alternating runs.

Prints the wall times and the ratios. Zones without an intervention get the
descriptive part of the report.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from batch_limit import measure
from common import record

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / "data" / "bench" / "batch"


def prepare(work: Path) -> list[str]:
    """Demo data, processed panels and a study configuration in ``work``; BE zone ids."""
    import pandas as pd

    from analysis.data.demo import generate_demo
    from analysis.data.ingest import ingest

    if not (work / "data" / "processed" / "regions.parquet").is_file():
        generate_demo(work / "data" / "raw", seed=42, scale="small", force=True)
        ingest(work / "data" / "raw", work / "data" / "processed")
    shutil.copytree(ROOT / "notebooks", work / "notebooks", dirs_exist_ok=True)
    regions = pd.read_parquet(work / "data" / "processed" / "regions.parquet")
    return sorted(regions.loc[regions["country"] == "BE", "region_id"])


def write_config(work: Path, zones: list[str], workers: int) -> None:
    (work / "workbench.toml").write_text(
        '[study]\nname = "Batch benchmark"\n[run]\n'
        f"regions = {json.dumps(zones)}\nworkers = {workers}\n"
        'outcomes = ["referral_rate_medical_specialist", "gp_contact_rate"]\n',
        encoding="utf-8",
    )


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def run_with_retry(command: list[str]) -> None:
    """Run a command line; retry once, as a researcher would after a transient failure
    (for example a kernel that did not start)."""
    if subprocess.run(command, capture_output=True).returncode != 0:
        print(f"  retrying once: {' '.join(command[:2])} ...")
        subprocess.run(command, check=True, capture_output=True)


def naive_loop(work: Path, zones: list[str]) -> float:
    """One zone after another: papermill CLI, then nbconvert CLI, as scripted by hand."""
    out = work / "naive"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    for zone in zones:
        folder = out / zone
        folder.mkdir(parents=True)
        executed = folder / "region_evaluation.ipynb"
        run_with_retry(
            [
                str(BIN / "papermill"),
                str(work / "notebooks/region_evaluation.ipynb"),
                str(executed),
                "-k",
                "pilot-workbench",
                "--cwd",
                str(folder),
                "-p",
                "region_id",
                zone,
                "-p",
                "processed_dir",
                str(work / "data" / "processed"),
            ]
        )
        run_with_retry(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)]
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=0, help="first N zones only (0 = all)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--repeats", type=int, default=2, help="alternating runs of the limit measurement"
    )
    parser.add_argument("--limit-only", action="store_true", help="only the limit measurement")
    args = parser.parse_args()
    zones = prepare(WORK)
    if args.limit_only:
        record("batch", measure(WORK / "data" / "processed", WORK / "limit", args.repeats))
        return
    zones = zones[: args.zones] if args.zones else zones
    write_config(WORK, zones, args.workers)
    print(f"{len(zones)} Flemish zones, {args.workers} workers")
    workbench = timed([str(BIN / "workbench"), "run", "--force"], WORK)
    print(
        f"workbench run (forced):         {workbench:7.1f} s  "
        f"({workbench / len(zones):.2f} s per zone)"
    )
    cached = timed([str(BIN / "workbench"), "run"], WORK)
    print(f"workbench run (nothing changed): {cached:6.1f} s")
    dask = timed([str(BIN / "workbench"), "run", "--force", "--scheduler", "local"], WORK)
    print(
        f"workbench run --scheduler local:  {dask:6.1f} s  ({dask / len(zones):.2f} s per zone; "
        f"{dask / workbench:.2f}x the local pool's time, target <= 1.2x)"
    )
    naive = naive_loop(WORK, zones)
    per_zone = naive / len(zones)
    print(f"naive papermill + nbconvert loop: {naive:6.1f} s  ({per_zone:.2f} s per zone)")
    print(f"speed-up: {naive / workbench:.1f}x (target >= 3x); cached rerun target < 5 s")
    rows = [
        (
            f"batch, {len(zones)} BE zones",
            workbench,
            "s",
            "naive papermill + nbconvert",
            naive,
            None,
        )
    ]
    record("batch", rows + measure(WORK / "data" / "processed", WORK / "limit", args.repeats))


if __name__ == "__main__":
    main()
