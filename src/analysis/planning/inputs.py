"""The planning inputs in the processed data, read with a clear message when one is missing.

The ingest writes the planning tables of the data contract when they are
supplied (``population``, ``gp_workforce`` with each practice's ``region_id``,
``contact_rates``, ``training``; see ``docs/data-contract.md``). A planning page
that needs a table the study did not supply says so instead of failing:
:func:`missing_inputs` names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis.data.contract import PLANNING_TABLES

__all__ = ["missing_inputs", "read_input"]


def read_input(processed_dir: Path | str, name: str) -> pd.DataFrame:
    """A planning input (:data:`~analysis.data.contract.PLANNING_TABLES`); empty when not supplied.

    Examples
    --------
    >>> read_input("data/processed", "population").columns.tolist()  # doctest: +SKIP
    ['region_id', 'year', 'age_group', 'population', 'projected']
    """
    if name not in PLANNING_TABLES:
        raise ValueError(f"{name!r} is not a planning input; use one of {PLANNING_TABLES}")
    path = Path(processed_dir) / f"{name}.parquet"
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


def missing_inputs(processed_dir: Path | str, needed: Sequence[str]) -> list[str]:
    """The planning inputs of ``needed`` that the processed data do not hold."""
    return [name for name in needed if read_input(processed_dir, name).empty]
