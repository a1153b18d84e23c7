"""The coach's monthly monitor: series, baseline, PDSA marks, signals in words, charts."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.data.demo import generate_demo
from analysis.data.ingest import ingest
from analysis.errors import WorkbenchError
from analysis.evaluation.monitor import (
    MONITOR_INDICATORS,
    choose_baseline,
    context_annotations,
    monitor_charts,
    monitor_series,
    pdsa_annotations,
    pilot_start,
    signals_in_words,
    signals_table,
)
from analysis.methods.spc import RunChartResult, XmrChartResult

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "region_monitor.ipynb"


@pytest.fixture(scope="session")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo, generated and ingested once."""
    folder = tmp_path_factory.mktemp("monitor")
    generate_demo(folder / "raw", seed=3)
    ingest(folder / "raw", folder / "processed")
    return folder / "processed"


@pytest.fixture(scope="session")
def regions(processed: Path) -> pd.DataFrame:
    return pd.read_parquet(processed / "regions.parquet")


@pytest.fixture(scope="session")
def events(processed: Path) -> pd.DataFrame:
    return pd.read_parquet(processed / "events.parquet")


@pytest.fixture(scope="session")
def pilot(regions: pd.DataFrame) -> str:
    """A pilot region with at least 12 months of data before its start."""
    return str(regions.loc[regions["first_start"].notna(), "region_id"].iloc[0])


@pytest.fixture(scope="session")
def non_pilot(regions: pd.DataFrame, events: pd.DataFrame, processed: Path) -> str:
    """A region without a pilot start and without logged events, with 3+ years of data."""
    panel = pd.read_parquet(processed / "region_month.parquet")
    long = panel.groupby("region_id")["month"].nunique() >= 36
    candidates = regions.loc[regions["first_start"].isna(), "region_id"]
    candidates = [r for r in candidates if long.get(r, False) and r not in set(events["region_id"])]
    return str(candidates[0])


def _monthly(values: np.ndarray, name: str = "gp_contact_rate") -> pd.DataFrame:
    months = pd.date_range("2023-01-01", periods=len(values), freq="MS")
    return pd.DataFrame({"month": months, name: values})


# --------------------------------------------------------------------------- series


def test_series_of_a_non_pilot_region(processed, non_pilot):
    series = monitor_series(processed, non_pilot, months=36)
    assert list(series.columns) == ["month", *MONITOR_INDICATORS]
    assert len(series) == 36
    assert (series["month"].diff().dropna().dt.days.between(28, 31)).all()
    panel = pd.read_parquet(processed / "region_month.parquet")
    assert series["month"].iloc[-1] == panel.loc[panel["region_id"] == non_pilot, "month"].max()


def test_series_of_a_pilot_region_keeps_the_pre_pilot_year(processed, pilot):
    start = pilot_start(processed, pilot)
    series = monitor_series(processed, pilot, ["gp_contact_rate"], months=36)
    assert list(series.columns) == ["month", "gp_contact_rate"]
    assert len(series) >= 36
    assert (series["month"] < start).sum() >= 12
    everything = monitor_series(processed, pilot, ["gp_contact_rate"], months=0)
    assert len(everything) >= len(series)
    assert everything["month"].iloc[-1] == series["month"].iloc[-1]


def test_series_errors_name_the_fix(processed, pilot):
    with pytest.raises(WorkbenchError, match="not in"):
        monitor_series(processed, "XX-NOWHERE")
    with pytest.raises(WorkbenchError, match="not columns"):
        monitor_series(processed, pilot, ["no_such_rate"])


# --------------------------------------------------------------------------- baseline


def test_baseline_is_the_pre_start_months(processed, pilot):
    start = pilot_start(processed, pilot)
    series = monitor_series(processed, pilot, months=36)
    baseline = choose_baseline(series, start)
    assert baseline.pre_pilot
    assert baseline.points == (series["month"] < start).sum()
    assert baseline.last_month == start - pd.DateOffset(months=1)
    run, xmr, _ = monitor_charts(series, "gp_contact_rate", baseline_months=baseline.points)
    assert run.data["baseline"].sum() == baseline.points
    assert xmr.data["baseline"].sum() == baseline.points
    assert f"to {baseline.last_month:%Y-%m}" in baseline.describe()


def test_without_a_start_the_first_12_months_are_the_baseline(processed, non_pilot):
    series = monitor_series(processed, non_pilot, months=36)
    baseline = choose_baseline(series, pilot_start(processed, non_pilot))
    assert (baseline.points, baseline.pre_pilot, baseline.pilot_start) == (12, False, None)
    assert baseline.first_month == series["month"].iloc[0]
    assert "no pilot start" in baseline.describe("en")


def test_a_start_with_too_little_history_falls_back_to_the_first_months():
    series = _monthly(np.arange(30.0))
    baseline = choose_baseline(series, pd.Timestamp("2023-06-01"))
    assert (baseline.points, baseline.pre_pilot) == (12, False)
    assert "Fewer than 12 months" in baseline.describe()


# --------------------------------------------------------------------------- annotations


def test_annotations_come_only_from_the_regions_own_actions(events, pilot):
    marks = pdsa_annotations(events, pilot)
    assert marks
    own = events[(events["region_id"] == pilot) & events["kind"].isin(["pdsa_do", "staffing"])]
    own_months = set(pd.to_datetime(own["date"]).dt.to_period("M").dt.to_timestamp())
    assert {month for month, _ in marks} <= own_months
    label = r"(PDSA \d+ do|staffing [+-]\d+\.\d\d fte|staffing( \(\d+\))?)"
    assert all(re.fullmatch(rf"{label}(, {label})*", text) for _, text in marks)


def test_meetings_and_external_events_are_not_actions():
    log = pd.DataFrame(
        {
            "region_id": ["A", "A", "A", "A", "B"],
            "date": pd.to_datetime(
                ["2024-01-15", "2024-02-10", "2024-03-05", "2024-03-20", "2024-05-01"]
            ),
            "kind": ["external", "meeting", "pdsa_plan", "pdsa_do", "pdsa_do"],
            "text": ["Griepepidemie: drukte", "Overleg", "Plan", "Do", "Do (cyclus 7)"],
        }
    )
    assert pdsa_annotations(log, "A") == [(pd.Timestamp("2024-03-01"), "PDSA 1 do")]
    assert pdsa_annotations(log, "A", steps=("plan", "do"))[0][1] == "PDSA 1 plan+do"
    assert pdsa_annotations(log, "B") == [(pd.Timestamp("2024-05-01"), "PDSA 7 do")]
    assert context_annotations(log, "A") == [(pd.Timestamp("2024-01-01"), "Griepepidemie")]
    with pytest.raises(ValueError, match="region_id"):
        pdsa_annotations(log)


def test_a_region_without_events_has_no_marks(events, non_pilot):
    assert pdsa_annotations(events, non_pilot) == []
    assert context_annotations(events, non_pilot) == []


def test_staffing_label_sums_fte_in_the_language():
    log = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-04-01", "2024-04-01"]),
            "kind": ["staffing", "staffing"],
            "text": ["Praktijk P1: POH +0.50 fte", "Praktijk P2: POH +0.25 fte"],
        }
    )
    assert pdsa_annotations(log)[0][1] == "staffing +0.75 fte"
    assert pdsa_annotations(log, language="nl")[0][1] == "personeel +0,75 fte"


# --------------------------------------------------------------------------- signals


def _shifted(step: float, *, seed: int = 11, name: str = "gp_contact_rate") -> pd.DataFrame:
    """36 months of noise around 100, ``step`` added from the 25th month (2025-01)."""
    rng = np.random.default_rng(seed)
    values = 100 + rng.normal(0, 3, 36)
    values[24:] += step
    return _monthly(values, name)


def test_an_injected_shift_is_reported_in_words():
    series = _shifted(12.0)
    table = signals_table(series, baseline_months=24)
    words = signals_in_words(table)
    assert "shift up since 2025-01" in words
    assert "GP contacts" in words
    assert "shift up since 2025-01" in table["XmR, last 6 months"].iloc[0]


def test_a_fall_in_referrals_is_an_improvement():
    series = _shifted(-12.0, name="referral_rate_medical_specialist")
    words = signals_in_words(signals_table(series, baseline_months=24))
    # the run may start a month or two early when noise falls below the median by chance
    assert re.search(r"shift down since (2024-1[0-2]|2025-0[12])", words)
    assert "(improvement)" in words


def test_a_stable_series_has_no_signal():
    words = signals_in_words(signals_table(_shifted(0.0), baseline_months=24))
    assert "no signal: the variation looks random" in words


def test_signals_table_for_the_demo_regions(processed, pilot, non_pilot):
    for region in (pilot, non_pilot):
        series = monitor_series(processed, region)
        baseline = choose_baseline(series, pilot_start(processed, region))
        table = signals_table(series, baseline_months=baseline.points)
        assert len(table) == len(MONITOR_INDICATORS)
        assert list(table.columns)[:3] == ["indicator", "latest month", "latest value"]
        assert table.notna().all().all()
        assert signals_in_words(table).count("\n- ") == len(MONITOR_INDICATORS) - 1


def test_dutch_signals():
    table = signals_table(_shifted(12.0), baseline_months=24, language="nl")
    assert "laatste waarde" in table.columns
    words = signals_in_words(table, "nl")
    assert "verschuiving omhoog sinds 2025-01" in words
    assert "Contacten met de huisarts" in words
    with pytest.raises(ValueError, match="language"):
        signals_in_words(table, "en")
    with pytest.raises(ValueError, match="language"):
        signals_table(_shifted(0.0), baseline_months=24, language="de")


# --------------------------------------------------------------------------- charts


def test_charts_return_results_and_a_figure(processed, events, pilot):
    series = monitor_series(processed, pilot)
    baseline = choose_baseline(series, pilot_start(processed, pilot))
    for indicator in MONITOR_INDICATORS:
        run, xmr, figure = monitor_charts(
            series,
            indicator,
            baseline_months=baseline.points,
            annotations=pdsa_annotations(events, pilot),
            context=context_annotations(events, pilot),
        )
        assert isinstance(run, RunChartResult)
        assert isinstance(xmr, XmrChartResult)
        assert isinstance(figure, Figure)
        assert len(figure.axes) == 2
    marks = [t.get_text() for t in figure.axes[0].texts]
    assert any(m.startswith("PDSA") for m in marks)


def test_dutch_chart_and_too_few_points():
    _, _, figure = monitor_charts(
        _shifted(12.0), "gp_contact_rate", baseline_months=24, language="nl"
    )
    titles = [ax.get_legend().get_title().get_text() for ax in figure.axes]
    assert titles == ["Run-chart", "XmR-grafiek"]
    short = _monthly(np.array([5.0, np.nan, np.nan]))
    run, xmr, figure = monitor_charts(short, "gp_contact_rate", baseline_months=3)
    assert (run, xmr) == (None, None)
    assert isinstance(figure, Figure)
    assert signals_table(short, baseline_months=3)["run chart"].iloc[0] == "too few points"


def test_missing_months_are_skipped_not_fatal():
    values = 100 + np.random.default_rng(5).normal(0, 3, 30)
    values[[3, 17]] = np.nan
    run, xmr, _ = monitor_charts(_monthly(values), "gp_contact_rate", baseline_months=12)
    assert len(run.data) == 30
    assert len(xmr.data) == 28
    assert xmr.data["baseline"].sum() == 11


# --------------------------------------------------------------------------- notebook


@pytest.mark.slow
def test_notebook_runs_for_a_pilot_and_a_non_pilot_region(tmp_path, processed, pilot, non_pilot):
    import nbformat
    import papermill as pm

    for region, language in ((pilot, "nl"), (non_pilot, "en")):
        out = tmp_path / f"{region}.ipynb"
        pm.execute_notebook(
            str(NOTEBOOK),
            str(out),
            parameters={"region_id": region, "processed_dir": str(processed), "language": language},
            kernel_name="pilot-workbench",
            cwd=str(tmp_path),
            progress_bar=False,
        )
        outputs = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"]
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(images) == len(MONITOR_INDICATORS)
