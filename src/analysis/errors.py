"""User-facing errors: what went wrong, where, and how to fix it.

The command line catches :class:`WorkbenchError` and prints its message
without a traceback (exit code 2); anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

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
