"""Benchmark: a region report's figures against its estimators (issue 14: figures cost less).

Usage::

    .venv/bin/python benchmarks/charts.py [--regions N] [--repeats 3] [--before main]

On the small demo (``data/bench/batch``, made by ``benchmarks/batch.py``), for
every region, as ``notebooks/region_evaluation`` does with the outcomes of the
project's ``workbench.toml``:

* the estimators: ``evaluate_region`` (``att_gt``, TWFE, ITS, synthetic control
  per outcome, as the region's design asks);
* the figures: the trend figure of every outcome and the event study of every
  ``att_gt`` fit, each encoded as the PNG the report embeds (``charts.show``).

With ``--before GIT_REF`` the figures are also drawn by the ``analysis``
package of that commit (one new figure per outcome, tight bounding box, RGBA
PNG), in the same run. Each measurement runs in a fresh process; runs
alternate and the figures are medians.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from common import ROOT, checkout_src, median, record

PROCESSED = ROOT / "data" / "bench" / "batch" / "data" / "processed"

JOB = """
import io, json, sys, time
from contextlib import redirect_stdout
from pathlib import Path
import pandas as pd
from analysis.evaluation import evaluate_region, load_region
from analysis.evaluation import charts
from analysis.words import words_for

processed, outcomes, limit = Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
regions = sorted(pd.read_parquet(processed / "regions.parquet")["region_id"])[: limit or None]


def figures(data, evaluation, words):
    observed = data.observed(outcomes)
    fits = [(o, fit) for (o, method), fit in evaluation.fits.items() if method == "att_gt"]
    if hasattr(charts, "trend_figures"):  # one figure per kind, redrawn
        for figure, alt in charts.trend_figures(data, observed, words):
            charts.show(figure, alt=alt)
        for figure, alt in charts.event_study_figures(fits, words):
            charts.show(figure, alt=alt)
        return len(observed) + len(fits)
    for outcome in observed:
        charts.show(charts.plot_trends(data, outcome, words)[0], alt="")
    for outcome, fit in fits:
        charts.show(charts.plot_event_study(fit, outcome, words)[0], alt="")
    return len(observed) + len(fits)


estimators = drawing = 0.0
count = 0
per_region = []
with redirect_stdout(io.StringIO()):
    for region in regions:
        data = load_region(processed, region)
        words = words_for("nl", data.region["country"])
        start = time.perf_counter()
        evaluation = evaluate_region(data, list(outcomes))
        middle = time.perf_counter()
        count += figures(data, evaluation, words)
        end = time.perf_counter()
        estimators += middle - start
        drawing += end - middle
        per_region.append((middle - start, end - middle))
cheaper = sum(f < e for e, f in per_region)
print(json.dumps({"estimators": estimators, "figures": drawing, "count": count,
                  "regions": len(regions), "cheaper": cheaper}))
"""


def run(outcomes: list[str], regions: int, pythonpath: Path | None = None) -> dict:
    env = os.environ | ({"PYTHONPATH": str(pythonpath)} if pythonpath else {})
    done = subprocess.run(
        [sys.executable, "-c", JOB, str(PROCESSED), json.dumps(outcomes), str(regions)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=0, help="first N regions (0 = all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", metavar="GIT_REF", help="also draw with this commit's code")
    args = parser.parse_args()
    if not (PROCESSED / "regions.parquet").is_file():
        sys.exit(f"no demo panel in {PROCESSED}: run benchmarks/batch.py once first")
    outcomes = tomllib.loads((ROOT / "workbench.toml").read_text(encoding="utf-8"))["run"][
        "outcomes"
    ]
    runs: dict[str, list[dict]] = {"now": [], "before": []}
    with tempfile.TemporaryDirectory() as tmp:
        before = checkout_src(args.before, Path(tmp)) if args.before else None
        for k in range(args.repeats):
            runs["now"].append(run(outcomes, args.regions))
            if before is not None:
                runs["before"].append(run(outcomes, args.regions, before))
            now = runs["now"][-1]
            print(
                f"  run {k + 1}: estimators {now['estimators']:.1f} s, figures "
                f"{now['figures']:.1f} s"
                + (
                    f"; figures of {args.before} {runs['before'][-1]['figures']:.1f} s"
                    if before
                    else ""
                ),
                flush=True,
            )
    now = runs["now"][-1]
    estimators = median([r["estimators"] for r in runs["now"]])
    figures = median([r["figures"] for r in runs["now"]])
    print(
        f"{now['regions']} regions, {now['count']} figures (medians of {args.repeats} runs):\n"
        f"  estimators {estimators:6.1f} s\n"
        f"  figures    {figures:6.1f} s  ({figures / estimators:.2f}x the estimators, target < 1x: "
        f"{'met' if figures < estimators else 'NOT met'}; cheaper than the estimators in "
        f"{now['cheaper']} of {now['regions']} regions)"
    )
    rows = [("figures of the region reports", figures, "s", "their estimators", estimators, 1.0)]
    if runs["before"]:
        old = median([r["figures"] for r in runs["before"]])
        print(f"  figures of {args.before}: {old:6.1f} s ({old / figures:.1f}x today's)")
        rows.append(
            ("figures of the region reports", figures, "s", f"figures of {args.before}", old, None)
        )
    record("charts", rows)


if __name__ == "__main__":
    main()
