"""Report notebooks: paired with their scripts, parameterised, thin, stripped."""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_report_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"region_evaluation", "synthesis"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_its_paired_script(path):
    script = path.with_suffix(".py")
    assert script.is_file(), f"{path.name} has no paired py:percent script"
    from_script = jupytext.read(script)
    notebook = nbformat.read(path, as_version=4)
    assert [c.source for c in notebook.cells] == [c.source for c in from_script.cells], (
        f"{path.name} and {script.name} differ: run `jupytext --sync {path}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_stripped(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)


def _parameters_cell(path: Path) -> tuple[int, nbformat.NotebookNode]:
    notebook = nbformat.read(path, as_version=4)
    tagged = [
        (i, c) for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    ]
    assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    return tagged[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_holds_only_annotated_literals(path):
    index, cell = _parameters_cell(path)
    assert index == 1, "the parameters cell comes right after the title"
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.AnnAssign), f"not an annotated assignment: {ast.unparse(node)}"
        ast.literal_eval(node.value)  # raises if a default is computed
    lines = [ln for ln in cell.source.splitlines() if ":" in ln and "=" in ln]
    assert all("#" in ln for ln in lines), "every parameter needs a comment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_report_notebooks_define_no_functions(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            defs = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
            ]
            assert not defs, f"{path.name}: move {defs[0].name} into src/analysis"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_reads_every_parameter_with_its_help(path):
    import papermill as pm

    _, cell = _parameters_cell(path)
    names = [n.target.id for n in ast.parse(cell.source).body]
    found = pm.inspect_notebook(str(path))
    assert list(found) == names, "papermill --help-notebook must list every parameter"
    assert all(p["help"] for p in found.values())
