"""The notebooks' own work: every region's notebook code run in plain Python processes.

Usage (by ``benchmarks/batch_limit.py``)::

    .venv/bin/python benchmarks/library_loop.py STUDY_FOLDER WORKERS

Plans the jobs as ``workbench run`` does (same notebooks, same parameters,
injected by papermill before the clock starts), then runs each notebook's code
cells in an IPython shell without a kernel, in a pool of ``WORKERS`` processes
that imported the library first (as the warm kernels did): every display is
formatted as in a kernel, but nothing is sent, saved or rendered. Prints the
wall time as JSON.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import redirect_stdout
from multiprocessing import get_context
from pathlib import Path


def plan(study: Path) -> list[tuple[str, str, list[str]]]:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from analysis import pipeline
    from analysis.config import find_study

    config = find_study(study)
    table = pipeline.region_table(config)
    ids = pipeline.choose_regions(table, config.regions)
    jobs = pipeline.plan_region_jobs(
        config, ids, config.notebook, table, pipeline.processed_data_hash(config)
    )
    notebooks = []
    for job in jobs:
        nb = parameterize_notebook(load_notebook_node(str(job.notebook)), job.parameters)
        cells = [c.source for c in nb.cells if c.cell_type == "code"]
        notebooks.append((job.region_id, str(job.workdir), cells))
    return notebooks


def start() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    for module in ("analysis.evaluation", "analysis.methods", "matplotlib.pyplot"):
        importlib.import_module(module)  # as the warm kernel does before its first notebook
    InteractiveShell.instance()


def run(notebook: tuple[str, str, list[str]]) -> str:
    from IPython import get_ipython

    from analysis.reporting.fresh_namespace import start_notebook

    region, workdir, cells = notebook
    Path(workdir).mkdir(parents=True, exist_ok=True)
    start_notebook(workdir)
    shell = get_ipython()
    with redirect_stdout(io.StringIO()):
        for source in cells:
            result = shell.run_cell(source, store_history=True)
            if not result.success:
                raise RuntimeError(f"{region}: {result.error_in_exec or result.error_before_exec}")
    return region


if __name__ == "__main__":
    # the pool runs this file's functions as those of module library_loop: IPython takes
    # over a process's __main__, where a spawned worker would look for them
    import library_loop

    notebooks = plan(Path(sys.argv[1]))
    started = time.perf_counter()
    context = get_context("spawn")
    with ProcessPoolExecutor(
        int(sys.argv[2]), mp_context=context, initializer=library_loop.start
    ) as pool:
        done = list(pool.map(library_loop.run, notebooks))
    print(json.dumps({"seconds": time.perf_counter() - started, "notebooks": len(done)}))
