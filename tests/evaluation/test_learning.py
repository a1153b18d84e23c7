"""The programme learning page: PDSA cycles per region, what followed them, what spread.

A copy of the demo's processed folder gets one Flemish pilot zone with a known
series (a level that drops by a third in one month) and a known log (a cycle
tried just before the drop, one tried long after it, one tried before a rise);
the page must count exactly the first as followed by an improvement.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.config import MonitorSettings
from analysis.evaluation.learning import (
    ProgrammeLearning,
    followed_by,
    pdsa_cycle_table,
    programme_learning,
)
from analysis.evaluation.monitor.signals import Signal
from analysis.reporting.layout import ReportLayout
from analysis.reporting.learning_page import write_learning_pages
from analysis.words import Words

INDICATOR = "third_next_available_days"  # lower is better, not seasonal
DROP = pd.Timestamp("2025-06-01")  # the level falls by a third from this month on
RISE = pd.Timestamp("2025-09-01")  # ... and a second indicator rises from this month on


def _steps(region: str, month: pd.Timestamp, cycle: int, intervention: str | None, theme: str):
    """The four steps of one cycle: plan a month before ``month``, do in ``month``, act after."""
    days = {
        "pdsa_plan": month - pd.DateOffset(months=1) + pd.Timedelta(days=4),
        "pdsa_do": month + pd.Timedelta(days=9),
        "pdsa_study": month + pd.DateOffset(months=1) + pd.Timedelta(days=3),
        "pdsa_act": month + pd.DateOffset(months=1) + pd.Timedelta(days=20),
    }
    return [
        {
            "region_id": region,
            "date": day,
            "kind": kind,
            "text": f"{kind} {cycle}",
            "cycle": cycle,
            "theme": theme,
            "intervention": intervention,
        }
        for kind, day in days.items()
    ]


@pytest.fixture(scope="module")
def study(demo_processed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo's processed data with two pilot zones whose series and logs are known."""
    processed = Path(shutil.copytree(demo_processed, tmp_path_factory.mktemp("learn") / "p"))
    regions = pd.read_parquet(processed / "regions.parquet")
    zones = sorted(
        regions.loc[regions["first_start"].notna() & (regions["country"] == "BE"), "region_id"]
    )
    first, second = zones[:2]
    panel = pd.read_parquet(processed / "region_month.parquet")
    for region in (first, second):
        rows = panel["region_id"] == region
        months = pd.to_datetime(panel.loc[rows, "month"])
        wiggle = np.where(np.arange(rows.sum()) % 2 == 0, 1.0, -1.0)  # no runs, no trends
        level = np.where(months >= DROP, 6.0, 9.0) if region == first else 9.0
        panel.loc[rows, INDICATOR] = level + 0.3 * wiggle
        share = np.where(months >= RISE, 0.70, 0.50) if region == first else 0.5
        panel.loc[rows, "share_accepting_new_patients"] = share + 0.01 * wiggle
    panel.to_parquet(processed / "region_month.parquet")
    events = pd.read_parquet(processed / "events.parquet")
    own = [
        *_steps(first, DROP - pd.DateOffset(months=1), 1, None, "scaling_up"),
        *_steps(first, DROP + pd.DateOffset(months=12), 2, None, "scaling_up"),
        *_steps(second, pd.Timestamp("2025-10-01"), 1, "zorgstroomcoach", "cross_domain"),
    ]
    log = pd.DataFrame(own).astype({"cycle": "Int64"})
    events = events[~events["region_id"].isin([first, second])]
    events = pd.concat([events, log], ignore_index=True) if len(events) else log
    events.to_parquet(processed / "events.parquet")
    return {"processed": processed, "first": first, "second": second}


def _learning(study: dict, **settings) -> ProgrammeLearning:
    return programme_learning(
        study["processed"],
        Words("en"),
        indicators=[INDICATOR, "share_accepting_new_patients"],
        intervention_indicators=settings.get("intended", {"zorgstroomcoach": [INDICATOR]}),
        follow_months=6,
    )


def _own(learning: ProgrammeLearning, region: str) -> pd.DataFrame:
    cycles = learning.cycles
    return cycles[cycles["region_id"] == region].set_index("cycle")


def test_a_cycle_tried_just_before_an_improvement_is_followed_by_it(study):
    cycles = _own(_learning(study), study["first"])
    assert cycles.loc[1, "intervention"] == "zorgstroomcoach", "the zone's only intervention"
    assert cycles.loc[1, "tried"] == DROP - pd.DateOffset(months=1)
    (signal,) = {(s.indicator, s.nature) for s in cycles.loc[1, "followed"]}
    assert signal == (INDICATOR, "improvement")
    assert all(DROP - pd.DateOffset(months=1) <= s.first <= DROP for s in cycles.loc[1, "followed"])
    assert cycles.loc[2, "followed"] == (), "a year later the new level is nothing new"


def test_only_the_interventions_own_indicators_count(study):
    """The share accepting patients improves three months after cycle 1 as well: it counts
    only when the intervention means to move it."""
    narrow = _own(_learning(study), study["first"])
    assert {s.indicator for s in narrow.loc[1, "followed"]} == {INDICATOR}
    wide = _own(_learning(study, intended={}), study["first"])
    assert {s.indicator for s in wide.loc[1, "followed"]} == {
        INDICATOR,
        "share_accepting_new_patients",
    }


def test_a_concern_or_a_flat_series_follows_nothing(study):
    second = _own(_learning(study), study["second"])
    assert second.loc[1, "followed"] == ()
    worse = Signal(
        INDICATOR, "shift", "up", "concern", DROP, DROP + pd.DateOffset(months=7), True, 8
    )
    assert followed_by(DROP, [worse], [INDICATOR], 6) == ()


def test_cycles_are_counted_per_region_intervention_and_number():
    log = pd.DataFrame(
        {
            "region_id": ["A"] * 6 + ["B"] * 3,
            "date": pd.to_datetime(
                ["2024-01-05", "2024-02-05", "2024-03-05", "2024-04-05", "2024-04-06", "2024-06-01"]
                + ["2024-05-01", "2024-06-01", "2024-07-01"]
            ),
            "kind": ["pdsa_plan", "pdsa_do", "pdsa_act", "pdsa_plan", "pdsa_plan", "meeting"]
            + ["pdsa_plan", "pdsa_do", "pdsa_study"],
            "text": ["p", "d", "a", "p", "p welfare", "m", "p", "d", "s"],
            "cycle": pd.array([None] * 9, dtype="Int64"),
            "theme": ["policy_room"] * 6 + [None] * 3,
            "intervention": [None, None, None, None, "welfare_coach", None, None, None, None],
        }
    )
    table = pdsa_cycle_table(
        log, {"A": ["longer_consults", "welfare_coach"], "B": ["longer_consults"]}
    )
    rows = {
        (r.region_id, r.intervention if isinstance(r.intervention, str) else None, r.cycle): (
            r.completed,
            r.tried,
        )
        for r in table.itertuples()
    }
    assert rows == {
        ("A", None, 1): (True, pd.Timestamp("2024-02-01")),
        ("A", None, 2): (False, pd.NaT),
        ("A", "welfare_coach", 1): (False, pd.NaT),
        ("B", "longer_consults", 1): (False, pd.Timestamp("2024-06-01")),
    }
    learning = ProgrammeLearning(table.assign(followed=[()] * len(table)), 6)
    assert learning.themes() == ["policy_room", None]
    counts = learning.region_counts().set_index("region_id")
    assert counts.loc["A", "cycles"] == 3 and counts.loc["A", "completed"] == 1


def test_an_intervention_tried_in_two_regions_spread_from_the_first():
    table = pd.DataFrame(
        {
            "region_id": ["B", "A", "A", "C"],
            "intervention": ["coach", "coach", "coach", "triage"],
            "theme": [None] * 4,
            "cycle": [1, 1, 2, 1],
            "planned": pd.NaT,
            "tried": pd.to_datetime(["2024-05-01", "2024-02-01", "2024-08-01", "2024-01-01"]),
            "completed": False,
            "followed": [()] * 4,
        }
    )
    assert ProgrammeLearning(table, 6).spread() == [
        ("coach", [("A", pd.Timestamp("2024-02-01")), ("B", pd.Timestamp("2024-05-01"))])
    ]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", ["PDSA-cycli per regio", "Opschalen", "gevolgd door"]),
        ("en", ["PDSA cycles per region", "Scaling up", "followed by"]),
    ],
)
def test_the_page_in_the_report_language_shows_names_literally(study, tmp_path, language, words):
    layout = ReportLayout(tmp_path / "reports")
    layout.prepare()
    hostile = '<script>alert("zone")</script> Zone & co'
    names = {study["first"]: hostile}
    pages = write_learning_pages(
        layout,
        study["processed"],
        study="Learning test",
        languages=[language],
        settings=MonitorSettings(
            indicators=(INDICATOR, "share_accepting_new_patients"),
            intervention_indicators={"zorgstroomcoach": (INDICATOR,)},
        ),
        names=names,
    )
    html = pages[language].read_text(encoding="utf-8")
    assert pages[language].name == "learning.html", "the first language is learning.html"
    assert f'<html lang="{language}">' in html
    for word in words:
        assert word.lower() in html.lower(), word
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;zone&#34;)&lt;/script&gt; Zone &amp; co" in html
    region_rows = re.findall(
        r"<tr><td>([^<]*)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>", html
    )
    by_name = {name: tuple(map(int, counts)) for name, *counts in region_rows}
    escaped = "&lt;script&gt;alert(&#34;zone&#34;)&lt;/script&gt; Zone &amp; co"
    assert by_name[escaped] == (2, 2, 1), "two cycles started and completed, one followed"
