"""The demo's small tables besides capacity: interventions, action-research log, GP survey."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.demo.scenario import (
    BE_FOCUS,
    BE_FOCUS_TEXT,
    BE_PILOT_ZONES,
    FOCUS_NL,
    FOCUS_THEMES,
    PDSA_TEXT,
    PILOTS,
    SURVEY_SCORES,
    SURVEY_WAVES,
)
from analysis.data.demo.simulate import effect_multiplier, month_index, study_months, truth_row


def action_log(
    regions: pd.DataFrame, cap: pd.DataFrame, pr: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Action-research log: PDSA cycles per pilot region, meetings, staffing, flu.

    PDSA steps carry their cycle number, theme (:data:`FOCUS_THEMES`) and
    intervention in the log's own columns, as ``workbench log add`` writes them.
    """
    rows = []
    for pilot in PILOTS:
        country = pilot.region_id[:2]
        months = study_months(country)
        key = (
            pilot.intervention
            if country == "NL"
            else BE_FOCUS[BE_PILOT_ZONES.index(int(pilot.region_id[-2:]) - 1) % 4][0]
        )
        focus = FOCUS_NL.get(key) if country == "NL" else BE_FOCUS_TEXT[key]
        pdsa = {"theme": FOCUS_THEMES[key], "intervention": pilot.intervention}
        start = month_index(pilot.start, country)
        for cycle in range(0, 60, 3):
            m = start - 2 + cycle
            if m + 1 >= len(months):
                break
            for j, kind in enumerate(("pdsa_plan", "pdsa_do", "pdsa_study", "pdsa_act")):
                mm = m + j // 2
                day = months[mm] + pd.Timedelta(days=int(4 + 12 * (j % 2) + rng.integers(0, 5)))
                rows.append(
                    (
                        pilot.region_id,
                        day.date().isoformat(),
                        kind,
                        PDSA_TEXT[kind].format(focus=focus),
                        {"cycle": cycle // 3 + 1, **pdsa},
                    )
                )
        for mm in range(max(start - 3, 0), len(months), 2):
            day = months[mm] + pd.Timedelta(days=int(rng.integers(7, 25)))
            rows.append(
                (
                    pilot.region_id,
                    day.date().isoformat(),
                    "meeting",
                    "Regio-overleg huisartsen, coach en zorgverzekeraar",
                    {},
                )
            )
        for y in sorted(set(months.year)):
            rows.append(
                (
                    pilot.region_id,
                    f"{y}-01-15",
                    "external",
                    "Griepepidemie: extra drukte in de praktijken",
                    {},
                )
            )
    # Staffing entries: nurse FTE increases in pilot regions.
    pilot_regions = {p.region_id for p in PILOTS}
    nurse = cap[["practice_id", "month", "nurse_fte"]].copy()
    nurse["delta"] = nurse.groupby("practice_id")["nurse_fte"].diff()
    hires = nurse[nurse["delta"] > 0].merge(pr[["practice_id", "region_id"]], on="practice_id")
    hires = hires[hires.region_id.isin(pilot_regions)]
    for r in hires.itertuples():
        rows.append(
            (
                r.region_id,
                pd.Timestamp(r.month).date().isoformat(),
                "staffing",
                f"{r.practice_id}: praktijkverpleegkundige/POH +{r.delta:.2f} fte",
                {},
            )
        )
    ev = pd.DataFrame(
        [
            {"region_id": region, "date": day, "kind": kind, "text": text, **pdsa}
            for region, day, kind, text, pdsa in rows
        ],
        columns=["region_id", "date", "kind", "text", "cycle", "theme", "intervention"],
    ).astype({"cycle": "Int64"})
    return ev.sort_values(["region_id", "date", "kind"], kind="stable").reset_index(drop=True)


def interventions_table(pr: pd.DataFrame, starts: dict) -> pd.DataFrame:
    rows = []
    for k, pilot in enumerate(PILOTS):
        country = pilot.region_id[:2]
        if pilot.unit == "region":
            rows.append(("region", pilot.region_id, pilot.intervention, pilot.start, ""))
        else:
            for (i, kk), start in sorted(starts.items()):
                if kk == k:
                    d = study_months(country)[start].date().isoformat()
                    rows.append(("practice", pr.practice_id.iloc[i], pilot.intervention, d, ""))
    return pd.DataFrame(
        rows, columns=["unit_type", "unit_id", "intervention", "start_date", "end_date"]
    )


def survey_table(
    cap: pd.DataFrame, pr: pd.DataFrame, starts: dict, rng: np.random.Generator
) -> tuple[pd.DataFrame, list[dict]]:
    """The GP survey (every GP of a practice open at a wave answers) and its ground truth.

    Each score (:data:`SURVEY_SCORES`) is the country mean plus a practice effect,
    a secular trend and respondent noise; a pilot's survey effect multiplies the
    expected score, ramped as the other effects. The truth of a pilot on a score is
    the mean multiplier over its practices' waves from the start on.
    """
    rows = []
    fte = dict(zip(zip(cap["_p"], cap["_m"], strict=True), cap["gp_fte"], strict=True))
    multipliers: dict[tuple[int, str], list[float]] = {}
    for i, row in enumerate(pr.itertuples()):
        level = {item: rng.normal(0, score.practice_sd) for item, score in SURVEY_SCORES.items()}
        for wave in SURVEY_WAVES[row.country]:
            m = month_index(wave, row.country)
            if (i, m) not in fte:
                continue
            answers: dict[str, np.ndarray] = {}
            for item, score in SURVEY_SCORES.items():
                mean = score.mean[row.country] + level[item] + score.per_year * m / 12
                if score.effect:
                    factor = float(effect_multiplier(i, np.array([m]), starts, score.effect)[0])
                    mean *= factor
                    for (practice, k), start in starts.items():
                        if practice == i and m >= start and score.effect in PILOTS[k].effects:
                            multipliers.setdefault((k, item), []).append(factor)
                n_gp = max(1, round(float(fte[(i, m)])))
                answers[item] = np.clip(rng.normal(mean, score.sd, n_gp), score.low, score.high)
            leave = rng.random(n_gp) < 1 / (
                1 + np.exp(2.2 - 0.06 * (answers["burnout_score"] - 22))
            )
            for r in range(n_gp):
                rows.append(
                    {
                        "respondent_id": f"{row.practice_id}-R{r + 1}",
                        "practice_id": row.practice_id,
                        "wave": wave,
                        **{item: round(float(values[r]), 1) for item, values in answers.items()},
                        "intends_to_leave": bool(leave[r]),
                    }
                )
    truth = [
        truth_row(PILOTS[k], item, "ratio", float(np.mean(factors)), n_practice_waves=len(factors))
        for (k, item), factors in sorted(multipliers.items())
    ]
    return pd.DataFrame(rows), truth
