"""`make lab`: JupyterLab on notebooks/ with the pilot-workbench kernel, for root and others.

Each test starts a real JupyterLab with `workbench lab` (what `make lab` runs) in a
project of its own and stops it again.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from analysis.errors import WorkbenchError
from analysis.lab import lab_command, require_kernel
from tests.lab_server import can_run_as, give_to, listening, running_lab

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
ORDINARY_USER = "nobody"


def test_allow_root_is_added_only_for_root():
    as_root = lab_command(Path("/study/notebooks"), port=8888, as_root=True)
    as_user = lab_command(Path("/study/notebooks"), port=8888, as_root=False)
    assert "--allow-root" in as_root
    assert "--allow-root" not in as_user
    default = lab_command(Path("/study/notebooks"), port=8888)
    assert ("--allow-root" in default) == (os.geteuid() == 0)


def _project(folder: Path) -> Path:
    """A study project: the notebooks as pairs with their jupytext.toml, a workbench.toml."""
    shutil.copytree(
        ROOT / "notebooks", folder / "notebooks", ignore=shutil.ignore_patterns(".ipynb_*")
    )
    (folder / "workbench.toml").write_text('[study]\nname = "Lab test"\n', encoding="utf-8")
    return folder


def _users() -> list:
    ordinary = pytest.param(
        ORDINARY_USER,
        marks=pytest.mark.skipif(
            not can_run_as(ORDINARY_USER),
            reason=f"not root, or '{ORDINARY_USER}' cannot run this environment's Python "
            "(a venv whose Python lives in a private folder); the current user is tested",
        ),
        id="ordinary-user",
    )
    return [pytest.param(None, id="current-user"), ordinary]


@pytest.mark.parametrize("user", _users())
def test_lab_serves_paired_notebooks_with_the_workbench_kernel(tmp_path, user):
    project, home = _project(tmp_path / "project"), tmp_path / "home"
    home.mkdir()
    if user is not None:
        tmp_path.chmod(0o755)
        give_to(project, user)
        give_to(home, user)
    with running_lab(project, home, user=user) as lab:
        printed = lab.printed()
        assert f"open:  http://127.0.0.1:{lab.port}/lab?token={lab.token}" in printed
        assert "stop:  Ctrl-C" in printed
        assert ("--allow-root" in printed) == (user is None and os.geteuid() == 0)

        assert json.loads(lab.get("api/kernelspecs"))["default"] == "pilot-workbench"

        # the .py opens as the notebook it pairs with
        script = json.loads(lab.get("api/contents/explore_region.py"))
        assert script["type"] == "notebook"
        paired = nbformat.read(project / "notebooks" / "explore_region.ipynb", as_version=4)
        assert [c["source"] for c in script["content"]["cells"]] == [c.source for c in paired.cells]

        # saving the notebook writes both files
        script["content"]["cells"].append(nbformat.v4.new_markdown_cell("Saved from JupyterLab."))
        model = {"type": "notebook", "format": "json", "content": script["content"]}
        lab.request("PUT", "api/contents/explore_region.ipynb", json.dumps(model).encode())
        for name in ("explore_region.ipynb", "explore_region.py"):
            assert "Saved from JupyterLab." in (project / "notebooks" / name).read_text()

        # a new notebook is paired too (jupytext.toml), with the workbench kernel
        new = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
        model = {"type": "notebook", "format": "json", "content": new}
        lab.request("PUT", "api/contents/my_analysis.ipynb", json.dumps(model).encode())
        assert "1 + 1" in (project / "notebooks" / "my_analysis.py").read_text()

        # a double click on a .py opens it as a notebook
        settings = json.loads(lab.get("lab/api/settings/@jupyterlab/docmanager-extension:plugin"))
        viewers = settings["schema"]["properties"]["defaultViewers"]["default"]
        assert viewers["python"] == "Jupytext Notebook"

        kernel = json.loads(lab.request("POST", "api/kernels", b'{"name": "pilot-workbench"}'))
        assert json.loads(lab.get(f"api/kernels/{kernel['id']}"))["name"] == "pilot-workbench"
        connection_files = list((home / "runtime").glob("kernel-*.json"))
        assert connection_files, "the kernel runs"
        assert lab.stop() == 0
    assert not listening(lab.port), "the server is gone"
    assert not any(path.exists() for path in connection_files), "its kernel was shut down"


def test_a_missing_kernel_is_named_with_the_fix():
    with pytest.raises(
        WorkbenchError, match="'no-such-kernel' is not installed. Fix: run `make setup`"
    ):
        require_kernel("no-such-kernel")
    require_kernel()  # make setup installed the workbench's kernel
