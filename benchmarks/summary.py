"""The summary table that ends ``make bench``: each figure against its limit, with the target.

Each benchmark records its figures with :func:`common.record` (one JSON file per
benchmark under ``data/bench/results/``); ``python benchmarks/summary.py``
prints them in one table: what was measured, the project's figure, the
limit it is compared with (measured in the same run), their ratio and the
target ratio from issue 14.
"""

from __future__ import annotations

import json

from common import RESULTS


def main() -> None:
    files = sorted(RESULTS.glob("*.json"))
    if not files:
        print(f"no benchmark results in {RESULTS}")
        return
    header = f"{'figure':42s} {'value':>9s}  {'limit':44s} {'ratio':>6s} {'target':>7s}"
    print("summary (ratios of medians over alternating runs; the limit measured in the same run)")
    print(header)
    print("-" * len(header))
    for path in files:
        payload = json.loads(path.read_text(encoding="utf-8"))
        for what, value, unit, limit, limit_value, target in payload["rows"]:
            ratio = value / limit_value if limit_value else float("nan")
            goal = "" if target is None else f"<={target:g}x"
            mark = "" if target is None else (" met" if ratio <= target else " NOT met")
            print(
                f"{what:42s} {value:7.2f} {unit:1s}  {limit:34s} {limit_value:7.2f} {unit:1s} "
                f"{ratio:5.2f}x {goal:>7s}{mark}"
            )
        print(f"  ({path.stem}: measured {payload['measured']})")


if __name__ == "__main__":
    main()
