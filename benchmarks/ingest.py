"""Benchmark the ingest on the ``national`` demo (about 50 million contacts).

Usage::

    .venv/bin/python benchmarks/ingest.py [--data-dir DIR] [--pandas-fraction 1.0]

Generates the national demo once into a cache folder outside the repository
(default ``~/.cache/pilot-workbench/bench``, or ``$PILOT_BENCH_DIR``) and reuses
it while the ``analysis.data.demo`` package is unchanged. Then, each in a fresh
subprocess so that the peak resident memory (``ru_maxrss``, which includes
DuckDB's native memory) is that of the job alone:

1. ``analysis.data.ingest.ingest`` (validation + panel + outputs);
2. a straightforward pandas implementation of the same aggregation (read the
   event tables, count per practice and month, join to practice_months,
   compute rates) -- on a fraction of the event rows if asked, with the time
   scaled up linearly and the fact stated.

Prints the figures and the pandas/DuckDB time ratio, and writes them to
``<data-dir>/results.json``. Targets on 2 cores: ingest <= 60 s, <= 4 GiB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

import analysis.data.demo as demo

TARGET_SECONDS = 60.0
TARGET_GIB = 4.0

INGEST_JOB = """
import json, resource, sys, time
from analysis.data.ingest import ingest
t = time.perf_counter()
s = ingest(sys.argv[1], sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t, "practice_months": s.n_practice_months,
                  "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

PANDAS_JOB = """
import json, resource, sys, time
from pathlib import Path
import pandas as pd
import pyarrow.parquet as pq

raw, fraction = Path(sys.argv[1]), float(sys.argv[2])


def read_events(name, columns):
    f = pq.ParquetFile(raw / f"{name}.parquet")
    groups = range(max(1, round(f.num_row_groups * fraction)))
    df = f.read_row_groups(list(groups), columns=columns).to_pandas()
    df["month"] = pd.to_datetime(df["date"]).dt.to_period("M").dt.to_timestamp()
    return df


t = time.perf_counter()
pm = pd.read_csv(raw / "practice_months.csv", parse_dates=["month"])
practices = pd.read_csv(raw / "practices.csv")
c = read_events("contacts", ["practice_id", "date", "contact_type", "provider_role", "minutes"])
c["practice_id"] = c["practice_id"].astype(str)
c["gp"] = c["provider_role"] == "gp"
c["gp_min"] = c["minutes"].where(c["gp"], 0)
c["nurse"] = c["provider_role"].isin(["practice_nurse", "mental_health_nurse",
                                      "nurse_specialist"])
c["phone"] = c["contact_type"] == "telephone"
c["econ"] = c["contact_type"] == "e_consult"
ca = c.groupby(["practice_id", "month"]).agg(
    contacts=("gp", "size"), gp_contacts=("gp", "sum"), gp_minutes=("gp_min", "sum"),
    nurse_contacts=("nurse", "sum"), telephone_contacts=("phone", "sum"),
    e_consults=("econ", "sum")).reset_index()
n_events = len(c)
del c
r = read_events("referrals", ["practice_id", "date", "destination"])
r["practice_id"] = r["practice_id"].astype(str)
ra = (r.groupby(["practice_id", "month", "destination"], observed=True).size()
      .unstack(fill_value=0).add_prefix("referrals_").reset_index())
n_events += len(r)
del r
p = read_events("prescriptions", ["practice_id", "date"])
p["practice_id"] = p["practice_id"].astype(str)
pa_ = p.groupby(["practice_id", "month"]).size().rename("prescriptions").reset_index()
n_events += len(p)
del p
panel = (pm.merge(practices[["practice_id", "region_id"]], on="practice_id")
         .merge(ca, on=["practice_id", "month"], how="left")
         .merge(ra, on=["practice_id", "month"], how="left")
         .merge(pa_, on=["practice_id", "month"], how="left"))
counts = [col for col in panel.columns if col.startswith(("referrals_", "contacts", "gp_",
                                                          "nurse_", "telephone", "e_cons",
                                                          "prescriptions"))]
panel[counts] = panel[counts].fillna(0)
for col in ("contacts", "gp_contacts", "referrals_medical_specialist", "prescriptions"):
    panel[col + "_rate"] = panel[col] * 12000 / panel["list_size"]
panel["non_gp_contact_share"] = 1 - panel["gp_contacts"] / panel["contacts"]
region = panel.groupby(["region_id", "month"])[counts + ["list_size"]].sum()
print(json.dumps({"seconds": time.perf_counter() - t, "events": n_events,
                  "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def _demo_version() -> str:
    """Hash of the demo package's modules: a changed generator makes new national data."""
    digest = hashlib.sha256()
    for path in sorted(Path(demo.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_national(data_dir: Path, seed: int) -> tuple[Path, float | None]:
    """Generate the national demo unless a complete copy of this version exists."""
    raw = data_dir / f"national-seed{seed}"
    marker = raw / ".complete"
    if marker.is_file() and marker.read_text() == _demo_version():
        return raw, None
    started = time.perf_counter()
    demo.generate_demo(raw, seed=seed, scale="national", force=True)  # replaces an older copy
    marker.write_text(_demo_version())
    return raw, time.perf_counter() - started


def run_job(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter and return the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def event_rows(raw: Path) -> dict[str, int]:
    return {
        name: pq.ParquetFile(raw / f"{name}.parquet").metadata.num_rows
        for name in ("contacts", "referrals", "prescriptions")
    }


def main() -> None:
    default_dir = Path(
        os.environ.get("PILOT_BENCH_DIR", Path.home() / ".cache" / "pilot-workbench" / "bench")
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_dir)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--pandas-fraction",
        type=float,
        default=1.0,
        help="share of event row groups the pandas baseline reads (time is "
        "scaled up linearly when < 1)",
    )
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()

    raw, gen_seconds = ensure_national(args.data_dir, args.seed)
    rows = event_rows(raw)
    print(f"national demo: {raw}")
    print("  events: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    print(f"  generation: {'reused' if gen_seconds is None else f'{gen_seconds:.1f} s'}")

    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        duck = run_job(INGEST_JOB, str(raw), str(Path(tmp) / "processed"))
    duck_gib = duck["max_rss_kib"] / 2**20
    ok = duck["seconds"] <= TARGET_SECONDS and duck_gib <= TARGET_GIB
    print(
        f"ingest (DuckDB, validation + panel + outputs): {duck['seconds']:.1f} s, "
        f"peak RSS {duck_gib:.2f} GiB  [target <= {TARGET_SECONDS:g} s, "
        f"<= {TARGET_GIB:g} GiB: {'met' if ok else 'NOT met'}]"
    )
    results = {
        "events": rows,
        "generation_seconds": gen_seconds,
        "ingest": duck,
        "cpu_count": os.cpu_count(),
    }
    if not args.skip_pandas:
        pandas = run_job(PANDAS_JOB, str(raw), str(args.pandas_fraction))
        scaled = pandas["seconds"] / args.pandas_fraction
        note = (
            ""
            if args.pandas_fraction >= 1
            else f" (measured on {args.pandas_fraction:.0%} of the events, time scaled up; "
            "memory not scaled)"
        )
        print(
            f"pandas (aggregation only, no validation): {scaled:.1f} s, peak RSS "
            f"{pandas['max_rss_kib'] / 2**20:.2f} GiB{note}"
        )
        print(f"ratio pandas / DuckDB ingest: {scaled / duck['seconds']:.1f}x")
        results["pandas"] = {**pandas, "fraction": args.pandas_fraction, "scaled_seconds": scaled}
    (args.data_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
