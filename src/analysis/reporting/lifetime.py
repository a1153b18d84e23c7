"""Child processes end with the process that started them.

A run is a tree of processes: the command line, its workers (a local process
pool or Dask workers), and in each worker a Jupyter kernel. A parent killed
with ``kill -9`` cannot stop its children, so every child watches its own
parent: :func:`exit_with_parent` starts a daemon thread that polls
``os.getppid()`` and ends the process as soon as it changes (POSIX gives an
orphan a new parent: init or a sub-reaper). Pool workers start it in their
initializer (:func:`init_pool_worker`), kernels in their first cell
(:mod:`analysis.reporting.kernels`). A killed command line thus takes its
workers with it within :data:`POLL_SECONDS`, and each worker its kernel.

Why a watchdog and not Linux's ``prctl(PR_SET_PDEATHSIG)``: it works on macOS
too, needs no ``preexec_fn`` in jupyter_client's launcher, and has no trap
(the death signal fires when the parent *thread* that started the child ends,
which would kill a kernel started from a short-lived Dask task thread).
ipykernel's own parent poller does not replace it: before ipykernel 7 it only
notices a re-parenting to pid 1, which a systemd user session never does.

SIGTERM and Ctrl-C stop a run cleanly instead: :func:`raise_on_sigterm` turns
SIGTERM into :class:`Terminated` (a ``KeyboardInterrupt``), the runner stops
its workers (:func:`stop_pool`), and the command line exits with one line.
Pool workers leave Ctrl-C to the command line: a terminal sends SIGINT to the
whole foreground process group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import FrameType

POLL_SECONDS = 0.2
EXIT_ORPHANED = 70  # os.EX_SOFTWARE: the process did not finish its work


def exit_with_parent(parent_pid: int, *, also_remove: Iterable[str | Path] = ()) -> None:
    """End this process as soon as ``parent_pid`` is no longer its parent.

    Parameters
    ----------
    parent_pid
        The process that started this one. When it is already gone, this
        process ends at once.
    also_remove
        Files that only this process's parent would have removed (for a
        kernel: its connection file); removed before exiting.
    """
    files = [Path(p) for p in also_remove]

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_SECONDS)
        for file in files:
            with contextlib.suppress(OSError):
                file.unlink()
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _leave_to_parent(signum: int, frame: FrameType | None) -> None:
    """SIGINT handler of a worker: the command line decides (and stops the workers)."""


def init_pool_worker(parent_pid: int) -> None:
    """Initializer of a pool worker: it ends with ``parent_pid`` and leaves Ctrl-C to it.

    A Python handler (not ``SIG_IGN``) ignores SIGINT, so that the kernels the
    worker starts get the default handling back and can still be interrupted.
    """
    signal.signal(signal.SIGINT, _leave_to_parent)
    exit_with_parent(parent_pid)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that a run unwinds as after Ctrl-C."""

    signum = signal.SIGTERM


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def raise_on_sigterm() -> None:
    """From now on SIGTERM raises :class:`Terminated` in the main thread."""
    signal.signal(signal.SIGTERM, _raise_terminated)


def stop_pool(pool: ProcessPoolExecutor, *, grace: float = 5.0) -> None:
    """Cancel the pool's queued work and end its processes now, not after their current job.

    Each process gets SIGTERM (its kernel then follows, see :func:`exit_with_parent`)
    and SIGKILL when it is still alive after ``grace`` seconds.
    """
    # ProcessPoolExecutor.terminate_workers() is public from Python 3.14 on;
    # shutdown() forgets the processes, so take them first
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)
