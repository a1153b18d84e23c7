"""The study configuration (``workbench.toml``) and the project's folders.

The project root is the nearest folder, from the working directory upwards,
that holds ``workbench.toml``; every relative path in the file is resolved
against it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from analysis.errors import WorkbenchError

CONFIG_NAME = "workbench.toml"
Language = Literal["en", "nl"]


@dataclass(frozen=True)
class StudyConfig:
    """Settings of one study, read from ``workbench.toml``.

    Attributes
    ----------
    root
        Folder that holds the configuration file.
    name
        Study name shown in report headers.
    language
        Report language, ``"en"`` or ``"nl"``.
    raw_dir, processed_dir, reports_dir
        Data and output folders (absolute).
    regions
        ``"pilots"``, ``"all"`` or explicit region ids.
    notebook
        Name of the notebook in ``notebooks/`` run once per region.
    workers
        Number of local worker processes (0 = number of cores).
    outcomes
        Processed-panel columns evaluated in every region.
    disclosure_threshold
        Counts below this are suppressed in stakeholder reports.
    """

    root: Path
    name: str = "Pilot evaluation"
    language: Language = "en"
    raw_dir: Path = Path("data/raw")
    processed_dir: Path = Path("data/processed")
    reports_dir: Path = Path("reports")
    regions: str | tuple[str, ...] = "pilots"
    notebook: str = "region_evaluation"
    workers: int = 0
    outcomes: tuple[str, ...] = field(default_factory=tuple)
    disclosure_threshold: int = 10

    @property
    def notebooks_dir(self) -> Path:
        """Folder of the report notebooks."""
        return self.root / "notebooks"

    @property
    def n_workers(self) -> int:
        """Workers to use: the configured number, or the number of cores."""
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)

    def with_overrides(self, **changes: object) -> StudyConfig:
        """A copy with the given fields replaced; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def find_root(start: Path | None = None) -> Path:
    """Nearest folder from ``start`` (default: working directory) up holding the config."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise WorkbenchError(
        f"no {CONFIG_NAME} found in {here} or any folder above it. Fix: run the command from "
        "the project folder, or create a study configuration (see README, 'Study configuration')"
    )


def load_config(path: Path | None = None) -> StudyConfig:
    """Read the study configuration.

    Parameters
    ----------
    path
        The ``workbench.toml`` file; by default the one found by :func:`find_root`.

    Returns
    -------
    StudyConfig
    """
    path = path or find_root() / CONFIG_NAME
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise WorkbenchError(f"{path}: cannot read the study configuration: {exc}") from exc
    return _parse(raw, path)


def _parse(raw: dict, path: Path) -> StudyConfig:
    root = path.parent.resolve()
    study, data, run = raw.get("study", {}), raw.get("data", {}), raw.get("run", {})
    language = study.get("language", "en")
    if language not in ("en", "nl"):
        raise WorkbenchError(
            f'{path}: [study] language = {language!r} is not supported. Fix: use "en" or "nl"'
        )
    regions = run.get("regions", "pilots")
    if isinstance(regions, list):
        regions = tuple(str(r) for r in regions)
    elif regions not in ("pilots", "all"):
        raise WorkbenchError(
            f'{path}: [run] regions = {regions!r}. Fix: use "pilots", "all" or a list of ids'
        )
    return StudyConfig(
        root=root,
        name=str(study.get("name", "Pilot evaluation")),
        language=language,
        raw_dir=root / data.get("raw", "data/raw"),
        processed_dir=root / data.get("processed", "data/processed"),
        reports_dir=root / data.get("reports", "reports"),
        regions=regions,
        notebook=str(run.get("notebook", "region_evaluation")),
        workers=int(run.get("workers", 0)),
        outcomes=tuple(run.get("outcomes", ())),
        disclosure_threshold=int(run.get("disclosure_threshold", 10)),
    )
