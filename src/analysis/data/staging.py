"""Folders the workbench builds aside, puts in place, and cleans up after a kill.

The ingest builds the processed data in a staging folder beside the output
folder and swaps it in only when everything succeeded; the demo generator
writes its files into a staging folder and moves each complete file into
place. A folder the workbench makes carries a marker file (:data:`MARKER`)
listing what it made, so that

* an output folder is replaced only when the workbench made it (or it is empty,
  or holds only a README): never a folder of the user's own files;
* files in an output folder that the workbench did not make survive a swap;
* a staging folder left behind by a killed run is recognised as the
  workbench's (and its process as gone) and removed at the next start.

Writing can also fail because of the machine (a full disk, a read-only
folder): :func:`environment_errors` turns those failures into one
:class:`~analysis.errors.WorkbenchError` line saying what to do.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import uuid
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from analysis.errors import ENVIRONMENT_ERRNOS, WorkbenchError, environment_error

#: Marker file in every folder the workbench makes.
MARKER = ".workbench.json"
MADE_BY = "pilot-workbench"
#: Files an output folder may hold although the workbench did not make them (its docs);
#: hidden files (``.gitkeep``, ``.gitignore``) count too. They are carried over, never deleted.
KEPT_FILES = ("README.md",)


def write_marker(folder: Path, kind: str, files: Iterable[str] = ()) -> None:
    """Mark ``folder`` as made by the workbench (``kind``), listing the ``files`` it made."""
    record = {
        "made_by": MADE_BY,
        "kind": kind,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "files": sorted(files),
    }
    tmp = folder / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    tmp.replace(folder / MARKER)


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of ``folder``, or None when the workbench did not make it."""
    try:
        record = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("made_by") == MADE_BY else None


def foreign_entries(folder: Path, own_names: Collection[str] = ()) -> list[str]:
    """What makes ``folder`` not the workbench's to replace: empty when it may be replaced.

    A folder may be replaced when it does not exist, carries the workbench's
    marker, or holds nothing but :data:`KEPT_FILES`, hidden files and
    ``own_names`` (the names the workbench writes there: an output folder made
    before markers existed).
    """
    if not folder.exists() and not folder.is_symlink():
        return []
    if not folder.is_dir() or folder.is_symlink():
        return [folder.name]
    if read_marker(folder) is not None:
        return []
    allowed = {*KEPT_FILES, *own_names}
    return sorted(
        p.name for p in folder.iterdir() if p.name not in allowed and not p.name.startswith(".")
    )


def staging_folder(parent: Path, prefix: str) -> Path:
    """Create ``parent/<prefix>-<pid>-<random>`` with a marker; the pid says who owns it."""
    folder = parent / f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    write_marker(folder, "staging")
    return folder


def _owner_alive(folder: Path) -> bool:
    """Whether the process named in a staging folder's name may still be using it."""
    record = read_marker(folder)
    if record is None or record.get("host") != socket.gethostname():
        return True  # not provably ours or not on this machine: leave it alone
    try:
        pid = int(folder.name.rsplit("-", 2)[-2])
    except (IndexError, ValueError):
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(parent: Path, prefix: str, *, restore_to: Path | None = None) -> list[Path]:
    """Remove the workbench's ``<prefix>-*`` folders in ``parent`` whose process is gone.

    With ``restore_to``, a stale folder is renamed to ``restore_to`` instead when
    that does not exist (a previous output moved aside by a run killed in the
    middle of its swap).

    Returns
    -------
    list of Path
        The folders removed or restored.
    """
    if not parent.is_dir():
        return []
    handled = []
    for folder in sorted(parent.glob(f"{prefix}-*")):
        if not folder.is_dir() or folder.is_symlink() or _owner_alive(folder):
            continue
        if restore_to is not None and not restore_to.exists():
            folder.replace(restore_to)
        else:
            shutil.rmtree(folder, ignore_errors=True)
        handled.append(folder)
    return handled


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _carry(entry: Path, target: Path) -> None:
    """Put a copy of ``entry`` at ``target`` (hard links where possible: no data copied)."""
    if entry.is_symlink():
        target.symlink_to(entry.readlink())
    elif entry.is_dir():
        shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(entry), str(target))


def swap_in(build: Path, out_dir: Path, own_names: Collection[str] = ()) -> None:
    """Put the marked folder ``build`` in place of ``out_dir``.

    Entries of ``out_dir`` that its marker does not list (its README, files a
    user added) are carried over into ``build`` first; then two renames swap
    the folders and the old one is removed last. Without a marker, ``own_names``
    are taken as the workbench's. The caller has checked with
    :func:`foreign_entries` that ``out_dir`` may be replaced.

    Raises
    ------
    WorkbenchError
        If a file the workbench did not make has the name of one it makes now.
    """
    if out_dir.exists():
        record = read_marker(out_dir)
        made = {*(record["files"] if record else own_names), MARKER}
        for entry in sorted(out_dir.iterdir()):
            if entry.name in made:
                continue
            if (build / entry.name).exists() or (build / entry.name).is_symlink():
                raise WorkbenchError(
                    f"{entry} was not made by the workbench but has the name of a file it "
                    f"writes. Fix: move {entry.name} out of {out_dir}"
                )
            _carry(entry, build / entry.name)
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        out_dir.replace(old)
    build.replace(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _as_os_error(exc: BaseException) -> OSError | None:
    """The environment's OS error behind ``exc`` (DuckDB's I/O errors carry only text)."""
    if isinstance(exc, OSError) and exc.errno in ENVIRONMENT_ERRNOS:
        return exc
    text = str(exc).lower()
    number = next((n for n in ENVIRONMENT_ERRNOS if os.strerror(n).lower() in text), None)
    return None if number is None else OSError(number, os.strerror(number))


@contextmanager
def environment_errors(folder: Path) -> Iterator[None]:
    """Turn a full disk, a read-only or a forbidden ``folder`` into one clear WorkbenchError.

    The message is :func:`analysis.errors.environment_error`'s; DuckDB's I/O
    errors (no errno, only text) are recognised by the system's error text.
    """
    try:
        yield
    except (OSError, duckdb.Error) as exc:
        cause = _as_os_error(exc)
        if cause is None:
            raise
        raise environment_error(cause, folder) from None
