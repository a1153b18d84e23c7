"""Power and minimum detectable effect (MDE) of a pilot comparing practices.

Design formulas (normal approximation by default) for a comparison of
``n_treated`` pilot practices with ``n_control`` comparison practices:

* **post-only**: the difference in the mean of ``periods_post`` periods;
* **difference-in-differences** (``"did"``) and **ANCOVA** (``"ancova"``) with
  ``periods_pre`` baseline periods, equicorrelated periods as in McKenzie
  (2012), or any covariance of a practice's periods as in Burlig, Preonas &
  Woerman (2020), estimated from data with :func:`outcome_covariance`;
* **regions as the unit of assignment**: the design effect ``1 + (m - 1) ICC``
  (Kish 1965; Donner & Klar 2000; Duflo, Glennerster & Kremer 2007).

The estimator's variance is ``V * (1/n_treated + 1/n_control) * design effect``,
with ``V`` the variance of one practice's contrast (post mean, post minus pre
mean, or the ANCOVA residual). The MDE is ``(q(1 - alpha/2) + q(power)) * SE``
(Bloom 1995), ``q`` a normal or t quantile.

References
----------
Bloom HS (1995). Minimum detectable effects: a simple way to report the
statistical power of experimental designs. Evaluation Review 19(5):547-556.
Burlig F, Preonas L, Woerman M (2020). Panel data and experimental design.
Journal of Development Economics 144:102458.
Donner A, Klar N (2000). Design and Analysis of Cluster Randomization Trials
in Health Research. London: Arnold.
Duflo E, Glennerster R, Kremer M (2007). Using randomization in development
economics research: a toolkit. Handbook of Development Economics 4:3895-3962.
Ek C (2020). ANCOVA power calculation in the presence of serial correlation
and time shocks: a comment on Burlig et al. (2020). University of Gothenburg
Working Paper in Economics 788.
Frison L, Pocock SJ (1992). Repeated measures in clinical trials: analysis
using mean summary statistics and its implications for design. Statistics in
Medicine 11(13):1685-1704.
McKenzie D (2012). Beyond baseline and follow-up: the case for more T in
experiments. Journal of Development Economics 99(2):210-221.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, stats

__all__ = [
    "Distribution",
    "Estimator",
    "PeriodCovariance",
    "mde",
    "outcome_covariance",
    "power",
    "power_curve",
    "required_practices",
]

Estimator = Literal["did", "ancova"]
#: ``"normal"``: z quantiles. ``"t"``: t quantiles on (treated units of
#: assignment - 1) degrees of freedom, the few-clusters interval of the region
#: reports (``analysis.evaluation.estimate.small_sample_interval``).
Distribution = Literal["normal", "t"]


# --------------------------------------------------------------------------- covariance


@dataclass(frozen=True)
class PeriodCovariance:
    """Covariance of a practice's outcome between periods, estimated from a panel.

    Built by :func:`outcome_covariance`. The outcome is centred on each
    period's mean across practices, so shocks common to all practices (season,
    trend) do not enter it; a practice's own level does (it cancels in
    difference-in-differences, not in a post-only comparison).

    Attributes
    ----------
    matrix
        Periods x periods sample covariance (divisor ``n_units - 1``), labelled
        with the panel's periods in time order.
    n_units
        Practices it was estimated from.
    """

    matrix: pd.DataFrame
    n_units: int

    @property
    def n_periods(self) -> int:
        """Number of periods the covariance covers."""
        return len(self.matrix)

    @property
    def sd(self) -> float:
        """Standard deviation of the outcome in one period (root of the mean variance)."""
        return float(np.sqrt(np.mean(np.diag(self.matrix.to_numpy()))))

    @property
    def autocorrelation(self) -> pd.Series:
        """Correlation by lag (0, 1, ...): mean covariance ``k`` periods apart / mean variance.

        The same at every lag would make the periods equicorrelated, as McKenzie
        (2012) assumes; practice data usually show it falling with the lag.
        """
        cov = self.matrix.to_numpy()
        lags = range(self.n_periods)
        mean_cov = [float(np.mean(np.diag(cov, k))) for k in lags]
        return pd.Series(mean_cov, index=pd.Index(lags, name="lag")) / mean_cov[0]

    @property
    def equicorrelation(self) -> float:
        """Mean correlation over all pairs of different periods (McKenzie's single rho)."""
        sd = np.sqrt(np.diag(self.matrix.to_numpy()))
        corr = self.matrix.to_numpy() / np.outer(sd, sd)
        off = ~np.eye(self.n_periods, dtype=bool)
        return float(corr[off].mean())

    def fit_ar1(self) -> tuple[float, float]:
        """AR(1) noise (sd, autocorrelation) that best reproduces this covariance.

        Both are compared after removing each practice's own mean over the
        periods (``C S C`` with ``C = I - 11'/T``): a practice's level cancels
        in difference-in-differences, and on the reports' relative scale it is
        divided out, which also lowers the variance and lag-1 correlation read
        straight off the matrix. Least squares over the matrix entries; the
        result is the ``sd`` and ``ar1`` of
        :func:`analysis.methods.power_simulation.simulate_power`.

        Returns
        -------
        tuple of float
            ``(sd, ar1)``, ``ar1`` within (-0.99, 0.99).
        """
        cov = self.matrix.to_numpy()
        n = self.n_periods
        centre = np.eye(n) - 1 / n
        target = centre @ cov @ centre
        lags = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))

        def scaled(rho: float) -> tuple[np.ndarray, float]:
            shape = centre @ rho**lags @ centre  # centred correlation of unit variance
            return shape, max(float((shape * target).sum() / (shape * shape).sum()), 0.0)

        def loss(rho: float) -> float:
            shape, variance = scaled(rho)
            return float(((variance * shape - target) ** 2).sum())

        rho = float(optimize.minimize_scalar(loss, bounds=(-0.99, 0.99), method="bounded").x)
        return math.sqrt(scaled(rho)[1]), rho

    def contrast_variance(
        self, periods_pre: int, periods_post: int, estimator: Estimator = "did"
    ) -> float:
        """Variance of one practice's contrast, averaged over all windows of the panel.

        Every run of ``periods_pre + periods_post`` consecutive periods is a
        possible experiment (pre periods first); the contrast's variance is
        computed in each and averaged, as Burlig, Preonas & Woerman (2020) do
        with their ``pc_dd_covar``. For ``"did"`` this equals their
        estimated-parameter formula (Appendix E) exactly.
        """
        length = periods_pre + periods_post
        if length > self.n_periods:
            raise ValueError(
                f"the covariance covers {self.n_periods} periods, the design needs "
                f"{length} ({periods_pre} before + {periods_post} after): estimate it "
                "from a longer panel or plan fewer periods"
            )
        cov = self.matrix.to_numpy()
        windows = range(self.n_periods - length + 1)
        return float(
            np.mean(
                [
                    _contrast_variance(cov[k : k + length, k : k + length], periods_pre, estimator)
                    for k in windows
                ]
            )
        )


def outcome_covariance(
    panel: pd.DataFrame, outcome: str, *, unit: str, time: str
) -> PeriodCovariance:
    """Estimate the covariance of an outcome between periods from a long panel.

    Use it on data like those of the planned pilot: practice-periods before
    any practice started, on the scale the analysis will use (the region
    reports use quarters relative to each practice's own baseline:
    ``analysis.methods.power_simulation.report_covariance`` prepares them).
    Pass the result as ``covariance=`` to :func:`mde` or :func:`power` for the
    serial-correlation-robust formulas of Burlig, Preonas & Woerman (2020).

    Parameters
    ----------
    panel
        One row per unit and period. Units missing a period or the outcome in
        any period are left out (a covariance needs the same periods for all).
    outcome, unit, time
        Column names; ``time`` must sort in time order.

    Returns
    -------
    PeriodCovariance

    Raises
    ------
    ValueError
        A column is missing, a unit has two rows for one period, or fewer than
        3 complete units or 2 periods remain.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"practice": [1, 1, 2, 2, 3, 3],
    ...                       "quarter": [1, 2, 1, 2, 1, 2],
    ...                       "y": [1.0, 2.0, 2.0, 2.0, 3.0, 5.0]})
    >>> cov = outcome_covariance(panel, "y", unit="practice", time="quarter")
    >>> cov.matrix.to_numpy().tolist()
    [[1.0, 1.5], [1.5, 3.0]]
    """
    missing = [c for c in (outcome, unit, time) if c not in panel.columns]
    if missing:
        raise ValueError(f"panel has no column(s) {missing}")
    if panel.duplicated([unit, time]).any():
        raise ValueError(f"panel has more than one row for some {unit!r} and {time!r}")
    wide = panel.pivot(index=unit, columns=time, values=outcome).sort_index(axis=1)
    complete = wide.dropna()
    if len(complete) < 3 or complete.shape[1] < 2:
        raise ValueError(
            f"need at least 3 units observed in every one of at least 2 periods, got "
            f"{len(complete)} complete units of {len(wide)} and {complete.shape[1]} periods"
        )
    values = complete.to_numpy(dtype=float)
    matrix = pd.DataFrame(
        np.cov(values, rowvar=False, ddof=1), index=complete.columns, columns=complete.columns
    )
    return PeriodCovariance(matrix=matrix, n_units=len(complete))


def _contrast_variance(cov: np.ndarray, periods_pre: int, estimator: Estimator) -> float:
    """Variance of one practice's contrast for a covariance of its pre + post periods."""
    pre, post = slice(0, periods_pre), slice(periods_pre, None)
    var_post = float(cov[post, post].mean())  # variance of the post-period mean
    if periods_pre == 0:
        return var_post
    var_pre = float(cov[pre, pre].mean())
    cov_pre_post = float(cov[pre, post].mean())
    if estimator == "did":
        return var_post + var_pre - 2 * cov_pre_post
    return var_post - cov_pre_post**2 / var_pre


def _mckenzie_factor(
    periods_pre: int, periods_post: int, rho: float, estimator: Estimator
) -> float:
    """McKenzie (2012) variance of one practice's contrast in units of sigma^2."""
    m, r = periods_pre, periods_post
    post = (1 + (r - 1) * rho) / r
    if m == 0:
        return post
    if estimator == "did":
        return post + (1 + (m - 1) * rho) / m - 2 * rho
    return post - m * rho**2 / (1 + (m - 1) * rho)


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class _Design:
    """A checked design: what the standard error and the quantiles need."""

    n_treated: int
    n_control: int
    cluster_size: int
    icc: float
    distribution: Distribution
    contrast_variance: float

    @property
    def design_effect(self) -> float:
        return 1 + (self.cluster_size - 1) * self.icc

    @property
    def std_error(self) -> float:
        per_practice = 1 / self.n_treated + 1 / self.n_control
        return math.sqrt(self.contrast_variance * per_practice * self.design_effect)

    @property
    def df(self) -> int:
        return math.ceil(self.n_treated / self.cluster_size) - 1

    def quantile(self, p: float) -> float:
        if self.distribution == "t":
            return float(stats.t.ppf(p, self.df))
        return float(stats.norm.ppf(p))

    def cdf(self, x: float) -> float:
        if self.distribution == "t":
            return float(stats.t.cdf(x, self.df))
        return float(stats.norm.cdf(x))


def _whole(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _design(
    n_treated: int,
    n_control: int,
    sd: float | None,
    periods_pre: int,
    periods_post: int,
    autocorrelation: float,
    cluster_size: int,
    icc: float,
    estimator: str,
    covariance: PeriodCovariance | ArrayLike | None,
    distribution: str,
) -> _Design:
    n_treated = _whole("n_treated", n_treated, 1)
    n_control = _whole("n_control", n_control, 1)
    periods_pre = _whole("periods_pre", periods_pre, 0)
    periods_post = _whole("periods_post", periods_post, 1)
    cluster_size = _whole("cluster_size", cluster_size, 1)
    if cluster_size > min(n_treated, n_control):
        raise ValueError(
            f"cluster_size ({cluster_size} practices per region) cannot exceed the number "
            f"of practices in an arm ({min(n_treated, n_control)})"
        )
    if not 0 <= icc <= 1:
        raise ValueError(f"icc must be between 0 and 1, got {icc}")
    if estimator not in get_args(Estimator):
        raise ValueError(f"estimator must be one of {get_args(Estimator)}, got {estimator!r}")
    if distribution not in get_args(Distribution):
        raise ValueError(
            f"distribution must be one of {get_args(Distribution)}, got {distribution!r}"
        )
    if distribution == "t" and math.ceil(n_treated / cluster_size) < 2:
        raise ValueError("distribution='t' needs at least 2 treated units of assignment")
    variance = _contrast(sd, covariance, autocorrelation, periods_pre, periods_post, estimator)
    return _Design(
        n_treated,
        n_control,
        cluster_size,
        float(icc),
        distribution,  # type: ignore[arg-type]
        variance,
    )


def _contrast(
    sd: float | None,
    covariance: PeriodCovariance | ArrayLike | None,
    autocorrelation: float,
    periods_pre: int,
    periods_post: int,
    estimator: Estimator,
) -> float:
    """Variance of one practice's contrast from ``sd`` + ``autocorrelation`` or a covariance."""
    if (sd is None) == (covariance is None):
        raise ValueError("give either sd (with autocorrelation) or covariance, not both")
    n_periods = periods_pre + periods_post
    if covariance is None:
        if not (sd is not None and math.isfinite(sd) and sd > 0):
            raise ValueError(f"sd must be a positive number, got {sd!r}")
        lowest = -1 / (n_periods - 1) if n_periods > 1 else -1.0
        if not lowest <= autocorrelation < 1:
            raise ValueError(
                f"autocorrelation must be in [{lowest:.3g}, 1) for {n_periods} equicorrelated "
                f"periods, got {autocorrelation}"
            )
        return sd**2 * _mckenzie_factor(periods_pre, periods_post, autocorrelation, estimator)
    if autocorrelation != 0:
        raise ValueError("autocorrelation is part of covariance: give one of them, not both")
    if isinstance(covariance, PeriodCovariance):
        return covariance.contrast_variance(periods_pre, periods_post, estimator)
    cov = np.asarray(covariance, dtype=float)
    if cov.shape != (n_periods, n_periods):
        raise ValueError(
            f"covariance must be {n_periods} x {n_periods} (periods_pre + periods_post, "
            f"pre periods first), got shape {cov.shape}"
        )
    if not np.allclose(cov, cov.T) or np.linalg.eigvalsh(cov).min() < -1e-10 * np.abs(cov).max():
        raise ValueError("covariance must be a symmetric positive semi-definite matrix")
    return _contrast_variance(cov, periods_pre, estimator)


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")


# --------------------------------------------------------------------------- public


def mde(
    *,
    n_treated: int,
    n_control: int,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    periods_pre: int = 0,
    periods_post: int = 1,
    autocorrelation: float = 0.0,
    cluster_size: int = 1,
    icc: float = 0.0,
    estimator: Estimator = "did",
    covariance: PeriodCovariance | ArrayLike | None = None,
    distribution: Distribution = "normal",
) -> float:
    """Minimum detectable effect of a pilot, in the outcome's units (two-sided test).

    The smallest true effect that a two-sided test at level ``alpha`` detects
    with probability ``power``: ``MDE = (q(1 - alpha/2) + q(power)) * SE``
    (Bloom 1995; Duflo, Glennerster & Kremer 2007). With ``alpha=0.05``
    and ``power=0.8`` the multiplier is 1.96 + 0.84 = 2.80, so a post-only
    comparison detects ``2.80 * sd * sqrt(1/n_treated + 1/n_control)``.

    Parameters
    ----------
    n_treated, n_control
        Numbers of pilot and comparison practices.
    sd
        Standard deviation of the practice-period outcome (between practices,
        within a period). Give ``sd`` (and ``autocorrelation``) or ``covariance``.
    alpha
        Significance level of the two-sided test.
    power
        Probability of detecting an effect of the MDE's size; above ``alpha / 2``.
    periods_pre
        Periods before the start per practice; 0 gives a post-only comparison.
    periods_post
        Periods after the start over which the effect is averaged.
    autocorrelation
        Correlation between any two periods of a practice (equicorrelation, as
        McKenzie 2012). Monthly practice data are usually more correlated at
        short than at long lags; then pass ``covariance`` instead.
    cluster_size, icc
        When regions are the unit of assignment: practices per region (``m``)
        and the intraclass correlation of the practices' contrasts within a
        region. The variance is multiplied by the design effect
        ``1 + (m - 1) * icc``.
    estimator
        With ``periods_pre > 0``: ``"did"`` (post mean minus pre mean) or
        ``"ancova"`` (post mean regressed on the pre mean; never less
        efficient, McKenzie 2012).
    covariance
        Covariance of a practice's periods instead of ``sd`` and
        ``autocorrelation`` (the serial-correlation-robust formulas of Burlig,
        Preonas & Woerman 2020): a :class:`PeriodCovariance` from
        :func:`outcome_covariance` (averaged over every window of
        ``periods_pre + periods_post`` periods), or a square matrix of exactly
        those periods, pre periods first.
    distribution
        ``"normal"`` (the textbook formulas) or ``"t"``: t quantiles on the
        number of treated units of assignment minus one, as the region
        reports' interval. With few pilot practices ``"t"`` is the honest one.

    Returns
    -------
    float
        The MDE, in the outcome's units (positive; the test is two-sided).

    Notes
    -----
    Assumptions: practices (or regions) are independent and assigned
    independently of their outcome's noise; the outcome's covariance is the
    same in both arms and before and after the start (the effect shifts the
    mean only); the estimator's sampling distribution is normal (or t). The
    formula leaves out the far tail of the two-sided test (rejecting with the
    wrong sign), which :func:`power` counts: ``power(effect=mde(...))``
    exceeds ``power`` by ``F(-(2 q(1 - alpha/2) + q(power)))``, 1e-6 for 0.05
    and 0.8. The DiD variance is that of the difference
    between the post mean and the mean of all ``periods_pre`` baseline
    periods; the region reports' ``att_gt`` compares with the last period
    before the start only, which is ``periods_pre=1``. ANCOVA's variance is
    its large-sample one (the regression coefficient known).

    Examples
    --------
    >>> round(mde(n_treated=50, n_control=50, sd=1.0), 3)
    0.56
    >>> round(mde(n_treated=50, n_control=50, sd=1.0, periods_pre=1,
    ...           autocorrelation=0.5, estimator="ancova"), 3)
    0.485
    """
    _check_alpha(alpha)
    if not alpha / 2 < power < 1:
        raise ValueError(f"power must be between alpha/2 ({alpha / 2}) and 1, got {power}")
    design = _design(
        n_treated, n_control, sd, periods_pre, periods_post, autocorrelation, cluster_size,
        icc, estimator, covariance, distribution,
    )  # fmt: skip
    multiplier = design.quantile(1 - alpha / 2) + design.quantile(power)
    return multiplier * design.std_error


def power(
    *,
    effect: float,
    n_treated: int,
    n_control: int,
    sd: float | None = None,
    alpha: float = 0.05,
    periods_pre: int = 0,
    periods_post: int = 1,
    autocorrelation: float = 0.0,
    cluster_size: int = 1,
    icc: float = 0.0,
    estimator: Estimator = "did",
    covariance: PeriodCovariance | ArrayLike | None = None,
    distribution: Distribution = "normal",
) -> float:
    """Power of a two-sided test at level ``alpha`` to detect a true ``effect``.

    ``P(|estimate / SE| > q(1 - alpha/2))`` when the estimate is normal (or t)
    around ``effect`` with the design's standard error: both tails count, so
    ``effect=0`` gives ``alpha``. The design arguments and assumptions are
    those of :func:`mde`.

    Parameters
    ----------
    effect
        True effect in the outcome's units (its sign does not matter).
    n_treated, n_control, sd, alpha, periods_pre, periods_post, autocorrelation, \
cluster_size, icc, estimator, covariance, distribution
        As in :func:`mde`.

    Returns
    -------
    float
        Power, between ``alpha`` and 1.

    Examples
    --------
    >>> round(power(effect=0.56, n_treated=50, n_control=50, sd=1.0), 3)
    0.8
    >>> round(power(effect=0.0, n_treated=50, n_control=50, sd=1.0), 3)
    0.05
    """
    _check_alpha(alpha)
    if not math.isfinite(effect):
        raise ValueError(f"effect must be a finite number, got {effect}")
    design = _design(
        n_treated, n_control, sd, periods_pre, periods_post, autocorrelation, cluster_size,
        icc, estimator, covariance, distribution,
    )  # fmt: skip
    crit = design.quantile(1 - alpha / 2)
    shift = abs(effect) / design.std_error
    return design.cdf(shift - crit) + design.cdf(-shift - crit)


def power_curve(
    effect: float,
    n_treated: Sequence[int],
    *,
    n_control: int | Sequence[int] | None = None,
    target: float = 0.8,
    **design: Any,
) -> pd.DataFrame:
    """Power and MDE for a range of numbers of pilot practices (a power-curve table).

    Parameters
    ----------
    effect
        True effect in the outcome's units.
    n_treated
        Numbers of pilot practices, one row each.
    n_control
        Comparison practices: ``None`` as many as pilot practices, a number for
        a fixed comparison group, or one number per row.
    target
        Power at which the ``mde`` column is computed.
    **design
        Other keyword arguments of :func:`power` (``sd``, ``periods_pre``,
        ``covariance``, ...).

    Returns
    -------
    pandas.DataFrame
        Columns ``n_treated``, ``n_control``, ``effect``, ``power`` and ``mde``
        (at ``target`` power).

    Examples
    --------
    >>> power_curve(0.5, [10, 40], sd=1.0).round(3).to_dict("list")
    {'n_treated': [10, 40], 'n_control': [10, 40], 'effect': [0.5, 0.5], \
'power': [0.201, 0.609], 'mde': [1.253, 0.626]}
    """
    treated, control = arm_sizes(n_treated, n_control)
    rows = [
        {
            "n_treated": nt,
            "n_control": nc,
            "effect": effect,
            "power": power(effect=effect, n_treated=nt, n_control=nc, **design),
            "mde": mde(n_treated=nt, n_control=nc, power=target, **design),
        }
        for nt, nc in zip(treated, control, strict=True)
    ]
    return pd.DataFrame(rows)


def arm_sizes(
    n_treated: Sequence[int], n_control: int | Sequence[int] | None
) -> tuple[list[int], list[int]]:
    """Pairs of arm sizes of a power curve (see :func:`power_curve`'s ``n_control``)."""
    treated = list(n_treated)
    if not treated:
        raise ValueError("n_treated must list at least one number of practices")
    if n_control is None:
        return treated, treated
    if isinstance(n_control, int | np.integer):
        return treated, [int(n_control)] * len(treated)
    control = list(n_control)
    if len(control) != len(treated):
        raise ValueError(f"n_control has {len(control)} numbers for {len(treated)} n_treated")
    return treated, control


def required_practices(
    effect: float,
    *,
    n_control: int | None = None,
    target: float = 0.8,
    max_practices: int = 100_000,
    **design: Any,
) -> int:
    """Smallest number of pilot practices that detects ``effect`` with ``target`` power.

    Parameters
    ----------
    effect
        True effect in the outcome's units (non-zero).
    n_control
        ``None``: as many comparison practices as pilot practices; a number: a
        fixed comparison group of that size.
    target
        Required power.
    max_practices
        Search limit.
    **design
        Other keyword arguments of :func:`power` (``sd``, ``periods_pre``, ...).

    Returns
    -------
    int
        Number of pilot practices (and as many comparison practices when
        ``n_control`` is ``None``).

    Raises
    ------
    ValueError
        ``effect`` is 0, or no number up to ``max_practices`` reaches the
        target (with a fixed comparison group the power is capped by its size).

    Examples
    --------
    >>> required_practices(0.5, sd=1.0)  # two-sample z: 2 * (2.80 / 0.5)**2 = 62.8
    63
    """
    if effect == 0 or not math.isfinite(effect):
        raise ValueError(f"effect must be a non-zero finite number, got {effect}")
    cluster = int(design.get("cluster_size", 1))
    low = cluster + 1 if design.get("distribution") == "t" else cluster

    def reaches(n: int) -> bool:
        nc = n if n_control is None else n_control
        return power(effect=effect, n_treated=n, n_control=nc, **design) >= target

    if not reaches(max_practices):
        raise ValueError(
            f"{max_practices} pilot practices do not reach power {target} for effect {effect}"
            + (f" with {n_control} comparison practices" if n_control is not None else "")
        )
    high = max_practices
    while low < high:  # power rises with the number of pilot practices
        mid = (low + high) // 2
        if reaches(mid):
            high = mid
        else:
            low = mid + 1
    return low
