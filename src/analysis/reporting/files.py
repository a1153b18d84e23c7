"""Write outputs so that a failed run never leaves a half-written file."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path


def current_umask() -> int:
    """The process's file-mode creation mask (read without changing it on Linux)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"^Umask:\s*(\d+)", status, re.MULTILINE).group(1), 8)  # type: ignore[union-attr]
    except (OSError, AttributeError, ValueError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def atomic_write_text(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place.

    The file gets the permissions of any new file (``0666`` less the umask),
    not the private ``0600`` of a temporary file: reports are meant to be read
    by others, from a shared folder or a web server.
    """
    return _atomic_write(Path(path), text, "w", encoding)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` atomically, as :func:`atomic_write_text` writes text."""
    return _atomic_write(Path(path), data, "wb", None)


def _atomic_write(path: Path, content: str | bytes, mode: str, encoding: str | None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            handle.write(content)
        Path(tmp).chmod(0o666 & ~current_umask())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_replace_bytes(path: Path, data: bytes) -> Path:
    """Replace ``path`` by ``data`` durably: temporary copy, ``fsync``, rename, ``fsync`` folder.

    For a file the user owns (the action log): the new file keeps the old one's
    permissions, and a crash at any moment leaves either the old or the new
    content, never a mix. A temporary file left by a killed process is hidden
    (``.<name>.<random>.tmp``), so the ingest ignores it.
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~current_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return path


def atomic_write_json(path: Path, value: object) -> Path:
    """Write ``value`` as indented JSON, atomically."""
    return atomic_write_text(path, json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: Path, default: object = None) -> object:
    """Read JSON from ``path``; ``default`` when it does not exist or is unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # atomic_write_text's mkstemp names


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files that a killed :func:`atomic_write_text` left in ``folder``.

    Only names of the form ``.<name>.<8 random characters>.tmp`` are touched.
    Call it when no other run writes to ``folder``.
    """
    removed = []
    for path in Path(folder).glob(".*.tmp"):
        if _TEMPORARY.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
