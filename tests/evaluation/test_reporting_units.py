"""Building blocks of the reports: disclosure control, words, index text, truth, files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.evaluation.disclosure import suppress_small_counts
from analysis.evaluation.estimate import Effect, Evaluation
from analysis.evaluation.summary import (
    certainty,
    effect_sentence,
    headline_table,
    methods_table,
)
from analysis.evaluation.tables import localise_table, pseudonym_letters, pseudonymise
from analysis.evaluation.truth import compare_with_truth
from analysis.reporting.files import atomic_write_text
from analysis.reporting.index import format_effect
from analysis.reporting.provenance import source_hash
from analysis.words import Words


def test_small_counts_are_suppressed_and_identifiers_dropped():
    table = pd.DataFrame({"patient_id": ["a", "b", "c"], "n": [0, 4, 25]})
    out = suppress_small_counts(table, ["n"], threshold=5)
    assert out["n"].tolist() == ["0", "<5", "25"]
    assert "patient_id" not in out.columns
    assert table["n"].tolist() == [0, 4, 25], "input is not modified"


def test_suppression_names_a_missing_column():
    with pytest.raises(ValueError, match="not in the table"):
        suppress_small_counts(pd.DataFrame({"n": [1]}), ["count"])


def test_index_effect_text():
    result = {
        "outcome": "gp_contact_rate",
        "method": "att_gt",
        "estimate": 0.81,
        "ci_low": 0.75,
        "ci_high": 0.87,
        "scale": "ratio",
    }
    assert format_effect(result, Words("en")) == "GP contacts: -19% (-25% to -13%)"
    share = {**result, "outcome": "non_gp_contact_share", "scale": "difference"}
    share |= {"estimate": 0.105, "ci_low": 0.097, "ci_high": 0.113}
    assert format_effect(share, Words("nl")) == (
        "Aandeel contacten niet met de huisarts: +10,5 pp (+9,7 tot +11,3 pp)"
    )


def test_truth_on_a_count_is_matched_with_the_reported_rate():
    results = pd.DataFrame(
        [
            {
                "region_id": "R",
                "outcome": "gp_contact_rate",
                "method": "att_gt",
                "estimate": 0.85,
                "ci_low": 0.8,
                "ci_high": 0.9,
                "primary": True,
            }
        ]
    )
    truth = pd.DataFrame(
        [{"region_id": "R", "outcome": "gp_contacts", "effect": 0.88, "scale": "ratio"}]
    )
    table = compare_with_truth(results, truth)
    assert table[["outcome", "covered", "sign_right"]].to_dict("records") == [
        {"outcome": "gp_contact_rate", "covered": True, "sign_right": True}
    ]


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "results.json"
    target.write_text(json.dumps(["old"]))

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    with pytest.raises(TypeError):
        atomic_write_text(target, Unprintable())  # type: ignore[arg-type]
    assert json.loads(target.read_text()) == ["old"]
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"], "no temporary file left"


def test_source_hash_follows_code_and_report_templates(tmp_path):
    package = tmp_path / "pkg"
    (package / "templates" / "nbconvert" / "workbench").mkdir(parents=True)
    (package / "module.py").write_text("x = 1\n")
    template = package / "templates" / "nbconvert" / "workbench" / "index.html.j2"
    template.write_text("{% extends 'lab/index.html.j2' %}\n")
    (package / "notes.txt").write_text("not a source\n")
    first = source_hash(package)
    (package / "notes.txt").write_text("edited\n")
    assert source_hash(package) == first
    template.write_text("{% extends 'classic/index.html.j2' %}\n")
    after_template = source_hash(package)
    assert after_template != first
    (package / "module.py").write_text("x = 2\n")
    assert source_hash(package) != after_template


def test_a_clear_decrease_is_described_with_size_interval_and_verdict():
    effect = Effect("referral_rate_medical_specialist", "att_gt", 0.8, 0.7, 0.9, "ratio", 6, True)
    assert certainty(effect) == "clear"
    text = effect_sentence(effect, Words("en"))
    assert "**Referrals to medical specialists** fell by 20%" in text
    assert "95% interval -30% to -10%" in text and "an improvement" in text
    dutch = effect_sentence(effect, Words("nl"))
    assert "daalde met 20%" in dutch and "-30% tot -10%" in dutch and "verbetering" in dutch


def test_certainty_follows_the_interval():
    wide = Effect("gp_contact_rate", "att_gt", 1.04, 0.9, 1.2, "ratio", 6, True)
    narrow = Effect("gp_contact_rate", "att_gt", 1.01, 0.98, 1.03, "ratio", 6, True)
    share = Effect("non_gp_contact_share", "att_gt", 0.004, -0.002, 0.01, "difference", 6, True)
    assert [certainty(e) for e in (wide, narrow, share)] == ["unclear", "flat", "flat"]


def test_a_change_that_rounds_to_nothing_is_called_so_without_minus_zero():
    effect = Effect("nurse_contact_rate", "att_gt", 1.003, 0.95, 1.07, "ratio", 8, True)
    text = effect_sentence(effect, Words("en"))
    assert "**Practice-nurse contacts** hardly changed" in text and "by 0%" not in text
    assert "-5% to +7%" in text and "-0" not in text
    share = Effect("non_gp_contact_share", "att_gt", 0.008, -0.0004, 0.015, "difference", 8, True)
    assert "0.0 to +1.5 pp" in effect_sentence(share, Words("en"))
    assert "veranderde nauwelijks" in effect_sentence(effect, Words("nl"))


def test_the_headline_table_says_better_or_worse_from_the_catalogue():
    evaluation = Evaluation("single_start")
    evaluation.effects += [
        Effect("referral_rate_medical_specialist", "att_gt", 0.8, 0.7, 0.9, "ratio", 8, True),
        Effect("referral_rate_medical_specialist", "twfe", 0.82, 0.75, 0.9, "ratio", 8),
        Effect("third_next_available_days", "att_gt", 1.2, 1.1, 1.3, "ratio", 8, True),
        Effect("gp_contact_rate", "att_gt", 1.02, 0.9, 1.15, "ratio", 8, True),
    ]
    outcomes = ["gp_contact_rate", "third_next_available_days", "referral_rate_medical_specialist"]
    table = headline_table(evaluation, Words("nl"), [*outcomes, "prescription_rate"])
    assert table.to_dict("records") == [
        {
            "outcome": "Verwijzingen naar de medisch specialist",
            "change": "-20% (-30% tot -10%)",
            "assessment": "beter",
        },
        {"outcome": "Voorschriften", "change": "geen schatting", "assessment": "–"},
        {
            "outcome": "Contacten met de huisarts",
            "change": "+2% (-10% tot +15%)",
            "assessment": "geen duidelijke verandering",
        },
        {
            "outcome": "Dagen tot de derde vrije afspraak",
            "change": "+20% (+10% tot +30%)",
            "assessment": "slechter",
        },
    ]


def test_no_method_identifier_reaches_the_methods_table():
    evaluation = Evaluation("single_start")
    evaluation.effects += [
        Effect("gp_contact_rate", "att_gt", 0.9, 0.85, 0.95, "ratio", 3, True),
        Effect("gp_contact_rate", "synthetic_control", 0.92, None, None, "ratio", 3),
    ]
    table = methods_table(evaluation, Words("en"))
    assert list(table.columns) == [
        "outcome",
        "difference-in-differences (main estimate)",
        "synthetic control",
    ]
    assert table.iloc[0].tolist() == ["GP contacts", "-10% (-15% to -5%)", "-8%"]


def test_report_tables_get_readable_headers_and_values():
    profile = pd.DataFrame(
        {"group": ["pilot", "comparison"], "year": ["2020", "2020"], "gp_fte": [14.2, 13.9]}
    )
    assert list(localise_table(profile, Words("en")).columns) == ["group", "year", "GP FTE"]
    dutch = localise_table(profile, Words("nl"))
    assert list(dutch.columns) == ["groep", "jaar", "fte huisarts"]
    assert dutch["groep"].tolist() == ["pilot", "vergelijking"]
    flemish = localise_table(pd.DataFrame({"listed_patients": ["<10"]}), Words("nl", "BE"))
    assert list(flemish.columns) == ["patiënten met GMD"]
    log = pd.DataFrame({"date": ["2024-03-01"], "kind": ["pdsa_plan"], "text": ["triage"]})
    assert localise_table(log, Words("nl")).to_dict("records") == [
        {"datum": "2024-03-01", "soort": "PDSA: plan", "wat er gebeurde": "triage"}
    ]
    assert profile["group"].tolist() == ["pilot", "comparison"]  # input untouched


def test_practice_ids_become_pseudonyms_also_inside_texts():
    assert pseudonym_letters(3) == ["A", "B", "C"]
    names = {"BEELZ04-P003": "Praktijk C", "BEELZ04-P01": "Praktijk A"}
    text = "Praktijk BEELZ04-P003: +0.20 fte; BEELZ04-P0031 is another id"
    assert pseudonymise(text, names) == (
        "Praktijk Praktijk C: +0.20 fte; BEELZ04-P0031 is another id"
    )


def test_the_synthesis_warns_first_when_regions_are_few_or_differ():
    from analysis.evaluation.synthesis import describe_pooled
    from analysis.methods import pool

    alike = pool([-0.2, -0.22, -0.18, -0.21], [0.004, 0.005, 0.004, 0.006])
    text = describe_pooled(alike, "gp_contact_rate", ratio=True, words=Words("nl"))
    assert text.startswith("Over 4 regio's samen daalde contacten met de huisarts met 18%")
    assert "Let op" not in text and "voorspellingsinterval" in text and "tot" in text
    two = pool([-0.3, -0.1], [0.01, 0.02])
    assert describe_pooled(two, "gp_contact_rate", ratio=True, words=Words("en")).startswith(
        "**Note:** only 2 regions"
    )
    apart = pool([-0.5, 0.0, 0.4, -0.2], [0.001, 0.001, 0.001, 0.001])
    text = describe_pooled(apart, "gp_contact_rate", ratio=True, words=Words("en"))
    assert text.startswith("**Note:** the regions differ strongly")


def test_reports_are_written_readable_by_others_as_the_umask_allows(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        page = atomic_write_text(tmp_path / "index.html", "<html></html>")
    finally:
        os.umask(old)
    assert page.stat().st_mode & 0o777 == 0o644, oct(page.stat().st_mode)


def test_a_share_of_fewer_practices_than_the_threshold_is_withheld(tmp_path):
    from analysis.evaluation.monitor import withhold_small_shares

    months = pd.date_range("2024-01-01", periods=4, freq="MS")
    pd.DataFrame(
        {
            "region_id": "R",
            "month": months,
            "n_practices": [6, 6, 12, 12],
            "contacts": [900, 900, 900, 900],
            "share_accepting_new_patients": [5 / 6, 4 / 6, 0.75, 0.5],
            "non_gp_contact_share": [0.3, 0.31, 0.32, 0.33],
        }
    ).to_parquet(tmp_path / "region_month.parquet")
    series = pd.DataFrame(
        {
            "month": months,
            "share_accepting_new_patients": [5 / 6, 4 / 6, 0.75, 0.5],
            "non_gp_contact_share": [0.3, 0.31, 0.32, 0.33],
        }
    )
    shown, withheld = withhold_small_shares(series, tmp_path, "R", threshold=10)
    assert withheld == ["share_accepting_new_patients"]
    assert shown["share_accepting_new_patients"].isna().tolist() == [True, True, False, False]
    assert shown["non_gp_contact_share"].notna().all(), "shares of 900 contacts stay"
