"""Edit raw CSV tables in tests: cells addressed by line (as an editor shows it) and column."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell; ``line`` as an editor shows it (header = 1), no multi-line fields before."""
    rows = read_rows(path)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def first_line(path: Path, predicate: Callable[[dict[str, str]], bool]) -> int:
    """Line of the first row for which ``predicate(row as dict)`` holds."""
    rows = read_rows(path)
    for k, row in enumerate(rows[1:], start=2):
        if predicate(dict(zip(rows[0], row, strict=True))):
            return k
    raise AssertionError("no such line")
