"""Notebook parameters: a misspelt or unknown name is refused, naming it and the declared ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.notebooks import (
    ParameterError,
    check_parameters,
    declared_parameters,
    parse_assignment,
    parse_assignments,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PARAMETERS_CELL = (
    'region_id: str = "NL-NLI"  # region id\n'
    'processed_dir: str = ""  # folder\n'
    "outcomes: list = []  # panel columns\n"
)
VALIDATION_CELL = "check_parameters()\n"


def papermill_cell(**values: object) -> str:
    """The cell papermill injects for ``values``, made by papermill's own translator."""
    from papermill.translators import translate_parameters

    return translate_parameters("python3", "python", values, "Parameters")


def test_papermill_injects_the_cell_the_check_reads():
    assert papermill_cell(region="NL-GOR").startswith("# Parameters\n")


def test_a_misspelt_parameter_is_refused_with_the_declared_ones():
    history = ["", PARAMETERS_CELL, papermill_cell(region="NL-GOR"), VALIDATION_CELL]
    with pytest.raises(ParameterError) as refused:
        check_parameters(history)
    message = str(refused.value)
    assert "no parameter 'region'" in message
    assert "did you mean 'region_id'?" in message
    assert "region_id, processed_dir, outcomes" in message


def test_every_unknown_parameter_is_named():
    history = [PARAMETERS_CELL, papermill_cell(colour="red", region_id="NL-GOR", x=1), ""]
    with pytest.raises(ParameterError, match=r"no parameter 'colour' \(also unknown: x\)"):
        check_parameters(history)


def test_declared_parameters_pass(tmp_path):
    cell = papermill_cell(region_id="NL-GOR", outcomes=["gp_minutes"], processed_dir=str(tmp_path))
    check_parameters(["", PARAMETERS_CELL, cell, VALIDATION_CELL])


@pytest.mark.parametrize(
    "history",
    [
        [],  # outside a kernel
        ["", PARAMETERS_CELL, VALIDATION_CELL],  # JupyterLab, nbval, papermill without -p
        [papermill_cell(region="x"), PARAMETERS_CELL, "", VALIDATION_CELL],  # an older run
    ],
    ids=["no-history", "no-injection", "injection-not-just-before"],
)
def test_nothing_is_checked_without_a_fresh_injection(history):
    check_parameters(history)


def test_a_notebook_without_a_parameters_cell_declares_nothing():
    with pytest.raises(ParameterError, match="none \\(it has no cell tagged 'parameters'\\)"):
        check_parameters(["", papermill_cell(region_id="x"), VALIDATION_CELL])


def test_the_report_notebooks_declare_what_papermill_reads():
    declared = declared_parameters(NOTEBOOKS / "region_evaluation.ipynb")
    assert list(declared)[:2] == ["region_id", "processed_dir"]
    assert "workbench.toml" in declared["processed_dir"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("months=12", ("months", 12)),
        ("share=0.5", ("share", 0.5)),
        ("show=true", ("show", True)),
        (
            'indicators=["gp_minutes", "gp_contact_rate"]',
            ("indicators", ["gp_minutes", "gp_contact_rate"]),
        ),
        ("region_id=NL-GOR", ("region_id", "NL-GOR")),
        ("since=2024-01", ("since", "2024-01")),
        ("note=a=b", ("note", "a=b")),
        ("empty=", ("empty", "")),
    ],
)
def test_param_values_are_json_when_they_parse_else_text(text, expected):
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["months", "=12", "two words=1", "1x=2"])
def test_a_param_that_is_not_name_equals_value_is_refused(text):
    with pytest.raises(ParameterError, match="is not NAME=VALUE"):
        parse_assignment(text)


def test_a_repeated_param_keeps_its_last_value():
    assert parse_assignments(["months=12", "months=24"]) == {"months": 24}
