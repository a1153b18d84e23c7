"""Seasonal adjustment of a monthly series, for control charts of seasonal indicators.

GP contacts peak every winter (influenza-like illness): on a plain XmR chart
the winter months fall outside the limits and the summer months make long
runs below the mean, so nearly every point looks like a special cause. The
monitor therefore charts seasonal indicators *seasonally adjusted*: the
seasonal pattern is estimated once, from the baseline months, and every month
is divided by its month's factor (or, for an additive pattern, the factor is
subtracted). A series with a stable winter peak and no change then varies
around a flat level, and the Making Data Count rules apply as usual; a real
change (a new level after an intervention) stays visible, since the pattern is
not re-estimated after the baseline.

The pattern is harmonic regression on the baseline (ordinary least squares,
statsmodels): a level, a linear trend (so that a drift in the baseline is not
mistaken for season) and ``harmonics`` sine-cosine pairs of the calendar month
with a period of 12 months, on the log scale for rates (a multiplicative
pattern: the winter peak grows with the level) or on the original scale for
shares. Two harmonics describe a winter peak of two or three months; at least
:data:`SEASONAL_BASELINE_MIN` baseline months (two whole years) are needed.

This is the harmonic seasonality of the interrupted time series
(:func:`analysis.methods.its`, ``tsModel::harmonic``), fitted to the baseline
only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

#: Fewest baseline months for a seasonal pattern: two whole years.
SEASONAL_BASELINE_MIN = 24
PERIOD = 12


def harmonic_columns(time: pd.Series | np.ndarray, harmonics: int, period: float) -> dict:
    """``sin{k}``, ``cos{k}`` of ``2 pi k time / period`` for k = 1..harmonics.

    Examples
    --------
    >>> cols = harmonic_columns(np.array([0.0, 3.0]), 1, 12)
    >>> [round(float(v), 6) for v in cols["sin1"]], [round(float(v), 6) for v in cols["cos1"]]
    ([0.0, 1.0], [1.0, 0.0])
    """
    columns = {}
    for k in range(1, harmonics + 1):
        angle = 2 * np.pi * k * np.asarray(time, dtype=float) / period
        columns[f"sin{k}"] = np.sin(angle)
        columns[f"cos{k}"] = np.cos(angle)
    return columns


@dataclass(frozen=True)
class SeasonalPattern:
    """A monthly seasonal pattern estimated from a baseline.

    Attributes
    ----------
    factors
        One value per calendar month (index 1..12): a multiplier averaging 1 on
        the log scale (``multiplicative``) or an offset averaging 0.
    multiplicative
        Whether the pattern multiplies (rates) or adds (shares).
    harmonics
        Sine-cosine pairs used.
    baseline_points
        Months the pattern was estimated from.
    """

    factors: pd.Series
    multiplicative: bool
    harmonics: int
    baseline_points: int

    def adjust(self, values: pd.Series) -> pd.Series:
        """``values`` (indexed by month) with the pattern taken out; missing values stay missing."""
        month = pd.DatetimeIndex(values.index).month
        factor = self.factors.reindex(month).to_numpy()
        out = values / factor if self.multiplicative else values - factor
        return pd.Series(np.asarray(out, dtype=float), index=values.index, name=values.name)


def seasonal_pattern(
    values: pd.Series,
    *,
    baseline: int,
    harmonics: int = 2,
    multiplicative: bool = True,
) -> SeasonalPattern:
    """Estimate the seasonal pattern of a monthly series from its first ``baseline`` points.

    Parameters
    ----------
    values
        Monthly values indexed by the first day of each month, in time order;
        missing values are left out of the fit.
    baseline
        Leading points to fit on (at least :data:`SEASONAL_BASELINE_MIN`).
    harmonics
        Sine-cosine pairs of the calendar month (1 to 6).
    multiplicative
        Fit on the log scale (rates: the pattern multiplies); else on the
        original scale (shares: it adds).

    Returns
    -------
    SeasonalPattern

    Raises
    ------
    ValueError
        With too few baseline points, a non-positive value on the log scale, or
        a bad ``harmonics``.

    Examples
    --------
    >>> months = pd.date_range("2020-01-01", periods=36, freq="MS")
    >>> season = 1 + 0.2 * np.cos(2 * np.pi * (months.month - 1) / 12)
    >>> pattern = seasonal_pattern(pd.Series(100 * season, index=months), baseline=24)
    >>> adjusted = pattern.adjust(pd.Series(100 * season, index=months))
    >>> bool(adjusted.std() < 0.5)
    True
    """
    if not 1 <= harmonics <= PERIOD // 2:
        raise ValueError(f"harmonics must be 1 to {PERIOD // 2}, got {harmonics}")
    index = pd.DatetimeIndex(values.index)
    y = pd.Series(np.asarray(values, dtype=float), index=index).iloc[:baseline].dropna()
    if len(y) < SEASONAL_BASELINE_MIN:
        raise ValueError(
            f"a seasonal pattern needs at least {SEASONAL_BASELINE_MIN} baseline months with a "
            f"value, got {len(y)}"
        )
    if multiplicative:
        if (y <= 0).any():
            raise ValueError("a multiplicative pattern needs positive values")
        y = np.log(y)
    months = pd.DatetimeIndex(y.index)
    trend = (months.year - months.year[0]) * 12 + months.month - months.month[0]
    design = pd.DataFrame(
        {"const": 1.0, "trend": trend.astype(float)}
        | harmonic_columns(months.month - 1, harmonics, PERIOD),
        index=y.index,
    )
    fit = sm.OLS(y, design).fit()
    calendar = pd.DataFrame(harmonic_columns(np.arange(PERIOD), harmonics, PERIOD))
    seasonal = calendar.to_numpy() @ fit.params[calendar.columns].to_numpy()
    seasonal = seasonal - seasonal.mean()
    factors = pd.Series(
        np.exp(seasonal) if multiplicative else seasonal, index=pd.RangeIndex(1, PERIOD + 1)
    )
    return SeasonalPattern(factors, multiplicative, harmonics, len(y))
