"""The one rule for identifiers that may become file names, URLs or HTML attributes.

Region, practice and intervention ids come from the user's data. A region id
names a folder under ``reports/``; an id such as ``../../x``, ``/tmp/x`` or
``javascript:alert(1)`` must never get that far. Every id is checked here, at
ingest (with file, line and column) and again wherever an id becomes a path.

A safe id is 1 to 64 characters: letters, digits, ``-``, ``_`` and ``.``,
not starting with ``.``.
"""

from __future__ import annotations

import re

from analysis.errors import WorkbenchError

#: The rule as a regular expression (Python ``re`` and DuckDB's RE2 read it alike).
SAFE_ID_PATTERN = r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}"
SAFE_ID_RULE = "1-64 letters, digits, '-', '_' or '.', not starting with '.'"
_SAFE_ID = re.compile(SAFE_ID_PATTERN)


def is_safe_id(value: object) -> bool:
    """True when ``value`` is a string that may be used as a file or folder name.

    Examples
    --------
    >>> [is_safe_id(v) for v in ("NL-GOR", "be_elz.04", "../x", ".hidden", "a/b", "")]
    [True, True, False, False, False, False]
    """
    return isinstance(value, str) and _SAFE_ID.fullmatch(value) is not None


def require_safe_id(value: object, *, what: str = "id") -> str:
    """Return ``value`` when it is a safe id; raise :class:`WorkbenchError` otherwise.

    Parameters
    ----------
    value
        The id to check.
    what
        What the id names (``"region id"``), for the message.

    Examples
    --------
    >>> require_safe_id("NL-GOR", what="region id")
    'NL-GOR'
    >>> require_safe_id("../../x", what="region id")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.errors.WorkbenchError: region id '../../x' is not a safe id. Fix: use 1-64 ...
    """
    if not is_safe_id(value):
        raise WorkbenchError(f"{what} {value!r} is not a safe id. Fix: use {SAFE_ID_RULE}")
    return str(value)
