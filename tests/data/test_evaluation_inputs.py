"""Valid input that the evaluation cannot use gives a report that says so (issue 9.5, 9.6).

The contract allows an empty or zero ``list_size`` and an intervention that starts
in the first month of the data; neither may crash a region's evaluation. Each
method that the data cannot support is skipped for that outcome with a reason,
which the report states as a data caveat in its language.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from rawedit import read_rows, set_cell, write_rows

from analysis.data.ingest import ingest
from analysis.evaluation import evaluate_region, load_region
from analysis.evaluation.caveats import data_caveats
from analysis.evaluation.estimate import SKIP_REASONS, Evaluation
from analysis.words import Words

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "region_evaluation.ipynb"
OUTCOMES = ["referral_rate_medical_specialist", "gp_contact_rate", "gp_minutes"]
PILOT = "NL-NLI"  # two pilot practices in the mini data set, from 2016-01
pytestmark = pytest.mark.filterwarnings("ignore:Not returning pre-test Wald statistic")


def evaluate(raw: Path, out: Path) -> Evaluation:
    ingest(raw, out)
    return evaluate_region(load_region(out, PILOT), OUTCOMES)


def blank_list_size(raw: Path, practice: str, months: list[str], value: str = "") -> None:
    path = raw / "practice_months.csv"
    rows = read_rows(path)
    k = rows[0].index("list_size")
    for row in rows[1:]:
        if row[0] == practice and row[1] in months:
            row[k] = value
    write_rows(path, rows)


def estimated(evaluation: Evaluation) -> set[tuple[str, str]]:
    return {(e.outcome, e.method) for e in evaluation.effects}


def skipped(evaluation: Evaluation) -> set[tuple[str, str, str]]:
    return {(s.outcome, s.method, s.reason) for s in evaluation.skipped}


def test_every_skip_reason_has_words_in_both_languages() -> None:
    for reason in SKIP_REASONS:
        assert Words("en").text(f"skip.{reason}") != Words("nl").text(f"skip.{reason}")


def test_empty_and_zero_list_size_of_a_pilot_practice(mini_raw: Path, tmp_path: Path) -> None:
    """It made att_gt fail with 'unbalanced panel'; now the practice is left out of the rates."""
    blank_list_size(mini_raw, "NLNLI-P001", ["2016-04-01", "2016-05-01"])
    blank_list_size(mini_raw, "NLNLI-P001", ["2016-06-01"], value="0")
    evaluation = evaluate(mini_raw, tmp_path / "processed")
    rate = "referral_rate_medical_specialist"
    assert {(rate, "att_gt"), (rate, "twfe"), ("gp_minutes", "att_gt")} <= estimated(evaluation)
    assert evaluation.left_out == {rate: 1, "gp_contact_rate": 1}
    data = load_region(tmp_path / "processed", PILOT)
    caveats = data_caveats(data, Words("nl"), evaluation, threshold=1)
    assert any(
        "1 praktijk(en) niet meegenomen in de schattingen voor verwijzingen" in c for c in caveats
    )


def test_list_size_missing_for_every_pilot_practice_in_a_quarter(
    mini_raw: Path, tmp_path: Path
) -> None:
    quarter = ["2016-07-01", "2016-08-01", "2016-09-01"]
    for practice in ("NLNLI-P001", "NLNLI-P002"):
        blank_list_size(mini_raw, practice, quarter)
    evaluation = evaluate(mini_raw, tmp_path / "processed")
    rate = "referral_rate_medical_specialist"
    assert (rate, "att_gt", "incomplete_series") in skipped(evaluation)
    assert (rate, "twfe", "incomplete_series") in skipped(evaluation)
    assert ("gp_minutes", "att_gt") in estimated(evaluation), "counts need no list size"


@pytest.mark.parametrize(
    ("start", "reason", "warning"),
    [
        ("2014-01-01", "no_pre_period", "first month of data"),
        ("2013-06-01", "no_pre_period", "first month of data"),
        ("2019-01-01", "no_post_period", "after the practice's last month"),
    ],
)
def test_intervention_without_months_before_or_after_its_start(
    mini_raw: Path, tmp_path: Path, start: str, reason: str, warning: str
) -> None:
    """A pilot starting in the first data month gave an internal TypeError."""
    set_cell(mini_raw / "interventions.csv", 2, "start_date", start)
    summary = ingest(mini_raw, tmp_path / "processed")
    assert any(warning in w and PILOT in w for w in summary.warnings), summary.warnings
    report = json.loads((tmp_path / "processed" / "data_quality.json").read_text())
    assert report["intervention_timing"][0]["region_id"] == PILOT
    data = load_region(tmp_path / "processed", PILOT)
    evaluation = evaluate_region(data, OUTCOMES)
    assert evaluation.effects == []
    assert {(o, "att_gt", reason) for o in OUTCOMES} <= skipped(evaluation)
    english = data_caveats(data, Words("en"), evaluation, threshold=1)
    assert any(
        c.startswith("No effect estimate for referrals to medical specialists") for c in english
    ), english


def test_too_few_regions_for_a_synthetic_control_is_said(mini_raw: Path, tmp_path: Path) -> None:
    evaluation = evaluate(mini_raw, tmp_path / "processed")
    assert ("gp_minutes", "synthetic_control", "too_few_regions") in skipped(evaluation)
    assert ("gp_minutes", "att_gt") in estimated(evaluation)
    notes = data_caveats(
        load_region(tmp_path / "processed", PILOT), Words("en"), evaluation, threshold=1
    )
    assert any("synthetic" in c and "fewer than three regions" in c for c in notes), notes


@pytest.mark.slow
def test_region_report_runs_on_a_pilot_without_a_before_period(
    mini_raw: Path, tmp_path: Path
) -> None:
    """The real notebook, executed by papermill, states the caveat instead of failing."""
    import papermill as pm

    set_cell(mini_raw / "interventions.csv", 2, "start_date", "2014-01-01")
    blank_list_size(mini_raw, "NLNLI-P002", ["2015-01-01", "2015-02-01", "2015-03-01"])
    ingest(mini_raw, tmp_path / "processed")
    workdir = tmp_path / "report"
    workdir.mkdir()
    pm.execute_notebook(
        str(NOTEBOOK),
        str(workdir / "executed.ipynb"),
        parameters={
            "region_id": PILOT,
            "processed_dir": str(tmp_path / "processed"),
            "outcomes": OUTCOMES,
            "language": "nl",
        },
        kernel_name="pilot-workbench",
        cwd=str(workdir),
        progress_bar=False,
    )
    notebook = nbformat.read(workdir / "executed.ipynb", as_version=4)
    shown = "".join(
        output.get("data", {}).get("text/markdown", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    assert "Geen effectschatting voor verwijzingen naar de medisch specialist" in shown
    assert "geen maand met gegevens vóór de start" in shown
    assert json.loads((workdir / "results.json").read_text()) == []
