"""Donor weights: the exact simplex QP (inner problem) and the search for V (outer problem).

Inner problem. Given a diagonal V, the weights minimise
``(x1 - X0 w)' V (x1 - X0 w)`` over the simplex (``w >= 0``, ``sum(w) = 1``).
With ``M = V^(1/2) (X0 - x1 1')`` this is the point of the convex hull of
``M``'s columns nearest the origin, a least-distance problem that Lawson &
Hanson ("Solving Least Squares Problems", 1974, ch. 23) reduce to one
non-negative least-squares problem: ``u = argmin_{u >= 0} ||M u||² + (1'u - 1)²``
and ``w = u / 1'u``. The KKT conditions of the two problems coincide: for the
NNLS solution ``(M'M u)_j = 1 - s`` on the support and ``>= 1 - s`` off it
(``s = 1'u``, which lies in (0, 1]), so ``w = u / s`` satisfies the simplex
problem's conditions with multiplier ``(1 - s) / s``. SciPy's
:func:`scipy.optimize.nnls` (the Lawson-Hanson active-set method) solves it
exactly in a finite number of steps, with no penalty weight to tune, in
about 25 microseconds for 38 donors; an interior-point QP (R's ``ipop``) or
SLSQP (pysyncon) only approaches the optimum to a tolerance, which makes the
outer loss noisy and stops the V search early.

Outer problem. V is chosen to minimise the outcome MSPE over the
optimisation window (R ``Synth``'s ``loss.v``). The loss is piecewise smooth
and has many local minima, so the search (as R ``Synth`` and Stata
``synth, nested``) tries several starts and keeps the best: equal weights and
R's regression-based start (the squared coefficients of a regression of the
window's outcomes on the scaled predictors). From each start, Powell's
derivative-free method on ``v = |theta| / sum|theta|`` (R's parametrisation)
with a small budget; from the better of them, Powell again to tighter
tolerances and then a BFGS polish on ``v = theta² / sum(theta²)`` (smooth
everywhere); the lowest loss met is kept.
Powell's line searches along single predictors move V across orders of
magnitude, which Nelder-Mead (R's default) does slowly.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from analysis.methods._options import VStart, choices
from analysis.methods.synth._spec import Spec

# Powell from every start with a budget of _SCREEN_EVALS evaluations per predictor, then
# continued from the best to _POWELL_TOLERANCES (at most _POWELL_EVALS per predictor),
# then a BFGS polish. The budgets keep the 39-unit Prop 99 placebo test near 90,000
# inner problems; the full search from both starts needs 120,000 and ends no lower.
_SCREEN_EVALS = 100
_SCREEN_TOLERANCES = {"xtol": 1e-6, "ftol": 1e-10}
_POWELL_EVALS = 400
_POWELL_TOLERANCES = {"xtol": 1e-4, "ftol": 1e-9}
_BFGS_OPTIONS = {"gtol": 1e-9, "maxiter": 50}


@dataclass(frozen=True)
class VSearch:
    """How V was found.

    Attributes
    ----------
    start
        The start whose first Powell run ended lowest, the one the search
        continued from: ``"equal"`` or ``"regression"``.
    losses
        Outcome MSPE over the optimisation window after the first Powell run
        from each start tried (the regression start is skipped when its
        regression is singular); the final loss is at most their minimum.
    evaluations
        Number of inner weight problems solved.
    """

    start: str
    losses: pd.Series
    evaluations: int


@dataclass(frozen=True, eq=False)
class Fit:
    """One unit's synthetic control."""

    weights: pd.Series
    synthetic: pd.Series
    gap: pd.Series
    pre_rmspe: float
    post_rmspe: float
    loss_v: float
    v: pd.Series | None
    v_search: VSearch | None


def simplex_least_squares(target: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Weights ``w >= 0``, ``sum(w) = 1`` minimising ``||target - donors @ w||²``, exactly.

    Solved as the least-distance problem described in this module's
    docstring: one call of :func:`scipy.optimize.nnls`.

    Parameters
    ----------
    target
        Shape ``(m,)``.
    donors
        Shape ``(m, n)``, one column per donor.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``. When several weight vectors reach the minimum, one with
        at most ``m + 1`` non-zero weights (a vertex of the solution set).
    """
    return _nearest_hull_point(donors - target[:, None])


def _nearest_hull_point(m: np.ndarray) -> np.ndarray:
    """Simplex weights of the point of the convex hull of ``m``'s columns nearest 0."""
    scale = float(np.abs(m).max())
    a = np.empty((m.shape[0] + 1, m.shape[1]))
    a[:-1] = m / scale if scale > 0 else m
    a[-1] = 1.0
    b = np.zeros(m.shape[0] + 1)
    b[-1] = 1.0
    u, _ = optimize.nnls(a, b, maxiter=50 * m.shape[1])
    return u / u.sum()


class _Problem:
    """The nested problem of one treated unit: V -> weights -> window MSPE."""

    def __init__(self, x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray) -> None:
        self.discrepancy = x0 - x1[:, None]
        self.z1, self.z0 = z1, z0
        self.evaluations = 0

    def weights(self, v: np.ndarray) -> np.ndarray:
        self.evaluations += 1
        return _nearest_hull_point(np.sqrt(v)[:, None] * self.discrepancy)

    def loss(self, v: np.ndarray) -> float:
        resid = self.z1 - self.z0 @ self.weights(v)
        return float(resid @ resid) / len(resid)

    def loss_abs(self, theta: np.ndarray) -> float:
        return self.loss(_v_abs(theta))

    def loss_squared(self, theta: np.ndarray) -> float:
        return self.loss(_v_squared(theta))


def _v_abs(theta: np.ndarray) -> np.ndarray:
    a = np.abs(theta)
    total = a.sum()
    return a / total if total > 0 else np.full(len(a), 1 / len(a))


def _v_squared(theta: np.ndarray) -> np.ndarray:
    return _v_abs(theta * theta)


def scaled_predictors(spec: Spec) -> pd.DataFrame:
    """Predictors divided by their standard deviation across the pool's units (as R Synth)."""
    x = spec.predictors
    sd = x.std(axis=1).replace(0.0, 1.0)
    return x.div(sd, axis=0)


def fit_unit(spec: Spec, treated: Hashable, donors: Sequence[Hashable]) -> Fit:
    """Synthetic control of ``treated`` from ``donors`` under the specification."""
    donors = list(donors)
    y1, y0 = spec.outcome[treated], spec.outcome[donors]
    window = spec.window
    z1, z0 = y1[window].to_numpy(), y0[window].to_numpy()
    v_series, search = None, None
    if spec.nested:
        x = scaled_predictors(spec)
        problem = _Problem(x[treated].to_numpy(), x[donors].to_numpy(), z1, z0)
        v, search = _choose_v(spec, problem, x, treated, donors)
        w = problem.weights(v)
        v_series = pd.Series(v, index=spec.predictors.index, name="v")
    else:
        w = simplex_least_squares(z1, z0)
    synthetic = (y0 @ w).rename("synthetic")
    gap = (y1 - synthetic).rename("gap")
    loss_v = float(np.mean(gap[window] ** 2))
    return Fit(
        weights=pd.Series(w, index=pd.Index(donors, name="donor"), name="weight"),
        synthetic=synthetic,
        gap=gap,
        pre_rmspe=float(np.sqrt(loss_v)),
        post_rmspe=float(np.sqrt(np.mean(gap[~spec.pre] ** 2))),
        loss_v=loss_v,
        v=v_series,
        v_search=search,
    )


def _choose_v(
    spec: Spec, problem: _Problem, x: pd.DataFrame, treated: Hashable, donors: list[Hashable]
) -> tuple[np.ndarray, VSearch | None]:
    k = len(x)
    if spec.v is not None:
        return spec.v, None
    if k == 1:
        return np.ones(1), None  # one predictor: V = 1 (as R Synth)
    starts = {"equal": np.full(k, 1 / k)}
    regression = _regression_start(x[[treated, *donors]].to_numpy(), spec, [treated, *donors])
    if regression is not None:
        starts["regression"] = regression
    screened = {
        name: _powell(problem, v0, _SCREEN_EVALS, _SCREEN_TOLERANCES) for name, v0 in starts.items()
    }
    best = min(screened, key=lambda name: (screened[name][1], choices(VStart).index(name)))
    losses = pd.Series({name: loss for name, (_, loss) in screened.items()}, name="loss_v")
    v = _polish(problem, *screened[best])
    return v, VSearch(best, losses, problem.evaluations)


def _regression_start(x: np.ndarray, spec: Spec, units: list[Hashable]) -> np.ndarray | None:
    """R Synth's second start: diag(B B') of the regression of window outcomes on predictors."""
    design = np.column_stack([np.ones(x.shape[1]), x.T])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return None
    z = spec.outcome.loc[spec.window, units].to_numpy()
    beta = np.linalg.solve(design.T @ design, design.T @ z.T)[1:]
    v = np.einsum("ij,ij->i", beta, beta)
    if not np.isfinite(v).all() or v.sum() <= 0:
        return None
    return v / v.sum()


def _powell(
    problem: _Problem, v0: np.ndarray, evals_per_predictor: int, tolerances: dict[str, float]
) -> tuple[np.ndarray, float]:
    """Powell's method on ``v = |theta| / sum|theta|`` from ``v0``: V and its loss."""
    res = optimize.minimize(
        problem.loss_abs,
        v0,
        method="Powell",
        options={**tolerances, "maxfev": evals_per_predictor * len(v0)},
    )
    v = _v_abs(res.x)
    return v, problem.loss(v)


def _polish(problem: _Problem, v: np.ndarray, loss: float) -> np.ndarray:
    """Powell continued to tighter tolerances, then BFGS on ``v = theta² / sum(theta²)``."""
    candidates = [(v, loss), _powell(problem, v, _POWELL_EVALS, _POWELL_TOLERANCES)]
    v, loss = min(candidates, key=lambda pair: pair[1])
    res = optimize.minimize(problem.loss_squared, np.sqrt(v), method="BFGS", options=_BFGS_OPTIONS)
    polished = _v_squared(res.x)
    return polished if problem.loss(polished) < loss else v


__all__ = ["Fit", "VSearch", "fit_unit", "scaled_predictors", "simplex_least_squares"]
