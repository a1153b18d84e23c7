"""Benchmark the ingest on the ``national`` demo (about 75 million events) against its limit.

Usage::

    .venv/bin/python benchmarks/ingest.py [--data-dir DIR] [--repeats 3] [--skip-pandas]

Generates the national demo once into a cache folder outside the repository
(default ``~/.cache/pilot-workbench/bench``, or ``$PILOT_BENCH_DIR``) and reuses
it while the ``analysis.data.demo`` package is unchanged. Then, each in a fresh
subprocess so that the peak resident memory (``ru_maxrss``, which includes
DuckDB's native memory) is that of the job alone:

1. ``analysis.data.ingest.ingest`` (validation + panel + outputs);
2. the limit: DuckDB alone computing the same aggregates from the same files,
   with nothing else (no validation, no parsing of text, no outputs): the
   panel's count columns per practice x month of each event table, *and* the
   28-day repeat-visit window over the contacts (the same SQL as the ingest,
   :data:`analysis.data.panel.EVENT_COUNTS` and :func:`analysis.data.panel.repeats_sql`),
   with the same threads and memory limit; and, for scale, a bare ``count(*)``
   per practice x month of each table;
3. a straightforward pandas implementation of the same aggregation (read the
   event tables, count per practice and month, join to practice_months,
   compute rates) -- on a fraction of the event rows if asked, with the time
   scaled up linearly and the fact stated.

The ingest and the limit run ``--repeats`` times, alternating (the machine is
shared), and the ratio is that of their medians; the target (issue 14) is an
ingest within 1.5x of the limit, with a peak memory not above the previous
ingest's. Prints the figures and ratios and writes them to
``<data-dir>/results.json`` and ``data/bench/results/ingest.json`` (for the
summary of ``make bench``). Targets on 2 cores: ingest <= 60 s, <= 4 GiB.
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
from common import checkout_src, median, record

import analysis.data.demo as demo

TARGET_SECONDS = 60.0
TARGET_GIB = 4.0
TARGET_RATIO = 1.5

INGEST_JOB = """
import json, resource, sys, time
from analysis.data.ingest import ingest
t = time.perf_counter()
s = ingest(sys.argv[1], sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t, "practice_months": s.n_practice_months,
                  "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

LIMIT_JOB = """
import json, resource, sys, time
from pathlib import Path
import duckdb
from analysis.data.ingest import DUCKDB_MEMORY_LIMIT, DUCKDB_THREADS
from analysis.data.panel import EVENT_COUNTS, repeats_sql
raw, bare = Path(sys.argv[1]), sys.argv[2] == "bare"
con = duckdb.connect(config={"threads": DUCKDB_THREADS, "memory_limit": DUCKDB_MEMORY_LIMIT})
t = time.perf_counter()
for table, counts in EVENT_COUNTS.items():
    source = f"read_parquet('{raw / table}.parquet')"
    cols = "count(*) AS n" if bare else ", ".join(f"{sql} AS {n}" for n, sql in counts.items())
    con.execute(f"CREATE TABLE agg_{table} AS SELECT practice_id, "
                f"CAST(date_trunc('month', date) AS DATE) AS month, {cols} "
                f"FROM {source} GROUP BY ALL")
if not bare:
    con.execute(f"CREATE TABLE agg_repeats AS {repeats_sql(repr(str(raw / 'contacts.parquet')))}")
print(json.dumps({"seconds": time.perf_counter() - t,
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


def run_job(code: str, *args: str, pythonpath: Path | None = None) -> dict:
    """Run ``code`` in a fresh interpreter and return the JSON it prints last.

    With ``pythonpath``, the ``analysis`` package is imported from there.
    """
    env = os.environ | ({"PYTHONPATH": str(pythonpath)} if pythonpath else {})
    done = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=env
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
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs of each job")
    parser.add_argument(
        "--before",
        metavar="GIT_REF",
        help="also time the ingest of this commit (e.g. main), alternating with the others",
    )
    args = parser.parse_args()

    raw, gen_seconds = ensure_national(args.data_dir, args.seed)
    rows = event_rows(raw)
    print(f"national demo: {raw}")
    print("  events: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    print(f"  generation: {'reused' if gen_seconds is None else f'{gen_seconds:.1f} s'}")
    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        jobs = {
            "ingest": lambda: run_job(INGEST_JOB, str(raw), str(Path(tmp) / "processed")),
            "limit": lambda: run_job(LIMIT_JOB, str(raw), "counts"),
            "bare": lambda: run_job(LIMIT_JOB, str(raw), "bare"),
        }
        if args.before:
            before_src = checkout_src(args.before, Path(tmp))
            jobs["before"] = lambda: run_job(
                INGEST_JOB, str(raw), str(Path(tmp) / "before"), pythonpath=before_src
            )
        runs: dict[str, list[dict]] = {name: [] for name in jobs}
        for k in range(args.repeats):
            for name, job in jobs.items():
                runs[name].append(job())
                print(f"  run {k + 1} {name}: {runs[name][-1]['seconds']:.1f} s", flush=True)
    results = {
        "events": rows,
        "generation_seconds": gen_seconds,
        "runs": runs,
        "cpu_count": os.cpu_count(),
    }
    seconds = {name: median([r["seconds"] for r in done]) for name, done in runs.items()}
    gib = {name: max(r["max_rss_kib"] for r in done) / 2**20 for name, done in runs.items()}
    ratio = seconds["ingest"] / seconds["limit"]
    labels = {
        "ingest": "workbench ingest (validation + panel + outputs)",
        "before": f"ingest of {args.before} (separate validation scans)",
        "limit": "limit: DuckDB aggregates + repeat window only",
        "bare": "bare count(*) per practice x month",
    }
    print(f"medians of {args.repeats} alternating runs (peak RSS: the largest run):")
    for name in ("ingest", "before", "limit", "bare"):
        if name in seconds:
            print(f"  {labels[name]:50s} {seconds[name]:6.1f} s  {gib[name]:5.2f} GiB")
    ok = ratio <= TARGET_RATIO and (not args.before or gib["ingest"] <= gib["before"])
    memory = f", memory <= the ingest of {args.before}" if args.before else ""
    speedup = (
        f"; {args.before} / ingest: {seconds['before'] / seconds['ingest']:.2f}x"
        if args.before
        else ""
    )
    print(
        f"ingest / limit: {ratio:.2f}x (target <= {TARGET_RATIO:g}x{memory}: "
        f"{'met' if ok else 'NOT met'}); ingest / bare count: "
        f"{seconds['ingest'] / seconds['bare']:.1f}x{speedup}"
    )
    results["medians"] = seconds
    record(
        "ingest",
        [
            (
                "ingest, national demo",
                seconds["ingest"],
                "s",
                "DuckDB aggregation + repeat window",
                seconds["limit"],
                TARGET_RATIO,
            ),
        ],
    )
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
        print(f"ratio pandas / workbench ingest: {scaled / seconds['ingest']:.1f}x")
        results["pandas"] = {**pandas, "fraction": args.pandas_fraction, "scaled_seconds": scaled}
    (args.data_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
