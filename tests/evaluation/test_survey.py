"""The GP survey's difference-in-differences across waves, recovered in simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.survey import SURVEY_ITEMS
from analysis.evaluation.estimate import Evaluation
from analysis.evaluation.load import RegionData
from analysis.evaluation.survey import survey_comparison, survey_effect, survey_table
from analysis.words import Words

WAVES = pd.to_datetime(["2024-10-01", "2025-10-01", "2026-10-01"])


def survey_region(
    seed: int, *, effect: float = -0.6, start: str = "2025-01-01", n_pilot: int = 10
) -> tuple[RegionData, float]:
    """``n_pilot`` pilot practices (start ``start``) and 40 comparison practices, 3 waves.

    Each GP answers the practice's mean (7 plus a practice effect plus a trend)
    plus noise; the pilot adds ``effect`` points from its start. Respondents are
    aggregated to practice-waves as the ingest does. Returns the region and the
    true ratio (mean with / mean without the pilot over the pilot's waves from
    the start on).
    """
    rng = np.random.default_rng(seed)
    answers, panel, with_, without = [], [], [], []
    for p in range(n_pilot + 40):
        pilot = p < n_pilot
        first = pd.Timestamp(start) if pilot else pd.NaT
        level = 7.0 + rng.normal(0, 0.5)
        panel.append(
            {
                "practice_id": f"P{p}",
                "region_id": "R" if pilot else "C",
                "month": WAVES[0],
                "first_treated_month": first,
            }
        )
        for k, wave in enumerate(WAVES):
            mean = level + 0.1 * k
            post = pilot and wave >= first
            if post:
                with_.append(mean + effect)
                without.append(mean)
            for _ in range(int(rng.integers(1, 4))):
                answers.append(
                    {
                        "practice_id": f"P{p}",
                        "wave": wave,
                        "workload_score": mean + effect * post + rng.normal(0, 1.3),
                    }
                )
    frame = pd.DataFrame(answers)
    survey = (
        frame.groupby(["practice_id", "wave"])["workload_score"]
        .agg(workload_score_n="count", workload_score_mean="mean", workload_score_sd="std")
        .reset_index()
    )
    region = pd.Series({"region_id": "R", "name": "Region", "country": "BE"})
    data = RegionData(region, pd.DataFrame(panel), pd.DataFrame(), pd.DataFrame(), survey=survey)
    return data, float(np.mean(with_) / np.mean(without))


def test_a_known_survey_effect_is_recovered_with_honest_intervals():
    estimates, covered = [], []
    for seed in range(60):
        data, truth = survey_region(seed)
        evaluation = Evaluation(design="single_start")
        survey_effect(data, "workload_score", evaluation)
        (effect,) = evaluation.effects
        assert effect.method == "att_gt" and effect.primary and effect.n_practices == 10
        estimates.append(effect.estimate / truth)
        covered.append(effect.ci_low <= truth <= effect.ci_high)
    assert np.mean(estimates) == pytest.approx(1.0, abs=0.01)  # unbiased for the ratio
    assert 0.88 <= np.mean(covered) <= 1.0  # 95% t intervals on 10 pilot practices


def test_without_a_wave_before_the_start_the_comparison_is_shown_instead():
    data, _ = survey_region(1, start="2024-01-01")
    evaluation = Evaluation(design="single_start")
    survey_effect(data, "workload_score", evaluation)
    assert evaluation.effects == []
    assert [(s.outcome, s.reason) for s in evaluation.skipped] == [
        ("workload_score", "no_pre_wave")
    ]
    table = survey_comparison(data, "workload_score", threshold=10)
    assert set(table["group"]) == {"pilot", "comparison"} and len(table) == 6
    assert table["mean"].notna().all()


def test_small_groups_are_suppressed_and_a_missing_survey_is_a_reason():
    data, _ = survey_region(2, n_pilot=2)
    table = survey_comparison(data, "workload_score", threshold=10)
    pilot = table[table["group"] == "pilot"]
    assert (pilot["n_respondents"] < 10).all() and pilot["mean"].isna().all()
    shown = survey_table(data, Words("en"), ["workload_score"], threshold=10)
    assert shown["wave"].tolist() == ["October 2024", "October 2025", "October 2026"]
    assert (shown["pilot_respondents"] == "<10").all() and (shown["pilot_mean"] == "–").all()
    assert shown["comparison_mean"].str.fullmatch(r"\d\.\d \(\d\.\d – \d\.\d\)").all()
    empty = RegionData(data.region, data.panel, pd.DataFrame(), pd.DataFrame())
    evaluation = Evaluation(design="single_start")
    for item in SURVEY_ITEMS:
        survey_effect(empty, item, evaluation)
    assert {s.reason for s in evaluation.skipped} == {"no_data"}
    assert Words("nl").text("skip.no_pre_wave").startswith("de enquête")
