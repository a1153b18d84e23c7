"""Statistical disclosure control for stakeholder reports.

Counts small enough to identify people are suppressed (shown as ``"<10"``),
and columns that identify patients never leave the library.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: Columns that identify a person; reports must never show them.
IDENTIFIER_COLUMNS = ("patient_id", "respondent_id")


def suppress_small_counts(
    table: pd.DataFrame, columns: Sequence[str], *, threshold: int = 10
) -> pd.DataFrame:
    """Replace counts in ``columns`` that are below ``threshold`` (and above 0) by ``"<threshold"``.

    Zero stays visible: it identifies nobody. Identifier columns are dropped.

    Parameters
    ----------
    table
        A table meant for a report; not modified.
    columns
        The count columns to protect.
    threshold
        Smallest count that may be shown.

    Returns
    -------
    pandas.DataFrame
        A copy with the protected columns as text.

    Examples
    --------
    >>> suppress_small_counts(pd.DataFrame({"n": [0, 3, 12]}), ["n"])["n"].tolist()
    ['0', '<10', '12']
    """
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"columns not in the table: {missing}")
    out = table.drop(columns=[c for c in IDENTIFIER_COLUMNS if c in table.columns])
    for column in columns:
        values = out[column]
        small = (values > 0) & (values < threshold)
        out[column] = values.map(lambda v: f"{v:,.0f}" if pd.notna(v) else "").where(
            ~small, f"<{threshold}"
        )
    return out
