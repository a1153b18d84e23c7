"""The V search's design choices, measured on Prop 99 (ADH specification) and the Basque data.

Run from the project root:

    .venv/bin/python benchmarks/synth_v_search.py [--basque path/to/basque.csv] [--budgets]

Reads ``../shared/reference/smoking_covariates.csv`` and runs the 39-unit
placebo-in-space test of synthetic California (the specification of
``benchmarks/synth_pysyncon.py``), recording every V the search evaluates.
Prints, measured in this one run:

1. warm starts: the recorded V of all 39 searches solved again with the warm
   start (the least-squares problem on the last support, accepted when its KKT
   conditions hold strictly) and with NNLS alone: microseconds per inner
   problem, the share warm-started, and the largest difference of the losses
   (the two give the same solution; only rounding differs);
2. the exact gradient alone: BFGS on ``log v`` with the exact gradient from the
   equal and the regression start, no Powell: inner problems solved, and its
   loss against the full search's per unit (why Powell stays in the search);
3. with ``--basque``, R ``Synth``'s Basque example (Abadie & Gardeazabal 2003:
   the file ``data/basque.csv`` of pysyncon's repository; regions 2-18 but
   Spain, predictors and windows as in R's ``?synth``, V minimising the
   1960-1969 MSPE): the window MSPE against R's 0.008865, time and inner
   problems;
4. with ``--budgets`` (a few minutes), the Powell budgets: every placebo search
   of Prop 99 (ADH's specification, and one with the outcome in 1970, 1975,
   1980, 1985 and 1988 and V fitted on 1975-1988) and, with ``--basque``, of
   the Basque data, run with the budgets in use (80 evaluations per predictor
   from each start, 200 from the better), with the budgets before (100 and
   400), and with the budgets in use from starts moved by 1e-12: inner
   problems, and the losses against those of the budgets in use (geometric
   mean ratio, searches more than 1% higher and lower). The last line shows
   how much the search's result moves with rounding alone.

Timings are CPU seconds of this process (the machine's load moves them, the
ratios much less). Writes nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
from scipy import optimize
from synth_pysyncon import PREDICTORS, TREATED, fit_ours, read_smoking

from analysis.methods.synth import _weights, synthetic_control

R_BASQUE_LOSS_V = 0.008865  # R Synth, example(synth): "MSPE (LOSS V)"
BASQUE_SCHOOLING = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high"]
BASQUE_SECTORS = [
    "sec.agriculture",
    "sec.energy",
    "sec.industry",
    "sec.construction",
    "sec.services.venta",
    "sec.services.nonventa",
]


def recorded_searches(spec, states: list[str]) -> list[tuple[tuple, list[np.ndarray], float]]:
    """Every unit's search: its problem's arguments, the V it evaluated, its final loss."""
    searches = []
    evaluate = _weights._Problem._evaluate

    def recording(problem, v):
        problem.recorded.append(v.copy())
        return evaluate(problem, v)

    def init(problem, *args):
        original_init(problem, *args)
        problem.recorded = []
        searches.append((args, problem.recorded))

    original_init = _weights._Problem.__init__
    with (
        mock.patch.object(_weights._Problem, "__init__", init),
        mock.patch.object(_weights._Problem, "_evaluate", recording),
    ):
        losses = [
            _weights.fit_unit(spec, unit, [s for s in states if s != unit]).loss_v
            for unit in states
        ]
    return [(args, seq, loss) for (args, seq), loss in zip(searches, losses, strict=True)]


def replay(searches, *, warm: bool) -> tuple[np.ndarray, float, int, int]:
    """Losses of every recorded V, CPU seconds, inner problems and warm solves."""
    losses, solves, warm_solves = [], 0, 0
    nnls_only = mock.patch.object(_weights._WarmHull, "_warm", lambda hull, root: None)
    with contextlib.nullcontext() if warm else nnls_only:
        start = time.process_time()
        for args, seq, _ in searches:
            problem = _weights._Problem(*args)
            losses.extend(problem._evaluate(v)[0] for v in seq)
            solves += len(seq)
            warm_solves += problem.hull.warm_solves
        seconds = time.process_time() - start
    return np.array(losses), seconds, solves, warm_solves


def gradient_only(args: tuple, spec, treated: str, donors: list[str]) -> tuple[float, int]:
    """BFGS on log v with the exact gradient from the two starts: best loss, inner problems."""
    problem = _weights._Problem(*args)
    x = _weights.scaled_predictors(spec)
    starts = [np.full(len(x), 1 / len(x))]
    regression = _weights._regression_start(
        x[[treated, *donors]].to_numpy(), spec, [treated, *donors]
    )
    if regression is not None:
        starts.append(regression)
    for v0 in starts:
        theta = np.log(np.maximum(v0 / v0.max(), np.exp(_weights._LOG_V_FLOOR)))
        optimize.minimize(
            problem.loss_and_gradient_log, theta, jac=True, method="BFGS", options={"maxiter": 500}
        )
    return problem.best_loss, problem.evaluations


def basque(path: Path) -> None:
    """R Synth's Basque example: window MSPE, time and inner problems."""
    start = time.process_time()
    res = synthetic_control(**basque_spec(path))
    seconds = time.process_time() - start
    print("\nBasque Country (R Synth's example, 16 donors, 13 predictors)")
    print(
        f"  window MSPE {res.loss_v:.6f} (R Synth {R_BASQUE_LOSS_V}), {seconds:.2f} s, "
        f"{res.v_search.evaluations} inner problems; weights "
        + ", ".join(f"{r} {w:.3f}" for r, w in res.weights.head(3).items())
    )


def basque_spec(path: Path):
    """The specification of R Synth's Basque example (Spain left out of the pool)."""
    data = pd.read_csv(path)
    data = data[data["regionno"] != 1]  # Spain, not a donor in R's example
    predictors = {c: (c, range(1964, 1970)) for c in [*BASQUE_SCHOOLING, "invest"]}
    predictors["gdpcap"] = ("gdpcap", range(1960, 1970))
    predictors.update({c: (c, range(1961, 1970, 2)) for c in BASQUE_SECTORS})
    predictors["popdens"] = ("popdens", [1969])
    return dict(
        data=data,
        unit="regionname",
        time="year",
        outcome="gdpcap",
        treated_unit="Basque Country (Pais Vasco)",
        start=1970,
        predictors=predictors,
        optimization_window=range(1960, 1970),
    )


def all_placebo_losses(specs: dict) -> tuple[pd.Series, int]:
    """Loss of every unit's search in every specification, and the inner problems solved."""
    losses, solves = {}, 0
    for name, spec in specs.items():
        units = list(spec.outcome.columns)
        for unit in units:
            fit = _weights.fit_unit(spec, unit, [u for u in units if u != unit])
            losses[(name, unit)] = fit.loss_v
            solves += fit.v_search.evaluations
    return pd.Series(losses), solves


def budgets(specs: dict) -> None:
    """The searches with the budgets in use, the previous ones, and from moved starts."""
    powell = _weights._powell

    def moved(problem, v0, evals, tolerances):
        if evals == _weights._SCREEN_EVALS:
            v0 = v0 * (1 + 1e-12 * np.arange(len(v0)))
        return powell(problem, v0, evals, tolerances)

    reference, solves = all_placebo_losses(specs)
    print(f"\n4. Powell budgets: {len(reference)} placebo searches")
    print(f"  in use (80 and 200 per predictor): {solves} inner problems")
    runs = {
        "before (100 and 400)": (
            mock.patch.object(_weights, "_SCREEN_EVALS", 100),
            mock.patch.object(_weights, "_POWELL_EVALS", 400),
        ),
        "in use, starts moved by 1e-12": (mock.patch.object(_weights, "_powell", moved),),
    }
    for label, patches in runs.items():
        with contextlib.ExitStack() as stack:
            for patch in patches:
                stack.enter_context(patch)
            losses, solves = all_placebo_losses(specs)
        ratio = losses / reference
        print(
            f"  {label}: {solves} inner problems; losses / in use: geometric mean "
            f"{np.exp(np.log(ratio).mean()):.4f}, more than 1% higher for {(ratio > 1.01).sum()}, "
            f"lower for {(ratio < 0.99).sum()}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--basque", type=Path, help="pysyncon's data/basque.csv")
    parser.add_argument("--budgets", action="store_true", help="compare the Powell budgets")
    args = parser.parse_args(argv)
    smoking = read_smoking()
    if smoking is None:
        return 2
    spec = fit_ours(smoking)._spec
    states = list(spec.outcome.columns)
    start = time.process_time()
    searches = recorded_searches(spec, states)
    t_search = time.process_time() - start
    searched = pd.Series([loss for *_, loss in searches], index=states)
    print(f"Prop 99 placebo test (39 searches): {t_search:.1f} s")

    warm, t_warm, solves, warm_solves = replay(searches, warm=True)
    cold, t_cold, _, _ = replay(searches, warm=False)
    print(f"\n1. the {solves} inner problems of the 39 searches, solved again")
    print(
        f"  warm-started: {t_warm / solves * 1e6:.1f} us each "
        f"({warm_solves / solves:.0%} certified on the last support)"
    )
    print(f"  NNLS alone:   {t_cold / solves * 1e6:.1f} us each; ratio {t_cold / t_warm:.2f}")
    print(f"  largest relative difference of the losses: {np.max(np.abs(warm / cold - 1)):.1e}")

    rows = {}
    for unit, (problem_args, *_rest) in zip(states, searches, strict=True):
        donors = [s for s in states if s != unit]
        rows[unit] = gradient_only(problem_args, spec, unit, donors)
    gradient = pd.DataFrame.from_dict(rows, orient="index", columns=["loss", "solves"])
    ratio = gradient["loss"] / searched
    print("\n2. BFGS with the exact gradient from the two starts, no Powell")
    print(
        f"  {int(gradient['solves'].sum())} inner problems (the search: {solves}); ends more "
        f"than 0.1% above the search for {(ratio > 1.001).sum()} of 39 units, below for "
        f"{(ratio < 0.999).sum()}; geometric mean ratio {np.exp(np.log(ratio).mean()):.3f}; "
        f"{TREATED} {gradient.loc[TREATED, 'loss']:.4f} (the search: {searched[TREATED]:.4f})"
    )
    if args.basque is not None:
        basque(args.basque)
    if args.budgets:
        specs = {
            "ADH": spec,
            "five lags": synthetic_control(
                smoking,
                unit="state",
                time="year",
                outcome="cigsale",
                treated_unit=TREATED,
                start=1989,
                predictors=PREDICTORS,
                outcome_lags=[1970, 1975, 1980, 1985, 1988],
                optimization_window=range(1975, 1989),
            )._spec,
        }
        if args.basque is not None:
            specs["Basque"] = synthetic_control(**basque_spec(args.basque))._spec
        budgets(specs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
