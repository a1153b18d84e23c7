"""Dask for the region runs: a LocalCluster or a running scheduler, with warm kernels.

:func:`dask_client` gives a client whose workers keep their Jupyter kernels
warm across region runs (:class:`WarmKernels`, a worker plugin), as the local
process pool does, so the cluster path pays a kernel start once per worker
thread and not once per region. At the end of a run the kernels are shut
down, also on a cluster that keeps running. An address that is malformed or
where no scheduler answers ends in a :class:`~analysis.errors.WorkbenchError`
(one line, exit code 2) before anything is submitted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from distributed import Client, LocalCluster, WorkerPlugin
from distributed.comm import connect
from distributed.security import Security

from analysis.errors import WorkbenchError

LOCAL = "local"
CONNECT_TIMEOUT_SETTING = "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT"


class WarmKernels(WorkerPlugin):
    """Worker plugin: the worker's warm kernels are shut down when the worker closes.

    Between tasks they stay alive in the worker process
    (:func:`analysis.reporting.kernels.warm_kernel`); should the worker die
    without closing, each kernel ends by itself (it watches its parent process).
    """

    name = "pilot-workbench-warm-kernels"

    def teardown(self, worker: object) -> None:
        """Shut the worker's idle kernels down."""
        from analysis.reporting.kernels import shutdown_kernels

        shutdown_kernels()


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int) -> Iterator[Client]:
    """A Dask client with :class:`WarmKernels` registered on its workers for the block.

    Parameters
    ----------
    scheduler
        ``"local"`` starts a LocalCluster of ``workers`` single-threaded
        processes for the duration; anything else is the address of a running
        scheduler (``tcp://HOST:PORT``).
    workers
        Worker processes of a LocalCluster.

    Raises
    ------
    WorkbenchError
        When the address is malformed or no scheduler answers there within
        Dask's connect timeout (``distributed.comm.timeouts.connect``).
    """
    with contextlib.ExitStack() as stack:
        if scheduler == LOCAL:
            target: str | LocalCluster = stack.enter_context(
                LocalCluster(
                    n_workers=max(1, workers),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
        else:
            check_scheduler(scheduler)
            target = scheduler
        client = stack.enter_context(Client(target))
        client.register_plugin(WarmKernels())
        yield client
        # a shared cluster outlives the run: give the kernels' memory back
        client.unregister_worker_plugin(WarmKernels.name)


def check_scheduler(address: str) -> None:
    """Raise a :class:`WorkbenchError` unless a Dask scheduler answers at ``address``."""
    try:
        with ThreadPoolExecutor(1) as thread:  # asyncio.run needs a thread without a loop
            thread.submit(asyncio.run, _probe(address)).result()
    except (ValueError, TypeError) as exc:
        raise WorkbenchError(
            f"--scheduler {address!r} is not a Dask scheduler address ({exc}). "
            f"Fix: pass the address of a running scheduler as tcp://HOST:PORT, "
            f"or '{LOCAL}' to start a Dask cluster on this machine"
        ) from None
    except OSError as exc:
        raise WorkbenchError(
            f"no Dask scheduler answers at {address} ({exc}). Fix: start the scheduler "
            f"(`dask scheduler`) or correct the host and port, or use --scheduler {LOCAL}; "
            f"to wait longer for a slow cluster, set {CONNECT_TIMEOUT_SETTING} (e.g. 60s)"
        ) from None


async def _probe(address: str) -> None:
    comm = await connect(address, **Security().get_connection_args("client"))
    await comm.close()
