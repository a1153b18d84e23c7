"""Prop 99: how California's placebo rank depends on the synthetic-control specification.

Run from the project root:

    .venv/bin/python benchmarks/synth_specifications.py

Reads ``../shared/reference/smoking_data.csv`` (39 states, 1970-2000, outcome
only) and fits synthetic California under the outcome-only specifications
that Ferman, Pinto & Possebom (2020, "Cherry picking with synthetic
controls", JPAM) list as the common choices, each with the in-space placebo
test. Prints one row per specification: pre-period RMSPE, gap in 2000,
average gap 1989-2000, the three largest donor weights and California's rank
among the 39 post/pre RMSPE ratios. Writes nothing. The table in
docs/validation.md comes from this command.

The specifications are fixed in advance (this list), not searched for a
result: the point is to show the spread, as the paper recommends.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd

from analysis.methods.synth import synthetic_control

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# same place as the reference tests look (tests/conftest.py), same override
REFERENCE_DIR = Path(
    os.environ.get("PILOT_REFERENCE_DIR", PROJECT_ROOT.parent / "shared" / "reference")
)
PRE_YEARS = list(range(1970, 1989))

# name -> keyword arguments of synthetic_control (Ferman, Pinto & Possebom 2020, section 3)
SPECIFICATIONS: dict[str, dict] = {
    "all pre-period outcomes, equal weight (default)": {},
    "all pre-period outcomes, nested V": {"outcome_lags": PRE_YEARS},
    "first three quarters of the pre-period": {"outcome_lags": PRE_YEARS[: 3 * 19 // 4]},
    "first half of the pre-period": {"outcome_lags": PRE_YEARS[: 19 // 2]},
    "odd years": {"outcome_lags": [y for y in PRE_YEARS if y % 2]},
    "even years": {"outcome_lags": [y for y in PRE_YEARS if not y % 2]},
    "pre-period mean": {"predictors": ["cigsale"]},
    "ADH's three lags (1975, 1980, 1988), no covariates": {"outcome_lags": [1975, 1980, 1988]},
}


def fit_row(smoking: pd.DataFrame, options: dict) -> dict:
    """Fit one specification with its placebo test; return the figures of one table row."""
    res = synthetic_control(
        smoking,
        unit="state",
        time="year",
        outcome="cigsale",
        treated_unit="California",
        start=1989,
        placebo=True,
        **options,
    )
    placebo = res.placebo()
    top = res.weights.head(3)
    return {
        "pre_rmspe": round(res.pre_rmspe, 2),
        "gap_2000": round(float(res.gap.loc[2000]), 1),
        "mean_gap": round(float(res.gap[res.gap.index >= 1989].mean()), 1),
        "top_donors": ", ".join(f"{s} {w:.2f}" for s, w in top.items()),
        "rank": f"{placebo.rank} of {placebo.n_units}",
        "ahead": ", ".join(str(u) for u in placebo.table.index[: placebo.rank - 1]) or "-",
    }


def main() -> int:
    path = REFERENCE_DIR / "smoking_data.csv"
    if not path.exists():
        print(f"reference file not found: {path}; set PILOT_REFERENCE_DIR to its folder")
        return 2
    smoking = pd.read_csv(path)
    start = time.perf_counter()
    rows = {name: fit_row(smoking, options) for name, options in SPECIFICATIONS.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "specification"
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(table.to_string())
    ranks = table["rank"].str.split().str[0].astype(int)
    print(
        f"\nCalifornia's rank: {ranks.min()} to {ranks.max()} of 39 over "
        f"{len(table)} specifications ({time.perf_counter() - start:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
