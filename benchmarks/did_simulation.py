"""Simulation study: coverage and bias of att_gt (Callaway & Sant'Anna) and static TWFE.

Run from the project root:

    .venv/bin/python benchmarks/did_simulation.py            # full study, 1000 replicates
    .venv/bin/python benchmarks/did_simulation.py --replicates 500 --seed 7

Prints the design and a results table to stdout; writes nothing. The figures
reported in docs/validation.md come from the default command. Exit status 1
if att_gt misses its targets (coverage outside 92-98 %, |bias| >= 10 % of the
true effect).
"""

from __future__ import annotations

import argparse
import sys
import time

from analysis.simulation import DEFAULT_COHORTS, coverage_band, coverage_study, twfe_weights

DEFAULT_SEED = 20240601


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--periods", type=int, default=8)
    args = parser.parse_args(argv)
    if args.replicates < 200:
        print(f"note: {args.replicates} replicates is a reduced run (the full study uses >= 200)")

    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 250 == 0 or done == total:
            print(f"  {done}/{total} replicates, {time.perf_counter() - start:.0f} s", flush=True)

    print("DiD simulation study")
    print(
        f"  replicates={args.replicates} seed={args.seed} units={args.units} periods={args.periods}"
    )
    print(f"  cohorts (start period: share) {DEFAULT_COHORTS}, rest never treated")
    print("  effects build up over 3 periods to 3 / 2 / 1 for cohorts 3 / 5 / 7")
    study = coverage_study(
        args.replicates, args.seed, n_units=args.units, n_periods=args.periods, progress=progress
    )
    s = study.summary
    true_att = s.loc["att_gt", "true_att"]
    print()
    print(f"true overall ATT (simple aggregation estimand): {true_att:.4f}")
    print(study.to_text())
    print()
    lo, hi = coverage_band(args.replicates)
    cs, tw = s.loc["att_gt"], s.loc["twfe"]
    print(
        f"att_gt: coverage {cs['coverage']:.1%} (99% binomial band for a true 95%: "
        f"{lo:.1%}-{hi:.1%}), bias {cs['bias']:+.4f} = {cs['bias_pct']:+.1f}% of the effect "
        f"(Monte Carlo SE {cs['mc_se_bias']:.4f})"
    )
    print(
        f"twfe:   coverage {tw['coverage']:.1%}, bias {tw['bias']:+.4f} = "
        f"{tw['bias_pct']:+.1f}% of the effect"
    )
    weights = twfe_weights(n_periods=args.periods)
    plim = float((weights["twfe_weight"] * weights["att"]).sum())
    print()
    print("Why TWFE is off: its implicit weights on the true ATT(g,t) (post-treatment cells)")
    print(weights.round(4).to_string(index=False))
    print(
        f"TWFE probability limit sum(w * ATT) = {plim:.4f} "
        f"(simulated mean {tw['mean_estimate']:.4f}); simple-aggregation estimand "
        f"{true_att:.4f}"
    )
    print(f"elapsed {time.perf_counter() - start:.0f} s")

    ok = 0.92 <= cs["coverage"] <= 0.98 and abs(cs["bias_pct"]) < 10
    if not ok:
        print("FAIL: att_gt outside its targets (coverage 92-98%, |bias| < 10%)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
