"""Jupyter kernels for the region runs: warm, encrypted, ending with their worker.

Starting a kernel and importing pandas, statsmodels and matplotlib into it
costs seconds; a batch of many regions pays that once per worker instead of
once per region. A worker process keeps its idle kernels (one per thread that
runs notebooks: one in a pool worker, up to ``nthreads`` in a Dask worker).
Before each notebook the kernel's namespace is cleared (``%reset -f``), figures
are closed and the working folder is set, so a region sees nothing of the one
before. After a failure the kernel is shut down and the next run starts a new one.

Every kernel

- talks to its worker over CurveZMQ-encrypted TCP when pyzmq and the
  kernelspec support it (jupyter_client's ``transport_encryption="auto"``), so
  ipykernel has no reason to warn "Kernel is running over TCP without
  encryption" (once per kernel start, which on Dask used to be once per region);
- ends within a fraction of a second when its worker dies, even by SIGKILL
  (:func:`analysis.reporting.lifetime.exit_with_parent`, started in its first cell).

Notebooks run through a papermill engine (``"warm-kernel"``) that takes the
kernel as the engine argument ``km``, so parameter injection, failure marking
and output writing stay papermill's.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import zmq
from jupyter_client import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

ENGINE_NAME = "warm-kernel"
_PRELOAD = "import analysis.evaluation, analysis.methods, matplotlib.pyplot"
_CLEAN = (
    "%reset -f\nimport matplotlib.pyplot as _plt, os as _os\n_plt.close('all')\n"
    "_os.chdir({workdir!r})\ndel _plt, _os"
)
_idle: list[KernelManager] = []
_lock = threading.Lock()


def _encryption() -> dict[str, str]:
    """``transport_encryption="auto"`` where this jupyter_client and pyzmq support it."""
    if "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve"):
        return {"transport_encryption": "auto"}
    return {}


def _start(kernel_name: str) -> KernelManager:
    km = KernelManager(kernel_name=kernel_name, **_encryption())
    km.start_kernel()
    watchdog = (
        "import analysis.reporting.lifetime as _lifetime\n"
        f"_lifetime.exit_with_parent({os.getpid()}, also_remove=[{km.connection_file!r}])\n"
        "del _lifetime\n"
    )
    try:
        _run(km, watchdog + _PRELOAD)
    except BaseException:
        _shutdown(km)
        raise
    return km


def _run(km: KernelManager, code: str, timeout: float = 120) -> None:
    client = km.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=timeout)
        reply = client.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel preparation failed: {reply['content'].get('evalue')}")
    finally:
        client.stop_channels()


def _shutdown(km: KernelManager) -> None:
    with contextlib.suppress(RuntimeError):  # already gone
        km.shutdown_kernel(now=True)


def _take_idle(kernel_name: str) -> KernelManager | None:
    with _lock:
        while _idle:
            km = _idle.pop()
            if km.kernel_name == kernel_name and km.is_alive():
                return km
            _shutdown(km)
    return None


@contextlib.contextmanager
def warm_kernel(kernel_name: str, workdir: Path, *, keep: bool = True) -> Iterator[KernelManager]:
    """A kernel of this process for one notebook, cleaned and moved to ``workdir``.

    Parameters
    ----------
    kernel_name
        The Jupyter kernelspec to start when no idle kernel of that name is left.
    workdir
        The notebook's working folder.
    keep
        Keep the kernel for the next notebook of this process. When the block
        raises (a failing cell, for example), the kernel is shut down anyway.

    Examples
    --------
    >>> with warm_kernel("pilot-workbench", Path("reports/x")) as km:  # doctest: +SKIP
    ...     papermill.execute_notebook(..., engine_name=ENGINE_NAME, km=km)
    """
    km = _take_idle(kernel_name) or _start(kernel_name)
    reusable = False
    try:
        _run(km, _CLEAN.format(workdir=str(workdir)))
        yield km
        reusable = keep
    finally:
        if reusable:
            with _lock:
                _idle.append(km)
        else:
            _shutdown(km)


def shutdown_kernels() -> None:
    """Shut down this process's idle kernels (at exit, or when a Dask worker closes)."""
    with _lock:
        kernels = list(_idle)
        _idle.clear()
    for km in kernels:
        _shutdown(km)


atexit.register(shutdown_kernels)


class WarmKernelEngine(NBClientEngine):
    """papermill engine that executes in the kernel given as the engine argument ``km``."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        km=None,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        if km is None:
            raise RuntimeError("pass a kernel from warm_kernel() as km= to the warm engine")
        client = PapermillNotebookClient(
            nb_man,
            km=km,
            kernel_name=kernel_name,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        try:
            return client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
