"""Building blocks of the reports: disclosure control, words, index text, truth, files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.evaluation.disclosure import suppress_small_counts
from analysis.evaluation.estimate import Effect
from analysis.evaluation.findings import describe_effect, describe_effects, effects_overview
from analysis.evaluation.texts import localise_table
from analysis.evaluation.truth import compare_with_truth
from analysis.reporting.files import atomic_write_text
from analysis.reporting.index import format_effect
from analysis.reporting.provenance import source_hash


def test_small_counts_are_suppressed_and_identifiers_dropped():
    table = pd.DataFrame({"patient_id": ["a", "b", "c"], "n": [0, 4, 25]})
    out = suppress_small_counts(table, ["n"], threshold=5)
    assert out["n"].tolist() == ["0", "<5", "25"]
    assert "patient_id" not in out.columns
    assert table["n"].tolist() == [0, 4, 25], "input is not modified"


def test_suppression_names_a_missing_column():
    with pytest.raises(ValueError, match="not in the table"):
        suppress_small_counts(pd.DataFrame({"n": [1]}), ["count"])


def test_a_clear_decrease_is_described_with_size_and_certainty():
    effect = Effect("referral_rate_medical_specialist", "att_gt", 0.8, 0.7, 0.9, "ratio", 6, True)
    text = describe_effect(effect)
    assert "Referrals to medical specialists** fell by 20%" in text
    assert "-30% to -10%" in text and "excludes no change" in text
    dutch = describe_effect(effect, "nl")
    assert "daalden met 20%" in dutch and "sluit 'geen verandering' uit" in dutch


def test_an_unclear_effect_says_so_and_shares_use_percentage_points():
    effect = Effect("non_gp_contact_share", "att_gt", 0.004, -0.002, 0.01, "difference", 6, True)
    text = describe_effect(effect)
    assert "rose by 0.4 percentage points" in text
    assert "cannot tell an effect from chance" in text


def test_only_primary_effects_enter_the_findings():
    effects = [
        Effect("gp_contact_rate", "twfe", 0.5, 0.4, 0.6, "ratio", 3),
        Effect("gp_contact_rate", "att_gt", 0.9, 0.85, 0.95, "ratio", 3, True),
    ]
    text = describe_effects(effects)
    assert "10%" in text and "50%" not in text
    assert "descriptive" in describe_effects([])


def test_effects_overview_has_one_row_per_outcome_and_a_column_per_method():
    effects = [
        Effect("gp_contact_rate", "att_gt", 0.9, 0.85, 0.95, "ratio", 3, True),
        Effect("gp_contact_rate", "synthetic_control", 0.92, None, None, "ratio", 3),
    ]
    table = effects_overview(effects)
    assert table.to_dict("records") == [
        {
            "outcome": "GP contacts",
            "scale": "ratio",
            "att_gt": "0.90 (0.85–0.95)",
            "synthetic_control": "0.92",
        }
    ]


def test_index_effect_text():
    result = {
        "outcome": "gp_contact_rate",
        "method": "att_gt",
        "estimate": 0.81,
        "ci_low": 0.75,
        "ci_high": 0.87,
        "scale": "ratio",
    }
    assert format_effect(result) == "GP contacts: -19% (-25% to -13%)"
    share = {**result, "outcome": "non_gp_contact_share", "scale": "difference"}
    share |= {"estimate": 0.105, "ci_low": 0.097, "ci_high": 0.113}
    assert format_effect(share, "nl") == (
        "Aandeel contacten niet met de huisarts: +10,5 pp (+9,7 tot +11,3)"
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


def test_a_change_that_rounds_to_nothing_is_called_so_without_minus_zero():
    effect = Effect("nurse_contact_rate", "att_gt", 1.003, 0.95, 1.07, "ratio", 8, True)
    text = describe_effect(effect)
    assert "Practice-nurse contacts** hardly changed" in text and "by 0%" not in text
    assert "-5% to +7%" in text
    share = Effect("non_gp_contact_share", "att_gt", 0.008, -0.0004, 0.015, "difference", 8, True)
    assert "(95% interval 0.0 to +1.5)" in describe_effect(share)
    assert "veranderden nauwelijks" in describe_effect(effect, "nl")


def test_dutch_findings_and_tables_use_a_decimal_comma():
    share = Effect("non_gp_contact_share", "att_gt", 0.0123, 0.004, 0.02, "difference", 8, True)
    assert "stegen met 1,2 procentpunt" in describe_effect(share, "nl")
    assert "+0,4 tot +2,0" in describe_effect(share, "nl")
    table = effects_overview([share], "nl")
    assert table.loc[0, "att_gt"] == "+1,2 (+0,4 tot +2,0)"


def test_report_tables_get_readable_headers_and_values():
    profile = pd.DataFrame(
        {"group": ["pilot", "comparison"], "year": [2020, 2020], "gp_fte": [14.2, 13.9]}
    )
    assert list(localise_table(profile, "en").columns) == ["group", "year", "GP FTE"]
    dutch = localise_table(profile, "nl")
    assert list(dutch.columns) == ["groep", "jaar", "fte huisarts"]
    assert dutch["groep"].tolist() == ["pilot", "vergelijking"]
    log = pd.DataFrame({"date": ["2024-03-01"], "kind": ["pdsa_plan"], "text": ["triage"]})
    assert localise_table(log, "nl").to_dict("records") == [
        {"datum": "2024-03-01", "soort": "PDSA: plan", "wat er gebeurde": "triage"}
    ]
    timeline = pd.DataFrame({"intervention": ["longer_consults"], "end": ["ongoing"]})
    assert localise_table(timeline, "nl").to_dict("records") == [
        {"interventie": "longer consults", "einde": "loopt nog"}
    ]
    assert profile["group"].tolist() == ["pilot", "comparison"]  # input untouched


def test_pooled_effect_in_dutch_uses_a_decimal_comma():
    from analysis.evaluation.synthesis import describe_pooled
    from analysis.methods import pool

    fit = pool([-0.3, -0.1, -0.2], [0.01, 0.02, 0.015])
    text = describe_pooled(fit, "gp_contact_rate", ratio=True, language="nl")
    assert text.startswith("Gepoold effect 0,8") and " tot " in text and "." not in text[:40]
    assert describe_pooled(fit, "gp_contact_rate", ratio=True).startswith("Pooled effect 0.8")
