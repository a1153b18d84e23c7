"""The coach's monitor: series, baseline, seasonal limits, steps, icons, markers, editions."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.lines import Line2D

from analysis.errors import WorkbenchError
from analysis.evaluation.load import load_region
from analysis.evaluation.monitor import (
    MONITOR_INDICATORS,
    EditionRecord,
    Marker,
    action_markers,
    chart_notes_md,
    choose_baseline,
    compare_with_previous,
    indicator_chart,
    monitor_edition,
    monitor_figure,
    monitor_series,
    pilot_start,
    region_as_of,
    since_previous,
    since_previous_md,
    summary_table,
)
from analysis.evaluation.monitor.charts import marker_levels
from analysis.evaluation.monitor.editions import entry_key
from analysis.evaluation.monitor.signals import RECENT_MONTHS
from analysis.methods.spc import run_chart, xmr_chart
from analysis.words import Words, words_for
from analysis.words.indicators import builtin_indicators

EN = Words("en")


def _monthly(values: np.ndarray, name: str = "gp_contact_rate", start: str = "2021-01-01"):
    months = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"month": months, name: values})


def _shifted(step: float, *, seed: int = 11, name: str = "third_next_available_days"):
    """48 months of noise around 100, ``step`` added from the 31st month (2023-07)."""
    rng = np.random.default_rng(seed)
    values = 100 + rng.normal(0, 3, 48)
    values[30:] += step
    return _monthly(values, name)


def _marker(month: str, number: int = 1, kind: str = "action") -> Marker:
    return Marker(number, pd.Timestamp(month), kind, "PDSA cycle 1, do")  # type: ignore[arg-type]


def _winter(n: int = 60) -> np.ndarray:
    """A stable winter peak: +25% in January, -15% in July (a cosine and an epidemic bump)."""
    months = np.arange(n) % 12
    return 1 + 0.2 * np.cos(2 * np.pi * months / 12) + 0.05 * (months < 2)


@pytest.fixture(scope="module")
def regions(demo_processed: Path) -> pd.DataFrame:
    return pd.read_parquet(demo_processed / "regions.parquet")


@pytest.fixture(scope="module")
def pilot(regions: pd.DataFrame) -> str:
    """A Flemish pilot region (zorgstroomcoach, two years of data before its start)."""
    pilots = regions[regions["first_start"].notna() & (regions["country"] == "BE")]
    return str(pilots["region_id"].iloc[0])


@pytest.fixture(scope="module")
def non_pilot(regions: pd.DataFrame, demo_processed: Path) -> str:
    events = pd.read_parquet(demo_processed / "events.parquet")
    candidates = regions.loc[regions["first_start"].isna(), "region_id"]
    return str(next(r for r in candidates if r not in set(events["region_id"])))


# --------------------------------------------------------------------------- series


def test_series_of_a_non_pilot_region(demo_processed, non_pilot):
    series = monitor_series(demo_processed, non_pilot, months=36)
    assert list(series.columns) == ["month", *MONITOR_INDICATORS]
    assert len(series) == 36
    panel = pd.read_parquet(demo_processed / "region_month.parquet")
    assert series["month"].iloc[-1] == panel.loc[panel["region_id"] == non_pilot, "month"].max()


def test_series_of_a_pilot_keeps_two_years_before_the_start(demo_processed, pilot):
    start = pilot_start(demo_processed, pilot)
    series = monitor_series(demo_processed, pilot, ["gp_contact_rate"], months=36)
    assert (series["month"] < start).sum() == 24


def test_an_edition_sees_only_the_data_up_to_its_month(demo_processed, pilot):
    start = pilot_start(demo_processed, pilot)
    before = f"{start - pd.DateOffset(months=2):%Y-%m}"
    series = monitor_series(demo_processed, pilot, ["gp_contact_rate"], as_of=before)
    assert series["month"].iloc[-1] == pd.Timestamp(f"{before}-01")
    assert pilot_start(demo_processed, pilot, as_of=before) is None, "the pilot had not begun"
    data = region_as_of(load_region(demo_processed, pilot), before)
    assert pd.to_datetime(data.events["date"]).max() < start - pd.DateOffset(months=1)
    assert data.interventions.empty
    with pytest.raises(WorkbenchError, match="YYYY-MM"):
        monitor_series(demo_processed, pilot, as_of="2025-13")


def test_series_errors_name_the_fix(demo_processed, pilot):
    with pytest.raises(WorkbenchError, match="not in"):
        monitor_series(demo_processed, "XX-NOWHERE")
    with pytest.raises(WorkbenchError, match="not columns"):
        monitor_series(demo_processed, pilot, ["no_such_rate"])


def test_baseline_is_the_pre_start_months_else_the_first_ones():
    series = _monthly(np.arange(40.0))
    baseline = choose_baseline(series, pd.Timestamp("2022-07-01"))
    assert (baseline.points, baseline.pre_pilot) == (18, True)
    assert "18 months before the pilot started (January 2021 to June 2022)" in baseline.describe(EN)
    short = choose_baseline(series, pd.Timestamp("2021-06-01"), minimum=24)
    assert (short.points, short.pre_pilot) == (24, False)
    assert "fewer than 24 months before the pilot start" in short.describe(EN)
    assert "no pilot start" in choose_baseline(series, None).describe(EN)


# --------------------------------------------------------------------------- signals


def test_signals_shown_equal_those_of_run_chart_and_xmr_chart():
    series = _shifted(9.0)
    chart = indicator_chart(series, "third_next_available_days", start=None)
    values = pd.Series(series["third_next_available_days"].to_numpy(), index=series["month"])
    xmr = xmr_chart(values, baseline=12, improvement="decrease")
    run = run_chart(values, baseline=12)
    (segment,) = chart.segments
    pd.testing.assert_frame_equal(segment.xmr.data, xmr.data, check_names=False)
    pd.testing.assert_frame_equal(segment.run.data, run.data, check_names=False)
    recent = xmr.data.iloc[-RECENT_MONTHS:]
    expected = {
        rule for rule in ("outside_limits", "shift", "trend", "two_of_three") if recent[rule].any()
    }
    if run.runs_signal:
        expected.add("long_run")
    if run.crossings_signal:
        expected.add("few_crossings")
    assert {s.rule for s in chart.signals} == expected
    (shift,) = [s for s in chart.signals if s.rule == "shift"]
    flagged = xmr.data.index[xmr.data["shift"] & (xmr.data["relative_to_mean"] > 0)]
    assert (shift.direction, shift.nature, shift.ongoing) == ("up", "concern", True)
    assert (shift.first, shift.last) == (flagged[0], flagged[-1])
    assert chart.variation == "concern_high"


def test_a_seasonal_series_with_no_change_gives_no_special_cause():
    """A stable winter peak: nearly every month is special as measured, none once adjusted."""
    noise = np.where(np.arange(60) % 2 == 0, 1.01, 0.99)  # small, and no runs or trends
    series = _monthly(4000 * _winter() * noise)
    chart = indicator_chart(series, "gp_contact_rate", start=None)
    assert chart.pattern is not None and chart.baseline.points == 24
    assert not chart.segments[0].xmr.data["special_cause"].any()
    assert chart.signals == () and chart.variation == "common_cause"
    plain = {**builtin_indicators()}
    plain["gp_contact_rate"] = replace(plain["gp_contact_rate"], seasonal=False)
    unadjusted = indicator_chart(series, "gp_contact_rate", start=None, catalogue=plain)
    assert unadjusted.segments[0].xmr.data["special_cause"].mean() > 0.5


def test_seasonal_limits_alarm_no_more_often_than_for_a_series_without_season():
    """Over many random series, adjusting a stable season leaves the false-alarm rate of noise."""

    def alarms(season: np.ndarray, seed: int) -> bool:
        rng = np.random.default_rng(seed)
        series = _monthly(4000 * season * (1 + rng.normal(0, 0.03, 60)))
        chart = indicator_chart(series, "gp_contact_rate", start=None)
        return bool(chart.segments[0].xmr.data["special_cause"].any())

    seeds = range(120)
    with_season = np.mean([alarms(_winter(), s) for s in seeds])
    without = np.mean([alarms(np.ones(60), s) for s in seeds])
    assert with_season <= without + 0.08, (with_season, without)


def test_a_real_change_in_a_seasonal_series_still_signals():
    series = _monthly(4000 * _winter() * np.where(np.arange(60) % 2 == 0, 1.01, 0.99))
    series.loc[36:, "gp_contact_rate"] *= 0.85
    chart = indicator_chart(series, "gp_contact_rate", start=None)
    assert [(s.rule, s.direction) for s in chart.signals if s.rule == "shift"] == [
        ("shift", "down")
    ]


def test_limits_are_recalculated_after_a_sustained_logged_change():
    series = _shifted(-12.0)
    change = _marker("2023-07-01", 5)
    chart = indicator_chart(series, "third_next_available_days", start=None, changes=[change])
    assert len(chart.segments) == 2
    before, after = chart.segments
    assert after.change == change and after.first == pd.Timestamp("2023-07-01")
    assert before.last == pd.Timestamp("2023-06-01")
    assert after.xmr.mean == pytest.approx(series["third_next_available_days"].iloc[30:42].mean())
    assert not [s for s in chart.signals if s.rule == "shift"], "the new level is the process now"
    notes = chart_notes_md(chart, [change], EN)
    assert "recalculated from July 2023, after marker 5" in notes
    figure = monitor_figure(chart, [change], EN)
    dotted = [
        line
        for line in figure.axes[0].lines
        if line.get_linestyle() == ":" and len(set(line.get_xdata())) == 1
    ]
    assert len(dotted) == 1, "the step is drawn where the limits change"


def test_no_step_without_a_logged_change_or_for_a_passing_shift():
    series = _shifted(-12.0)
    unlogged = indicator_chart(series, "third_next_available_days", start=None)
    assert len(unlogged.segments) == 1
    assert ("shift", "down") in [(s.rule, s.direction) for s in unlogged.signals]
    far = indicator_chart(
        series, "third_next_available_days", start=None, changes=[_marker("2022-06-01")]
    )
    assert len(far.segments) == 1, "a change a year before the shift explains nothing"
    passing = _shifted(0.0)
    passing.loc[30:37, "third_next_available_days"] -= 4.0  # eight low months, then back
    temporary = indicator_chart(
        passing, "third_next_available_days", start=None, changes=[_marker("2023-07-01")]
    )
    assert len(temporary.segments) == 1


def test_assurance_against_a_target():
    series = _shifted(0.0)
    met = indicator_chart(series, "third_next_available_days", start=None, target=120.0)
    missed = indicator_chart(series, "third_next_available_days", start=None, target=80.0)
    neither = indicator_chart(series, "third_next_available_days", start=None, target=100.0)
    assert (met.assurance, missed.assurance, neither.assurance) == (
        "consistent_pass",
        "consistent_fail",
        "inconsistent",
    )
    neutral = indicator_chart(
        _monthly(series["third_next_available_days"].to_numpy()),
        "gp_contact_rate",
        start=None,
        target=1.0,
    )
    assert neutral.assurance is None, "no assurance without a better direction"


def test_too_few_months_give_no_chart_and_say_so():
    chart = indicator_chart(
        _monthly(np.array([5.0, np.nan, np.nan])), "gp_contact_rate", start=None
    )
    assert not chart.enough and chart.variation is None
    assert chart_notes_md(chart, [], EN) == "Too few months with data for a chart."
    assert len(monitor_figure(chart, [], EN).axes) == 1


# --------------------------------------------------------------------------- markers


def test_markers_number_the_log_and_the_starts_in_date_order():
    log = pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2024-01-15", "2024-02-10", "2024-03-05", "2024-03-20", "2024-04-01", "2024-04-09"]
            ),
            "kind": ["external", "meeting", "pdsa_plan", "pdsa_do", "staffing", "staffing"],
            "text": [
                "Griepepidemie: drukte",
                "Overleg",
                "Plan",
                "Do",
                "NL-P1: POH +0.50 fte",
                "NL-P2: POH +0,25 fte",
            ],
            "cycle": [None, None, 3, 3, None, None],
            "intervention": [None, None, "welfare_coach", "welfare_coach", None, None],
        }
    )
    words = Words("nl")
    markers = action_markers(log, [("welfare_coach", pd.Timestamp("2024-03-01"))], words)
    assert [(m.number, f"{m.month:%Y-%m}", m.kind, m.label) for m in markers] == [
        (1, "2024-01", "context", "Griepepidemie"),
        (2, "2024-03", "start", "start welzijnscoach"),
        (3, "2024-03", "action", "PDSA-cyclus 3 (welzijnscoach), uitvoeren"),
        (4, "2024-04", "action", "personeel +0,75 fte"),
    ]
    within = action_markers(log, [], words, first=pd.Timestamp("2024-02-01"))
    assert [m.number for m in within] == [1, 2]


def test_marker_text_from_the_log_is_pseudonymised():
    log = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-15"]),
            "kind": ["external"],
            "text": ["NL-P001 dicht: griep"],
        }
    )
    (marker,) = action_markers(log, [], EN, pseudonyms={"NL-P001": "Practice A"})
    assert marker.label == "Practice A dicht"


def test_markers_are_stacked_and_never_overlap():
    months = pd.date_range("2022-01-01", periods=60, freq="MS")
    busy = [Marker(k + 1, m, "action", "x") for k, m in enumerate(months.repeat(2)[::1])]
    series = _monthly(100 + np.random.default_rng(1).normal(0, 2, 60), start="2022-01-01")
    chart = indicator_chart(series, "gp_contact_rate", start=None)
    figure = monitor_figure(chart, busy, EN)
    figure.canvas.draw()
    strip = figure.axes[1]
    centres = np.array(
        [
            strip.transData.transform((mdates_num(line.get_xdata()[0]), line.get_ydata()[0]))
            for line in strip.lines
            if isinstance(line, Line2D) and line.get_marker() in ("o", "D", "s")
        ]
    )
    assert len(centres) == len(busy)
    diameter = 11 * figure.dpi / 72
    gaps = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=-1)
    gaps[np.diag_indices(len(centres))] = np.inf
    assert gaps.min() >= diameter * 0.95
    assert not strip.texts or all(t.get_text().isdigit() for t in strip.texts)
    assert marker_levels([months[0], months[0], months[5]], 2) == [0, 1, 0]


def mdates_num(value: object) -> float:
    import matplotlib.dates as mdates

    return float(mdates.date2num(pd.Timestamp(value)))


# --------------------------------------------------------------------------- words


def test_summary_table_has_icons_and_their_colours():
    charts = [
        indicator_chart(_shifted(9.0), "third_next_available_days", start=None, target=90.0),
        indicator_chart(_shifted(0.0, name="gp_contact_rate"), "gp_contact_rate", start=None),
    ]
    table, styles = summary_table(charts, Words("nl"))
    assert list(table.columns) == [
        "indicator",
        "latest",
        "centre",
        "variation",
        "assurance",
        "target",
    ]
    assert table.loc[0, "variation"] == "▲ verslechtering (hoger)"
    assert table.loc[0, "assurance"] == "✘ haalt het doel niet"
    assert table.loc[1, "assurance"] == "–"
    assert "#E69F00" in styles.loc[0, "variation"] and styles.loc[1, "assurance"] == ""


def test_since_previous_lists_new_and_ended_signals_and_new_actions(demo_processed, pilot):
    words = words_for("en", "BE")
    data = load_region(demo_processed, pilot)
    edition = monitor_edition(demo_processed, pilot, words, data=data)
    before = EditionRecord(
        pilot, "2026-06", (), tuple(entry_key(r) for r in data.events.to_dict("records")[:-3])
    )
    since = since_previous(edition, before)
    assert {s.key for s in since.new} == {s.key for s in edition.signals}
    assert len(since.actions) == len(data.events.tail(3).query("kind != 'external'"))
    text = since_previous_md(since, edition, words)
    assert text.startswith("## Since the previous edition (June 2026)")
    same = since_previous(edition, edition.record())
    assert same.new == () and same.ended == () and same.actions.empty
    assert "No new and no ended signals" in since_previous_md(same, edition, words)


def test_as_of_reproduces_an_earlier_edition(demo_processed, pilot, tmp_path):
    """The monitor as of a month says the same whatever came later in the data."""
    words = words_for("nl", "BE")
    as_of = "2025-06"
    full = monitor_edition(demo_processed, pilot, words, as_of=as_of)
    cut = tmp_path / "processed"
    shutil.copytree(demo_processed, cut)
    end = pd.Timestamp(f"{as_of}-01")
    for name, column in (("region_month", "month"), ("events", "date")):
        table = pd.read_parquet(cut / f"{name}.parquet")
        table[pd.to_datetime(table[column]) < end + pd.DateOffset(months=1)].to_parquet(
            cut / f"{name}.parquet"
        )
    later = monitor_edition(cut, pilot, words, as_of=as_of)
    assert full.record() == later.record()
    assert full.record().signals, "the comparison is not empty"
    since = compare_with_previous(full, demo_processed, words)
    assert since is not None and since.previous == "2025-05" and not since.kept
