"""Ingest of the small demo: outputs, counts against the raw events, dialects, atomicity."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.data import connect
from analysis.data.ingest import OUTPUT_FILES, IngestSummary, ingest
from analysis.errors import InputError

PANEL_COLUMNS = (
    "practice_id",
    "region_id",
    "month",
    "list_size",
    "gp_fte",
    "contacts",
    "gp_contacts",
    "gp_minutes",
    "nurse_contacts",
    "telephone_contacts",
    "e_consults",
    "referrals_medical_specialist",
    "referrals_physiotherapy",
    "referrals_mental_health",
    "referrals_social_welfare",
    "prescriptions",
    "accepting_new_patients",
    "referral_rate_medical_specialist",
    "contact_rate",
    "gp_contact_rate",
    "gp_minutes_per_fte",
    "non_gp_contact_share",
    "e_consult_share",
    "treated",
    "first_treated_month",
)
INTERVENTIONS = ("longer_consults", "practice_nurse", "welfare_coach", "zorgstroomcoach")


@pytest.fixture(scope="module")
def panel(demo_processed: Path) -> pd.DataFrame:
    return pd.read_parquet(demo_processed / "practice_month.parquet")


def test_outputs_and_summary(demo_ingested: tuple[Path, IngestSummary]) -> None:
    out, summary = demo_ingested
    for name in OUTPUT_FILES:
        assert (out / name).is_file(), name
        assert summary.paths[name] == out / name
    assert summary.n_regions == 66 and summary.n_practices > 90
    assert summary.n_months == 96 + 60
    assert summary.mode == "events"
    assert sorted(summary.interventions) == list(INTERVENTIONS)
    assert all(v == 0 for v in summary.dropped.values())
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".processed")]


def test_panel_columns_and_keys(panel: pd.DataFrame) -> None:
    missing = [c for c in PANEL_COLUMNS if c not in panel.columns]
    assert not missing
    for iv in INTERVENTIONS:
        assert f"treated_{iv}" in panel and f"months_since_{iv}" in panel
    assert not panel.duplicated(["practice_id", "month"]).any()
    assert (panel["month"].dt.day == 1).all()
    assert panel["first_treated_month"].isna().any()


def test_panel_counts_equal_direct_counts(demo_raw: Path, panel: pd.DataFrame) -> None:
    sample = panel.sample(25, random_state=1)[["practice_id", "month"]]
    con = duckdb.connect()
    for practice_id, month in sample.itertuples(index=False):
        start = month.date()
        end = (month + pd.offsets.MonthBegin(1)).date()
        where = f"practice_id = '{practice_id}' AND date >= '{start}' AND date < '{end}'"
        c = con.execute(f"""
            SELECT count(*), count(*) FILTER (provider_role = 'gp'),
                   coalesce(sum(minutes) FILTER (provider_role = 'gp'), 0),
                   count(*) FILTER (contact_type = 'telephone'),
                   count(*) FILTER (contact_type = 'e_consult')
            FROM '{demo_raw / "contacts.parquet"}' WHERE {where}""").fetchone()
        r = con.execute(f"""
            SELECT count(*) FILTER (destination = 'medical_specialist'),
                   count(*) FILTER (destination = 'social_welfare')
            FROM '{demo_raw / "referrals.parquet"}' WHERE {where}""").fetchone()
        p = con.execute(
            f"SELECT count(*) FROM '{demo_raw / 'prescriptions.parquet'}' WHERE {where}"
        ).fetchone()
        row = panel[(panel.practice_id == practice_id) & (panel.month == month)].iloc[0]
        assert (
            row.contacts,
            row.gp_contacts,
            row.gp_minutes,
            row.telephone_contacts,
            row.e_consults,
        ) == c
        assert (row.referrals_medical_specialist, row.referrals_social_welfare) == r
        assert row.prescriptions == p[0]
        assert row.referral_rate_medical_specialist == pytest.approx(
            row.referrals_medical_specialist * 12 * 1000 / row.list_size
        )


def test_region_month_sums(demo_processed: Path, panel: pd.DataFrame) -> None:
    region = pd.read_parquet(demo_processed / "region_month.parquet")
    sums = panel.groupby(["region_id", "month"])[
        ["contacts", "list_size", "referrals_medical_specialist"]
    ].sum()
    merged = region.set_index(["region_id", "month"]).join(sums, rsuffix="_p")
    assert (merged["contacts"] == merged["contacts_p"]).all()
    assert (merged["list_size"] == merged["list_size_p"]).all()
    rate = merged["referrals_medical_specialist"] * 12000 / merged["list_size"]
    np.testing.assert_allclose(merged["referral_rate_medical_specialist"], rate)
    assert region["share_treated"].between(0, 1).all()


def test_treatment_columns(demo_processed: Path, panel: pd.DataFrame) -> None:
    nli = panel[panel.region_id == "NL-NLI"]
    assert (nli.treated_longer_consults == (nli.month >= "2016-01-01")).all()
    row = nli[nli.month == "2016-07-01"].iloc[0]
    assert row.months_since_longer_consults == 6
    knh = panel[panel.region_id == "NL-KNH"]
    starts = knh.groupby("practice_id")["first_treated_month"].first()
    assert starts.nunique() > 1  # practice-level, staggered starts
    comparison = panel[panel.region_id == "NL-TWE"]
    assert comparison.first_treated_month.isna().all() and not comparison.treated.any()
    regions = pd.read_parquet(demo_processed / "regions.parquet")
    assert regions.pilot.sum() == 11
    assert regions.set_index("region_id").loc["NL-GOR", "first_start"] == pd.Timestamp("2017-01")
    iv = pd.read_parquet(demo_processed / "interventions.parquet")
    assert list(iv.columns[:5]) == [
        "practice_id",
        "region_id",
        "intervention",
        "start_date",
        "end_date",
    ]


def test_duckdb_views_survive_a_move(demo_processed: Path, tmp_path: Path) -> None:
    moved = Path(shutil.copytree(demo_processed, tmp_path / "elsewhere"))
    con = connect(moved)
    try:
        n = con.execute("SELECT count(*) FROM practice_month").fetchone()[0]
        m = con.execute("SELECT count(*) FROM region_month").fetchone()[0]
    finally:
        con.close()
    assert n > 5000 and m > 3000


def test_data_quality_report(demo_processed: Path) -> None:
    report = json.loads((demo_processed / "data_quality.json").read_text())
    for key in (
        "dropped",
        "missing_months",
        "practices_without_list_size",
        "implausible_rates",
        "outliers",
        "inputs",
    ):
        assert key in report
    assert report["missing_months"] == []
    html = (demo_processed / "data_quality.html").read_text()
    assert "<h1>Data quality</h1>" in html


def test_data_quality_finds_problems(mini_raw: Path, tmp_path: Path) -> None:
    pm = mini_raw / "practice_months.csv"
    lines = pm.read_text().splitlines()
    gap = lines.pop(10)  # a month without capacity row; its events are dropped
    lines[20] = ",".join(["" if k == 2 else v for k, v in enumerate(lines[20].split(","))])
    pm.write_text("\n".join(lines) + "\n")
    summary = ingest(mini_raw, tmp_path / "out")
    report = json.loads((tmp_path / "out" / "data_quality.json").read_text())
    practice, month = gap.split(",")[:2]
    assert report["missing_months"][0]["practice_id"] == practice
    assert report["missing_months"][0]["first_missing"] == month
    assert report["practices_without_list_size"][0]["months_without_list_size"] == 1
    assert summary.dropped["contacts: month missing in practice_months"] > 0


def _write_dialect(
    src: Path, dst: Path, *, sep: str, encoding: str, dutch_dates: bool = False
) -> None:
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    for col in df.columns:
        if sep == ";":
            df[col] = df[col].str.replace(r"^(-?\d+)\.(\d+)$", r"\1,\2", regex=True)
        if dutch_dates:
            df[col] = df[col].str.replace(r"^(\d{4})-(\d{2})-(\d{2})$", r"\3-\2-\1", regex=True)
        if col == "accepting_new_patients":
            df[col] = df[col].map({"true": "ja", "false": "nee"})
    df.to_csv(dst, sep=sep, index=False, encoding=encoding)


@pytest.mark.slow
def test_excel_dialects_give_the_same_panel(
    demo_raw: Path, panel: pd.DataFrame, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("contacts", "referrals", "prescriptions"):
        (raw / f"{name}.parquet").symlink_to(demo_raw / f"{name}.parquet")
    _write_dialect(demo_raw / "regions.csv", raw / "regions.csv", sep=";", encoding="latin-1")
    _write_dialect(
        demo_raw / "practices.csv",
        raw / "practices.csv",
        sep=";",
        encoding="utf-8-sig",
        dutch_dates=True,
    )
    _write_dialect(
        demo_raw / "practice_months.csv", raw / "practice_months.csv", sep=";", encoding="cp1252"
    )
    _write_dialect(
        demo_raw / "interventions.csv", raw / "interventions.csv", sep=",", encoding="utf-8-sig"
    )
    _write_dialect(demo_raw / "events.csv", raw / "events.csv", sep=";", encoding="latin-1")
    _write_dialect(demo_raw / "survey.csv", raw / "survey.csv", sep=";", encoding="utf-8")
    assert (raw / "events.csv").read_bytes().count(b"\xeb") > 0  # latin-1 'ë'
    assert b"," in (raw / "practice_months.csv").read_bytes().splitlines()[1]
    ingest(raw, tmp_path / "out")
    other = pd.read_parquet(tmp_path / "out" / "practice_month.parquet")
    pd.testing.assert_frame_equal(other, panel)
    events = pd.read_parquet(tmp_path / "out" / "events.parquet")
    assert events.text.str.contains("patiëntenstop").any()


def test_aggregated_delivery(demo_raw: Path, panel: pd.DataFrame, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("regions", "practices", "interventions", "events"):
        shutil.copy(demo_raw / f"{name}.csv", raw / f"{name}.csv")
    pm = pd.read_csv(demo_raw / "practice_months.csv", dtype=str, keep_default_na=False)
    counts = [
        "contacts",
        "gp_contacts",
        "gp_minutes",
        "telephone_contacts",
        "e_consults",
        "referrals_medical_specialist",
        "referrals_social_welfare",
    ]
    keyed = panel.assign(month=panel.month.dt.strftime("%Y-%m-%d"))[
        ["practice_id", "month", *counts]
    ]
    pm.merge(keyed, on=["practice_id", "month"]).to_csv(raw / "practice_months.csv", index=False)
    summary = ingest(raw, tmp_path / "out")
    assert summary.mode == "aggregated"
    agg = pd.read_parquet(tmp_path / "out" / "practice_month.parquet")
    for col in counts:
        assert (agg[col].to_numpy() == panel[col].to_numpy()).all(), col
    np.testing.assert_allclose(
        agg.referral_rate_medical_specialist, panel.referral_rate_medical_specialist
    )
    assert agg.referrals_physiotherapy.isna().all() and agg.prescriptions.isna().all()


def test_failed_ingest_keeps_previous_output(
    mini_raw: Path, tmp_path: Path, hash_tree: Callable[[Path], dict[str, str]]
) -> None:
    out = tmp_path / "processed"
    ingest(mini_raw, out)
    before_out, before_raw = hash_tree(out), hash_tree(mini_raw)
    rows = (mini_raw / "contacts.csv").read_text().splitlines()
    k = rows[0].split(",").index("contact_type")
    rows[-1] = ",".join("visit" if j == k else v for j, v in enumerate(rows[-1].split(",")))
    (mini_raw / "contacts.csv").write_text("\n".join(rows) + "\n")
    before_raw = hash_tree(mini_raw)
    with pytest.raises(InputError):
        ingest(mini_raw, out)
    assert hash_tree(out) == before_out
    assert hash_tree(mini_raw) == before_raw
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed", "raw"]


def test_successful_ingest_replaces_output_and_leaves_raw(
    demo_raw: Path, mini_raw: Path, tmp_path: Path, hash_tree: Callable[[Path], dict[str, str]]
) -> None:
    out = tmp_path / "processed"
    out.mkdir()
    (out / "README.md").write_text("# what this folder holds")
    before = hash_tree(mini_raw)
    ingest(mini_raw, out)
    assert hash_tree(mini_raw) == before
    assert (out / "README.md").read_text() == "# what this folder holds", "folder docs are kept"
    digest = hashlib.sha256((out / "practice_month.parquet").read_bytes()).hexdigest()
    ingest(mini_raw, out)
    assert hashlib.sha256((out / "practice_month.parquet").read_bytes()).hexdigest() == digest


def test_output_inside_raw_is_refused(mini_raw: Path) -> None:
    with pytest.raises(InputError, match="raw folder"):
        ingest(mini_raw, mini_raw / "processed")
