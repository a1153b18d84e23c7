"""Region evaluation on small hand-made panels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.evaluation.caveats import data_caveats
from analysis.evaluation.charts import plot_event_study
from analysis.evaluation.estimate import evaluate_region
from analysis.evaluation.load import RegionData
from analysis.words import Words


def region_data(zero_baseline: bool = False, effect: float = 0.8, seed: int = 1) -> RegionData:
    """4 pilot practices in region R (start 2021-01) and 8 comparison practices elsewhere.

    Counts are Poisson around a practice level with a winter peak; the pilot
    multiplies its practices' level by ``effect``. ``zero_baseline`` makes the
    pilot practices' counts zero before the start.
    """
    rng = np.random.default_rng(seed)
    months = pd.date_range("2019-01-01", "2022-12-01", freq="MS")
    rows = []
    for p in range(12):
        pilot = p < 4
        level = rng.uniform(20, 40)
        for m in months:
            post = pilot and m >= pd.Timestamp("2021-01-01")
            base = 0.0 if pilot and zero_baseline and not post else level
            mean = (level * effect if post else base) * (1.2 if m.month in (1, 2, 12) else 1.0)
            rows.append(
                {
                    "practice_id": f"P{p}",
                    "region_id": "R" if pilot else "C",
                    "month": m,
                    "rate": rng.poisson(mean) if mean > 0 else 0.0,
                    "list_size": 2000,
                    "first_treated_month": pd.Timestamp("2021-01-01") if pilot else pd.NaT,
                }
            )
    region = pd.Series({"region_id": "R", "name": "Region", "country": "NL"})
    return RegionData(
        region=region, panel=pd.DataFrame(rows), interventions=pd.DataFrame(), events=pd.DataFrame()
    )


def test_a_known_ratio_is_recovered_with_honest_intervals_from_four_practices():
    evaluations = [evaluate_region(region_data(seed=seed), ["rate"]) for seed in range(40)]
    primary = [next(e for e in ev.effects if e.primary) for ev in evaluations]
    assert evaluations[0].design == "single_start"
    assert {e.method for e in evaluations[0].effects} == {"att_gt", "twfe"}
    assert abs(np.mean([e.estimate for e in primary]) - 0.8) < 0.03, "unbiased"
    coverage = np.mean([e.ci_low < 0.8 < e.ci_high for e in primary])
    assert coverage >= 0.9, f"95% intervals covered the truth in {coverage:.0%} of 40 panels"


def test_an_outcome_without_baseline_gives_a_note_not_a_crash():
    data = region_data(zero_baseline=True)
    evaluation = evaluate_region(data, ["rate"])
    assert evaluation.effects == []
    assert evaluation.no_baseline == ["rate"]


def test_an_outcome_without_baseline_is_a_caveat_in_the_report_language():
    data = region_data(zero_baseline=True)
    evaluation = evaluate_region(data, ["rate"])
    assert evaluation.no_baseline == ["rate"]
    dutch = data_caveats(data, Words("nl"), evaluation, threshold=10)
    assert any(c.startswith("Geen effectschatting voor rate:") for c in dutch), dutch
    assert not any("no baseline" in c for c in dutch)
    english = data_caveats(data, Words("en"), evaluation, threshold=10)
    assert any("no baseline" in c for c in english)


def test_event_study_speaks_the_report_language_and_reads_in_percent():
    data = region_data(effect=0.8)
    evaluation = evaluate_region(data, ["rate"])
    fit = evaluation.fits[("rate", "att_gt")]
    figure, alt = plot_event_study(fit, "gp_contact_rate", Words("nl"))
    ax = figure.axes[0]
    assert "contacten met de huisarts" in alt
    assert ax.get_xlabel().startswith("kwartalen sinds de start")
    assert ax.get_ylabel() == "verandering, % van het niveau vóór de pilot"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["vóór de start", "na de start"]
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "0%" in ticks and any(t.startswith("-") and t.endswith("%") for t in ticks), ticks
    # the pilot's 20% drop shows after the start: every post-start point is below -10%
    post = fit.aggregate("dynamic").effects.query("event_time >= 0")["estimate"]
    assert (post < -0.1).all()
