"""The researcher's tutorial as a researcher runs it: JupyterLab in headless Chromium.

`workbench lab` (what `make lab` runs) starts a real JupyterLab on a demo study's
notebooks; Chromium (Debian's package, driven by Playwright, as in
`test_browser.py`) opens `explore_region.ipynb`, runs all cells from the menu in the
`pilot-workbench` kernel and waits for the kernel. No cell may show an error, the
figures must be rendered, and the server must be gone afterwards.
"""

from __future__ import annotations

import nbformat
import pytest

from tests.lab_server import listening, running_lab
from tests.pipeline.conftest import make_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("jupyterlab")]

NOTEBOOK = "explore_region.ipynb"
RUN_TIMEOUT = 180_000  # ms for all cells; about 15 s on an idle machine
VISIBLE = ".jp-NotebookPanel:not(.lm-mod-hidden)"
ERROR_OUTPUT = f'{VISIBLE} .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
# done when every code cell has run ("[n]:"), or a cell failed (Run All stops there)
RUN_FINISHED = f"""n => {{
    const prompts = [...document.querySelectorAll('{VISIBLE} .jp-CodeCell .jp-InputPrompt')];
    const numbered = prompts.length === n && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
    return numbered || document.querySelector('{ERROR_OUTPUT}') !== null;
}}"""
# the status bar names the notebook's kernel and its state: "Pilot Workbench | Idle"
KERNEL_IDLE = """() => /Pilot Workbench \\| Idle/.test(
    document.querySelector('.jp-StatusBar-Widget')?.innerText || '')"""


def test_explore_region_runs_in_jupyterlab(tmp_path, demo_data, visit):
    project = make_project(tmp_path / "project", demo_data)
    home = tmp_path / "home"
    home.mkdir()
    notebook = nbformat.read(project / "notebooks" / NOTEBOOK, as_version=4)
    code_cells = sum(cell.cell_type == "code" for cell in notebook.cells)

    with running_lab(project, home) as lab:
        opened = visit(lab.url(f"lab/tree/{NOTEBOOK}"), width=1400, height=1000)
        page = opened.page
        page.wait_for_selector(f"{VISIBLE} .jp-CodeCell", timeout=90_000)
        page.wait_for_function(KERNEL_IDLE, timeout=90_000)  # the workbench's kernel started

        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(RUN_FINISHED, arg=code_cells, timeout=RUN_TIMEOUT)
        page.wait_for_function(KERNEL_IDLE, timeout=RUN_TIMEOUT)

        errors = page.locator(ERROR_OUTPUT)
        assert errors.count() == 0, errors.all_text_contents()
        assert "Traceback" not in page.inner_text(f"{VISIBLE} .jp-Notebook")
        figures = page.eval_on_selector_all(
            f"{VISIBLE} .jp-OutputArea-output img",
            "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length",
        )
        assert figures >= 3, "trends, event study and synthetic control are drawn"
        saved = list((project / "figures").glob("*.png"))
        assert [p.name for p in saved] == [
            "NL-NLI-referral_rate_medical_specialist-event-study.png"
        ]
        assert opened.foreign_requests(lab.url("")) == [], "JupyterLab works offline"
    assert lab.process.returncode == 0
    assert not listening(lab.port), "the server is stopped"
