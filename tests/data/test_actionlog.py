"""The action log: `workbench log add` appends checked entries in the file's own dialect.

Every refused entry ends with one line and exit code 2 and leaves ``events.csv``
byte-identical; an accepted one is the last line, read back by the ingest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis import pipeline
from analysis.cli import app
from analysis.config import load_config
from analysis.data.actionlog import add_entry, list_entries, make_entry, pdsa_cycles
from analysis.data.ingest import ingest, refresh_action_log
from analysis.errors import InputError, WorkbenchError

WORKBENCH = Path(sys.executable).parent / "workbench"
#: The mini data set: NL-NLI (longer consults, region level) and NL-TWE, months 2014-2017.
REGION = "NL-NLI"


@pytest.fixture()
def project(mini_raw: Path) -> Path:
    """A study folder around the mini raw data: workbench.toml beside data/raw."""
    root = mini_raw.parent
    (root / "data").mkdir()
    mini_raw.rename(root / "data" / "raw")
    (root / "workbench.toml").write_text('[study]\nname = "Log test"\n', encoding="utf-8")
    return root


@pytest.fixture()
def log(project: Path) -> Path:
    return project / "data" / "raw" / "events.csv"


def add(project: Path, *args: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(project)
    return CliRunner().invoke(app, ["log", "add", *args])


def test_an_entry_is_the_new_last_line(project, log, monkeypatch):
    before = log.read_bytes()
    result = add(
        project,
        *("--region", REGION, "--date", "2017-03-05", "--kind", "meeting"),
        *("--text", "Overleg met de zorggroep, 5 praktijken"),
        monkeypatch=monkeypatch,
    )
    assert result.exit_code == 0, result.output
    after = log.read_bytes()
    assert after.startswith(before), "every earlier byte is kept"
    assert (  # the demo's log has the cycle, theme and intervention columns, empty here
        after[len(before) :]
        == b'NL-NLI,2017-03-05,meeting,"Overleg met de zorggroep, 5 praktijken",,,\n'
    )


def test_a_semicolon_latin1_file_stays_so_and_gains_the_new_columns(project, log, monkeypatch):
    rows = [
        "region_id;date;kind;text",
        'NL-NLI;15-01-2016;external;"Griep: drukte in het café\r\nen op de post"',
        "NL-NLI;01-02-2016;pdsa_plan;Plan: één loket",
    ]
    log.write_bytes("\r\n".join(rows).encode("latin-1"))  # no line end after the last line
    result = add(
        project,
        *("--region", REGION, "--date", "2016-03-05", "--kind", "pdsa_do"),
        *("--theme", "scaling_up", "--text", "Uitvoering: één café"),
        monkeypatch=monkeypatch,
    )
    assert result.exit_code == 0, result.output
    text = log.read_bytes().decode("latin-1")
    assert text.split("\r\n") == [
        "region_id;date;kind;text;cycle;theme;intervention",
        'NL-NLI;15-01-2016;external;"Griep: drukte in het café',
        'en op de post";;;',
        "NL-NLI;01-02-2016;pdsa_plan;Plan: één loket;;;",
        "NL-NLI;05-03-2016;pdsa_do;Uitvoering: één café;1;scaling_up;longer_consults",
        "",
    ]
    entries = list_entries(project / "data" / "raw", region=REGION)
    assert entries["text"].iloc[0] == "Griep: drukte in het café\r\nen op de post"
    assert entries["cycle"].tolist()[1:] == [1, 1], "the do step joins the open cycle"


def test_characters_the_encoding_cannot_hold_are_refused(project, log, monkeypatch):
    log.write_bytes(
        "region_id;date;kind;text\r\nNL-NLI;15-01-2016;meeting;café\r\n".encode("latin-1")
    )
    before = log.read_bytes()
    result = add(
        project,
        *("--region", REGION, "--date", "2016-03-05", "--kind", "meeting", "--text", "€ 500"),
        monkeypatch=monkeypatch,
    )
    assert result.exit_code == 2
    assert "latin-1, which cannot hold '€'" in result.output
    assert log.read_bytes() == before


BAD_ENTRIES = {
    "unknown region": (["--region", "NL-XXX"], "--region 'NL-XXX' is not known"),
    "unknown kind": (["--kind", "pdsa_check"], "--kind 'pdsa_check' is not known"),
    "unknown theme": (["--theme", "scaling"], "did you mean 'scaling_up'?"),
    "unknown intervention": (["--intervention", "yoga"], "--intervention 'yoga' is not known"),
    "before the window": (["--date", "2013-12-31"], "outside the study window"),
    "after the window": (["--date", "2018-01-01"], "outside the study window of NL-NLI"),
    "not a date": (["--date", "5-3-2017"], "is not a date. Fix: write it as YYYY-MM-DD"),
    "empty text": (["--text", "   "], "--text is empty"),
    "cycle of a meeting": (["--kind", "meeting", "--cycle", "3"], "belongs to the PDSA steps"),
    "plan again after act": (["--cycle", "1"], "closed by its act step on 2016-02-20"),
}


@pytest.mark.parametrize("case", list(BAD_ENTRIES))
def test_every_bad_entry_is_refused_in_one_line_and_the_file_is_unchanged(
    case, project, log, monkeypatch
):
    cycle = [
        ("2016-01-10", "pdsa_plan", "Plan"),
        ("2016-01-20", "pdsa_do", "Do"),
        ("2016-02-10", "pdsa_study", "Study"),
        ("2016-02-20", "pdsa_act", "Act"),
    ]
    lines = "".join(f"NL-NLI,{d},{k},{t},1,,longer_consults\n" for d, k, t in cycle)
    log.write_text("region_id,date,kind,text,cycle,theme,intervention\n" + lines)
    before = log.read_bytes()
    options = {"--region": REGION, "--date": "2016-03-01", "--kind": "pdsa_plan", "--text": "Plan"}
    change, message = BAD_ENTRIES[case]
    options.update(zip(change[::2], change[1::2], strict=True))
    result = add(project, *[x for kv in options.items() for x in kv], monkeypatch=monkeypatch)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert log.read_bytes() == before


def test_the_command_refuses_in_one_line_without_a_traceback(project, log):
    before = log.read_bytes()
    done = subprocess.run(
        [str(WORKBENCH), "log", "add", "--region", "NL-XXX", "--date", "2016-03-01"]
        + ["--kind", "meeting", "--text", "x"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: --region 'NL-XXX' is not known")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert log.read_bytes() == before


def test_cycles_are_numbered_and_a_closed_cycle_takes_no_new_step(project):
    raw = project / "data" / "raw"
    (raw / "events.csv").unlink()

    def entry(day: str, kind: str, cycle: str | None = None):
        return make_entry(region=REGION, day=day, kind=kind, text=kind, cycle=cycle)

    plan, path = add_entry(raw, entry("2016-01-10", "pdsa_plan"))
    assert (plan.cycle, plan.intervention, path.name) == (1, "longer_consults", "events.csv")
    assert add_entry(raw, entry("2016-01-20", "pdsa_do"))[0].cycle == 1
    assert add_entry(raw, entry("2016-02-20", "pdsa_act"))[0].cycle == 1
    with pytest.raises(WorkbenchError, match="closed by its act step.*--cycle 2"):
        add_entry(raw, entry("2016-03-01", "pdsa_do", "1"))
    with pytest.raises(WorkbenchError, match="no cycle is open"):
        add_entry(raw, entry("2016-03-01", "pdsa_study"))
    assert add_entry(raw, entry("2016-03-10", "pdsa_plan"))[0].cycle == 2
    logged = pd.read_csv(raw / "events.csv")
    assert logged["cycle"].tolist() == [1, 1, 1, 2]
    assert pdsa_cycles(logged.assign(date=pd.to_datetime(logged["date"]))).tolist() == [1, 1, 1, 2]


def test_a_parquet_log_is_not_appended_to(project, log):
    pd.read_csv(log).to_parquet(log.with_suffix(".parquet"))
    log.unlink()
    entry = make_entry(region=REGION, day="2016-03-01", kind="meeting", text="x")
    with pytest.raises(WorkbenchError, match="is Parquet"):
        add_entry(project / "data" / "raw", entry)


def test_log_list_filters_by_region_and_month(project, monkeypatch):
    monkeypatch.chdir(project)
    result = CliRunner().invoke(app, ["log", "list", "--region", REGION, "--since", "2017-06"])
    assert result.exit_code == 0, result.output
    entries = list_entries(project / "data" / "raw", region=REGION, since="2017-06")
    assert len(entries) > 0 and (entries["date"] >= "2017-06-01").all()
    assert f"{len(entries)} entries" in result.output
    bad = CliRunner().invoke(app, ["log", "list", "--since", "June"])
    assert bad.exit_code == 2 and "--since 'June' is not a month" in bad.output


def test_the_ingest_reads_the_new_columns_and_refuses_an_unknown_intervention(
    project, log, tmp_path
):
    raw = project / "data" / "raw"
    entry = make_entry(
        region=REGION, day="2016-03-01", kind="pdsa_plan", text="Plan", theme="policy_room"
    )
    add_entry(raw, entry)
    ingest(raw, tmp_path / "processed")
    events = pd.read_parquet(tmp_path / "processed" / "events.parquet")
    last = events[events["text"] == "Plan"].iloc[-1]
    assert (last["theme"], last["intervention"], last["cycle"]) == (
        "policy_room",
        "longer_consults",
        21,
    )
    with log.open("a", encoding="utf-8") as handle:
        handle.write("NL-NLI,2016-04-01,meeting,Overleg,,,Yoga op recept\n")
    with pytest.raises(InputError, match=r"column 'intervention': intervention 'Yoga op recept'"):
        ingest(raw, tmp_path / "processed2")


# --------------------------------------------------------------------------- after an entry


def test_only_the_log_is_rebuilt_after_an_entry_and_equals_a_full_ingest(project, tmp_path):
    """``workbench report`` after ``log add``: events.parquet alone, as the full ingest makes it."""
    config = load_config(project / "workbench.toml")
    assert pipeline.ingest_if_changed(config)
    processed = config.processed_dir
    panels = {p.name: p.read_bytes() for p in processed.glob("*") if p.name != "events.parquet"}
    add_entry(
        project / "data" / "raw",
        make_entry(region=REGION, day="2017-03-05", kind="pdsa_plan", text="Plan: één loket"),
    )
    assert pipeline.ingest_if_changed(config), "the changed log is taken in"
    after = {p.name: p.read_bytes() for p in processed.glob("*") if p.name != "events.parquet"}
    assert after.keys() == panels.keys() | {".ingest.json"}
    assert {k: v for k, v in after.items() if k != ".ingest.json"} == {
        k: v for k, v in panels.items() if k != ".ingest.json"
    }, "no panel, database or quality report was rebuilt"
    full = tmp_path / "full"
    ingest(project / "data" / "raw", full)
    pd.testing.assert_frame_equal(
        pd.read_parquet(processed / "events.parquet"), pd.read_parquet(full / "events.parquet")
    )
    assert not pipeline.ingest_if_changed(config), "and then nothing is due"


def test_a_bad_hand_edit_of_the_log_is_refused_and_the_processed_log_kept(project, log):
    config = load_config(project / "workbench.toml")
    pipeline.ingest_if_changed(config)
    kept = (config.processed_dir / "events.parquet").read_bytes()
    with log.open("a", encoding="utf-8") as handle:
        handle.write("NL-NLI,2016-04-01,meeting,Overleg,,,Yoga op recept\n")
    with pytest.raises(InputError, match=r"events.csv.*column 'intervention'"):
        pipeline.ingest_if_changed(config)
    assert (config.processed_dir / "events.parquet").read_bytes() == kept


def test_a_log_saved_in_another_dialect_is_ingested_whole(project, log, tmp_path):
    """The quality report lists how each file was read: a new dialect needs a full ingest."""
    processed = tmp_path / "processed"
    ingest(project / "data" / "raw", processed)
    assert refresh_action_log(project / "data" / "raw", processed), "same file, same dialect"
    log.write_bytes(log.read_bytes().replace(b",", b";"))
    assert not refresh_action_log(project / "data" / "raw", processed)
