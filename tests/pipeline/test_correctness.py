"""End to end on the demo: reported effects agree with the injected ground truth."""

from __future__ import annotations

import json
import tomllib

import pytest

from analysis import pipeline
from analysis.evaluation.synthesis import collect_results
from analysis.evaluation.truth import compare_with_truth, load_truth
from tests.pipeline.conftest import ROOT, write_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]
#: The outcomes of the project's workbench.toml: referrals, workload, access, right place and
#: the GP survey, every one with an effect injected somewhere in the demo.
OUTCOMES = tomllib.loads((ROOT / "workbench.toml").read_text(encoding="utf-8"))["run"]["outcomes"]


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
    assert len(table) >= 60, "nearly every injected effect has an estimate"
    new = {
        "patient_stop_share",
        "third_next_available_days",
        "contacts_per_gp_fte",
        "gp_minutes_per_fte",
        "repeat_contact_share",
        "referral_rate_physiotherapy",
        "referral_rate_diagnostics",
        "workload_score",
        "job_satisfaction",
    }
    assert new <= set(table["outcome"]), new - set(table["outcome"])
    coverage = table["covered"].mean()
    assert coverage >= 0.80, table[~table["covered"]].to_string()
    # the sign of every effect of 10% or more, and of 3 percentage points or more on a share
    large = table[table["relative_size"] >= table["scale"].map({"ratio": 0.10, "difference": 0.03})]
    assert large["sign_right"].all(), large[~large["sign_right"]].to_string()
