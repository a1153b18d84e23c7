"""Interrupted time series: segmented regression for one series with one start.

Follows Lopez Bernal, Cummins & Gasparrini (2017), "Interrupted time series
regression for the evaluation of public health interventions: a tutorial",
Int J Epidemiol 46(1), and reproduces its published R code
(``glm(aces ~ offset(log(stdpop)) + smokban + time + harmonic(month, 2, 12),
family = quasipoisson)`` with ``Epi::ci.exp``): the model is a statsmodels GLM,
confidence intervals are Wald intervals with the normal quantile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from matplotlib.figure import Figure
from scipy import optimize

from analysis import plotting
from analysis.methods._options import Autocorrelation, Family, require_choice
from analysis.methods._results import Overall, add_ratio_columns, format_effects, normal_effects
from analysis.methods.seasonal import harmonic_columns

_COUNT_FAMILIES = ("quasipoisson", "poisson", "negbin")
# search range for log(alpha) of the negative binomial (alpha = 1/theta of R's glm.nb)
_LOG_ALPHA_BOUNDS = (-20.0, 5.0)


@dataclass(frozen=True, eq=False)
class ItsResult:
    """Result of :func:`its`.

    Attributes
    ----------
    effects
        One row per term: ``step`` (level change at the start), ``slope``
        (change in slope per time unit after the start, when ``slope_change``)
        and ``trend`` (underlying slope per time unit), with ``estimate``,
        ``std_error``, ``ci_low``, ``ci_high``, ``p_value`` on the link scale.
        Count families add ``ratio``, ``ratio_ci_low``, ``ratio_ci_high``
        (rate ratios, ``exp`` of the link-scale numbers).
    model
        The fitted statsmodels ``GLMResults`` (all coefficients, including
        the intercept and the harmonics).
    family
        The family fitted.
    dispersion
        Scale of the fit: Pearson chi² / df for ``quasipoisson`` and
        ``gaussian`` (the residual variance), 1 for ``poisson`` and ``negbin``.
    nb_alpha
        Estimated negative binomial dispersion alpha (variance
        ``mu + alpha * mu²``; R's ``theta`` is ``1 / alpha``), else ``None``.
    lags
        Newey-West truncation lag used, else ``None``.
    start
        First time point with the intervention.
    alpha
        1 - confidence level.
    """

    effects: pd.DataFrame
    model: sm.GLM
    family: Family
    dispersion: float
    nb_alpha: float | None
    lags: int | None
    start: float
    alpha: float
    _frame: pd.DataFrame
    _design: pd.DataFrame
    _offset: np.ndarray | None

    def counterfactual(self) -> pd.DataFrame:
        """Observed, fitted and counterfactual values per time point.

        The counterfactual is the fitted model with the intervention terms
        (``step`` and ``slope``) set to 0: the pre-intervention trend (and
        seasonality) continued. Values are on the outcome scale (counts for
        count families, including the offset).

        Returns
        -------
        pandas.DataFrame
            Columns ``time``, ``observed``, ``fitted``, ``counterfactual``.
        """
        return pd.DataFrame(
            {
                "time": self._frame["time"].to_numpy(),
                "observed": self._frame["outcome"].to_numpy(),
                "fitted": self.model.predict(self._design, offset=self._offset),
                "counterfactual": self.model.predict(self._no_effect_design(), offset=self._offset),
            }
        )

    def _no_effect_design(self) -> pd.DataFrame:
        """The design matrix with the intervention terms set to 0."""
        no_effect = self._design.copy()
        no_effect[[c for c in ("step", "slope") if c in no_effect]] = 0.0
        return no_effect

    def average_effect(self, *, draws: int = 4000, seed: int = 0) -> Overall:
        """Average effect over the post-intervention period, with a simulation interval.

        For count families the ratio of the summed fitted to the summed
        counterfactual values after the start; for ``gaussian`` their mean
        difference. With ``slope_change=True`` the counterfactual is the
        pre-intervention trend continued, so an effect that builds up over
        months is averaged as it happened rather than read off one step. The
        interval comes from ``draws`` coefficient vectors drawn from the
        estimated sampling distribution (the coefficient covariance, with the
        dispersion or Newey-West errors of the fit).

        Returns
        -------
        Overall
            ``estimate``, ``std_error`` (of the draws), ``ci_low``, ``ci_high``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> t = np.arange(1, 61)
        >>> ramp = np.clip((t - 36) / 6, 0, 1) * (t > 36)
        >>> mu = 200 * np.exp(0.002 * t) * (1 - 0.2 * ramp)
        >>> df = pd.DataFrame({"time": t, "y": np.random.default_rng(1).poisson(mu),
        ...                    "post": (t > 36).astype(int)})
        >>> res = its(df, outcome="y", time="time", intervention="post", slope_change=True)
        >>> bool(0.75 < res.average_effect().estimate < 0.9)
        True
        """
        post = self._design["step"].to_numpy() > 0
        offset = self._offset[post] if self._offset is not None else 0.0
        with_effect = self._design.to_numpy()[post]
        without = self._no_effect_design().to_numpy()[post]
        rng = np.random.default_rng(seed)
        params = self.model.params.to_numpy()
        betas = np.vstack(
            [
                params,
                rng.multivariate_normal(params, self.model.cov_params().to_numpy(), size=draws),
            ]
        )
        fitted = with_effect @ betas.T + np.reshape(offset, (-1, 1))  # (post months, 1 + draws)
        counterfactual = without @ betas.T + np.reshape(offset, (-1, 1))
        if self.family == "gaussian":
            values = (fitted - counterfactual).mean(axis=0)
        else:
            values = np.exp(fitted).sum(axis=0) / np.exp(counterfactual).sum(axis=0)
        low, high = np.quantile(values[1:], [self.alpha / 2, 1 - self.alpha / 2])
        return Overall(float(values[0]), float(values[1:].std(ddof=1)), float(low), float(high))

    def summary(self, digits: int = 4) -> str:
        """Plain-text table of the effects with the model settings."""
        lag_text = f", Newey-West errors with {self.lags} lags" if self.lags is not None else ""
        head = (
            f"Interrupted time series ({self.family}{lag_text}); n = {int(self.model.nobs)}, "
            f"start = {self.start:g}, dispersion = {self.dispersion:.{digits}f}"
        )
        if self.nb_alpha is not None:
            head += f", negative binomial alpha = {self.nb_alpha:.{digits}g}"
        level = round(100 * (1 - self.alpha))
        return f"{head}\n\n{format_effects(self.effects, f'Effects ({level}% Wald CI)', digits)}"

    @plotting.literal_text
    def plot(self, *, title: str | None = None, ylabel: str | None = None) -> Figure:
        """Observed points, fitted line and counterfactual, start of intervention marked.

        Parameters
        ----------
        title, ylabel
            Plot title and y-axis label.
        """
        cf = self.counterfactual()
        fig = Figure(figsize=(8, 4.5))
        ax = fig.add_subplot()
        ax.scatter(cf["time"], cf["observed"], s=14, color="0.35", label="observed", zorder=3)
        post = cf["time"] >= self.start
        for part, label in ((~post, "fitted"), (post, None)):  # a gap marks the step
            ax.plot(cf["time"][part], cf["fitted"][part], color=plotting.ESTIMATE, label=label)
        ax.plot(
            cf["time"][post],
            cf["counterfactual"][post],
            color=plotting.ESTIMATE,
            linestyle="--",
            label="counterfactual (no intervention)",
        )
        ax.axvline(self.start, color="0.5", linestyle=":", label="intervention start")
        ax.set_xlabel("time")
        ax.set_ylabel(ylabel or "outcome")
        ax.set_title(title or "Interrupted time series")
        ax.legend(loc="best", fontsize="small", frameon=False)
        fig.tight_layout()
        return fig


def its(
    data: pd.DataFrame,
    *,
    outcome: str,
    time: str,
    intervention: str,
    offset: str | None = None,
    family: Family = "quasipoisson",
    harmonics: int = 0,
    period: float = 12,
    slope_change: bool = False,
    autocorrelation: Autocorrelation | None = None,
    lags: int | None = None,
    alpha: float = 0.05,
) -> ItsResult:
    """Segmented regression for an interrupted time series.

    Fits ``g(E[outcome]) = b0 + trend * time + step * intervention
    [+ slope * (time - t0) * intervention] [+ harmonics] [+ log(offset)]``
    with a statsmodels GLM, where ``t0`` is the last time point before the
    intervention (as ``I(time - 36):smokban`` in Lopez Bernal et al. 2017).

    Parameters
    ----------
    data
        One row per time point of a single series (not modified).
    outcome
        Column with the outcome: counts (>= 0) for the count families.
    time
        Column with the time index, equally spaced (e.g. month number 1..n).
    intervention
        Column coded 0 before and 1 from the start of the intervention (one
        switch from 0 to 1; booleans are accepted).
    offset
        Column with the exposure (population, list size); its log enters the
        model so the effects are rate ratios. Count families only.
    family
        ``"quasipoisson"`` (Poisson with scale = Pearson chi² / df, as R's
        ``quasipoisson``), ``"poisson"``, ``"negbin"`` (NB2, dispersion alpha
        estimated by maximum likelihood, coefficients and standard errors
        given alpha, as R's ``MASS::glm.nb``) or ``"gaussian"`` (identity link).
    harmonics
        Number of sine/cosine pairs of ``time`` for seasonality, as
        ``tsModel::harmonic(time, harmonics, period)``. With a monthly
        ``time`` index these span the same terms as harmonics of the
        calendar month, because ``time`` and month differ by multiples of 12.
    period
        Length of the seasonal cycle in time units (12 for monthly data).
    slope_change
        Add a change in slope after the start (term ``slope``).
    autocorrelation
        ``"newey-west"`` for heteroscedasticity- and autocorrelation-consistent
        (HAC, Bartlett kernel) standard errors; ``None`` for model-based ones.
    lags
        Newey-West truncation lag; default ``floor(4 * (n / 100) ** (2 / 9))``
        (Newey & West 1994), the statsmodels rule.
    alpha
        1 - confidence level of the Wald intervals (normal quantile, as
        ``Epi::ci.lin`` and ``confint.default`` in R).

    Returns
    -------
    ItsResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> t = np.arange(1, 61)
    >>> after = (t > 36).astype(int)
    >>> df = pd.DataFrame({"month": t, "pilot": after, "patients": 20_000,
    ...                    "referrals": rng.poisson(20_000 * 0.02 * np.exp(-0.2 * after))})
    >>> res = its(df, outcome="referrals", time="month", intervention="pilot",
    ...           offset="patients", harmonics=2)
    >>> bool(0.75 < res.effects.set_index("term").loc["step", "ratio"] < 0.9)
    True
    >>> fig = res.plot()
    """
    _check_options(family, harmonics, period, autocorrelation, lags, alpha, offset)
    frame = _prepare(data, outcome, time, intervention, offset, family)
    design, start = _design(frame, harmonics, period, slope_change)
    log_offset = np.log(frame["exposure"].to_numpy()) if offset is not None else None
    nb_alpha = _nb_alpha(frame["outcome"], design, log_offset) if family == "negbin" else None
    if autocorrelation == "newey-west" and lags is None:
        lags = int(np.floor(4 * (len(frame) / 100) ** (2 / 9)))
    model = _fit(frame["outcome"], design, log_offset, family, nb_alpha, lags)
    return ItsResult(
        effects=_effects(model, family, slope_change, alpha),
        model=model,
        family=family,
        dispersion=float(model.scale),
        nb_alpha=nb_alpha,
        lags=lags,
        start=start,
        alpha=alpha,
        _frame=frame,
        _design=design,
        _offset=log_offset,
    )


def _check_options(
    family: str,
    harmonics: int,
    period: float,
    autocorrelation: str | None,
    lags: int | None,
    alpha: float,
    offset: str | None,
) -> None:
    require_choice("family", family, Family)
    require_choice("autocorrelation", autocorrelation, Autocorrelation, allow_none=True)
    if lags is not None and autocorrelation is None:
        raise ValueError("lags is only used with autocorrelation='newey-west'")
    if lags is not None and (not isinstance(lags, int | np.integer) or lags < 0):
        raise ValueError(f"lags must be a non-negative integer, got {lags!r}")
    if not period > 0:
        raise ValueError(f"period must be > 0, got {period}")
    if not isinstance(harmonics, int | np.integer) or not 0 <= harmonics <= period / 2:
        raise ValueError(f"harmonics must be an integer from 0 to period / 2, got {harmonics!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if offset is not None and family == "gaussian":
        raise ValueError(
            "offset (a log exposure) is for the count families; for family='gaussian' "
            "model a rate column instead"
        )


def _prepare(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    intervention: str,
    offset: str | None,
    family: str,
) -> pd.DataFrame:
    """Copy the needed columns into a validated frame sorted by time."""
    names = {"outcome": outcome, "time": time, "intervention": intervention}
    if offset is not None:
        names["exposure"] = offset
    missing = [col for col in names.values() if col not in data.columns]
    if missing:
        raise ValueError(f"column(s) not found in data: {missing}")
    frame = pd.DataFrame({key: data[col].to_numpy() for key, col in names.items()})
    for key, col in names.items():
        if not pd.api.types.is_numeric_dtype(frame[key]) and key != "intervention":
            raise ValueError(f"column {col!r} must be numeric")
        if frame[key].isna().any():
            rows = data.index[frame[key].isna().to_numpy()].tolist()[:5]
            raise ValueError(f"column {col!r} has missing values (rows {rows})")
    frame = frame.sort_values("time", kind="stable").reset_index(drop=True)
    if frame["time"].duplicated().any():
        dupes = frame.loc[frame["time"].duplicated(), "time"].tolist()[:5]
        raise ValueError(f"column {time!r} has duplicated time points {dupes}: one series only")
    frame["intervention"] = _as_indicator(frame["intervention"], intervention)
    _check_values(frame, names, family)
    return frame


def _as_indicator(values: pd.Series, name: str) -> pd.Series:
    flag = values.astype(float) if pd.api.types.is_bool_dtype(values) else values
    if not pd.api.types.is_numeric_dtype(flag) or not flag.isin([0, 1]).all():
        bad = pd.unique(values[~values.isin([0, 1])])[:5].tolist()
        raise ValueError(f"intervention column {name!r} must be coded 0/1, found {bad}")
    flag = flag.astype(float)
    if flag.min() == flag.max():
        raise ValueError(f"intervention column {name!r} needs both 0 (before) and 1 (after)")
    if (flag.diff().dropna() < 0).any():
        raise ValueError(
            f"intervention column {name!r} must switch once from 0 to 1 over time "
            "(it goes back to 0)"
        )
    return flag


def _check_values(frame: pd.DataFrame, names: dict[str, str], family: str) -> None:
    if family in _COUNT_FAMILIES and (frame["outcome"] < 0).any():
        raise ValueError(f"outcome {names['outcome']!r} must be >= 0 for family={family!r}")
    if "exposure" in frame and (frame["exposure"] <= 0).any():
        raise ValueError(f"offset column {names['exposure']!r} must be > 0")
    if len(frame) < 4:
        raise ValueError(f"need at least 4 time points, got {len(frame)}")


def _design(
    frame: pd.DataFrame, harmonics: int, period: float, slope_change: bool
) -> tuple[pd.DataFrame, float]:
    """Design matrix (intercept, step, trend, slope, harmonics) and the start time."""
    t = frame["time"].astype(float)
    after = frame["intervention"]
    start = float(t[after == 1].min())
    columns: dict[str, pd.Series | float] = {"const": 1.0, "step": after, "trend": t}
    if slope_change:
        last_before = float(t[after == 0].max())
        columns["slope"] = (t - last_before) * after
    columns |= harmonic_columns(t.to_numpy(), harmonics, period)
    return pd.DataFrame(columns, index=frame.index), start


def _glm_family(family: str, nb_alpha: float | None) -> sm.families.Family:
    if family == "gaussian":
        return sm.families.Gaussian()
    if family == "negbin":
        return sm.families.NegativeBinomial(alpha=nb_alpha)
    return sm.families.Poisson()


def _nb_alpha(y: pd.Series, design: pd.DataFrame, log_offset: np.ndarray | None) -> float:
    """Maximum-likelihood NB2 alpha, profiling the coefficients by IRLS (as glm.nb)."""

    def neg_loglik(log_alpha: float) -> float:
        family = sm.families.NegativeBinomial(alpha=float(np.exp(log_alpha)))
        return -sm.GLM(y, design, family=family, offset=log_offset).fit().llf

    res = optimize.minimize_scalar(
        neg_loglik, bounds=_LOG_ALPHA_BOUNDS, method="bounded", options={"xatol": 1e-6}
    )
    return float(np.exp(res.x))


def _fit(
    y: pd.Series,
    design: pd.DataFrame,
    log_offset: np.ndarray | None,
    family: str,
    nb_alpha: float | None,
    lags: int | None,
):
    model = sm.GLM(y, design, family=_glm_family(family, nb_alpha), offset=log_offset)
    scale = "X2" if family in ("quasipoisson", "gaussian") else None
    if lags is None:
        return model.fit(scale=scale)
    return model.fit(scale=scale, cov_type="HAC", cov_kwds={"maxlags": lags})


def _effects(model, family: str, slope_change: bool, alpha: float) -> pd.DataFrame:
    terms = ["step", "slope", "trend"] if slope_change else ["step", "trend"]
    effects = normal_effects(model.params[terms], model.bse[terms], alpha=alpha)
    effects.insert(0, "term", terms)
    return add_ratio_columns(effects) if family in _COUNT_FAMILIES else effects


__all__ = ["ItsResult", "its"]
