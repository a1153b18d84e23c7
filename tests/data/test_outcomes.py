"""The outcomes computed in the ingest: repeat visits, per-GP workload, patient stops, survey."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analysis.data.ingest import ingest
from analysis.data.panel import REPEAT_WINDOW_DAYS
from analysis.data.survey import SURVEY_ITEMS
from analysis.evaluation import evaluate_region, load_region
from analysis.evaluation.caveats import data_caveats
from analysis.evaluation.survey import survey_by_wave, wave_means
from analysis.words import Words
from tests.data.rawedit import read_rows, write_rows


@pytest.fixture(scope="module")
def panel(demo_processed: Path) -> pd.DataFrame:
    return pd.read_parquet(demo_processed / "practice_month.parquet")


def _direct_repeats(contacts: pd.DataFrame, month: pd.Timestamp) -> tuple[int, int]:
    """Contacts with an ICPC code in ``month`` and those with the same patient and code
    1 to 28 days before, counted one contact at a time."""
    contacts = contacts.assign(code=contacts["icpc"].str.strip().str[:3].str.upper())
    in_month = contacts[contacts["date"].dt.to_period("M") == month.to_period("M")]
    earlier = contacts.groupby(["patient_id", "code"])["date"].apply(lambda d: np.sort(d.values))
    repeats = 0
    for row in in_month.itertuples():
        dates = earlier[(row.patient_id, row.code)]
        gap = (np.datetime64(row.date) - dates) / np.timedelta64(1, "D")
        repeats += bool(((gap >= 1) & (gap <= REPEAT_WINDOW_DAYS)).any())
    return len(in_month), repeats


def test_repeat_visits_equal_a_direct_count(demo_raw: Path, panel: pd.DataFrame) -> None:
    sample = panel[panel["icpc_contacts"] > 0].sample(5, random_state=3)
    for row in sample.itertuples():
        contacts = pq.read_table(
            demo_raw / "contacts.parquet",
            columns=["practice_id", "patient_id", "date", "icpc"],
            filters=[("practice_id", "=", row.practice_id)],
        ).to_pandas()
        contacts["date"] = pd.to_datetime(contacts["date"])
        contacts["icpc"] = contacts["icpc"].astype(str)
        window = (contacts["date"] >= row.month - pd.Timedelta(days=REPEAT_WINDOW_DAYS)) & (
            contacts["date"] < row.month + pd.offsets.MonthBegin(1)
        )
        n, repeats = _direct_repeats(contacts[window], pd.Timestamp(row.month))
        assert (row.icpc_contacts, row.repeat_contacts) == (n, repeats), row.practice_id
        assert row.repeat_contact_share == pytest.approx(repeats / n)


def test_demo_repeat_share_is_plausible_and_falls_with_longer_consults(
    panel: pd.DataFrame,
) -> None:
    nl = panel[panel["country"] == "NL"]
    assert 0.15 < nl["repeat_contact_share"].mean() < 0.30
    pilot = nl[nl["region_id"] == "NL-NLI"]
    before = pilot.loc[pilot["month"] < "2016-01-01", "repeat_contact_share"].mean()
    after = pilot.loc[pilot["month"] >= "2017-01-01", "repeat_contact_share"].mean()
    assert after < before - 0.02


def test_workload_per_gp_and_patient_stop_columns(panel: pd.DataFrame) -> None:
    row = panel.dropna(subset=["gp_fte"]).iloc[10]
    assert row["contacts_per_gp_fte"] == pytest.approx(row["gp_contacts"] / row["gp_fte"])
    assert row["gp_minutes_per_fte"] == pytest.approx(row["gp_minutes"] / row["gp_fte"])
    assert set(panel["patient_stop_share"].unique()) == {0.0, 1.0}
    assert (panel["patient_stop_share"] == 1.0).eq(~panel["accepting_new_patients"]).all()


def _drop_column(path: Path, column: str) -> None:
    rows = read_rows(path)
    k = rows[0].index(column)
    write_rows(path, [row[:k] + row[k + 1 :] for row in rows])


@pytest.mark.filterwarnings("ignore:Not returning pre-test Wald:UserWarning")  # 2 mini practices
def test_missing_icpc_and_waiting_time_are_skipped_with_a_reason(
    mini_raw: Path, tmp_path: Path
) -> None:
    _drop_column(mini_raw / "contacts.csv", "icpc")
    _drop_column(mini_raw / "practice_months.csv", "third_next_available_days")
    out = tmp_path / "processed"
    ingest(mini_raw, out)
    panel = pd.read_parquet(out / "practice_month.parquet")
    assert (panel["icpc_contacts"] == 0).all() and panel["repeat_contact_share"].isna().all()
    outcomes = ["repeat_contact_share", "third_next_available_days", "gp_contact_rate"]
    data = load_region(out, "NL-NLI")
    evaluation = evaluate_region(data, outcomes)
    reasons = {(s.outcome, s.reason) for s in evaluation.skipped}
    assert ("repeat_contact_share", "no_data") in reasons
    assert ("third_next_available_days", "no_data") in reasons
    assert {e.outcome for e in evaluation.effects} == {"gp_contact_rate"}
    caveats = data_caveats(data, Words("en"), evaluation, threshold=10)
    (sentence,) = [c for c in caveats if "return visits for the same complaint" in c]
    assert "days to the third-next available appointment" in sentence  # one per reason
    assert "do not hold this outcome" in sentence


def test_the_processed_survey_holds_practices_not_respondents(
    demo_raw: Path, demo_processed: Path
) -> None:
    practice_waves = pd.read_parquet(demo_processed / "survey_practice_wave.parquet")
    assert "respondent_id" not in practice_waves.columns
    raw = pd.read_csv(demo_raw / "survey.csv", parse_dates=["wave"])
    practices = pd.read_csv(demo_raw / "practices.csv")
    raw = raw.merge(practices[["practice_id", "region_id"]], on="practice_id")
    assert practice_waves["n_respondents"].sum() == len(raw)
    region = raw[raw["region_id"] == "BE-ELZ14"]
    table = survey_by_wave(demo_processed, "BE-ELZ14", threshold=1)
    for item in SURVEY_ITEMS:
        values = region.groupby("wave")[item].agg(["mean", "std", "count"]).astype(float)
        got = table[table["item"] == item].set_index("wave")
        assert got["mean"].to_numpy() == pytest.approx(values["mean"].to_numpy())
        assert got["sd"].to_numpy() == pytest.approx(values["std"].to_numpy())
        if SURVEY_ITEMS[item] == "share":  # a Wilson interval, within 0 and 1
            low, high = proportion_confint(
                values["mean"] * values["count"], values["count"], method="wilson"
            )
            assert got["ci_low"].to_numpy() == pytest.approx(np.asarray(low))
            assert got["ci_high"].to_numpy() == pytest.approx(np.asarray(high))
            continue
        half = (got["ci_high"] - got["mean"]).to_numpy()
        expected = stats.t.ppf(0.975, values["count"] - 1) * values["std"] / values["count"] ** 0.5
        assert half == pytest.approx(expected.to_numpy())


def test_survey_waves_of_few_respondents_are_suppressed() -> None:
    rows = pd.DataFrame(
        {
            "wave": pd.to_datetime(["2024-10-01", "2024-10-01", "2025-10-01"]),
            "x_n": [3, 4, 2],
            "x_mean": [6.0, 7.0, 5.0],
            "x_sd": [1.0, 1.0, 0.5],
        }
    )
    table = wave_means(rows, "x", threshold=5)
    assert table["n_respondents"].tolist() == [7, 2]
    assert table["mean"].iloc[0] == pytest.approx((18 + 28) / 7)
    assert np.isnan(table.loc[1, ["mean", "ci_low", "ci_high"]].astype(float)).all()
