"""Analytic power against the simulated power of the region reports' estimator.

Run from the project root:

    .venv/bin/python benchmarks/power_simulation.py                  # 500 replicates per design
    .venv/bin/python benchmarks/power_simulation.py --replicates 1000 --seed 7

Two settings, each a power curve for a 10% drop (relative to the practices'
baseline) with as many comparison as pilot practices, 12 months before and 12
after a single start:

1. the demo data's own noise: the small demo is generated and ingested in a
   temporary folder, and the covariance of ``referral_rate_medical_specialist``
   is measured on the reports' scale (NL practices before 2016) with
   ``report_covariance``;
2. strongly autocorrelated monthly noise (AR(1) 0.8, sd 0.12), measured the
   same way from 24 months of simulated history of 400 practices.

For each number of pilot practices it prints the analytic power with the
measured covariance (Burlig, Preonas & Woerman 2020) with normal and t
quantiles, McKenzie's (2012) equicorrelated formula with the lag-1 and with the
mean correlation as its single rho, and the simulated power of the reports'
estimator (``simulate_power``, noise from ``fit_ar1``) with its Monte Carlo
standard error. Prints to stdout only; the figures in docs/validation.md come
from the default command. Exit status 1 if a simulated power lies outside the
analytic t-to-normal range by more than 3 Monte Carlo standard errors.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from analysis.data.demo import generate_demo
from analysis.data.ingest import ingest
from analysis.methods import (
    PeriodCovariance,
    power,
    report_covariance,
    required_practices,
    simulate_power,
    simulate_practice_months,
)

EFFECT = -0.10
PRACTICES = (4, 8, 16, 32)
DESIGN = {"periods_pre": 1, "periods_post": 4}  # att_gt: 4 post quarters vs the last pre quarter
LOWEST_RHO = -1 / 4  # equicorrelation of 5 periods cannot be lower


def demo_noise() -> tuple[PeriodCovariance, PeriodCovariance]:
    """Quarterly and monthly covariance of specialist referrals in the demo data."""
    with tempfile.TemporaryDirectory() as folder:
        raw, processed = Path(folder) / "raw", Path(folder) / "processed"
        generate_demo(raw, seed=42, scale="small")
        ingest(raw, processed)
        panel = pd.read_parquet(processed / "practice_month.parquet")
    nl = panel[panel["country"] == "NL"]
    outcome = "referral_rate_medical_specialist"
    return (
        report_covariance(nl, outcome, before="2016-01-01"),
        report_covariance(nl, outcome, before="2016-01-01", period="month"),
    )


def autocorrelated_noise(seed: int) -> tuple[PeriodCovariance, PeriodCovariance]:
    """Quarterly and monthly covariance of simulated AR(1) 0.8 practice history."""
    history = simulate_practice_months(
        0.0, n_treated=2, n_control=400, months_pre=24, months_post=1, sd=0.12, ar1=0.8, seed=seed
    )
    return (
        report_covariance(history, "simulated_rate", before="2022-01-01"),
        report_covariance(history, "simulated_rate", before="2022-01-01", period="month"),
    )


def curve(
    quarterly: PeriodCovariance, monthly: PeriodCovariance, replicates: int, seed: int
) -> tuple[pd.DataFrame, float]:
    sd, ar1 = monthly.fit_ar1()
    print(
        f"  quarterly sd {quarterly.sd:.4f}, lag-1 correlation "
        f"{quarterly.autocorrelation[1]:+.3f}, mean correlation {quarterly.equicorrelation:+.3f}"
    )
    print(f"  monthly AR(1) fit for the simulation: sd {sd:.4f}, ar1 {ar1:.3f}")
    rows, seconds = [], 0.0
    for k, n in enumerate(PRACTICES):
        arms = {"n_treated": n, "n_control": n}
        start = time.perf_counter()
        sim = simulate_power(EFFECT, **arms, sd=sd, ar1=ar1, n_replicates=replicates, seed=seed + k)
        seconds += time.perf_counter() - start
        rows.append(
            {
                "pilots": n,
                "bpw_normal": power(effect=EFFECT, covariance=quarterly, **arms, **DESIGN),
                "bpw_t": power(
                    effect=EFFECT, covariance=quarterly, distribution="t", **arms, **DESIGN
                ),
                "mckenzie_lag1": power(
                    effect=EFFECT,
                    sd=quarterly.sd,
                    autocorrelation=max(float(quarterly.autocorrelation[1]), LOWEST_RHO),
                    **arms,
                    **DESIGN,
                ),
                "mckenzie_mean": power(
                    effect=EFFECT,
                    sd=quarterly.sd,
                    autocorrelation=max(quarterly.equicorrelation, LOWEST_RHO),
                    **arms,
                    **DESIGN,
                ),
                "simulated": sim.power,
                "mc_se": sim.mc_se,
            }
        )
    return pd.DataFrame(rows), seconds / (replicates * len(PRACTICES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    print("Power of a 10% drop: analytic formulas against the simulated reports' estimator")
    print(f"  replicates={args.replicates} seed={args.seed}, 12 + 12 months, single start")
    print("  columns: power with the measured covariance (BPW 2020, normal and t quantiles),")
    print("  McKenzie (2012) with the lag-1 / mean correlation as rho, simulated (+- MC SE)")
    ok = True
    settings = [
        ("1. demo data, specialist referrals (NL, before 2016)", demo_noise),
        ("2. AR(1) 0.8 monthly noise, sd 0.12", lambda: autocorrelated_noise(args.seed)),
    ]
    for title, measure in settings:
        print()
        print(title)
        quarterly, monthly = measure()
        table, per_replicate = curve(quarterly, monthly, args.replicates, args.seed)
        print(table.round(3).to_string(index=False))
        needed = {
            dist: required_practices(EFFECT, covariance=quarterly, distribution=dist, **DESIGN)
            for dist in ("normal", "t")
        }
        print(
            f"  80% power needs {needed['normal']} pilot practices (normal quantiles), "
            f"{needed['t']} (t quantiles), each with as many comparison practices"
        )
        start = time.perf_counter()
        for _ in range(1000):
            power(effect=EFFECT, n_treated=8, n_control=8, covariance=quarterly, **DESIGN)
        analytic = (time.perf_counter() - start) / 1000
        print(
            f"  time: {per_replicate * 1000:.0f} ms per simulated pilot, "
            f"{analytic * 1e6:.0f} microseconds per analytic power"
        )
        low = table["bpw_t"] - 3 * table["mc_se"]
        high = table["bpw_normal"] + 3 * table["mc_se"]
        inside = table["simulated"].between(low, high)
        if not inside.all():
            ok = False
            print(f"  FAIL: simulated power outside the analytic range for {table.loc[~inside]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
