"""Reuse one Jupyter kernel per worker process across region runs.

Starting a kernel and importing pandas, statsmodels and matplotlib into it
costs seconds; a batch of many regions pays that once per worker instead of
once per region. Before each notebook the kernel's namespace is cleared
(``%reset -f``), figures are closed and the working folder is set, so a region
sees nothing of the one before. After a failure the kernel is replaced.

The kernel is driven through a papermill engine (``"warm-kernel"``), so
parameter injection, failure marking and output writing stay papermill's.
"""

from __future__ import annotations

import atexit
import contextlib
from pathlib import Path

from jupyter_client import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

ENGINE_NAME = "warm-kernel"
_PRELOAD = "import analysis.evaluation, analysis.methods, matplotlib.pyplot"
_kernel: KernelManager | None = None


def _start(kernel_name: str) -> KernelManager:
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel()
    atexit.register(discard_kernel)
    _run(km, _PRELOAD)
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


def prepare_kernel(kernel_name: str, workdir: Path) -> KernelManager:
    """This process's kernel, started if needed, cleaned and moved to ``workdir``."""
    global _kernel
    if _kernel is None or not _kernel.is_alive():
        _kernel = _start(kernel_name)
    _run(
        _kernel,
        "%reset -f\nimport matplotlib.pyplot as _plt, os as _os\n_plt.close('all')\n"
        f"_os.chdir({str(workdir)!r})\ndel _plt, _os",
    )
    return _kernel


def discard_kernel() -> None:
    """Shut this process's kernel down (after a failure, or at exit)."""
    global _kernel
    if _kernel is not None:
        with contextlib.suppress(RuntimeError):  # already gone
            _kernel.shutdown_kernel(now=True)
        _kernel = None


class WarmKernelEngine(NBClientEngine):
    """papermill engine that executes in the kernel prepared by :func:`prepare_kernel`."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        if _kernel is None:
            raise RuntimeError("call prepare_kernel() before executing with the warm engine")
        client = PapermillNotebookClient(
            nb_man,
            km=_kernel,
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
