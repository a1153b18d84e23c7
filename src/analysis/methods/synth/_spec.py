"""Data preparation: the predictor specification and the matrices it gives (R ``dataprep``).

A synthetic-control specification names, for each predictor, a column, the
periods over which it is averaged and the aggregation (R ``Synth``'s
``special.predictors``, tidysynth's ``generate_predictor``). Outcome values at
single periods (``outcome_lags``) are predictors with a one-period window. The
prepared :class:`Spec` holds, for every unit of the pool, the outcome panel and
the predictor values, so that placebo refits reuse them.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from analysis.methods._options import (
    Aggregation,
    require_choice,
    require_columns,
    require_numeric,
)

#: ``(column, periods)`` or ``(column, periods, aggregation)``
PredictorWindow: TypeAlias = tuple[str, Iterable[Hashable]] | tuple[str, Iterable[Hashable], str]
#: a list of columns (averaged over the pre-period) or a mapping name -> window
Predictors: TypeAlias = Sequence[str] | Mapping[str, PredictorWindow]


@dataclass(frozen=True)
class Predictor:
    """One predictor: ``aggregation`` of ``column`` over ``periods`` (None: the pre-period)."""

    name: str
    column: str
    periods: tuple[Hashable, ...] | None
    aggregation: str = "mean"


@dataclass(frozen=True)
class Request:
    """The user's specification, checked, kept to refit (placebo in time)."""

    data: pd.DataFrame  # the needed columns of the pool's rows (a copy)
    unit: str
    time: str
    outcome: str
    predictors: tuple[Predictor, ...]
    optimization_window: tuple[Hashable, ...] | None
    v: Mapping[str, float] | None


@dataclass(frozen=True, eq=False)
class Spec:
    """Everything needed to fit a synthetic control for any unit of the pool."""

    outcome: pd.DataFrame  # time x unit, balanced
    predictors: pd.DataFrame  # predictor x unit (raw values), empty without predictors
    labels: pd.Index  # predictor with its window, for the balance table
    window: np.ndarray  # bool by time: periods whose outcome MSPE is minimised
    start: Hashable
    v: np.ndarray | None  # given V (normalised), or None to search
    request: Request

    @property
    def pre(self) -> np.ndarray:
        """Boolean by time: before ``start``."""
        return np.asarray(self.outcome.index < self.start)

    @property
    def nested(self) -> bool:
        """True when weights match predictors under a V (else: the outcome path)."""
        return len(self.predictors) > 0

    @functools.cached_property
    def scaled_predictors(self) -> pd.DataFrame:
        """Predictors divided by their standard deviation across the pool's units (as R Synth).

        Computed once: every fit of a placebo test uses it.
        """
        sd = self.predictors.std(axis=1).replace(0.0, 1.0)
        return self.predictors.div(sd, axis=0)


def normalise_predictors(
    predictors: Predictors | None, outcome: str, outcome_lags: Sequence[Hashable] | None
) -> tuple[Predictor, ...]:
    """Predictors as :class:`Predictor` objects, outcome lags last (named ``outcome_time``)."""
    out: list[Predictor] = []
    if isinstance(predictors, Mapping):
        out.extend(_from_mapping(predictors))
    elif predictors is not None:
        if isinstance(predictors, str):
            raise TypeError("predictors must be a list of columns or a mapping, not a string")
        out.extend(Predictor(str(col), col, None) for col in predictors)
    out.extend(Predictor(f"{outcome}_{t}", outcome, (t,)) for t in outcome_lags or ())
    names = [p.name for p in out]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"predictor name(s) used twice: {repeated}")
    return tuple(out)


def _from_mapping(predictors: Mapping[str, Any]) -> list[Predictor]:
    out = []
    for name, value in predictors.items():
        if isinstance(value, str) or not isinstance(value, Sequence) or len(value) not in (2, 3):
            raise ValueError(
                f"predictor {name!r} must be (column, periods) or (column, periods, aggregation), "
                f"got {value!r}"
            )
        column, periods = value[0], value[1]
        aggregation = value[2] if len(value) == 3 else "mean"
        require_choice(f"aggregation of predictor {name!r}", aggregation, Aggregation)
        if isinstance(periods, str | bytes) or not isinstance(periods, Iterable):
            raise ValueError(f"periods of predictor {name!r} must be an iterable of times")
        periods = tuple(periods)
        if not periods:
            raise ValueError(f"periods of predictor {name!r} are empty")
        if len(set(periods)) < len(periods):
            raise ValueError(f"periods of predictor {name!r} repeat a time: {periods}")
        out.append(Predictor(str(name), column, periods, aggregation))
    return out


def check_data(
    data: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    predictors: tuple[Predictor, ...],
) -> None:
    """Columns present, numeric, one row per unit and time."""
    columns = [p.column for p in predictors]
    require_columns(data, [unit, time, outcome, *columns])
    require_numeric(data, [outcome, *columns])
    if data.duplicated([unit, time]).any():
        raise ValueError(f"data has more than one row per {unit!r} and {time!r}")


def build_spec(request: Request, units: list[Hashable], start: Hashable) -> Spec:
    """Outcome panel, predictor matrix and optimisation window for the pool ``units``."""
    rows = request.data[request.data[request.unit].isin(units)]
    wide = _outcome_panel(rows, request, units)
    times = wide.index
    pre_times = times[times < start]
    values, labels = [], []
    for predictor in request.predictors:
        periods = _periods(predictor, times, pre_times, start)
        values.append(_aggregate(rows, request, predictor, periods, units))
        labels.append(f"{predictor.name} ({window_label(periods)})")
    names = [p.name for p in request.predictors]
    matrix = pd.DataFrame(values, index=pd.Index(names, name="predictor"), columns=units)
    window = _window_mask(request.optimization_window, times, start)
    v = None if request.v is None else given_v(request.v, names)
    return Spec(
        outcome=wide,
        predictors=matrix,
        labels=pd.Index(labels, name="predictor"),
        window=window,
        start=start,
        v=v,
        request=request,
    )


def _outcome_panel(rows: pd.DataFrame, request: Request, units: list[Hashable]) -> pd.DataFrame:
    wide = rows.pivot(index=request.time, columns=request.unit, values=request.outcome)
    wide = wide.sort_index()[units]
    incomplete = wide.columns[wide.isna().any()].tolist()
    if incomplete:
        raise ValueError(
            f"outcome {request.outcome!r} is missing for some time points of unit(s) "
            f"{incomplete[:10]}; a synthetic control needs a balanced panel "
            "(drop those units or fill the gaps)"
        )
    return wide


def _periods(
    predictor: Predictor, times: pd.Index, pre_times: pd.Index, start: Hashable
) -> tuple[Hashable, ...]:
    if predictor.periods is None:
        return tuple(pre_times)
    known = set(times)
    absent = [t for t in predictor.periods if t not in known]
    if absent:
        raise ValueError(
            f"predictor {predictor.name!r}: period(s) {absent[:5]} not found in the time column"
        )
    late = [t for t in predictor.periods if not t < start]
    if late:
        raise ValueError(
            f"predictor {predictor.name!r}: period(s) {late[:5]} are not before start {start!r}; "
            "predictors must be measured before the intervention"
        )
    return predictor.periods


def _aggregate(
    rows: pd.DataFrame,
    request: Request,
    predictor: Predictor,
    periods: tuple[Hashable, ...],
    units: list[Hashable],
) -> np.ndarray:
    """Mean of the column over the periods per unit, skipping missing values (as R Synth)."""
    inside = rows[rows[request.time].isin(periods)]
    means = inside.groupby(request.unit)[predictor.column].mean().reindex(units)
    empty = means.index[means.isna()].tolist()
    if empty:
        raise ValueError(
            f"predictor {predictor.name!r} ({predictor.column!r} over "
            f"{window_label(periods)}) has no value for unit {empty[0]!r}"
            + (f" (and {len(empty) - 1} other unit(s))" if len(empty) > 1 else "")
            + "; choose a window in which every unit has data, or drop the unit"
        )
    return means.to_numpy(dtype=float)


def _window_mask(
    window: tuple[Hashable, ...] | None, times: pd.Index, start: Hashable
) -> np.ndarray:
    pre = np.asarray(times < start)
    if window is None:
        return pre
    known = set(times)
    bad = [t for t in window if t not in known or not t < start]
    if bad:
        raise ValueError(
            f"optimization_window must hold pre-period times of the data; not so: {bad[:5]}"
        )
    return np.asarray(times.isin(window))


def given_v(v: Mapping[str, float], names: list[str]) -> np.ndarray:
    """A user's V as an array in predictor order, normalised to sum 1."""
    if not isinstance(v, Mapping):
        raise TypeError("v must be a mapping from predictor name to weight")
    unknown = [k for k in v if k not in names]
    missing = [n for n in names if n not in v]
    if unknown or missing:
        raise ValueError(
            f"v must give a weight for each predictor {names}; "
            + (f"unknown: {unknown}" if unknown else f"missing: {missing}")
        )
    values = np.array([v[n] for n in names], dtype=float)
    if not np.isfinite(values).all() or (values < 0).any() or values.sum() <= 0:
        raise ValueError("v must hold finite non-negative weights, not all zero")
    return values / values.sum()


def window_label(periods: Sequence[Hashable]) -> str:
    """``1980-1988``, ``1961-1969 by 2``, ``1969``, or the periods listed."""
    ordered = sorted(periods)
    first, last = ordered[0], ordered[-1]
    if len(ordered) == 1:
        return _text(first)
    if all(_is_number(t) for t in ordered):
        steps = np.diff(np.asarray(ordered, dtype=float))
        if np.allclose(steps, steps[0]) and steps[0] > 0:
            by = "" if steps[0] == 1 else f" by {_text(steps[0])}"
            return f"{_text(first)}-{_text(last)}{by}"
    elif len(ordered) > 2:
        return f"{_text(first)}-{_text(last)} ({len(ordered)} periods)"
    return ", ".join(_text(t) for t in ordered)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _text(value: Any) -> str:
    if _is_number(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


__all__ = [
    "Predictor",
    "PredictorWindow",
    "Predictors",
    "Request",
    "Spec",
    "build_spec",
    "check_data",
    "given_v",
    "normalise_predictors",
    "window_label",
]
