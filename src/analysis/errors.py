"""User-facing errors: what went wrong, where, and how to fix it.

The command line catches :class:`WorkbenchError` and prints its message
without a traceback (exit code 2); anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable
from pathlib import Path


class WorkbenchError(Exception):
    """A mistake in the user's input or configuration, not a bug."""


class InputError(WorkbenchError):
    """Bad input data, located by file, line and column.

    Parameters
    ----------
    problem
        What is wrong, in one sentence.
    file
        The input file.
    line
        Line number in the file as an editor shows it (the header is line 1),
        when the problem belongs to one line.
    column
        Column name, when the problem belongs to one column.
    hint
        How to fix it.

    Examples
    --------
    >>> str(InputError("value 'x' is not a number", file=Path("regions.csv"),
    ...                line=3, column="population", hint="write a whole number"))
    "regions.csv, line 3, column 'population': value 'x' is not a number. Fix: write a whole number"
    """

    def __init__(
        self,
        problem: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = Path(file) if file is not None else None
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: {self.problem}" if where else self.problem
        return f"{text}. Fix: {self.hint}" if self.hint else text


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` for the known name nearest to a misspelt one, else ``""``.

    Examples
    --------
    >>> did_you_mean("region", ["region_id", "language"])
    "did you mean 'region_id'? "
    >>> did_you_mean("colour", ["region_id"])
    ''
    """
    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'? " if near else ""


def environment_error(exc: OSError, where: Path | str | None = None) -> WorkbenchError:
    """An OS error (read-only folder, full disk, no permission) as one line with the fix.

    Examples
    --------
    >>> import errno
    >>> print(environment_error(OSError(errno.ENOSPC, "No space left"), "reports"))
    cannot write to reports: No space left. Fix: the disk is full: free space and run again
    """
    fixes = {
        errno.ENOSPC: "the disk is full: free space and run again",
        errno.EROFS: "the file system is read-only: choose a writable folder in workbench.toml",
        errno.EACCES: "no permission to write there: fix the folder's permissions or choose "
        "another folder in workbench.toml",
        errno.EPERM: "no permission to write there: fix the folder's permissions or choose "
        "another folder in workbench.toml",
    }
    fix = fixes.get(exc.errno or 0, "check that the folder exists and can be written")
    where = where if where is not None else (exc.filename or "a file")
    return WorkbenchError(f"cannot write to {where}: {exc.strerror or exc}. Fix: {fix}")


#: OS errors that are the environment's, not a bug: reported in one line, exit 2.
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT})
