"""Jupyter kernels for the region runs: warm, encrypted, ending with their worker.

Starting a kernel and importing pandas, statsmodels and matplotlib into it
costs seconds; a batch of many regions pays that once per worker instead of
once per region. A worker process keeps its idle kernels (one per thread that
runs notebooks: one in a pool worker, up to ``nthreads`` in a Dask worker),
each with the one client that talks to it for its whole life (a new client
waits about a quarter of a second for the kernel to answer). Before each
notebook the names the previous one made are deleted from the kernel's
namespace, its output history is emptied, figures are closed and the working
folder is set (:func:`analysis.reporting.fresh_namespace.start_notebook`), so a
region sees nothing of the one before; unlike ``%reset -f`` this does not wait
for a full garbage collection. After a failure the kernel is shut down and the
next run starts a new one.

Every kernel

- talks to its worker over CurveZMQ-encrypted TCP when pyzmq and the
  kernelspec support it (jupyter_client's ``transport_encryption="auto"``), so
  ipykernel has no reason to warn "Kernel is running over TCP without
  encryption" (once per kernel start, which on Dask used to be once per region);
- ends within a fraction of a second when its worker dies, even by SIGKILL
  (:func:`analysis.reporting.lifetime.exit_with_parent`, started in its first cell).

Notebooks run through a papermill engine (``"warm-kernel"``) that takes the
kernel as the engine argument ``kernel``, so parameter injection, failure
marking and output writing stay papermill's. The engine writes the executed
notebook once, at the end (papermill would rewrite the whole notebook, with
every image made so far, before and after each cell).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import zmq
from jupyter_client import BlockingKernelClient, KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

ENGINE_NAME = "warm-kernel"
_PRELOAD = (
    "import analysis.evaluation, analysis.methods, analysis.reporting.fresh_namespace, "
    "matplotlib.pyplot"
)
_CLEAN = "__import__('analysis.reporting.fresh_namespace').reporting.fresh_namespace"
_CLEAN += ".start_notebook({workdir!r})"


@dataclass
class WarmKernel:
    """A kernel of this process and the one client that talks to it."""

    km: KernelManager
    client: BlockingKernelClient

    @property
    def kernel_name(self) -> str:
        """The kernelspec the kernel was started from."""
        return self.km.kernel_name


_idle: list[WarmKernel] = []
_lock = threading.Lock()


def _encryption() -> dict[str, str]:
    """``transport_encryption="auto"`` where this jupyter_client and pyzmq support it."""
    if "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve"):
        return {"transport_encryption": "auto"}
    return {}


def _start(kernel_name: str) -> WarmKernel:
    km = KernelManager(kernel_name=kernel_name, **_encryption())
    km.start_kernel()
    kernel = WarmKernel(km, km.blocking_client())
    watchdog = (
        "import analysis.reporting.lifetime as _lifetime\n"
        f"_lifetime.exit_with_parent({os.getpid()}, also_remove=[{km.connection_file!r}])\n"
        "del _lifetime\n"
    )
    try:
        kernel.client.start_channels()
        kernel.client.wait_for_ready(timeout=120)
        kernel.client.allow_stdin = False
        _run(kernel, watchdog + _PRELOAD)
    except BaseException:
        _shutdown(kernel)
        raise
    return kernel


def _run(kernel: WarmKernel, code: str, timeout: float = 120) -> None:
    reply = kernel.client.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"kernel preparation failed: {reply['content'].get('evalue')}")


def _shutdown(kernel: WarmKernel) -> None:
    kernel.client.stop_channels()
    with contextlib.suppress(RuntimeError):  # already gone
        kernel.km.shutdown_kernel(now=True)


def _take_idle(kernel_name: str) -> WarmKernel | None:
    with _lock:
        while _idle:
            kernel = _idle.pop()
            if kernel.kernel_name == kernel_name and kernel.km.is_alive():
                return kernel
            _shutdown(kernel)
    return None


@contextlib.contextmanager
def warm_kernel(kernel_name: str, workdir: Path, *, keep: bool = True) -> Iterator[WarmKernel]:
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
    >>> with warm_kernel("pilot-workbench", Path("reports/x")) as kernel:  # doctest: +SKIP
    ...     papermill.execute_notebook(..., engine_name=ENGINE_NAME, kernel=kernel)
    """
    kernel = _take_idle(kernel_name) or _start(kernel_name)
    reusable = False
    try:
        _run(kernel, _CLEAN.format(workdir=str(workdir)))
        yield kernel
        reusable = keep
    finally:
        if reusable:
            with _lock:
                _idle.append(kernel)
        else:
            _shutdown(kernel)


def shutdown_kernels() -> None:
    """Shut down this process's idle kernels (at exit, or when a Dask worker closes)."""
    with _lock:
        kernels = list(_idle)
        _idle.clear()
    for kernel in kernels:
        _shutdown(kernel)


atexit.register(shutdown_kernels)


class WarmKernelEngine(NBClientEngine):
    """papermill engine that executes in the :class:`WarmKernel` given as ``kernel``.

    It uses the kernel's own client and writes the notebook only when papermill
    does at the end (or when a cell fails), not around every cell.
    """

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        kernel=None,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        if kernel is None:
            raise RuntimeError("pass a kernel from warm_kernel() as kernel= to the warm engine")
        client = PapermillNotebookClient(
            nb_man,
            km=kernel.km,
            kernel_name=kernel_name,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client.kc = kernel.client  # nbclient starts no client of its own, nor stops this one
        output_path, nb_man.output_path = nb_man.output_path, None  # no save around each cell
        try:
            return client.execute()
        finally:
            nb_man.output_path = output_path


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
