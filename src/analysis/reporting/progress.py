"""Live progress of a batch: one line per region and an overall bar (rich)."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from analysis.reporting.batch import RegionOutcome

STATUS_STYLE = {
    "ok": "green",
    "cached": "cyan",
    "skipped": "dim",
    "failed": "bold red",
    "running": "yellow",
    "submitted": "yellow",
    "queued": "dim",
}


class BatchProgress:
    """Context manager showing each job's state and the overall count.

    Parameters
    ----------
    labels
        The jobs that will be executed (``RegionJob.label``: region and notebook).
    console
        Where to draw; a non-terminal console prints plain lines instead.
    """

    def __init__(self, labels: Sequence[str], console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<32}"),
            BarColumn(),
            TextColumn("{task.fields[state]}"),
            TimeElapsedColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
        )
        self._overall = self._progress.add_task("all regions", total=len(labels), state="")
        self._tasks: dict[str, TaskID] = {
            label: self._progress.add_task(label, total=1, state="queued", start=False)
            for label in labels
        }

    def __enter__(self) -> BatchProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.__exit__(kind, value, tb)

    def event(self, label: str, state: str) -> None:
        """A job (region and notebook) changed state (``running``, ``submitted``)."""
        task = self._tasks[label]
        self._progress.start_task(task)
        self._progress.update(task, state=f"[{STATUS_STYLE.get(state, '')}]{state}")

    def done(self, outcome: RegionOutcome) -> None:
        """A region finished."""
        style = STATUS_STYLE.get(outcome.status, "")
        self._progress.update(
            self._tasks[outcome.label],
            completed=1,
            state=f"[{style}]{outcome.status} ({outcome.duration:.0f} s)",
        )
        self._progress.advance(self._overall)
        if not self.console.is_terminal:
            self.console.print(
                f"{outcome.label}: {outcome.status} ({outcome.duration:.1f} s)",
                highlight=False,
                markup=False,
            )


def summary_table(outcomes: Sequence[RegionOutcome]) -> Table:
    """The end-of-run table: region, notebook, language, status, duration, error.

    Cells are plain text: an error message may hold brackets that are not markup.
    """
    table = Table(title="Region runs", show_lines=False)
    for column in ("region", "notebook", "language", "status", "seconds", "error"):
        table.add_column(column)
    for o in sorted(outcomes, key=lambda o: (o.region_id, o.notebook, o.edition or "", o.language)):
        style = STATUS_STYLE.get(o.status, "")
        notebook = f"{o.notebook} {o.edition}" if o.edition else o.notebook
        table.add_row(
            *(Text(v) for v in (o.region_id, notebook, o.language)),
            Text(o.status, style=style),
            f"{o.duration:.1f}",
            Text(o.error or ""),
        )
    return table
