"""Where every output goes: one object that the pipeline, the batch, the index and the CLI ask.

``reports/`` (the study's reports folder) holds::

    index.html                         landing page for stakeholders, primary language
    index.<lang>.html                  the landing page in every built language
    learning.html                      programme learning page, primary language
    learning.<lang>.html               the learning page in every other built language
    data_quality.<lang>.html           what the ingest's checks found, counts only
    researchers.html                   run status, errors, executed notebooks (researchers only)
    <region>/<notebook>.<lang>.html    a region's report in one language (may be shared)
    <region>/results.json              the region's effects with 95% intervals (researchers)
    <region>/.<notebook>.<lang>.run.json   run record: status, cache key, outputs and hashes
    <region>/monitor/<YYYY-MM>.<lang>.html        the monthly monitor as of that month (kept)
    <region>/monitor/<YYYY-MM>.<lang>.signals.json  what that edition signalled (for the next)
    <region>/monitor/.<YYYY-MM>.<lang>.run.json    run record of that edition
    synthesis/synthesis.<lang>.html    pooled effects across regions
    planning/<notebook>.<lang>.html    planning pages: pilot selection, power, capacity outlook
    planning/matched_comparisons.json  the pilot selection's comparison regions (researchers)
    _executed/<region>/<notebook>.<lang>.ipynb   executed notebooks, code and all (researchers)
    _executed/<region>/<notebook>.<YYYY-MM>.<lang>.ipynb   executed notebook of an edition
    _executed/<region>/<notebook>.<lang>.work/   a run's working folder while it runs
    .workbench-reports                 marker: this folder was made by the workbench

A region id becomes a folder name only through :meth:`ReportLayout.region_dir`,
which refuses anything but a safe id (:mod:`analysis.ids`) and the names the
workbench keeps for itself; links between pages are relative and percent-encoded
(:meth:`ReportLayout.link`).

An *edition* is a run of a notebook on the data up to one month (``--as-of
YYYY-MM``): every edition is kept beside the others in the notebook's editions
folder (``monitor/`` for ``region_monitor``), so a coach can show what the
monitor said then. The month becomes part of a file name only when it is
written ``YYYY-MM``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from analysis.errors import WorkbenchError, environment_error
from analysis.ids import require_safe_id

#: Folder names under ``reports/`` that belong to the workbench, never to a region.
SYNTHESIS_ID = "synthesis"
PLANNING_ID = "planning"
EXECUTED_DIR = "_executed"
RESERVED_IDS = frozenset({SYNTHESIS_ID, EXECUTED_DIR, "assets", PLANNING_ID})
#: The planning notebooks, run once per language into ``reports/planning/``, in index order.
PLANNING_NOTEBOOKS = ("pilot_selection", "pilot_power", "capacity_outlook")
MARKER_NAME = ".workbench-reports"
RECORD_SUFFIX = ".run.json"
RESULTS_NAME = "results.json"
#: What an edition says it signalled, written by the notebook, read by the next edition.
EDITION_SIGNALS = "signals.json"
#: Folder of a notebook's editions inside the region's folder (default: the notebook's name).
EDITION_FOLDERS = {"region_monitor": "monitor"}
_EDITION = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class ReportLayout:
    """The layout of one study's reports folder.

    Parameters
    ----------
    root
        The reports folder (``[data] reports`` of ``workbench.toml``), absolute.

    Examples
    --------
    >>> layout = ReportLayout(Path("/study/reports"))
    >>> layout.report("NL-GOR", "region_evaluation", "nl").as_posix()
    '/study/reports/NL-GOR/region_evaluation.nl.html'
    >>> layout.report("../x", "region_evaluation", "nl")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.errors.WorkbenchError: region id '../x' is not a safe id. Fix: ...
    """

    root: Path

    # ---------------------------------------------------------------- per region and notebook

    def region_dir(self, region_id: str) -> Path:
        """The folder of one region's reports (or ``synthesis``), checked to be a safe id."""
        require_safe_id(region_id, what="region id")
        return self.root / region_id

    def editions_dir(self, region_id: str, notebook: str) -> Path:
        """The folder of a notebook's editions for one region (``monitor/`` for the monitor)."""
        return self.region_dir(region_id) / EDITION_FOLDERS.get(notebook, _name(notebook))

    def report(
        self, region_id: str, notebook: str, language: str, *, edition: str | None = None
    ) -> Path:
        """The stakeholder HTML of one notebook run (or of one edition)."""
        if edition is not None:
            folder = self.editions_dir(region_id, notebook)
            return folder / f"{edition_month(edition)}.{_name(language)}.html"
        return self.region_dir(region_id) / f"{_name(notebook)}.{_name(language)}.html"

    def record(
        self, region_id: str, notebook: str, language: str, *, edition: str | None = None
    ) -> Path:
        """The JSON record of the last run (status, cache key, outputs with hashes)."""
        if edition is not None:
            folder = self.editions_dir(region_id, notebook)
            return folder / f".{edition_month(edition)}.{_name(language)}{RECORD_SUFFIX}"
        return self.region_dir(region_id) / f".{_name(notebook)}.{_name(language)}{RECORD_SUFFIX}"

    def executed(
        self, region_id: str, notebook: str, language: str, *, edition: str | None = None
    ) -> Path:
        """The executed notebook (code and outputs): for researchers, not for sharing."""
        self.region_dir(region_id)
        stem = _name(notebook) + (f".{edition_month(edition)}" if edition is not None else "")
        return self.root / EXECUTED_DIR / region_id / f"{stem}.{_name(language)}.ipynb"

    def workdir(
        self, region_id: str, notebook: str, language: str, *, edition: str | None = None
    ) -> Path:
        """The working folder of a run: files the notebook writes land here first."""
        return self.executed(region_id, notebook, language, edition=edition).with_suffix(".work")

    def published(
        self,
        region_id: str,
        notebook: str,
        language: str,
        name: str,
        *,
        edition: str | None = None,
    ) -> Path:
        """Where a file the notebook wrote (``results.json``) is published after a good run.

        An edition's files go beside its report, named after it
        (``monitor/2025-06.nl.signals.json``).
        """
        if edition is None:
            return self.region_dir(region_id) / _name(name)
        folder = self.editions_dir(region_id, notebook)
        return folder / f"{edition_month(edition)}.{_name(language)}.{_name(name)}"

    def editions(self, region_id: str, notebook: str, language: str) -> list[str]:
        """The months of the region's editions of ``notebook`` in ``language`` (oldest first)."""
        folder = self.editions_dir(region_id, notebook)
        suffix = f".{_name(language)}.html"
        if not folder.is_dir():
            return []
        months = (p.name.removesuffix(suffix) for p in folder.glob(f"*{suffix}"))
        return sorted(m for m in months if _EDITION.fullmatch(m))

    def results(self, region_id: str) -> Path:
        """The region's effects (``results.json``), published from a successful run."""
        return self.region_dir(region_id) / RESULTS_NAME

    def synthesis(self, language: str) -> Path:
        """The synthesis report in ``language``."""
        return self.report(SYNTHESIS_ID, SYNTHESIS_ID, language)

    def planning(self, notebook: str, language: str) -> Path:
        """A planning page (``pilot_selection``, ...) in ``language``."""
        return self.report(PLANNING_ID, notebook, language)

    # ---------------------------------------------------------------- pages of the whole study

    def index(self, language: str, *, primary: bool = False) -> Path:
        """A landing page: ``index.html`` for the primary language, else ``index.<lang>.html``."""
        return self.root / ("index.html" if primary else f"index.{_name(language)}.html")

    def learning(self, language: str, *, primary: bool = False) -> Path:
        """The programme learning page: ``learning.html`` for the primary language, as the index."""
        return self.root / ("learning.html" if primary else f"learning.{_name(language)}.html")

    def data_quality(self, language: str) -> Path:
        """The stakeholders' data-quality page in ``language`` (counts only, no ids)."""
        return self.root / f"data_quality.{_name(language)}.html"

    @property
    def researchers(self) -> Path:
        """The researchers' page: run status, errors, executed notebooks."""
        return self.root / "researchers.html"

    def region_ids(self) -> list[str]:
        """Regions that have at least one run record on disk (sorted)."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and p.name not in RESERVED_IDS and _has_records(p)
        )

    def records(self, region_id: str) -> list[Path]:
        """Every run record of a region (or ``synthesis``): its notebooks' and their editions'."""
        folder = self.region_dir(region_id)
        if not folder.is_dir():
            return []
        return sorted([*folder.glob(f".*{RECORD_SUFFIX}"), *folder.glob(f"*/.*{RECORD_SUFFIX}")])

    def languages(self) -> list[str]:
        """Languages that have at least one run record on disk (sorted)."""
        found = {
            record.name.removesuffix(RECORD_SUFFIX).rsplit(".", 1)[-1]
            for rid in [*self.region_ids(), SYNTHESIS_ID, PLANNING_ID]
            for record in self.records(rid)
        }
        from analysis.words import LANGUAGES

        return sorted(found & set(LANGUAGES))

    @staticmethod
    def link(target: Path, page: Path) -> str:
        """A relative, percent-encoded link from ``page`` to ``target``.

        Examples
        --------
        >>> ReportLayout.link(Path("/r/NL GOR/a.nl.html"), Path("/r/index.html"))
        'NL%20GOR/a.nl.html'
        """
        relative = os.path.relpath(target, page.parent)
        return "/".join(quote(part) for part in Path(relative).parts)

    # ---------------------------------------------------------------- the folder itself

    def prepare(self) -> None:
        """Create the reports folder (with its marker) and check that it can be written.

        Raises
        ------
        WorkbenchError
            When the folder cannot be created or written (read-only, full disk),
            or when it is a non-empty folder the workbench did not make.
        """
        marker = self.root / MARKER_NAME
        try:
            if self.root.is_dir() and not marker.is_file() and _foreign_files(self.root):
                raise WorkbenchError(
                    f"the reports folder {self.root} holds files the workbench did not make "
                    f"({', '.join(_foreign_files(self.root)[:3])}). Fix: set [data] reports in "
                    "workbench.toml to an empty or new folder"
                )
            self.root.mkdir(parents=True, exist_ok=True)
            if not marker.is_file():
                marker.write_text("Made by Pilot Workbench: report outputs, regenerated.\n")
        except OSError as exc:
            raise environment_error(exc, self.root) from exc


_OWN_FILES = {"README.md", ".gitignore", ".gitkeep", MARKER_NAME}


def _foreign_files(folder: Path) -> list[str]:
    """Names in ``folder`` that are neither the workbench's nor a README.

    Outputs of a workbench run made before the marker existed (index pages,
    ``_executed``, region folders holding run records) count as the workbench's.
    """

    def ours(path: Path) -> bool:
        if path.name in _OWN_FILES or path.name in RESERVED_IDS:
            return True
        if path.is_file():
            return path.name.startswith(("index", "learning")) and path.suffix == ".html"
        return _has_records(path)

    return sorted(p.name for p in folder.iterdir() if not ours(p))


def _has_records(folder: Path) -> bool:
    """Whether a folder holds run records of the workbench (its own or its editions')."""
    return any(folder.glob(f".*{RECORD_SUFFIX}")) or any(folder.glob(f"*/.*{RECORD_SUFFIX}"))


def _name(value: str) -> str:
    """A notebook name or language, checked like an id before it becomes part of a file name."""
    return require_safe_id(value, what="name")


def edition_month(value: str) -> str:
    """An edition's month, checked to be ``YYYY-MM`` before it becomes part of a file name.

    Examples
    --------
    >>> edition_month("2025-06")
    '2025-06'
    >>> edition_month("2025-6")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.errors.WorkbenchError: edition '2025-6' is not a month. Fix: write it as YYYY-MM...
    """
    if not isinstance(value, str) or not _EDITION.fullmatch(value):
        raise WorkbenchError(
            f"edition {value!r} is not a month. Fix: write it as YYYY-MM (2025-06)"
        )
    return value
