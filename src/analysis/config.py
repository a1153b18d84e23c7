"""The study configuration (``workbench.toml``) and the project's folders.

The project root is the nearest folder, from the working directory upwards,
that holds ``workbench.toml``; every relative path in the file is resolved
against it.

The file is validated when it is read (:func:`load_config`): an unknown
section or key (with the nearest known one suggested), a value of the wrong
type or out of range, and folders that overlap each end in one
:class:`~analysis.errors.WorkbenchError` naming the key. The schema is the
pydantic models below; :class:`StudyConfig` is what the rest of the
workbench reads.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analysis.errors import WorkbenchError, did_you_mean
from analysis.ids import SAFE_ID_RULE, is_safe_id

CONFIG_NAME = "workbench.toml"
Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "nl"
RegionSelection = Literal["pilots", "all"]


# --------------------------------------------------------------------------- the file's schema


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Study(_Section):
    name: str = Field("Pilot evaluation", min_length=1)
    show_practice_ids: bool = False  # practice ids in reports instead of Praktijk A, B, ...
    languages: list[Language] = Field(default_factory=lambda: [DEFAULT_LANGUAGE], min_length=1)
    language: Language | None = None  # one language: shorthand for ``languages = [...]``

    @field_validator("languages")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each language may be listed once")
        return value


class _Data(_Section):
    raw: str = Field("data/raw", min_length=1)
    processed: str = Field("data/processed", min_length=1)
    reports: str = Field("reports", min_length=1)


class _Run(_Section):
    regions: RegionSelection | list[str] = "pilots"
    notebook: str = "region_evaluation"
    workers: int = Field(0, ge=0, le=256)
    outcomes: list[str] = Field(default_factory=list)
    disclosure_threshold: int = Field(10, ge=1, le=1000)

    @field_validator("notebook")
    @classmethod
    def _safe_notebook(cls, value: str) -> str:
        if not is_safe_id(value):
            raise ValueError(f"not a safe name (names are {SAFE_ID_RULE})")
        return value

    @field_validator("regions")
    @classmethod
    def _safe_regions(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            bad = [r for r in value if not is_safe_id(r)]
            if bad or not value:
                raise ValueError(f"not safe ids: {bad or 'an empty list'} (ids are {SAFE_ID_RULE})")
        return value


class _Monitor(_Section):
    indicators: list[str] = Field(default_factory=list)
    targets: dict[str, float] = Field(default_factory=dict)
    follow_months: int = Field(6, ge=1, le=36)
    intervention_indicators: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("targets", mode="before")
    @classmethod
    def _numbers(cls, value: object) -> object:
        if isinstance(value, dict):  # a whole number is a fine target
            return {
                k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                for k, v in value.items()
            }
        return value

    @field_validator("intervention_indicators")
    @classmethod
    def _safe_interventions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        bad = [k for k in value if not is_safe_id(k)]
        if bad:
            raise ValueError(f"not intervention ids: {bad} (ids are {SAFE_ID_RULE})")
        return value


class _File(_Section):
    study: _Study = Field(default_factory=_Study)
    data: _Data = Field(default_factory=_Data)
    run: _Run = Field(default_factory=_Run)
    monitor: _Monitor = Field(default_factory=_Monitor)
    indicators: dict[str, dict[str, Any]] = Field(default_factory=dict)


_HINTS = {
    "languages": 'a list of "nl" and/or "en", e.g. languages = ["nl", "en"]',
    "language": 'use "nl" or "en"',
    "regions": '"pilots", "all" or a list of region ids, e.g. regions = ["NL-GOR"]',
    "workers": "a whole number: 0 (one per core) or the number of processes",
    "outcomes": 'a list of panel columns, e.g. outcomes = ["gp_contact_rate"]',
    "disclosure_threshold": "a whole number of at least 1 (usually 5 or 10)",
    "notebook": "the name of a notebook in notebooks/, without .ipynb",
    "show_practice_ids": "true or false (false: practices appear as Praktijk A, B, ...)",
    "indicators": 'a list of region_month columns, e.g. indicators = ["gp_contact_rate"]',
    "targets": "a table of indicator = number, e.g. targets = { third_next_available_days = 3 }",
    "follow_months": "a whole number of months from 1 to 36 (usually 6)",
    "intervention_indicators": "a table of intervention id = list of indicators, e.g. "
    'intervention_indicators = { longer_consults = ["referral_rate_medical_specialist"] }',
}


@dataclass(frozen=True)
class MonitorSettings:
    """What the coach's monitor and the programme learning page show (``[monitor]``).

    Attributes
    ----------
    indicators
        Region-month columns on the monitor; empty: the built-in set
        (:data:`analysis.evaluation.monitor.MONITOR_INDICATORS`).
    targets
        Per indicator a target; the monitor then shows whether the process
        meets it consistently (the assurance icon of Making Data Count).
    follow_months
        The learning page counts a signal in the intended direction that starts
        within this many months after an action as "followed by".
    intervention_indicators
        Per intervention id the indicators it means to move; an intervention
        not listed means to move every monitor indicator that has a better
        direction.
    """

    indicators: tuple[str, ...] = ()
    targets: dict[str, float] = field(default_factory=dict)
    follow_months: int = 6
    intervention_indicators: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def parameters(self) -> dict[str, object]:
        """The monitor notebook's parameters from these settings (offered to every notebook)."""
        return {"indicators": list(self.indicators), "targets": dict(self.targets)}


# --------------------------------------------------------------------------- what the code reads


@dataclass(frozen=True)
class StudyConfig:
    """Settings of one study, read from ``workbench.toml``.

    Attributes
    ----------
    root
        Folder that holds the configuration file.
    name
        Study name shown in report headers.
    languages
        Report languages; the first is the primary one (``reports/index.html``).
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
    show_practice_ids
        Show practice ids in reports instead of pseudonyms (Praktijk A, B, ...).
    indicators
        The study's own indicator words (``[indicators.<column>]`` tables), for
        outcomes the built-in catalogue does not know.
    monitor
        The coach's monitor and the learning page (``[monitor]``).
    """

    root: Path
    name: str = "Pilot evaluation"
    languages: tuple[Language, ...] = (DEFAULT_LANGUAGE,)
    raw_dir: Path = Path("data/raw")
    processed_dir: Path = Path("data/processed")
    reports_dir: Path = Path("reports")
    regions: str | tuple[str, ...] = "pilots"
    notebook: str = "region_evaluation"
    workers: int = 0
    outcomes: tuple[str, ...] = field(default_factory=tuple)
    disclosure_threshold: int = 10
    show_practice_ids: bool = False
    indicators: dict[str, dict[str, Any]] = field(default_factory=dict)
    monitor: MonitorSettings = field(default_factory=MonitorSettings)

    @property
    def language(self) -> Language:
        """The primary report language."""
        return self.languages[0]

    @property
    def notebooks_dir(self) -> Path:
        """Folder of the report notebooks."""
        return self.root / "notebooks"

    @property
    def figures_dir(self) -> Path:
        """Folder for figures a researcher saves by hand (``explore_region``); git-ignored."""
        return self.root / "figures"

    @property
    def n_workers(self) -> int:
        """Workers to use: the configured number, or the number of cores."""
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)

    def with_overrides(self, **changes: object) -> StudyConfig:
        """A copy with the given fields replaced; ``None`` values are ignored.

        Values are checked as in the file: ``workers=-1`` or an unsafe notebook
        name raise :class:`~analysis.errors.WorkbenchError`.
        """
        given = {k: v for k, v in changes.items() if v is not None}
        checks = {"workers": "workers", "notebook": "notebook", "regions": "regions"}
        run = {
            checks[k]: list(v) if isinstance(v, tuple) else v
            for k, v in given.items()
            if k in checks
        }
        if run:
            _validated(_Run, run, "command line", "run")
        if "languages" in given:
            _validated(_Study, {"languages": list(given["languages"])}, "command line", "study")
        return replace(self, **given)


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


def find_study(
    start: Path | str | None = None,
    *,
    raw_dir: Path | str | None = "",
    processed_dir: Path | str | None = "",
    reports_dir: Path | str | None = "",
) -> StudyConfig:
    """The study a notebook belongs to, with the folders its parameters name.

    The configuration is the nearest ``workbench.toml`` from ``start`` upwards,
    as for the command line. ``start`` defaults to the working directory, which
    is the notebook's folder in JupyterLab and under nbval, the folder papermill
    was started from (or its ``--cwd``), and the run's working folder inside
    ``reports/_executed/`` in a batch run: each lies inside the project, so
    every way of running a notebook finds the same study.

    A folder given as a non-empty parameter replaces the configuration's
    (relative paths are read from ``start``); an empty string, the notebooks'
    default, means "the configuration's folder".

    Parameters
    ----------
    start
        Folder to search from (default: the working directory).
    raw_dir, processed_dir, reports_dir
        Folders that override the configuration's; ``""`` or ``None``: not given.

    Returns
    -------
    StudyConfig
        The validated configuration with the overrides applied. Without a
        ``workbench.toml`` the folders given are used with the defaults of
        an empty configuration in ``start``.

    Raises
    ------
    WorkbenchError
        No ``workbench.toml`` from ``start`` upwards and no folder given, or a
        configuration with a mistake (see :func:`load_config`).

    Examples
    --------
    >>> study = find_study(processed_dir="")  # doctest: +SKIP
    >>> study.processed_dir  # doctest: +SKIP
    PosixPath('/home/me/pilot-workbench/data/processed')
    """
    here = Path(start or Path.cwd()).resolve()
    given = {
        name: (here / folder).resolve()
        for name, folder in (
            ("raw_dir", raw_dir),
            ("processed_dir", processed_dir),
            ("reports_dir", reports_dir),
        )
        if folder not in (None, "")
    }
    try:
        root = find_root(here)
    except WorkbenchError as exc:
        if not given:
            raise WorkbenchError(
                f"{exc}; or give the notebook its folders as parameters "
                "(papermill -p processed_dir PATH)"
            ) from None
        config = _parse({}, here / CONFIG_NAME)  # no configuration: defaults, under ``start``
    else:
        config = load_config(root / CONFIG_NAME)
    return replace(config, **given)


def load_config(path: Path | None = None) -> StudyConfig:
    """Read and validate the study configuration.

    Parameters
    ----------
    path
        The ``workbench.toml`` file; by default the one found by :func:`find_root`.

    Returns
    -------
    StudyConfig

    Raises
    ------
    WorkbenchError
        One line naming the file, the key and the fix, for every mistake the
        file can hold (unknown key, wrong type, value out of range, folders
        that overlap).
    """
    path = path or find_root() / CONFIG_NAME
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a BOM (Windows editors) is harmless
    except OSError as exc:
        raise WorkbenchError(f"{path}: cannot read the study configuration: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise WorkbenchError(
            f"{path}: is not UTF-8 text (byte {exc.start}). Fix: save the file as UTF-8"
        ) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WorkbenchError(
            f"{path}: not valid TOML: {exc}. Fix: correct the line named (strings in double "
            'quotes, lists in [ ], e.g. outcomes = ["gp_contact_rate"])'
        ) from exc
    return _parse(raw, path)


def _parse(raw: dict[str, Any], path: Path) -> StudyConfig:
    parsed = _validated(_File, raw, str(path))
    study, data, run, monitor = parsed.study, parsed.data, parsed.run, parsed.monitor
    if study.language is not None and "languages" in raw.get("study", {}):
        raise WorkbenchError(
            f"{path}: [study] has both 'language' and 'languages'. Fix: keep only "
            f'languages = ["{study.language}"]'
        )
    languages = (study.language,) if study.language is not None else tuple(study.languages)
    root = path.parent.resolve()
    config = StudyConfig(
        root=root,
        name=study.name,
        languages=languages,
        raw_dir=(root / data.raw).resolve(),
        processed_dir=(root / data.processed).resolve(),
        reports_dir=(root / data.reports).resolve(),
        regions=tuple(run.regions) if isinstance(run.regions, list) else run.regions,
        notebook=run.notebook,
        workers=run.workers,
        outcomes=tuple(run.outcomes),
        disclosure_threshold=run.disclosure_threshold,
        show_practice_ids=study.show_practice_ids,
        indicators=parsed.indicators,
        monitor=MonitorSettings(
            indicators=tuple(monitor.indicators),
            targets=dict(monitor.targets),
            follow_months=monitor.follow_months,
            intervention_indicators={
                k: tuple(v) for k, v in monitor.intervention_indicators.items()
            },
        ),
    )
    check_folders(config, path)
    check_outcome_words(config, path)
    check_monitor_words(config, path)
    return config


def check_outcome_words(config: StudyConfig, source: Path | str = CONFIG_NAME) -> None:
    """Every outcome to evaluate has words (built in, or ``[indicators.*]`` of the file)."""
    from analysis.words import IndicatorError, indicator_catalogue, require_words

    try:
        catalogue = indicator_catalogue(config.indicators)
    except IndicatorError as exc:
        raise WorkbenchError(str(exc).replace("workbench.toml", str(source), 1)) from None
    try:
        require_words(config.outcomes, catalogue)
    except IndicatorError as exc:
        raise WorkbenchError(f"{source}: [run] outcomes: {exc}") from None


def check_monitor_words(config: StudyConfig, source: Path | str = CONFIG_NAME) -> None:
    """Every indicator named in ``[monitor]`` has words, and every target one of them."""
    from analysis.words import IndicatorError, indicator_catalogue, require_words

    settings = config.monitor
    named = {
        "indicators": list(settings.indicators),
        "targets": list(settings.targets),
        "intervention_indicators": [
            i for v in settings.intervention_indicators.values() for i in v
        ],
    }
    catalogue = indicator_catalogue(config.indicators)
    for key, indicators in named.items():
        try:
            require_words(indicators, catalogue)
        except IndicatorError as exc:
            raise WorkbenchError(f"{source}: [monitor] {key}: {exc}") from None


def check_folders(config: StudyConfig, source: Path | str = CONFIG_NAME) -> None:
    """Refuse raw, processed, reports and notebook folders that are equal or nested.

    An ingest replaces the processed folder and a report run writes into the
    reports folder: if one held the other (``reports = "data/processed"``),
    a run would destroy the other's files.
    """
    folders = {
        "[data] raw": config.raw_dir,
        "[data] processed": config.processed_dir,
        "[data] reports": config.reports_dir,
        "notebooks": config.notebooks_dir.resolve(),
    }
    names = list(folders)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            a, b = folders[first], folders[second]
            if a == b or a in b.parents or b in a.parents:
                raise WorkbenchError(
                    f"{source}: {first} ({a}) and {second} ({b}) overlap. Fix: give each its "
                    'own folder, e.g. raw = "data/raw", processed = "data/processed", '
                    'reports = "reports"'
                )


def _validated(model: type[BaseModel], values: dict[str, Any], source: str, section: str = ""):
    """``model`` validated from ``values``; the first problem as a one-line WorkbenchError."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise WorkbenchError(_describe(exc.errors()[0], model, source, section)) from None


def _describe(error: dict[str, Any], model: type[BaseModel], source: str, section: str) -> str:
    loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
    if section:
        loc = [section, *loc]
    # union members (``regions``) add their type names to the location: keep the key only
    loc = loc[:2] if len(loc) > 2 and loc[0] in _File.model_fields else loc
    if len(loc) == 1:
        where, key = f"[{loc[0]}]", loc[0]
    else:
        where, key = f"[{loc[0]}] {loc[1]}", loc[1]
    if error["type"] == "extra_forbidden":
        known = _known_keys(loc[0] if len(loc) > 1 else None)
        suggestion = did_you_mean(key, known)
        kind = "key" if len(loc) > 1 else "section"
        return (
            f"{source}: unknown {kind} {where}. Fix: {suggestion}known {kind}s here: "
            f"{', '.join(known)}"
        )
    value = error.get("input")
    shown = f" = {value!r}" if not isinstance(value, dict) else ""
    message = error["msg"].removeprefix("Value error, ")
    hint = _HINTS.get(key, "see the README, 'Study configuration'")
    return f"{source}: {where}{shown}: {message}. Fix: {hint}"


def _known_keys(section: str | None) -> list[str]:
    if section is None:
        return list(_File.model_fields)
    model = _File.model_fields[section].annotation if section in _File.model_fields else None
    return list(model.model_fields) if isinstance(model, type) else []
