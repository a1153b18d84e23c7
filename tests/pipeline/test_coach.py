"""The coach's month, end to end: monitor editions, the action log, reruns of one region only.

One study of a Flemish and a Dutch pilot region goes through a coach's month
(built once for this module): ``workbench report``, an action logged with
``workbench log add`` and ``workbench report`` again; then monitor editions of
earlier months with ``--as-of``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import pipeline
from analysis.config import load_config
from analysis.reporting.layout import PLANNING_NOTEBOOKS
from analysis.words import Words
from tests.pipeline.conftest import make_project, write_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("coach")]
WORKBENCH = Path(sys.executable).parent / "workbench"


def workbench(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WORKBENCH), *args], cwd=project, capture_output=True, text=True, timeout=900
    )


def statuses(result: pipeline.BatchResult) -> dict[tuple[str, str], str]:
    return {(o.region_id, o.notebook): o.status for o in result.outcomes}


def month(value: pd.Timestamp, back: int = 0) -> str:
    return f"{pd.Timestamp(value) - pd.DateOffset(months=back):%Y-%m}"


@pytest.fixture(scope="module")
def month_of_a_coach(tmp_path_factory, demo_data) -> dict:
    project = make_project(tmp_path_factory.mktemp("coach"), demo_data)
    table = pipeline.region_table(load_config(project / "workbench.toml"))
    pilots = table[table["pilot"].astype(bool)].set_index("region_id")
    be = sorted(r for r in pilots.index if r.startswith("BE"))[0]
    nl = sorted(r for r in pilots.index if r.startswith("NL"))[0]
    write_config(
        project, regions=json.dumps([be, nl]), outcomes='["gp_contact_rate"]', language="nl"
    )
    config = load_config(project / "workbench.toml")
    last = pilots.loc[be, "last_month"]
    first = pipeline.build_reports(config)
    logged = workbench(
        project,
        *("log", "add", "--region", be, "--date", f"{month(last)}-10", "--kind", "meeting"),
        *("--text", "Overleg met de zorgraad over de wachttijden"),
    )
    second = pipeline.build_reports(config)
    one = config.with_overrides(regions=(be,))
    earlier = pipeline.run_regions(one, notebook="region_monitor", as_of=month(last, 2))
    signals = one.reports_dir / be / "monitor" / f"{month(last, 2)}.nl.signals.json"
    kept = json.loads(signals.read_text())
    added = workbench(
        project,
        *("log", "add", "--region", be, "--date", f"{month(last, 1)}-05", "--kind", "pdsa_plan"),
        *("--theme", "cross_domain", "--text", "Plan: samen met het OCMW een sociale kaart"),
    )
    later = pipeline.run_regions(one, notebook="region_monitor", as_of=month(last, 1))
    again = pipeline.run_regions(one, notebook="region_monitor", as_of=month(last, 2), force=True)
    return {
        "project": project,
        "reports": config.reports_dir,
        "be": be,
        "nl": nl,
        "last": last,
        "first": first,
        "second": second,
        "logged": logged,
        "added": added,
        "editions": [earlier, later, again],
        "kept": kept,
        "rerun": json.loads(signals.read_text()),
    }


def test_make_report_builds_a_monitor_edition_per_region_and_the_learning_page(month_of_a_coach):
    m = month_of_a_coach
    assert set(statuses(m["first"]).values()) == {"ok"}
    reports = m["reports"]
    index = (reports / "index.html").read_text(encoding="utf-8")
    for region in (m["be"], m["nl"]):
        editions = sorted((reports / region / "monitor").glob("*.nl.html"))
        assert editions, region
        assert f"{region}/monitor/{editions[-1].name}" in index
    assert 'href="learning.html"' in index
    learning = (reports / "learning.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in learning and "PDSA-cycli per regio" in learning


def test_a_logged_action_reruns_only_its_region(month_of_a_coach):
    m = month_of_a_coach
    assert m["logged"].returncode == 0, m["logged"].stderr
    assert statuses(m["second"]) == {
        (m["be"], "region_evaluation"): "ok",
        (m["be"], "region_monitor"): "ok",
        (m["nl"], "region_evaluation"): "cached",
        (m["nl"], "region_monitor"): "cached",
        ("synthesis", "synthesis"): "cached",
        # the planning pages never read the action log
        **{("planning", notebook): "cached" for notebook in PLANNING_NOTEBOOKS},
    }
    edition = m["reports"] / m["be"] / "monitor" / f"{month(m['last'])}.nl.html"
    assert "Overleg met de zorgraad over de wachttijden" in edition.read_text(encoding="utf-8")


def test_a_logged_action_appears_in_the_next_editions_since_the_previous_one(month_of_a_coach):
    m = month_of_a_coach
    assert m["added"].returncode == 0, m["added"].stderr
    assert all({o.status for o in result.outcomes} == {"ok"} for result in m["editions"])
    page = m["reports"] / m["be"] / "monitor" / f"{month(m['last'], 1)}.nl.html"
    text = page.read_text(encoding="utf-8")
    since = text[text.index("Sinds de vorige editie") :]
    since = since[: since.index("De indicatoren in één tabel")]
    assert "Plan: samen met het OCMW een sociale kaart" in since
    assert "PDSA: plan (cyclus" in since


def test_an_edition_shows_the_survey_waves_up_to_its_month_and_names_a_new_one(
    month_of_a_coach,
):
    """The Flemish survey is asked each autumn: the edition of the latest wave's month names
    it since the previous edition, and shows every wave up to its month with the GPs who
    answered (or <k), a mean and an interval."""
    m = month_of_a_coach
    survey = pd.read_csv(m["project"] / "data" / "raw" / "survey.csv", parse_dates=["wave"])
    waves = sorted({f"{w:%Y-%m}" for w in survey["wave"]})
    edition = month(m["last"], 2)
    assert edition == max(w for w in waves if w.startswith(edition[:4])), "the demo's last wave"
    text = (m["reports"] / m["be"] / "monitor" / f"{edition}.nl.html").read_text(encoding="utf-8")
    since = text[text.index("Sinds") : text.index("De indicatoren in één tabel")]
    assert "Nieuwe meting van de enquête onder huisartsen:</strong> oktober" in since
    heading = re.search(r"<h2[^>]*>Enquête onder huisartsen", text)
    assert heading, "the survey has its own section"
    section = text[heading.start() : text.index("Actielogboek", heading.start())]
    shown = [w for w in waves if w <= edition and w >= "2024-01"]
    for wave in shown:
        assert Words("nl").month(pd.Timestamp(f"{wave}-01")) in section
    assert section.count("<tr>") >= 5 * len(shown), "five items per wave"
    assert re.search(r"\d+,\d \(\d+,\d – \d+,\d\)", section), "a mean with its interval"
    assert "<img" in section and 'alt="Enquête onder huisartsen per meting' in section


def test_every_edition_is_kept_and_the_index_links_the_latest(month_of_a_coach):
    m = month_of_a_coach
    folder = m["reports"] / m["be"] / "monitor"
    months = sorted(p.name.split(".")[0] for p in folder.glob("*.nl.html"))
    assert months == [month(m["last"], 2), month(m["last"], 1), month(m["last"])]
    index = (m["reports"] / "index.html").read_text(encoding="utf-8")
    latest = index.index(f"{m['be']}/monitor/{month(m['last'])}.nl.html")
    earlier = index.index("eerdere edities", latest)
    for back in (1, 2):
        assert index.index(f"{m['be']}/monitor/{month(m['last'], back)}.nl.html") > earlier


def test_as_of_reproduces_an_earlier_editions_signals(month_of_a_coach):
    m = month_of_a_coach
    assert m["kept"]["as_of"] == month(m["last"], 2)
    assert m["rerun"]["signals"] == m["kept"]["signals"]
    assert set(m["kept"]["actions"]) <= set(m["rerun"]["actions"])


def test_as_of_outside_the_data_is_one_line(month_of_a_coach):
    m = month_of_a_coach
    result = workbench(m["project"], "run", "--notebook", "region_monitor", "--as-of", "2031-01")
    assert result.returncode == 2
    assert "no region has data up to 2031-01" in result.stderr
    wrong = workbench(m["project"], "run", "--as-of", "2021-01")
    assert wrong.returncode == 2 and "does not declare an as_of parameter" in wrong.stderr
