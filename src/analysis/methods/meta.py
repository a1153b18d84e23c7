"""Random-effects meta-analysis: pool one effect across regions or studies.

Reproduces R ``metafor::rma()`` for the intercept-only random-effects model
(Viechtbauer 2010, J Stat Softw 36(3)): the REML, DerSimonian-Laird and
Paule-Mandel estimators of the between-study variance tau², Cochran's Q,
I² and H² as metafor defines them, the optional Knapp-Hartung adjustment
(``test="knha"``) and the prediction interval of ``predict.rma()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from analysis import plotting
from analysis.methods._options import MetaMethod, require_choice
from analysis.methods._results import Overall, format_effects, normal_effects

Method = MetaMethod  # the estimators of tau^2 (R metafor method=)

# metafor's defaults for the Fisher-scoring algorithm (rma.uni control list)
_REML_THRESHOLD = 1e-5
_REML_MAXITER = 100
_LL0_TOL = np.finfo(float).eps ** 0.25


@dataclass(frozen=True, eq=False)
class PoolResult:
    """Result of :func:`pool`.

    Attributes
    ----------
    estimate, std_error, ci_low, ci_high, p_value
        Pooled (average) effect, its standard error, confidence bounds and
        two-sided p-value (z test, or t test with ``k - 1`` df when
        ``knapp_hartung``).
    tau2, tau2_se
        Between-study variance and its standard error (metafor's formulas).
    i2, h2
        I² in percent and H², from tau² and metafor's "typical" sampling
        variance.
    q, q_df, q_p_value
        Cochran's Q test for heterogeneity.
    pi_low, pi_high
        Prediction interval for the true effect in a new study or region,
        as ``metafor::predict()``.
    effects
        One row per study: ``label``, ``estimate``, ``std_error``,
        ``ci_low``, ``ci_high``, ``p_value``, ``weight_pct`` (random-effects
        weight in percent, summing to 100).
    """

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    tau2: float
    tau2_se: float | None
    i2: float
    h2: float
    q: float
    q_df: int
    q_p_value: float
    pi_low: float
    pi_high: float
    effects: pd.DataFrame
    method: Method
    knapp_hartung: bool
    alpha: float

    @property
    def k(self) -> int:
        """Number of studies pooled."""
        return len(self.effects)

    @property
    def overall(self) -> Overall:
        """The pooled estimate as an :class:`~analysis.methods._results.Overall`."""
        return Overall(self.estimate, self.std_error, self.ci_low, self.ci_high)

    def summary(self, digits: int = 4) -> str:
        """Plain-text report in the spirit of metafor's ``print.rma``."""
        level = round(100 * (1 - self.alpha))
        test = f"t (Knapp-Hartung, df = {self.k - 1})" if self.knapp_hartung else "z"
        tau2_se = "" if self.tau2_se is None else f" (SE = {self.tau2_se:.{digits}f})"
        lines = [
            f"Random-effects model (k = {self.k}; tau^2 estimator: {self.method}; test: {test})",
            f"tau^2 = {self.tau2:.{digits}f}{tau2_se}, tau = {np.sqrt(self.tau2):.{digits}f}",
            f"I^2 = {self.i2:.2f}%, H^2 = {self.h2:.2f}",
            f"Q(df = {self.q_df}) = {self.q:.{digits}f}, p = {self.q_p_value:.4g}",
            f"estimate = {self.estimate:.{digits}f} (SE {self.std_error:.{digits}f}), "
            f"{level}% CI {self.ci_low:.{digits}f} to {self.ci_high:.{digits}f}, "
            f"p = {self.p_value:.4g}",
            f"{level}% prediction interval {self.pi_low:.{digits}f} to {self.pi_high:.{digits}f}",
            "",
            format_effects(self.effects, "Studies", digits),
        ]
        return "\n".join(lines)

    def forest_plot(
        self,
        *,
        exponentiate: bool = False,
        title: str | None = None,
        xlabel: str | None = None,
        words: ForestWords | None = None,
        tick_label: Callable[[float], str] | None = None,
    ) -> Figure:
        """Forest plot: one row per study, the pooled diamond and the prediction interval.

        Parameters
        ----------
        exponentiate
            Show ``exp()`` of the estimates on a log axis (for log ratios). The ticks
            are then round percentage changes (0.8, 0.9, 1, 1.1 for -20% ... +10%).
        title, xlabel
            Plot title and x-axis label.
        words
            Legend and pooled-row labels, for a report in another language.
        tick_label
            Text of an x tick from its value on the plotted scale (a ratio when
            ``exponentiate``), e.g. ``lambda r: f"{100 * (r - 1):+.0f}%"``.
        """
        return _forest_plot(
            self,
            exponentiate=exponentiate,
            title=title,
            xlabel=xlabel,
            words=words or ForestWords(),
            tick_label=tick_label,
        )


@dataclass(frozen=True)
class ForestWords:
    """Labels of a forest plot; ``pooled_row`` may use ``{method}``."""

    prediction_interval: str = "prediction interval"
    pooled_estimate: str = "pooled estimate"
    pooled_row: str = "Random effects ({method})"


def pool(
    estimates: Sequence[float] | np.ndarray | pd.Series,
    variances: Sequence[float] | np.ndarray | pd.Series,
    *,
    method: Method = "REML",
    knapp_hartung: bool = False,
    labels: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> PoolResult:
    """Pool effect estimates with a random-effects meta-analysis.

    Parameters
    ----------
    estimates
        One effect per study or region, on an additive scale (for example
        log rate ratios or differences in rates).
    variances
        Their sampling variances (squared standard errors), all > 0.
    method
        Estimator of tau²: ``"REML"`` (metafor's default, Fisher scoring),
        ``"DL"`` (DerSimonian-Laird) or ``"PM"`` (Paule-Mandel).
    knapp_hartung
        Knapp-Hartung adjustment as metafor ``test="knha"``: t reference
        with ``k - 1`` df and the variance scaled by the weighted residual
        ``Q_RE / (k - 1)``, without truncating the scale at 1.
    labels
        Study labels; defaults to the index of a Series, else ``"1".."k"``.
    alpha
        1 - confidence level, for confidence and prediction intervals.

    Returns
    -------
    PoolResult

    Examples
    --------
    >>> res = pool([-0.3, -0.1, -0.25, 0.05], [0.01, 0.02, 0.015, 0.03])
    >>> round(res.estimate, 3)
    -0.193
    >>> fig = res.forest_plot(exponentiate=True)
    """
    y, v, names = _validate(estimates, variances, labels, method, alpha)
    tau2, tau2_se = _estimate_tau2(y, v, method)
    w = 1 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    var_mu = 1 / float(np.sum(w))
    k = len(y)
    if knapp_hartung:
        rss = float(np.sum(w * (y - mu) ** 2))
        var_mu *= rss / (k - 1) if rss > np.finfo(float).eps else 0.0
        crit = float(stats.t.isf(alpha / 2, k - 1))
    else:
        crit = float(stats.norm.isf(alpha / 2))
    overall = normal_effects(mu, np.sqrt(var_mu), critical=crit).iloc[0]
    with np.errstate(divide="ignore", invalid="ignore"):  # se 0 when all y are equal (KH)
        z = mu / np.sqrt(var_mu)
    p_value = 2 * (stats.t.sf(abs(z), k - 1) if knapp_hartung else stats.norm.sf(abs(z)))
    pi_half = crit * np.sqrt(var_mu + tau2)
    q, i2, h2 = _heterogeneity(y, v, tau2)
    return PoolResult(
        estimate=mu,
        std_error=float(overall["std_error"]),
        ci_low=float(overall["ci_low"]),
        ci_high=float(overall["ci_high"]),
        p_value=float(p_value),
        tau2=tau2,
        tau2_se=tau2_se,
        i2=i2,
        h2=h2,
        q=q,
        q_df=k - 1,
        q_p_value=float(stats.chi2.sf(q, k - 1)),
        pi_low=mu - pi_half,
        pi_high=mu + pi_half,
        effects=_study_effects(y, v, w, names, alpha),
        method=method,
        knapp_hartung=knapp_hartung,
        alpha=alpha,
    )


def _validate(
    estimates: object, variances: object, labels: Sequence[str] | None, method: str, alpha: float
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    require_choice("method", method, MetaMethod)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    y = np.array(estimates, dtype=float)  # copies: the caller's data are never touched
    v = np.array(variances, dtype=float)
    if y.ndim != 1 or v.ndim != 1:
        raise ValueError("estimates and variances must be one-dimensional")
    if len(y) != len(v):
        raise ValueError(f"estimates and variances differ in length ({len(y)} vs {len(v)})")
    if len(y) < 2:
        raise ValueError(f"need at least 2 studies to pool, got {len(y)}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v))):
        raise ValueError("estimates and variances must be finite (no NaN or inf)")
    if np.any(v <= 0):
        bad = np.flatnonzero(v <= 0).tolist()
        raise ValueError(f"variances must be > 0; not so at positions {bad}")
    return y, v, _labels(estimates, labels, len(y))


def _labels(estimates: object, labels: Sequence[str] | None, k: int) -> list[str]:
    if labels is None:
        if isinstance(estimates, pd.Series):
            return [str(i) for i in estimates.index]
        return [str(i + 1) for i in range(k)]
    names = [str(x) for x in labels]
    if len(names) != k:
        raise ValueError(f"labels has {len(names)} entries for {k} studies")
    return names


def _estimate_tau2(y: np.ndarray, v: np.ndarray, method: Method) -> tuple[float, float | None]:
    """tau² and its standard error, as metafor ``rma.uni``."""
    k = len(y)
    if method == "REML":
        tau2 = _tau2_reml(y, v)
        return tau2, float(np.sqrt(2 / np.sum(_p_matrix(1 / (v + tau2)) ** 2)))
    if method == "DL":
        # (Q - (k - 1)) / tr(P), truncated at 0 as metafor does. Not statsmodels'
        # "chi2": it leaves a negative tau^2 untruncated (and warns on it).
        p = _p_matrix(1 / v)
        tr_p = np.trace(p)
        tau2 = max(0.0, (_generalised_q(y, v, 0.0) - (k - 1)) / tr_p)
        se = np.sqrt((2 * (k - 1) + 4 * tau2 * tr_p + 2 * tau2**2 * np.sum(p * p)) / tr_p**2)
        return tau2, float(se)
    # Paule-Mandel: statsmodels "iterated" (DerSimonian & Kacker 2007)
    tau2 = max(0.0, float(combine_effects(y, v, method_re="iterated", atol=1e-10).tau2))
    if tau2 > 0 and abs(_generalised_q(y, v, tau2) - (k - 1)) > 1e-6:
        raise RuntimeError("Paule-Mandel iteration did not converge")
    w = 1 / (v + tau2)
    return tau2, float(np.sqrt(2 * k**2 / (k - 1) / np.sum(w) ** 2))


def _p_matrix(w: np.ndarray) -> np.ndarray:
    """metafor's P = W - W X (X'WX)^-1 X'W for the intercept-only model."""
    return np.diag(w) - np.outer(w, w) / np.sum(w)


def _generalised_q(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))


def _tau2_reml(y: np.ndarray, v: np.ndarray) -> float:
    """REML tau² by Fisher scoring, step for step as metafor ``rma.uni``."""
    k = len(y)
    he = (np.sum((y - y.mean()) ** 2) - np.sum(v) * (k - 1) / k) / (k - 1)
    tau2 = max(0.0, float(he))  # metafor starts from the Hedges estimate
    for _ in range(_REML_MAXITER):
        p = _p_matrix(1 / (v + tau2))
        py = p @ y
        adj = (py @ py - np.trace(p)) / np.sum(p * p)
        while tau2 + adj < 0:  # step halving keeps tau² >= 0
            adj /= 2
        tau2, change = tau2 + adj, abs(adj)
        if change <= _REML_THRESHOLD:
            break
    else:
        raise RuntimeError("Fisher scoring for the REML estimate of tau^2 did not converge")
    if tau2 > _REML_THRESHOLD and _reml_loglik(y, v, 0.0) - _reml_loglik(y, v, tau2) > _LL0_TOL:
        tau2 = 0.0  # metafor's check for a local maximum away from 0
    return float(max(0.0, tau2))


def _reml_loglik(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """Restricted log-likelihood of the intercept-only random-effects model."""
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(
        -0.5 * (len(y) - 1) * np.log(2 * np.pi)
        - 0.5 * np.sum(np.log(v + tau2))
        - 0.5 * np.log(np.sum(w))
        - 0.5 * np.sum(w * (y - mu) ** 2)
    )


def _heterogeneity(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, float, float]:
    """Cochran's Q and metafor's I² (percent) and H² for a given tau²."""
    k = len(y)
    q = max(0.0, _generalised_q(y, v, 0.0))
    typical_v = (k - 1) / np.trace(_p_matrix(1 / v))
    return q, float(100 * tau2 / (typical_v + tau2)), float(tau2 / typical_v + 1)


def _study_effects(
    y: np.ndarray, v: np.ndarray, w: np.ndarray, names: list[str], alpha: float
) -> pd.DataFrame:
    effects = normal_effects(y, np.sqrt(v), alpha=alpha)
    effects.insert(0, "label", names)
    effects["weight_pct"] = 100 * w / np.sum(w)
    return effects


def ratio_ticks(low: float, high: float, *, bins: int = 6) -> np.ndarray:
    """Round ratios for a log axis from ``low`` to ``high``: steps of 1, 2, 2.5, 5 or 10%.

    Examples
    --------
    >>> ratio_ticks(0.78, 1.06).round(2).tolist()
    [0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1]
    """
    percent = ticker.MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]).tick_values(
        100 * (low - 1), 100 * (high - 1)
    )
    ticks = 1 + percent / 100
    return ticks[ticks > 0]


@plotting.literal_text
def _forest_plot(
    res: PoolResult,
    *,
    exponentiate: bool,
    title: str | None,
    xlabel: str | None,
    words: ForestWords,
    tick_label: Callable[[float], str] | None = None,
) -> Figure:
    tf = np.exp if exponentiate else (lambda x: x)
    eff = res.effects
    k = len(eff)
    fig = Figure(figsize=(7, 1.2 + 0.35 * (k + 2)))
    ax = fig.add_subplot()
    rows = np.arange(k, 0, -1) + 1.0
    ax.hlines(rows, tf(eff["ci_low"]), tf(eff["ci_high"]), color="0.3", linewidth=1)
    sizes = 20 + 180 * eff["weight_pct"] / eff["weight_pct"].max()
    ax.scatter(tf(eff["estimate"]), rows, s=sizes, marker="s", color="0.2", zorder=3)
    ax.hlines(
        0,
        tf(res.pi_low),
        tf(res.pi_high),
        color=plotting.ESTIMATE,
        linewidth=1,
        linestyle="--",
        label=words.prediction_interval,
    )
    diamond_x = tf(np.array([res.ci_low, res.estimate, res.ci_high, res.estimate]))
    ax.fill(
        diamond_x,
        [0, 0.25, 0, -0.25],
        color=plotting.ESTIMATE,
        zorder=3,
        label=words.pooled_estimate,
    )
    ax.axvline(tf(0.0), color=plotting.REFERENCE, linewidth=0.8)
    ax.set_yticks([*rows, 0], [*eff["label"], words.pooled_row.format(method=res.method)])
    if exponentiate:
        ax.set_xscale("log")
        shown = tf(np.array([*eff["ci_low"], *eff["ci_high"], res.pi_low, res.pi_high, 0.0]))
        ticks = ratio_ticks(float(np.nanmin(shown)), float(np.nanmax(shown)))
        ax.xaxis.set_major_locator(ticker.FixedLocator(ticks))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.set_xlim(ticks[0], ticks[-1])
    if tick_label is not None:
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: tick_label(v)))
    elif exponentiate:
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.3g}"))
    ax.set_xlabel(xlabel or ("Ratio" if exponentiate else "Estimate"))
    ax.set_title(title or f"Forest plot (k = {k}, I² = {res.i2:.0f}%)")
    # below the axes, never over a region's interval
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize="small", frameon=False
    )
    fig.tight_layout()
    return fig
