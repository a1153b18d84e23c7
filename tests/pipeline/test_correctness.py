"""End to end on the demo: reported effects agree with the injected ground truth."""

from __future__ import annotations

import json

import pytest

from analysis import pipeline
from analysis.evaluation.synthesis import collect_results
from analysis.evaluation.truth import compare_with_truth, load_truth
from tests.pipeline.conftest import write_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
OUTCOMES = [
    "referral_rate_medical_specialist",
    "prescription_rate",
    "gp_minutes",
    "gp_contact_rate",
    "nurse_contact_rate",
    "non_gp_contact_share",
    "telephone_contact_rate",
    "e_consult_rate",
    "referral_rate_mental_health",
    "referral_rate_social_welfare",
]


def test_reported_effects_cover_the_injected_truth(project):
    from analysis.config import load_config

    write_config(project, outcomes=json.dumps(OUTCOMES))
    config = load_config(project / "workbench.toml")
    result = pipeline.run_regions(config)
    assert not result.failed, result.failed
    regions = [o.region_id for o in result.outcomes]
    truth = load_truth(project / "data" / "raw" / "ground_truth.json")
    assert set(truth["region_id"]) == set(regions), "every pilot region is evaluated"
    table = compare_with_truth(collect_results(config.reports_dir, regions), truth)
    assert len(table) >= 25, "nearly every injected effect has an estimate"
    coverage = table["covered"].mean()
    assert coverage >= 0.80, table[~table["covered"]].to_string()
    large = table[table["relative_size"] >= 0.10]
    assert large["sign_right"].all(), large[~large["sign_right"]].to_string()
