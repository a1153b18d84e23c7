"""Pool the regions' effects per outcome (random-effects meta-analysis)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.evaluation.findings import format_number
from analysis.evaluation.texts import Language, report_text
from analysis.methods import pool
from analysis.methods.meta import ForestWords


def collect_results(reports_dir: Path | str, regions: Sequence[str]) -> pd.DataFrame:
    """All regions' ``results.json`` as one table with a ``region_id`` column."""
    frames = []
    for region_id in regions:
        path = Path(reports_dir) / region_id / "results.json"
        if path.is_file():
            records = json.loads(path.read_text(encoding="utf-8"))
            frames.append(pd.DataFrame(records).assign(region_id=region_id))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def to_log_scale(results: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Estimates on the scale the pooling needs (log for ratios) with variances from the CIs."""
    z = stats.norm.ppf(1 - alpha / 2)
    ratio = results["scale"] == "ratio"
    transform = {
        c: np.where(ratio, np.log(results[c].astype(float)), results[c].astype(float))
        for c in ("estimate", "ci_low", "ci_high")
    }
    out = results.assign(**{f"{c}_pooling": v for c, v in transform.items()})
    out["variance"] = ((out["ci_high_pooling"] - out["ci_low_pooling"]) / (2 * z)) ** 2
    return out


def region_programmes(processed_dir: Path | str) -> dict[str, str]:
    """Region id -> the intervention it piloted (the first one started, if several)."""
    interventions = pd.read_parquet(Path(processed_dir) / "interventions.parquet")
    first = interventions.sort_values("start_date").drop_duplicates("region_id")
    return dict(zip(first["region_id"], first["intervention"], strict=True))


def pool_outcomes(
    results: pd.DataFrame, programmes: dict[str, str] | None = None, *, method: str = "primary"
) -> dict[tuple[str, str], object]:
    """Pool each outcome's effect over the regions of one programme (intervention).

    Parameters
    ----------
    results
        From :func:`collect_results`.
    programmes
        Region id -> intervention; regions are pooled within an intervention.
        ``None`` pools all regions together (key ``"all"``).
    method
        ``"primary"`` or a method name from ``results.json``.

    Returns
    -------
    dict
        ``(programme, outcome)`` -> :class:`analysis.methods.meta.PoolResult`;
        groups with fewer than two regions are left out.
    """
    chosen = (
        results[results["primary"]] if method == "primary" else results[results["method"] == method]
    )
    chosen = to_log_scale(chosen.dropna(subset=["ci_low", "ci_high"]))
    chosen["programme"] = chosen["region_id"].map(programmes or {}).fillna("all")
    pooled = {}
    for (programme, outcome), group in chosen.groupby(["programme", "outcome"]):
        if len(group) >= 2:
            pooled[(programme, outcome)] = pool(
                group["estimate_pooling"].to_numpy(),
                group["variance"].to_numpy(),
                method="REML",
                knapp_hartung=True,
                labels=list(group["region_id"]),
            )
    return pooled


def forest_words(language: Language = "en") -> ForestWords:
    """Legend labels of the synthesis forest plots in ``language``."""
    return ForestWords(
        prediction_interval=report_text("forest_prediction_interval", language),
        pooled_estimate=report_text("forest_pooled_estimate", language),
    )


def describe_pooled(fit: object, outcome: str, *, ratio: bool = True, language: str = "en") -> str:
    """The pooled effect and its heterogeneity in words (log-ratio estimates exponentiated)."""
    f = (lambda v: float(np.exp(v))) if ratio else float
    est, low, high = f(fit.estimate), f(fit.ci_low), f(fit.ci_high)  # type: ignore[attr-defined]
    pi_low, pi_high = f(fit.pi_low), f(fit.pi_high)  # type: ignore[attr-defined]
    i2 = float(fit.i2)  # type: ignore[attr-defined]
    level = "low" if i2 < 25 else "moderate" if i2 < 75 else "high"
    if language == "nl":
        level = {"low": "laag", "moderate": "matig", "high": "hoog"}[level]
        est, low, high, pi_low, pi_high = (
            format_number(v, 2, "nl") for v in (est, low, high, pi_low, pi_high)
        )
        return (
            f"Gepoold effect {est} (95%-interval {low} tot {high}); "
            f"heterogeniteit tussen regio's {level} (I² = {i2:.0f}%); in een nieuwe regio "
            f"verwachten we een effect tussen {pi_low} en {pi_high}."
        )
    return (
        f"Pooled effect {est:.2f} (95% interval {low:.2f} to {high:.2f}); heterogeneity "
        f"between regions is {level} (I² = {i2:.0f}%); in a new region we would expect an "
        f"effect between {pi_low:.2f} and {pi_high:.2f}."
    )
