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

The Prop 99 placebo test solves about 64,000 of these problems, some 35,000
of them with NNLS, so their cost is mostly call overhead: NNLS is SciPy's
compiled kernel called without the public function's argument checks (when
it gives that function's solutions, see ``_nnls_solver``), and small
vectors are reduced in Python rather than by NumPy reductions, with the same
results bit for bit. Continuing Lawson-Hanson's active-set method from the
last solution when the support changed was tried and left out: its steps in
Python cost more than NNLS from scratch in compiled code, and its rounding
(another QR than NNLS's) moves where some searches end
(``benchmarks/synth_v_search.py``).

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

import functools
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

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
    w[hull.support] = u / hull.total
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

    The search solves tens of thousands of these small problems, so the code
    avoids NumPy calls on a few numbers where a Python one computes the same
    (a NumPy reduction costs about 2 us) and makes the support's matrices only
    when a warm start needs them.
    """

    def __init__(self, discrepancy: np.ndarray) -> None:
        if not np.isfinite(discrepancy).all():
            raise ValueError("the predictors of a synthetic control must be finite")
        self.discrepancy = discrepancy
        self.row_max = np.abs(discrepancy).max(axis=1)
        k, n = discrepancy.shape
        self.rhs = np.zeros(k + 1)
        self.rhs[-1] = 1.0
        self._cold_system = np.ones((k + 1, n))
        self._nnls = _nnls_solver()
        self._nnls_iterations = 50 * n
        self._may_warm_start = False
        self.total = 1.0  # s = 1'u of the last solution
        self.warm_solves = 0  # solutions certified on the last support, without NNLS
        self._keep_support(np.zeros(n, dtype=bool), b"")
        self._rows_support: np.ndarray | None = None  # the support of support_rows

    def scaled_root(self, v: np.ndarray) -> np.ndarray:
        """``sqrt(v)`` scaled so that the largest entry of ``M`` is 1 (w does not change).

        A V of zeros, or with a NaN (as NumPy's maximum propagates it), gives
        equal weights; an infinite V is an error.
        """
        root = np.sqrt(v)
        scaled = (root * self.row_max).tolist()
        total = sum(scaled)
        if total == math.inf:
            raise ValueError(f"V must be finite, not {v}")
        largest = max(scaled)
        return root / largest if largest > 0 and not math.isnan(total) else np.ones(len(v))

    def solve(self, root: np.ndarray) -> np.ndarray:
        """NNLS solution ``u`` on ``self.support`` (``w = u / self.total``) for the scaled root."""
        if self._may_warm_start:
            u = self._warm(root)
            if u is not None:
                self.warm_solves += 1
                return u
        return self._cold(root)

    def support_system(self, root: np.ndarray) -> np.ndarray:
        """``[M_S; 1']``: the support's columns of the NNLS matrix (Fortran order, for LAPACK)."""
        if self._rows_support is not self.support:
            self._make_support_rows()
        system = self._system
        np.multiply(root[:, None], self.support_rows, out=system[:-1])
        return system

    def _warm(self, root: np.ndarray) -> np.ndarray | None:
        _, x, info = lapack.dgels(self.support_system(root), self.rhs)
        u = x[: len(self.support)]
        if info != 0 or min(u.tolist()) <= 0:
            return None
        total = _sum(u)
        if total >= 1 - _KKT_TOLERANCE:
            return None  # s = 1: an exact fit of the predictors, where NNLS picks a vertex
        # the dual A'(b - A u) is (1 - s) - D' diag(r²) D_S u
        balance = 1 - total
        fitted = (root * root) * self.support_rows.dot(u)
        on_support = fitted.dot(self.support_rows).tolist()
        if max(on_support) - balance > _KKT_TOLERANCE or balance - min(on_support) > _KKT_TOLERANCE:
            return None
        off_support = fitted.dot(self._off_rows).tolist()
        if off_support and min(off_support) <= balance + _KKT_TOLERANCE:
            return None  # a donor off the support enters or ties: the weights may not be unique
        self.total = total
        return u

    def _cold(self, root: np.ndarray) -> np.ndarray:
        a = self._cold_system
        np.multiply(root[:, None], self.discrepancy, out=a[:-1])
        u = self._nnls(a, self.rhs, self._nnls_iterations)
        positive = u > 0
        key = positive.tobytes()
        if key != self._support_key:
            self._keep_support(positive, key)
        u = u[positive]
        self.total = _sum(u)
        self._may_warm_start = self.total < 1 - _KKT_TOLERANCE
        return u

    def _keep_support(self, positive: np.ndarray, key: bytes) -> None:
        self._positive, self._support_key = positive, key
        self.support = np.flatnonzero(positive)

    def _make_support_rows(self) -> None:
        """The support's columns (and the others) of the discrepancy, for a warm start."""
        self.support_rows = self.discrepancy[:, self.support]
        self._off_rows = self.discrepancy[:, ~self._positive]
        self._system = np.ones((len(self.rhs), len(self.support)), order="F")
        self._rows_support = self.support


def _sum(u: np.ndarray) -> float:
    """``u.sum()`` bit for bit, for the few entries of a support, without a NumPy reduction.

    NumPy adds fewer than 8 numbers one after the other, as Python's ``sum``,
    and 8 pairwise.
    """
    n = len(u)
    if n < 8:
        return sum(u.tolist())
    if n == 8:
        a = u.tolist()
        return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
    return float(u.sum())


NnlsSolver: TypeAlias = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


@functools.cache
def _nnls_solver() -> NnlsSolver:
    """``(A, b, maxiter) -> x``: SciPy's NNLS kernel when it is the public function, else that.

    :func:`scipy.optimize.nnls` checks and converts its arguments
    (``asarray_chkfinite``) and passes through a deprecation wrapper: a tenth
    of the time of the Prop 99 placebo test, whose searches solve some 35,000
    problems with NNLS. Its kernel ``scipy.optimize._slsqplib.nnls(A, b,
    maxiter) -> (x, rnorm, info)`` is private and may change or go with a
    SciPy release, so it is used only when it exists and gives exactly the
    public function's solutions, leaving its arguments alone, on test problems
    (checked once, on first use). The arguments here are float64, C-ordered
    and finite (``_WarmHull`` checks them), as the public function makes them.
    """

    def public(a: np.ndarray, b: np.ndarray, maxiter: int) -> np.ndarray:
        return optimize.nnls(a, b, maxiter=maxiter)[0]

    try:
        from scipy.optimize._slsqplib import nnls as kernel
    except ImportError:
        return public

    def private(a: np.ndarray, b: np.ndarray, maxiter: int) -> np.ndarray:
        x, _, info = kernel(a, b, maxiter)
        if info == 3:  # as the public function
            raise RuntimeError("Maximum number of iterations reached.")
        return x

    return private if _same_solutions(private, public) else public


def _same_solutions(solver: NnlsSolver, reference: NnlsSolver) -> bool:
    """True when ``solver`` gives ``reference``'s solutions, bit for bit, on two hull problems.

    The problems are of the kind solved here, ``[M; 1'] u = e``: a target
    outside its donors' hull (three donors in the solution) and one inside
    (an exact fit, where NNLS picks a vertex).
    """
    rng = np.random.default_rng(0)
    donors = rng.normal(size=(4, 9))
    for target in (donors.mean(axis=1) + 0.5, donors @ rng.dirichlet(np.ones(9))):
        a = np.vstack([donors - target[:, None], np.ones(9)])
        b = np.eye(5)[-1]
        kept = a.copy(), b.copy()
        try:
            x = solver(a, b, 450)
        except Exception:  # whatever fails, the public function is used
            return False
        unchanged = np.array_equal(a, kept[0]) and np.array_equal(b, kept[1])
        if not (unchanged and np.array_equal(x, reference(a, b, 450))):
            return False
    return True


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
        # V, support and weights on it at the lowest loss, made into best_v and best_weights
        # only when asked for (a search meets a lower loss some 300 times)
        self._best: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._support_z0 = z0[:, :0]
        self._losses: dict[bytes, float] = {}  # Powell evaluates some points twice

    @property
    def best_v(self) -> np.ndarray:
        """V (summing to 1) at the lowest loss met; equal weights before any."""
        if self._best is None:
            k = len(self.hull.row_max)
            return np.full(k, 1 / k)
        return _normalised(self._best[0])

    @property
    def best_weights(self) -> np.ndarray:
        """Donor weights at the lowest loss met; zeros before any."""
        weights = np.zeros(self.z0.shape[1])
        if self._best is not None:
            weights[self._best[1]] = self._best[2]
        return weights

    def weights(self, v: np.ndarray) -> np.ndarray:
        """Donor weights for V (one inner problem)."""
        u = self._evaluate(v)[2]
        w = np.zeros(self.z0.shape[1])
        w[self.hull.support] = u / self.hull.total
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
        w = u / hull.total
        resid = self.z1 - self._support_z0.dot(w)
        loss = float(resid.dot(resid)) / len(resid)
        if loss < self.best_loss:
            self.best_loss, self._best = loss, (v, hull.support, w)
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


def fit_unit(spec: Spec, treated: Hashable, donors: Sequence[Hashable]) -> Fit:
    """Synthetic control of ``treated`` from ``donors`` under the specification."""
    donors = list(donors)
    # NumPy arrays from the units' positions: pandas selections by label cost about 5 ms
    # per fit, 6% of a placebo test. Memory layouts are those the pandas selections gave
    # (outcomes by row, predictors by column), so results are the same bit for bit.
    at = spec.outcome.columns.get_indexer([treated, *donors])
    if (at < 0).any():
        unknown = [u for u, i in zip([treated, *donors], at, strict=True) if i < 0]
        raise KeyError(f"units not in the pool: {unknown}")
    y = spec.outcome.to_numpy().take(at, axis=1)
    y1, y0 = y[:, 0], np.ascontiguousarray(y[:, 1:])
    window = spec.window
    z = y[window]
    z1, z0 = z[:, 0], np.ascontiguousarray(z[:, 1:])
    v_series, search = None, None
    if spec.nested:
        x = np.asfortranarray(spec.scaled_predictors.to_numpy().take(at, axis=1))
        problem = _Problem(x[:, 0], np.asfortranarray(x[:, 1:]), z1, z0)
        v, search = _choose_v(spec, problem, x, z)
        w = problem.weights(v) if search is None else problem.best_weights
        v_series = pd.Series(v, index=spec.predictors.index, name="v")
    else:
        w = simplex_least_squares(z1, z0)
    synthetic = y0 @ w
    gap = y1 - synthetic
    loss_v = float(np.mean(gap[window] ** 2))
    time = spec.outcome.index
    return Fit(
        weights=pd.Series(w, index=pd.Index(donors, name="donor"), name="weight"),
        synthetic=pd.Series(synthetic, index=time, name="synthetic"),
        gap=pd.Series(gap, index=time, name="gap"),
        pre_rmspe=float(np.sqrt(loss_v)),
        post_rmspe=float(np.sqrt(np.mean(gap[~spec.pre] ** 2))),
        loss_v=loss_v,
        v=v_series,
        v_search=search,
    )


def _choose_v(
    spec: Spec, problem: _Problem, x: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, VSearch | None]:
    """V for the treated unit of ``x`` and ``z`` (first column; predictors and window outcomes)."""
    k = len(x)
    if spec.v is not None:
        return spec.v, None
    if k == 1:
        return np.ones(1), None  # one predictor: V = 1 (as R Synth)
    starts = {"equal": np.full(k, 1 / k)}
    regression = _regression_start(x, z)
    if regression is not None:
        starts["regression"] = regression
    screened = {
        name: _powell(problem, v0, _SCREEN_EVALS, _SCREEN_TOLERANCES) for name, v0 in starts.items()
    }
    best = min(screened, key=lambda name: (screened[name][1], choices(VStart).index(name)))
    losses = pd.Series([loss for _, loss in screened.values()], index=list(screened), name="loss_v")
    _polish(problem, screened[best][0])
    return problem.best_v, VSearch(best, losses, problem.evaluations)


def _regression_start(x: np.ndarray, z: np.ndarray) -> np.ndarray | None:
    """R Synth's second start: diag(B B') of the regression of window outcomes on predictors.

    ``x`` holds the scaled predictors (predictor x unit), ``z`` the window's
    outcomes (time x unit), of the treated unit and the donors.
    """
    design = np.column_stack([np.ones(x.shape[1]), x.T])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return None
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


__all__ = ["Fit", "VSearch", "fit_unit", "simplex_least_squares"]
