"""The action log (``events.csv``): what ``workbench log add`` and ``workbench log list`` do.

A coach keeps the region's log of actions: the steps of PDSA cycles (plan, do,
study, act), meetings, staffing changes and external events, each with an
optional cycle number, action-research theme and the intervention it belongs
to (see the ``events`` table of :mod:`analysis.data.contract`).
:func:`add_entry` checks a new entry against the study (its regions, their
study window, its interventions) and the log itself (a PDSA cycle closed by its
*act* step takes no new steps), then appends it to ``events.csv``:

* in the file's own dialect: separator, encoding (UTF-8, latin-1,
  Windows-1252), line ending and date style stay as they are;
* atomically: the new file is written beside the old one, flushed to disk and
  renamed over it, so the log is never half-written; a refused entry leaves the
  file byte-identical;
* one writer at a time (a lock on the raw folder).

This is the one place where the workbench writes into the raw folder: the log
is the coach's own input, and the command appends to it as the coach would by
hand. Everything else in ``data/raw`` is only read.

Cycle numbers: the ``cycle`` column; a file without it (or an empty cell) may
carry the number in the text as ``(cyclus 3)``; otherwise the plan steps of the
region and intervention are counted (:func:`pdsa_cycles`). A PDSA step without
an intervention belongs to the region's intervention when the region has
exactly one (:func:`attributed_interventions`); ``log add`` then writes it.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import tempfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Literal, get_args

import duckdb
import pandas as pd

from analysis.data.contract import EVENT_KINDS, TABLES, THEMES
from analysis.data.panel import intervention_id
from analysis.data.readers import Source, create_views, find_files, normalise_name, open_source
from analysis.data.validate import COUNTRY_WINDOWS_SQL, check_columns
from analysis.errors import InputError, WorkbenchError
from analysis.reporting.files import atomic_replace_bytes

EventKind = Literal[
    "pdsa_plan", "pdsa_do", "pdsa_study", "pdsa_act", "meeting", "staffing", "external"
]
Theme = Literal["scaling_up", "cross_domain", "policy_room", "regional_steering"]
assert get_args(EventKind) == EVENT_KINDS and get_args(Theme) == THEMES  # one list, two views

LOG_NAME = "events.csv"
PDSA_STEPS: tuple[str, ...] = ("plan", "do", "study", "act")
_CYCLE_IN_TEXT = re.compile(r"\((?:cyclus|cycle)\s*(\d+)\)", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Date styles of the contract, as a file writes them (``strftime``), with their pattern.
_DATE_STYLES = (
    ("%d-%m-%Y", re.compile(r"\d{1,2}-\d{1,2}-\d{4}")),
    ("%d/%m/%Y", re.compile(r"\d{1,2}/\d{1,2}/\d{4}")),
    ("%Y-%m-%d", re.compile(r"\d{4}-\d{1,2}-\d{1,2}")),
)
LOG_COLUMNS = TABLES["events"].names


@dataclass(frozen=True)
class Entry:
    """One line of the action log.

    Attributes
    ----------
    region_id
        Region id (``regions`` table).
    date
        Day of the action.
    kind
        ``pdsa_plan``, ``pdsa_do``, ``pdsa_study``, ``pdsa_act``, ``meeting``,
        ``staffing`` or ``external``.
    text
        What happened, in the coach's words.
    cycle
        PDSA cycle number (PDSA steps only).
    theme
        ``scaling_up``, ``cross_domain``, ``policy_room`` or ``regional_steering``.
    intervention
        Id of the intervention the action belongs to (``longer_consults``).
    """

    region_id: str
    date: date
    kind: EventKind
    text: str
    cycle: int | None = None
    theme: Theme | None = None
    intervention: str | None = None

    def cells(self, date_format: str = "%Y-%m-%d") -> dict[str, str]:
        """The entry as the log's cells (contract column -> text)."""
        return {
            "region_id": self.region_id,
            "date": self.date.strftime(date_format),
            "kind": self.kind,
            "text": self.text,
            "cycle": "" if self.cycle is None else str(self.cycle),
            "theme": self.theme or "",
            "intervention": self.intervention or "",
        }


@dataclass(frozen=True)
class StudyFrame:
    """What an entry is checked against: regions, their country's study window, interventions."""

    countries: dict[str, str]
    windows: dict[str, tuple[date, date]]
    interventions: frozenset[str]
    region_interventions: dict[str, frozenset[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- cycles


def attributed_interventions(
    events: pd.DataFrame, region_interventions: Mapping[str, Collection[str]] | None = None
) -> pd.Series:
    """The intervention id of each entry: its own, else its region's only one, else ``""``.

    Examples
    --------
    >>> log = pd.DataFrame({"region_id": ["R", "R", "S"],
    ...                     "intervention": ["Welfare coach", None, None]})
    >>> attributed_interventions(log, {"R": ["longer_consults"], "S": ["a", "b"]}).tolist()
    ['welfare_coach', 'longer_consults', '']
    """
    own = (
        events["intervention"].fillna("").astype(str).map(_id_or_empty)
        if "intervention" in events.columns
        else pd.Series("", index=events.index)
    )
    only = {r: next(iter(v)) for r, v in (region_interventions or {}).items() if len(v) == 1}
    region = (
        events["region_id"] if "region_id" in events.columns else pd.Series("", index=events.index)
    )
    return own.where(own != "", region.map(only).fillna("")).astype(str)


def pdsa_cycles(
    events: pd.DataFrame, region_interventions: Mapping[str, Collection[str]] | None = None
) -> pd.Series:
    """The PDSA cycle of each entry (``<NA>`` for entries that are not PDSA steps).

    The ``cycle`` column where it is filled; else a number written in the text
    as ``(cyclus 3)`` or ``(cycle 3)``; else the plan steps counted in date
    order, per region and intervention (:func:`attributed_interventions`).

    Examples
    --------
    >>> log = pd.DataFrame({"region_id": "R", "date": pd.to_datetime(
    ...     ["2024-01-03", "2024-02-01", "2024-03-01", "2024-04-01"]),
    ...     "kind": ["pdsa_plan", "pdsa_do", "meeting", "pdsa_plan"],
    ...     "text": ["Plan (cyclus 7)", "Do", "Overleg", "Plan"]})
    >>> pdsa_cycles(log).tolist()
    [7, 1, <NA>, 2]
    """
    kinds = events["kind"].astype(str)
    pdsa = kinds.str.startswith("pdsa_")
    given = (
        pd.to_numeric(events["cycle"], errors="coerce")
        if "cycle" in events.columns
        else pd.Series(float("nan"), index=events.index)
    )
    text = events["text"] if "text" in events.columns else pd.Series("", index=events.index)
    written = text.astype(str).str.extract(_CYCLE_IN_TEXT, expand=False).astype(float)
    region = events["region_id"].astype(str) if "region_id" in events.columns else ""
    scope = region + "|" + attributed_interventions(events, region_interventions)
    order = events.assign(_scope=scope, _plan=kinds == "pdsa_plan").sort_values(
        "date", kind="stable"
    )
    counted = order.groupby("_scope", sort=False)["_plan"].cumsum().clip(lower=1)
    cycles = given.fillna(written).fillna(counted.reindex(events.index).astype(float))
    return cycles.where(pdsa).astype("Int64")


def _id_or_empty(name: str) -> str:
    return intervention_id(name) if name else ""


# --------------------------------------------------------------------------- checking


def parse_date(text: str, what: str = "--date") -> date:
    """A ``YYYY-MM-DD`` date; anything else is a :class:`WorkbenchError` with the fix."""
    if not _ISO_DATE.fullmatch(text.strip()):
        raise WorkbenchError(f"{what} {text!r} is not a date. Fix: write it as YYYY-MM-DD")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise WorkbenchError(
            f"{what} {text!r} is not a date of the calendar. Fix: write it as YYYY-MM-DD"
        ) from None


def _unknown(option: str, value: str, known: list[str]) -> WorkbenchError:
    near = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    suggestion = f"did you mean '{near[0]}'? " if near else ""
    shown = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
    return WorkbenchError(f"{option} {value!r} is not known. Fix: {suggestion}use one of {shown}")


def make_entry(
    *,
    region: str | None,
    day: str | None,
    kind: str | None,
    text: str | None,
    cycle: str | None = None,
    theme: str | None = None,
    intervention: str | None = None,
) -> Entry:
    """An :class:`Entry` from the command line's text, checked for form (not against the study).

    Raises
    ------
    WorkbenchError
        A missing option, an unknown kind or theme, a date or cycle that is not
        one, or an empty text.
    """
    for option, value in (("--region", region), ("--date", day), ("--kind", kind)):
        if not value or not value.strip():
            raise WorkbenchError(
                f"{option} is missing. Fix: add {option} (see workbench log add --help)"
            )
    if kind not in EVENT_KINDS:
        raise _unknown("--kind", str(kind), list(EVENT_KINDS))
    if theme is not None and theme not in THEMES:
        raise _unknown("--theme", theme, list(THEMES))
    if text is None or not text.strip():
        raise WorkbenchError(
            '--text is empty. Fix: say in a few words what was done, e.g. --text "Plan: '
            'e-consults for repeat prescriptions"'
        )
    number = None
    if cycle is not None:
        if not re.fullmatch(r"\s*\d+\s*", cycle) or int(cycle) < 1:
            raise WorkbenchError(
                f"--cycle {cycle!r} is not a cycle number. Fix: write 1, 2, 3, ..."
            )
        if not str(kind).startswith("pdsa_"):
            raise WorkbenchError(
                f"--cycle is given for a '{kind}' entry. Fix: a cycle number belongs to the PDSA "
                "steps (pdsa_plan, pdsa_do, pdsa_study, pdsa_act): leave --cycle out"
            )
        number = int(cycle)
    return Entry(
        region_id=str(region).strip(),
        date=parse_date(str(day)),
        kind=kind,  # type: ignore[arg-type]
        text=" ".join(text.split()),
        cycle=number,
        theme=theme,  # type: ignore[arg-type]
        intervention=intervention.strip() if intervention and intervention.strip() else None,
    )


def check_entry(entry: Entry, frame: StudyFrame, log: pd.DataFrame) -> Entry:
    """The entry checked against the study and the log, with its cycle number filled in.

    Parameters
    ----------
    entry
        From :func:`make_entry`.
    frame
        The study's regions, windows and interventions (:func:`read_frame`).
    log
        The region's log so far (:func:`read_log`).

    Returns
    -------
    Entry
        With ``intervention`` as its id and, for a PDSA step without one, the
        cycle number: a plan opens the next cycle, another step belongs to the
        one open cycle.

    Raises
    ------
    WorkbenchError
        An unknown region or intervention, a date outside the study window, or
        a step of a cycle its *act* step closed (a new plan needs a new number).
    """
    if entry.region_id not in frame.countries:
        raise _unknown("--region", entry.region_id, sorted(frame.countries))
    country = frame.countries[entry.region_id]
    first, last = frame.windows.get(country, (None, None))
    if first is None or last is None or not first <= entry.date <= last:
        window = f"{first} to {last}" if first else "none: no practice_months"
        raise WorkbenchError(
            f"--date {entry.date} lies outside the study window of {entry.region_id} "
            f"({country}: {window}). Fix: log actions within the months of the data"
        )
    if entry.intervention is not None:
        iv = intervention_id(entry.intervention)
        if iv not in frame.interventions:
            raise _unknown("--intervention", entry.intervention, sorted(frame.interventions))
        entry = replace(entry, intervention=iv)
    if entry.kind.startswith("pdsa_"):
        entry = _with_cycle(entry, log, frame.region_interventions)
    return entry


@dataclass(frozen=True)
class _Cycles:
    """The PDSA cycles of one region and intervention: numbers used and when each closed."""

    numbers: frozenset[int]
    closed: dict[int, date]

    @property
    def following(self) -> int:
        return max(self.numbers, default=0) + 1

    @property
    def open(self) -> list[int]:
        return sorted(self.numbers - set(self.closed))


def _region_cycles(
    log: pd.DataFrame, region_id: str, region_interventions: Mapping[str, Collection[str]]
) -> dict[str, _Cycles]:
    """Intervention id ("" for none) -> the region's cycles of that intervention."""
    own = log[log["region_id"] == region_id] if len(log) else log
    if own.empty:
        return {}
    own = own.assign(
        cycle=pdsa_cycles(own, region_interventions),
        scope=attributed_interventions(own, region_interventions),
    ).dropna(subset=["cycle"])
    scopes = {}
    for scope, rows in own.groupby("scope"):
        acts = rows[rows["kind"] == "pdsa_act"].groupby("cycle")["date"].max()
        scopes[str(scope)] = _Cycles(
            frozenset(int(c) for c in rows["cycle"]),
            {int(c): pd.Timestamp(d).date() for c, d in acts.items()},
        )
    return scopes


def _with_cycle(
    entry: Entry, log: pd.DataFrame, region_interventions: Mapping[str, Collection[str]]
) -> Entry:
    """The entry with its cycle (and, for a step of an open cycle, that cycle's intervention).

    A step without an intervention belongs to the region's intervention when
    it has exactly one. A plan without a number opens the next cycle of its
    region and intervention.
    Another step without a number belongs to the one open cycle; without an
    intervention it joins the region's one open cycle whatever its intervention.
    A step of a cycle that its act step closed is refused (a new plan needs a
    new number).
    """
    scopes = _region_cycles(log, entry.region_id, region_interventions)
    step = entry.kind.removeprefix("pdsa_")
    only = region_interventions.get(entry.region_id, ())
    if entry.intervention is None and len(only) == 1:
        entry = replace(entry, intervention=next(iter(only)))
    if entry.intervention is None and step != "plan":
        candidates = {
            scope
            for scope, cycles in scopes.items()
            if (entry.cycle in cycles.open if entry.cycle is not None else cycles.open)
        }
        if len(candidates) == 1:
            entry = replace(entry, intervention=candidates.pop() or None)
    cycles = scopes.get(entry.intervention or "", _Cycles(frozenset(), {}))
    where = entry.region_id + (f" ({entry.intervention})" if entry.intervention else "")
    if entry.cycle is not None:
        closed_on = cycles.closed.get(entry.cycle)
        if closed_on is not None and (step == "plan" or entry.date > closed_on):
            raise WorkbenchError(
                f"PDSA cycle {entry.cycle} of {where} was closed by its act step on {closed_on}; "
                f"a {step} step after it needs a new cycle. Fix: start cycle {cycles.following} "
                f"with --kind pdsa_plan --cycle {cycles.following}"
            )
        return entry
    if step == "plan":
        return replace(entry, cycle=cycles.following)
    if len(cycles.open) != 1:
        found = (
            f"cycles {', '.join(map(str, cycles.open))} are open"
            if cycles.open
            else "no cycle is open"
        )
        raise WorkbenchError(
            f"--cycle is missing and {found} for {where}. Fix: give --cycle N"
            + ("" if cycles.open else ", or start a cycle with --kind pdsa_plan")
        )
    return replace(entry, cycle=cycles.open[0])


# --------------------------------------------------------------------------- reading


@contextmanager
def _duckdb() -> Iterator[tuple[duckdb.DuckDBPyConnection, Path]]:
    with tempfile.TemporaryDirectory(prefix="workbench-log-") as scratch:
        con = duckdb.connect(config={"threads": 1})
        try:
            yield con, Path(scratch)
        finally:
            con.close()


def _sources(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, scratch: Path, names: tuple[str, ...]
) -> dict[str, Source]:
    files = find_files(raw_dir)
    sources = {}
    for name in names:
        if name not in files:
            raise InputError(
                f"table '{name}' is missing",
                file=raw_dir / f"{name}.csv",
                hint="the action log is checked against the study's regions, practice_months "
                "and interventions: put them in the raw folder (see docs/data-contract.md)",
            )
        sources[name] = open_source(con, name, files[name], scratch)
        create_views(con, sources[name])
    return sources


def read_frame(con: duckdb.DuckDBPyConnection, raw_dir: Path, scratch: Path) -> StudyFrame:
    """The regions, study windows and interventions of the raw data (:class:`StudyFrame`)."""
    _sources(con, raw_dir, scratch, ("regions", "practices", "practice_months", "interventions"))
    for name in ("regions", "practices", "practice_months"):
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM typed_{name}")
    countries = dict(
        con.execute("SELECT region_id, country FROM regions WHERE region_id IS NOT NULL").fetchall()
    )
    windows = {c: (first, last) for c, first, last in con.execute(COUNTRY_WINDOWS_SQL).fetchall()}
    rows = con.execute("""
        SELECT DISTINCT coalesce(p.region_id, i.unit_id), i.intervention
        FROM typed_interventions i
        LEFT JOIN practices p ON i.unit_type = 'practice' AND p.practice_id = i.unit_id
        WHERE i.intervention IS NOT NULL""").fetchall()
    per_region: dict[str, set[str]] = {}
    for region, name in rows:
        per_region.setdefault(region, set()).add(intervention_id(name))
    return StudyFrame(
        countries,
        windows,
        frozenset(i for ids in per_region.values() for i in ids),
        {r: frozenset(ids) for r, ids in per_region.items()},
    )


def log_path(raw_dir: Path) -> Path | None:
    """The action log of ``raw_dir`` (``events.csv`` or ``events.parquet``), if there is one."""
    return find_files(raw_dir).get("events")


def read_log(con: duckdb.DuckDBPyConnection, path: Path, scratch: Path) -> pd.DataFrame:
    """The log as a table of the contract's columns, checked as the ingest checks it.

    Raises
    ------
    InputError
        When a line breaks the contract (named by file, line and column): the
        ingest would refuse the file too.
    """
    src = open_source(con, "events", path, scratch)
    create_views(con, src)
    check_columns(con, src)
    log = con.execute("SELECT * FROM typed_events").df()
    log["date"] = pd.to_datetime(log["date"])
    return log


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class Dialect:
    """How a CSV log is written: separator, encoding, line ending, date style, header."""

    delimiter: str = ","
    encoding: str = "utf-8"
    newline: str = "\n"
    date_format: str = "%Y-%m-%d"
    header: tuple[str, ...] = LOG_COLUMNS


def sniff_dialect(con: duckdb.DuckDBPyConnection, path: Path, scratch: Path) -> Dialect:
    """The dialect of an existing CSV log (its header, as written, included)."""
    src = open_source(con, "events", path, scratch)
    create_views(con, src)
    data = path.read_bytes()
    first_end = re.search(rb"\r\n|\n|\r", data)
    newline = first_end.group(0).decode() if first_end else "\n"
    column = src.columns["date"]
    written = [
        str(v).strip()
        for (v,) in con.execute(
            f'SELECT "{column.replace(chr(34), chr(34) * 2)}" FROM raw_events LIMIT 200'
        ).fetchall()
        if v
    ]
    style = next(
        (
            fmt
            for fmt, pattern in _DATE_STYLES
            if written and all(pattern.fullmatch(v) for v in written)
        ),
        "%Y-%m-%d",
    )
    return Dialect(src.delimiter, src.encoding, newline, style, tuple(src.header))


_LINES = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")


def _record_ends(lines: list[str], dialect: Dialect) -> list[int]:
    """Index of the last physical line of each CSV record (a quoted field may span lines)."""
    reader = csv.reader(iter(lines), delimiter=dialect.delimiter, quotechar='"', doublequote=True)
    return [reader.line_num - 1 for fields in reader if fields]


def _with_columns(text: str, names: list[str], dialect: Dialect) -> str:
    """``text`` with columns ``names`` added at the end of the header, empty in every record."""
    lines = _LINES.findall(text)
    for k, last in enumerate(_record_ends(lines, dialect)):
        body = lines[last].rstrip("\r\n")
        end = lines[last][len(body) :]
        added = "".join(dialect.delimiter + (name if k == 0 else "") for name in names)
        lines[last] = body + added + end
    return "".join(lines)


def _row(values: list[str], dialect: Dialect) -> str:
    out = io.StringIO()
    csv.writer(
        out, delimiter=dialect.delimiter, quotechar='"', lineterminator=dialect.newline
    ).writerow(values)
    return out.getvalue()


def appended(data: bytes, entry: Entry, dialect: Dialect, path: Path) -> bytes:
    """The log's bytes with ``entry`` as its last line, in the log's dialect.

    A column the entry fills and the header lacks (``cycle``, ``theme``,
    ``intervention`` of an older log) is added at the end of the header, empty
    in the lines before. Columns the contract does not know stay empty.
    """
    cells = entry.cells(dialect.date_format)
    present = {normalise_name(h) for h in dialect.header}
    missing = [c for c in LOG_COLUMNS if c not in present and cells[c]]
    try:
        text = data.decode(dialect.encoding)
    except UnicodeDecodeError as exc:
        raise WorkbenchError(
            f"{path.name} is not readable as {dialect.encoding} (byte {exc.start}). Fix: save the "
            "log as UTF-8 CSV"
        ) from None
    if missing:
        text = _with_columns(text, missing, dialect)
    if text and not text.endswith(("\n", "\r")):
        text += dialect.newline
    header = [*dialect.header, *missing]
    row = _row([cells.get(normalise_name(h), "") for h in header], dialect)
    try:
        return text.encode(dialect.encoding) + row.encode(dialect.encoding)
    except UnicodeEncodeError as exc:
        raise WorkbenchError(
            f"{path.name} is written in {dialect.encoding}, which cannot hold "
            f"{exc.object[exc.start : exc.end]!r} of the text. Fix: leave that character out, "
            "or save the log as UTF-8 CSV"
        ) from None


def new_log(entry: Entry) -> bytes:
    """A new ``events.csv`` (UTF-8, comma, the contract's columns) holding ``entry``."""
    dialect, cells = Dialect(), entry.cells()
    return (
        _row(list(LOG_COLUMNS), dialect) + _row([cells[c] for c in LOG_COLUMNS], dialect)
    ).encode()


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One writer of the raw folder at a time (an advisory lock on the folder itself)."""
    import fcntl
    import os

    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def add_entry(raw_dir: Path, entry: Entry) -> tuple[Entry, Path]:
    """Check ``entry`` and append it to the raw folder's ``events.csv``.

    Parameters
    ----------
    raw_dir
        The raw data folder (regions, practices, practice_months, interventions
        and, once there is one, the log).
    entry
        From :func:`make_entry`.

    Returns
    -------
    tuple
        The entry as written (cycle and intervention id filled in) and the log's path.

    Raises
    ------
    WorkbenchError
        For an entry the study or the log refuses; the log is then unchanged.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise WorkbenchError(f"raw data folder {raw_dir} does not exist. Fix: check [data] raw")
    with _folder_lock(raw_dir), _duckdb() as (con, scratch):
        frame = read_frame(con, raw_dir, scratch)
        path = log_path(raw_dir)
        if path is not None and path.suffix == ".parquet":
            raise WorkbenchError(
                f"{path} is Parquet, which `workbench log add` does not append to. Fix: save the "
                f"log as {LOG_NAME} (and remove {path.name}), or add entries with your own tool"
            )
        if path is None:
            path = raw_dir / LOG_NAME
            log = pd.DataFrame(columns=list(LOG_COLUMNS))
            entry = check_entry(entry, frame, log)
            data = new_log(entry)
        else:
            log = read_log(con, path, scratch)
            entry = check_entry(entry, frame, log)
            data = appended(path.read_bytes(), entry, sniff_dialect(con, path, scratch), path)
        _verify(con, data, entry, scratch)
        atomic_replace_bytes(path, data)
    return entry, path


def _verify(con: duckdb.DuckDBPyConnection, data: bytes, entry: Entry, scratch: Path) -> None:
    """Read the new log back as the ingest will, and compare its last line with ``entry``."""
    check = scratch / "verify" / LOG_NAME
    check.parent.mkdir()
    check.write_bytes(data)
    last = read_log(con, check, scratch).iloc[-1]
    expected = entry.cells()
    found = {
        "region_id": str(last["region_id"]),
        "date": pd.Timestamp(last["date"]).strftime("%Y-%m-%d"),
        "kind": str(last["kind"]),
        "text": str(last["text"]),
        "cycle": "" if pd.isna(last.get("cycle")) else str(int(last["cycle"])),
        "theme": "" if pd.isna(last.get("theme")) else str(last["theme"]),
        "intervention": "" if pd.isna(last.get("intervention")) else str(last["intervention"]),
    }
    if found != expected:
        raise RuntimeError(f"the appended line reads back as {found}, not {expected}")


def list_entries(
    raw_dir: Path, *, region: str | None = None, since: str | None = None
) -> pd.DataFrame:
    """The log, oldest first, optionally of one region and from one month on.

    Parameters
    ----------
    raw_dir
        The raw data folder.
    region
        A region id; an unknown one is an error.
    since
        ``YYYY-MM``: entries on or after the first day of that month.
    """
    start = None
    if since is not None:
        if not re.fullmatch(r"\d{4}-\d{2}", since.strip()):
            raise WorkbenchError(f"--since {since!r} is not a month. Fix: write it as YYYY-MM")
        start = parse_date(f"{since.strip()}-01", "--since")
    with _duckdb() as (con, scratch):
        path = log_path(Path(raw_dir))
        if region is not None:
            _sources(con, Path(raw_dir), scratch, ("regions",))
            known = [r for (r,) in con.execute("SELECT region_id FROM typed_regions").fetchall()]
            if region not in known:
                raise _unknown("--region", region, sorted(k for k in known if k))
        if path is None:
            return pd.DataFrame(columns=list(LOG_COLUMNS))
        log = read_log(con, path, scratch)
    log = log.assign(cycle=pdsa_cycles(log)) if len(log) else log
    if region is not None:
        log = log[log["region_id"] == region]
    if start is not None:
        log = log[log["date"] >= pd.Timestamp(start)]
    return log.sort_values(["date", "region_id"], kind="stable").reset_index(drop=True)
