"""Option types and argument checks shared by every method of :mod:`analysis.methods`.

Each option with a fixed set of values is a ``Literal`` type here, and the
allowed values are read from the type (:func:`typing.get_args`), never written
a second time. The checks raise :class:`ValueError` with one line that names
the argument, what it must be and what it got.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, get_args

import pandas as pd

# att_gt (Callaway & Sant'Anna; R did)
Control = Literal["never_treated", "not_yet_treated"]
DidMethod = Literal["dr", "reg", "ipw"]
BasePeriod = Literal["varying", "universal"]
AggregateKind = Literal["simple", "group", "dynamic", "calendar"]

# its (segmented GLM)
Family = Literal["quasipoisson", "poisson", "negbin", "gaussian"]
Autocorrelation = Literal["newey-west"]

# pool (random-effects meta-analysis; R metafor)
MetaMethod = Literal["REML", "DL", "PM"]

# run_chart / xmr_chart
Improvement = Literal["increase", "decrease"]

# synthetic_control
Aggregation = Literal["mean"]
VStart = Literal["equal", "regression"]


def choices(option_type: Any) -> tuple[Any, ...]:
    """The allowed values of a ``Literal`` option type."""
    return get_args(option_type)


def require_choice(name: str, value: Any, option_type: Any, *, allow_none: bool = False) -> None:
    """Raise unless ``value`` is one of the values of ``option_type`` (or None if allowed)."""
    if allow_none and value is None:
        return
    allowed = choices(option_type)
    if value not in allowed:
        prefix = "None or one of" if allow_none else "one of"
        raise ValueError(f"{name} must be {prefix} {allowed}, got {value!r}")


def require_alpha(alpha: float) -> None:
    """Raise unless ``0 < alpha < 1``."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def is_integer(value: Any) -> bool:
    """True for an integer value that is not a bool (``3``, ``3.0``; not ``True``)."""
    if isinstance(value, bool):
        return False
    try:
        return int(value) == value
    except (TypeError, ValueError):
        return False


def require_nonnegative_int(name: str, value: Any) -> None:
    """Raise unless ``value`` is an integer >= 0."""
    if not is_integer(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def require_positive_int(name: str, value: Any, *, allow_none: bool = False) -> None:
    """Raise unless ``value`` is an integer >= 1 (or None if allowed)."""
    if allow_none and value is None:
        return
    if not is_integer(value) or value < 1:
        prefix = "None or " if allow_none else ""
        raise ValueError(f"{name} must be {prefix}a positive integer, got {value!r}")


def require_columns(data: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise unless ``data`` is a DataFrame with every one of ``columns``."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError("data must be a pandas DataFrame")
    missing = [col for col in dict.fromkeys(columns) if col not in data.columns]
    if missing:
        raise ValueError(f"column(s) not found in data: {missing}")


def require_numeric(data: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise unless every one of ``columns`` has a numeric dtype."""
    for col in dict.fromkeys(columns):
        if not pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col]):
            raise ValueError(f"column {col!r} must be numeric")


__all__ = [
    "AggregateKind",
    "Aggregation",
    "Autocorrelation",
    "BasePeriod",
    "Control",
    "DidMethod",
    "Family",
    "Improvement",
    "MetaMethod",
    "VStart",
    "choices",
    "is_integer",
    "require_alpha",
    "require_choice",
    "require_columns",
    "require_nonnegative_int",
    "require_numeric",
    "require_positive_int",
]
