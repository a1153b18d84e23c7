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
exactly in a finite number of steps, with no penalty weight to tune; an
interior-point QP (R's ``ipop``) or SLSQP (pysyncon) only approaches the
optimum to a tolerance, which makes the outer loss noisy and stops the V
search early.

Successive V of the search mostly keep the support (the donors with positive
weight). ``_WarmHull`` then solves the least-squares problem on the last
support by one QR decomposition and accepts it only when its KKT conditions
hold with strict complementarity (every donor off the support strictly
worse): the solution is then unique and the one NNLS returns. A changed
support, a tie, or an exact fit of the predictors (where every donor ties and
NNLS picks a vertex) goes to NNLS. Results are those of NNLS alone, to
rounding (``benchmarks/synth_v_search.py`` measures both).

Outer problem. V is chosen to minimise the outcome MSPE over the
optimisation window (R ``Synth``'s ``loss.v``). The loss is piecewise smooth
and has many local minima, so the search (as R ``Synth`` and Stata
``synth, nested``) tries several starts and keeps the best: equal weights and
R's regression-based start (the squared coefficients of a regression of the
window's outcomes on the scaled predictors). From each start, Powell's
derivative-free method on ``v = |theta| / sum|theta|`` (R's parametrisation)
with a small budget; from the better of them, Powell again to tighter
tolerances and then BFGS on ``log v`` with the exact gradient
(:func:`loss_gradient`); the lowest loss met is kept.
Powell's line searches along single predictors move V across orders of
magnitude, which Nelder-Mead (R's default) does slowly. The exact gradient
alone does not replace them: where an exact fit of some predictors makes the
weights locally constant it is zero, and where the support changes the loss
has a kink; BFGS from the two starts without Powell ends above the search's
optimum for 25 of the 39 Prop 99 units (``benchmarks/synth_v_search.py``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.linalg import lapack

from analysis.methods._options import VStart, choices
from analysis.methods.synth._spec import Spec

# Powell from every start with a budget of _SCREEN_EVALS evaluations per predictor, then
# continued from the best to _POWELL_TOLERANCES (at most _POWELL_EVALS per predictor),
# then BFGS on log v (floored at exp(_LOG_V_FLOOR) times the largest) with the exact
# gradient. The 39-unit Prop 99 placebo test solves about 64,000 inner problems; budgets
# of 100 and 400 solve a fifth more and end no lower (benchmarks/synth_v_search.py).
_SCREEN_EVALS = 80
_SCREEN_TOLERANCES = {"xtol": 1e-6, "ftol": 1e-10}
_POWELL_EVALS = 200
_POWELL_TOLERANCES = {"xtol": 1e-4, "ftol": 1e-9}
_BFGS_OPTIONS = {"maxiter": 20, "gtol": 1e-10}
_LOG_V_FLOOR = -40.0


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
    hull = _WarmHull(donors - target[:, None])
    u = hull.solve(hull.scaled_root(np.ones(len(target))))
    w = np.zeros(donors.shape[1])
    w[hull.support] = u / u.sum()
    return w


# KKT conditions of the scaled least-distance problem (entries of order 1) that a
# warm-started solution must meet; otherwise the inner problem is solved from scratch.
_KKT_TOLERANCE = 1e-12


class _WarmHull:
    """The nearest hull point of ``diag(sqrt(v)) @ discrepancy`` for many V, warm-started.

    Successive V of a search usually leave the support (the donors with
    positive weight) unchanged. For the support of the last solution the
    least-squares problem of the Lawson-Hanson reduction is solved by QR
    (LAPACK ``dgels``) and its KKT conditions are checked: ``u > 0`` on the
    support, the dual ``A'(b - A u)`` zero on it and strictly negative off it.
    Then ``u`` is the unique solution, the one :func:`scipy.optimize.nnls`
    returns. Otherwise (the support changed; a donor off the support ties; an
    exact fit of the predictors, where every donor ties) NNLS solves the
    problem from scratch and its support is kept for the next V.
    """

    def __init__(self, discrepancy: np.ndarray) -> None:
        self.discrepancy = discrepancy
        self.row_max = np.abs(discrepancy).max(axis=1)
        k, n = discrepancy.shape
        self.rhs = np.zeros(k + 1)
        self.rhs[-1] = 1.0
        self._cold_system = np.ones((k + 1, n))
        self._may_warm_start = False
        self.warm_solves = 0  # solutions certified on the last support, without NNLS
        self._positive = np.zeros(n, dtype=bool)
        self._keep_support(np.arange(0))

    def scaled_root(self, v: np.ndarray) -> np.ndarray:
        """``sqrt(v)`` scaled so that the largest entry of ``M`` is 1 (w does not change)."""
        root = np.sqrt(v)
        largest = (root * self.row_max).max()
        return root / largest if largest > 0 else np.ones(len(v))

    def solve(self, root: np.ndarray) -> np.ndarray:
        """NNLS solution ``u`` on ``self.support`` (``w = u / sum(u)``) for the scaled root."""
        if self._may_warm_start:
            u = self._warm(root)
            if u is not None:
                self.warm_solves += 1
                return u
        return self._cold(root)

    def support_system(self, root: np.ndarray) -> np.ndarray:
        """``[M_S; 1']``: the support's columns of the NNLS matrix (Fortran order, for LAPACK)."""
        system = self._system
        np.multiply(root[:, None], self.support_rows, out=system[:-1])
        return system

    def _warm(self, root: np.ndarray) -> np.ndarray | None:
        _, x, info = lapack.dgels(self.support_system(root), self.rhs)
        u = x[: len(self.support)]
        total = u.sum()
        # s = 1'u lies in (0, 1]; s = 1 is an exact fit of the predictors
        if info != 0 or not (u.min() > 0 and total < 1 - _KKT_TOLERANCE):
            return None
        dual = (1 - total) - self.discrepancy.T @ (root * root * (self.support_rows @ u))
        on_support = dual[self.support]
        if on_support.min() < -_KKT_TOLERANCE or on_support.max() > _KKT_TOLERANCE:
            return None
        dual[self.support] = -1.0
        if dual.max() >= -_KKT_TOLERANCE:
            return None  # a donor off the support ties: the weights may not be unique
        return u

    def _cold(self, root: np.ndarray) -> np.ndarray:
        a = self._cold_system
        np.multiply(root[:, None], self.discrepancy, out=a[:-1])
        u, _ = optimize.nnls(a, self.rhs, maxiter=50 * a.shape[1])
        positive = u > 0
        if not np.array_equal(positive, self._positive):
            self._keep_support(np.flatnonzero(positive))
            self._positive = positive
        u = u[self.support]
        self._may_warm_start = u.sum() < 1 - _KKT_TOLERANCE
        return u

    def _keep_support(self, support: np.ndarray) -> None:
        self.support = support
        self.support_rows = self.discrepancy[:, support]
        self._system = np.ones((self.discrepancy.shape[0] + 1, len(support)), order="F")


class _Problem:
    """The nested problem of one treated unit: V -> weights -> window MSPE.

    Keeps the lowest loss met, with its V and weights, whichever step of the
    search met it.
    """

    def __init__(self, x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray) -> None:
        self.hull = _WarmHull(x0 - x1[:, None])
        self.z1, self.z0 = z1, z0
        self.evaluations = 0
        self.best_loss = np.inf
        self.best_v = np.full(len(x1), 1 / len(x1))
        self.best_weights = np.zeros(x0.shape[1])
        self._support_z0 = z0[:, :0]
        self._losses: dict[bytes, float] = {}  # Powell evaluates some points twice

    def weights(self, v: np.ndarray) -> np.ndarray:
        """Donor weights for V (one inner problem)."""
        u = self._evaluate(v)[2]
        w = np.zeros(self.z0.shape[1])
        w[self.hull.support] = u / u.sum()
        return w

    def loss_abs(self, theta: np.ndarray) -> float:
        """Loss at ``v = |theta| / sum|theta|`` (R's parametrisation)."""
        key = theta.tobytes()
        loss = self._losses.get(key)
        if loss is None:
            loss = self._losses[key] = self._evaluate(np.abs(theta))[0]
        return loss

    def loss_and_gradient_log(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss at ``v = exp(theta)`` and its exact gradient in ``theta`` (``loss_gradient``)."""
        log_v = np.maximum(theta - theta.max(), _LOG_V_FLOOR)
        loss, resid, u, root = self._evaluate(np.exp(log_v))
        gradient = loss_gradient(self.hull, root, u, self._support_z0, resid)
        return loss, np.where(log_v > _LOG_V_FLOOR, gradient, 0.0)

    def _evaluate(self, v: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """Loss, window residual, NNLS solution on the support and scaled root of V."""
        self.evaluations += 1
        hull = self.hull
        support = hull.support
        root = hull.scaled_root(v)
        u = hull.solve(root)
        if hull.support is not support:
            self._support_z0 = self.z0[:, hull.support]
        resid = self.z1 - self._support_z0 @ (u / u.sum())
        loss = float(resid @ resid) / len(resid)
        if loss < self.best_loss:
            self.best_loss, self.best_v = loss, _normalised(v)
            self.best_weights = np.zeros(self.z0.shape[1])
            self.best_weights[hull.support] = u / u.sum()
        return loss, resid, u, root


def loss_gradient(
    hull: _WarmHull, root: np.ndarray, u: np.ndarray, support_z0: np.ndarray, resid: np.ndarray
) -> np.ndarray:
    """Exact gradient of the window MSPE in ``log v`` while the support does not change.

    On a fixed support ``S`` the NNLS solution is ``u = G^-1 1`` with
    ``G = A'A = D_S' diag(r²) D_S + 1 1'`` (``A = [M_S; 1']``, ``r`` the scaled
    root of V, ``D_S`` the support's discrepancy columns), so
    ``du/d(r_j²) = -G^-1 d_j (d_j . u)`` for ``d_j`` the j-th row of ``D_S``.
    With ``w = u / s``, ``s = 1'u``, and ``g = dL/dw_S = -2 Z0_S' e / T``
    (``e`` the window residual): ``dL/d(r_j²) = -(d_j . q)(d_j . u)`` for
    ``q = G^-1 (g - (g . w) 1) / s``. Since ``w`` does not change when V is
    scaled, ``dL/d log v_j = r_j² dL/d(r_j²)``. ``G`` is factored as ``R'R``
    by a QR decomposition of ``A``, not formed.
    """
    total = u.sum()
    g = (-2 / len(resid)) * (support_z0.T @ resid)
    tilted = (g - (g @ u) / total) / total
    qr, _, _, _ = lapack.dgeqrf(hull.support_system(root))
    q, _ = lapack.dpotrs(qr[: len(u)], tilted)
    rows = hull.support_rows
    return -(root * root) * (rows @ q) * (rows @ u)


def _normalised(v: np.ndarray) -> np.ndarray:
    """V summing to 1 (equal weights for V = 0, which the loss treats as equal weights)."""
    total = v.sum()
    return v / total if total > 0 else np.full(len(v), 1 / len(v))


def _v_abs(theta: np.ndarray) -> np.ndarray:
    return _normalised(np.abs(theta))


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
        w = problem.weights(v) if search is None else problem.best_weights
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
    _polish(problem, screened[best][0])
    return problem.best_v, VSearch(best, losses, problem.evaluations)


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
    return _v_abs(res.x), float(res.fun)


def _polish(problem: _Problem, v: np.ndarray) -> None:
    """Powell continued to tighter tolerances, then BFGS on ``log v`` with the exact gradient."""
    if _POWELL_EVALS:
        _powell(problem, v, _POWELL_EVALS, _POWELL_TOLERANCES)
    v = problem.best_v
    theta = np.log(np.maximum(v / v.max(), np.exp(_LOG_V_FLOOR)))
    optimize.minimize(
        problem.loss_and_gradient_log, theta, jac=True, method="BFGS", options=_BFGS_OPTIONS
    )


__all__ = ["Fit", "VSearch", "fit_unit", "scaled_predictors", "simplex_least_squares"]
