"""Prop 99, ADH specification: our V search against the previous one and against pysyncon.

Run from the project root (pysyncon and threadpoolctl come with the dev extra):

    .venv/bin/python benchmarks/synth_pysyncon.py [--skip-pysyncon]

Reads ``../shared/reference/smoking_covariates.csv`` and fits synthetic
California with Abadie, Diamond & Hainmueller's specification (``lnincome``,
``retprice``, ``age15to24`` over 1980-1988, ``beer`` over 1984-1988,
``cigsale`` in 1975, 1980 and 1988; V minimising the 1970-1988 MSPE) three ways:

* ``synthetic_control`` (exact simplex QP, warm-started from the last
  support; Powell from the equal and the regression start, continued from
  the better, BFGS polish with the exact gradient);
* the library's search before issue 11, kept here as the baseline: Nelder-Mead
  from equal weights over ``|theta| / sum|theta|``, the inner problem solved
  with NNLS and a heavily weighted sum-to-one row;
* ``pysyncon.Synth``: Nelder-Mead from equal weights (its default) and from
  its regression ("ols") start, SLSQP for the inner problem, with one BLAS
  thread (``threadpoolctl``; with OpenBLAS threads on a busy 2-core machine
  its SLSQP runs about 20x slower).

Prints each fit's time, pre-period MSPE and largest weights, then the 39-unit
placebo-in-space test with ours and with the Nelder-Mead search: time,
California's rank, the placebo units' pre-period MSPE (median, and how many
units each search fits better) and the ratios, all measured in this one run
(wall-clock seconds; the figures move with the machine's load, the ratios
much less). pysyncon's placebo test (39 SLSQP-based searches) is left out: it
takes tens of minutes here; its single-fit time says why. ``--skip-pysyncon``
leaves out its single fits too (about 75 s). Writes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from analysis.methods.synth import synthetic_control
from analysis.methods.synth._weights import scaled_predictors

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = Path(
    os.environ.get("PILOT_REFERENCE_DIR", PROJECT_ROOT.parent / "shared" / "reference")
)
PREDICTORS = {
    "lnincome": ("lnincome", range(1980, 1989)),
    "retprice": ("retprice", range(1980, 1989)),
    "age15to24": ("age15to24", range(1980, 1989)),
    "beer": ("beer", range(1984, 1989)),
}
LAGS = [1975, 1980, 1988]
TREATED, START = "California", 1989


def fit_ours(smoking: pd.DataFrame, treated: str = TREATED):
    """Our fit of ``treated`` from all other states."""
    return synthetic_control(
        smoking,
        unit="state",
        time="year",
        outcome="cigsale",
        treated_unit=treated,
        start=START,
        predictors=PREDICTORS,
        outcome_lags=LAGS,
    )


def previous_weights(x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray):
    """The previous search: Nelder-Mead from equal weights, penalty-row NNLS inside."""

    def simplex(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
        weight = 1e6 * max(float(np.abs(donors).max()), float(np.abs(target).max()), 1.0)
        a = np.vstack([donors, np.full(donors.shape[1], weight)])
        w, _ = optimize.nnls(a, np.append(target, weight), maxiter=100 * donors.shape[1])
        return w / w.sum()

    def weights_for(theta: np.ndarray) -> np.ndarray:
        v = np.abs(theta) + 1e-12
        root_v = np.sqrt(v / v.sum())
        return simplex(root_v * x1, root_v[:, None] * x0)

    def loss(theta: np.ndarray) -> float:
        return float(np.mean((z1 - z0 @ weights_for(theta)) ** 2))

    k = len(x1)
    res = optimize.minimize(loss, np.ones(k), method="Nelder-Mead", options={"maxiter": 400 * k})
    return weights_for(res.x)


def fit_previous(spec, treated: str, donors: list[str]) -> tuple[pd.Series, pd.Series]:
    """Weights and gap of the previous search on the same specification matrices."""
    x = scaled_predictors(spec)
    y = spec.outcome
    pre = spec.pre
    w = previous_weights(
        x[treated].to_numpy(),
        x[donors].to_numpy(),
        y.loc[pre, treated].to_numpy(),
        y.loc[pre, donors].to_numpy(),
    )
    gap = y[treated] - y[donors].to_numpy() @ w
    return pd.Series(w, index=donors), gap


def fit_pysyncon(smoking: pd.DataFrame, start: str):
    """pysyncon's Synth (Nelder-Mead; ``start`` "equal" or "ols") on the same specification."""
    import pysyncon
    from threadpoolctl import threadpool_limits

    states = list(dict.fromkeys(smoking["state"]))
    dataprep = pysyncon.Dataprep(
        foo=smoking,
        predictors=["lnincome", "retprice", "age15to24"],
        predictors_op="mean",
        time_predictors_prior=range(1980, 1989),
        special_predictors=[
            ("beer", range(1984, 1989), "mean"),
            *(("cigsale", [year], "mean") for year in LAGS),
        ],
        dependent="cigsale",
        unit_variable="state",
        time_variable="year",
        treatment_identifier=TREATED,
        controls_identifier=[s for s in states if s != TREATED],
        time_optimize_ssr=range(1970, START),
    )
    synth = pysyncon.Synth()
    with threadpool_limits(1):
        synth.fit(dataprep=dataprep, optim_initial=start)
    return pd.Series(np.asarray(synth.W), index=synth.W_names), float(synth.loss_V)


def timed(run: Callable[[], object]) -> tuple[object, float]:
    """The result of ``run()`` and its wall-clock seconds."""
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def top(weights: pd.Series) -> str:
    """The five largest weights as text."""
    largest = weights.sort_values(ascending=False).head(5)
    return ", ".join(f"{state} {w:.3f}" for state, w in largest.items())


def read_smoking() -> pd.DataFrame | None:
    """The Prop 99 panel with ADH's covariates, or None (with a message) when it is absent."""
    path = REFERENCE_DIR / "smoking_covariates.csv"
    if not path.exists():
        print(f"reference file not found: {path}; set PILOT_REFERENCE_DIR to its folder")
        return None
    return pd.read_csv(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-pysyncon", action="store_true", help="leave out pysyncon's fits")
    args = parser.parse_args(argv)
    smoking = read_smoking()
    if smoking is None:
        return 2
    ours, t_ours = timed(lambda: fit_ours(smoking))
    spec, states = ours._spec, list(ours._spec.outcome.columns)
    donors = [s for s in states if s != TREATED]
    (w_prev, gap_prev), t_prev = timed(lambda: fit_previous(spec, TREATED, donors))
    rows = {
        "synthetic_control": (t_ours, ours.pre_mspe, top(ours.weights)),
        "Nelder-Mead search (before issue 11)": (
            t_prev,
            float(np.mean(gap_prev[spec.pre] ** 2)),
            top(w_prev),
        ),
    }
    for start in () if args.skip_pysyncon else ("equal", "ols"):
        try:
            (w_pys, loss_pys), t_pys = timed(lambda start=start: fit_pysyncon(smoking, start))
        except ImportError as err:
            print(f"pysyncon left out ({err}); pip install -e '.[dev]'")
            break
        rows[f"pysyncon Synth ({start} start)"] = (t_pys, loss_pys, top(w_pys))
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["seconds", "pre_mspe", "top"])
    print("Prop 99, ADH specification: one fit of California")
    print("published: R Synth (tidysynth) pre-period MSPE 3.17; Stata synth2 1.75567^2 = 3.082")
    print(f"our search solved {ours.v_search.evaluations} inner problems")
    with pd.option_context("display.width", 200, "display.max_colwidth", 90):
        print(table.round({"seconds": 2, "pre_mspe": 4}).to_string())
    for name, (seconds, mspe, _) in rows.items():
        if name != "synthetic_control":
            print(
                f"  {name}: {seconds / t_ours:.2f}x our time, "
                f"pre-period MSPE {mspe / ours.pre_mspe:.3f}x ours"
            )

    placebo, t_placebo = timed(ours.placebo)
    previous, t_prev_placebo = timed(lambda: previous_placebo(spec, states))
    ours_mspe = placebo.table["pre_rmspe"] ** 2
    prev_mspe = previous["pre_mspe"].reindex(ours_mspe.index)
    prev_rank = int((previous["ratio"] >= previous.loc[TREATED, "ratio"]).sum())
    print("\n39-unit placebo-in-space test")
    print(
        f"  synthetic_control: {t_placebo:.1f} s, California ranks {placebo.rank} of "
        f"{placebo.n_units} (p = {placebo.p_value:.4f}), "
        f"median pre-period MSPE {ours_mspe.median():.3f}"
    )
    print(
        f"  Nelder-Mead search: {t_prev_placebo:.1f} s, California ranks {prev_rank} of "
        f"{len(previous)}, median pre-period MSPE {prev_mspe.median():.3f}"
    )
    print(f"  time ratio (ours / Nelder-Mead): {t_placebo / t_prev_placebo:.2f}")
    print(
        f"  pre-period MSPE: ours lower for {(ours_mspe < prev_mspe * (1 - 1e-6)).sum()} units, "
        f"higher for {(ours_mspe > prev_mspe * (1 + 1e-6)).sum()}; "
        f"geometric mean of ours / Nelder-Mead {np.exp(np.log(ours_mspe / prev_mspe).mean()):.3f}"
    )
    return 0


def previous_placebo(spec, states: list[str]) -> pd.DataFrame:
    """Pre-period MSPE and post/pre RMSPE ratio of every state under the Nelder-Mead search."""
    rows = {}
    for state in states:
        _, gap = fit_previous(spec, state, [s for s in states if s != state])
        pre = spec.pre
        pre_mspe = float(np.mean(gap[pre] ** 2))
        rows[state] = (pre_mspe, np.sqrt(np.mean(gap[~pre] ** 2) / pre_mspe))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["pre_mspe", "ratio"])


if __name__ == "__main__":
    sys.exit(main())
