"""Every notebook in ``notebooks/`` runs top to bottom under nbval, on the demo data.

``pytest --nbval-lax notebooks`` (``make test``) executes each notebook's cells
in a kernel of this environment (``--nbval-current-env``, set in
``pyproject.toml``) with the parameters at their defaults, without comparing
outputs (the notebooks are stored without them): a notebook that no longer
runs fails the suite. The cells are slow tests (``make test-fast`` skips them).

The notebooks find their study from the kernel's working folder upwards
(:func:`analysis.config.find_study`). Before a notebook's first cell its
kernel is moved into a temporary demo study (the tests' demo data, ingested,
and a ``workbench.toml`` of defaults), so the run reads none of your data and
writes nothing beside the notebooks (``results.json``, saved figures).

A notebook's cells share one kernel and run in order, so they cannot be
spread over pytest-xdist workers: ``--nbval-lax`` with ``-n`` is refused with
a message. (``--dist loadgroup`` would keep an ``xdist_group`` together,
but pytest-xdist 3.8 with pytest 9.2 ignores the groups:
https://github.com/pytest-dev/pytest-xdist/issues/1386.)
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from nbval.plugin import IPyNbCell, IPyNbFile

from tests.demo_study import write_demo_data

STUDY_KEY = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("nbval_lax", False) and config.getoption("numprocesses", None):
        raise pytest.UsageError(
            "--nbval-lax with -n: a notebook's cells run in order in one kernel and cannot be "
            "spread over xdist workers. Fix: run the notebooks in one process, "
            "`pytest --nbval-lax notebooks` (as `make test` does)"
        )


@pytest.hookimpl(tryfirst=True)  # before `-m "not slow"` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, IPyNbCell):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    result = yield  # nbval starts the notebook's kernel in the first cell's setup
    if isinstance(item, IPyNbCell) and not getattr(item.parent, "moved_to_study", False):
        _move_kernel(item.parent, _demo_study(item.config))
    return result


def _demo_study(config: pytest.Config) -> Path:
    """A study folder with the demo data, made once per test process."""
    if STUDY_KEY not in config.stash:
        folder = Path(tempfile.mkdtemp(prefix="nbval-study-"))
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        write_demo_data(folder / "data")
        (folder / "workbench.toml").write_text('[study]\nname = "Notebook test"\n')
        config.stash[STUDY_KEY] = folder
    return config.stash[STUDY_KEY]


def _move_kernel(notebook: IPyNbFile, study: Path) -> None:
    """Make the notebook's kernel work in its own folder inside ``study``."""
    workdir = study / "runs" / notebook.path.stem
    workdir.mkdir(parents=True, exist_ok=True)
    reply = notebook.kernel.kc.execute_interactive(
        f"import os as _os\n_os.chdir({str(workdir)!r})\ndel _os",
        store_history=False,
        timeout=60,
        output_hook=lambda message: None,
    )
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"could not move the kernel into {workdir}: {reply['content']}")
    notebook.moved_to_study = True
