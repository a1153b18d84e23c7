"""Pool the regions' effects per outcome (random-effects meta-analysis)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from analysis.methods import pool
from analysis.methods.meta import ForestWords, PoolResult
from analysis.words import Words
from analysis.words.numbers import change_values


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


def region_names(processed_dir: Path | str) -> dict[str, str]:
    """Region id -> its name (the names readers know; ids stay in the data)."""
    regions = pd.read_parquet(
        Path(processed_dir) / "regions.parquet", columns=["region_id", "name"]
    )
    return dict(zip(regions["region_id"], regions["name"].astype(str), strict=True))


def region_effects(
    results: pd.DataFrame, regions: Sequence[str], outcome: str, names: dict[str, str], words: Words
) -> pd.DataFrame:
    """Each region's main estimate of ``outcome``, in words: shown when regions differ."""
    rows = results[
        results["primary"] & (results["outcome"] == outcome) & results["region_id"].isin(regions)
    ]
    return pd.DataFrame(
        {
            words.column("region"): [names.get(r, r) for r in rows["region_id"]],
            words.column("change"): [
                words.change(r.scale, r.estimate, r.ci_low, r.ci_high) for r in rows.itertuples()
            ],
        }
    )


def region_programmes(processed_dir: Path | str) -> dict[str, str]:
    """Region id -> the intervention it piloted (the first one started, if several)."""
    interventions = pd.read_parquet(Path(processed_dir) / "interventions.parquet")
    first = interventions.sort_values("start_date").drop_duplicates("region_id")
    return dict(zip(first["region_id"], first["intervention"], strict=True))


def pool_outcomes(
    results: pd.DataFrame,
    programmes: dict[str, str] | None = None,
    *,
    method: str = "primary",
    names: dict[str, str] | None = None,
) -> dict[tuple[str, str], PoolResult]:
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
    names
        Region id -> the name the forest plot shows (default: the id).

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
                labels=[(names or {}).get(r, r) for r in group["region_id"]],
            )
    return pooled


#: Fewest regions for a pooled effect worth leading with; I² (%) above which regions differ.
FEW_REGIONS = 3
HIGH_HETEROGENEITY = 75.0


def forest_words(words: Words) -> ForestWords:
    """Legend and pooled-row labels of the synthesis forest plots."""
    pooled = words.text("chart.forest_pooled_estimate")
    return ForestWords(
        prediction_interval=words.text("chart.forest_prediction_interval"),
        pooled_estimate=pooled,
        pooled_row=pooled[:1].upper() + pooled[1:],
    )


def _pooled_change(fit: PoolResult, ratio: bool) -> tuple[float, float, float, float, float]:
    """Estimate, interval and prediction interval on the reports' scale (ratio or share)."""
    f = (lambda v: float(np.exp(v))) if ratio else float
    return f(fit.estimate), f(fit.ci_low), f(fit.ci_high), f(fit.pi_low), f(fit.pi_high)


def describe_pooled(fit: PoolResult, outcome: str, *, ratio: bool, words: Words) -> str:
    """The pooled effect in plain words, warnings first.

    With fewer than :data:`FEW_REGIONS` regions, or regions that differ strongly
    (I² of :data:`HIGH_HETEROGENEITY`% or more), the text opens with a warning
    and tells the reader to look at the regions one by one; the pooled interval
    follows. The prediction interval is explained in one sentence.
    """
    scale = "ratio" if ratio else "difference"
    est, low, high, pi_low, pi_high = _pooled_change(fit, ratio)
    label = words.indicator(outcome).name
    k = len(fit.effects)
    lines = []
    if k < FEW_REGIONS:
        lines.append(words.md("synthesis.warning_few", n=k))
    if fit.i2 >= HIGH_HETEROGENEITY:
        lines.append(words.md("synthesis.warning_heterogeneous"))
    values, decimals, _ = change_values(scale, est, low, high)
    interval = f"{words.text('findings.ci')} {words.interval(scale, low, high)}"
    if round(values[0], decimals) == 0:
        lines.append(words.md("synthesis.pooled_flat", n=k, outcome=label, interval=interval))
    else:
        size = words.size(scale, est, sign=False)
        direction = words.text("findings.up" if values[0] > 0 else "findings.down")
        lines.append(
            words.md(
                "synthesis.pooled",
                n=k,
                outcome=label,
                direction=direction,
                size=size,
                interval=interval,
            )
        )
    lines.append(
        words.md(
            "synthesis.prediction",
            low=words.size(scale, pi_low),
            high=words.size(scale, pi_high),
        )
    )
    level = "low" if fit.i2 < 25 else "moderate" if fit.i2 < HIGH_HETEROGENEITY else "high"
    lines.append(
        words.md(
            "synthesis.heterogeneity",
            level=words.text(f"synthesis.level_{level}"),
            i2=words.number(fit.i2),
        )
    )
    return "\n\n".join(lines)


def change_tick(words: Words, *, ratio: bool) -> Callable[[float], str]:
    """Tick labels of a forest plot in the reports' notation (``-20%``, ``+1,5 pp``)."""
    if ratio:
        return lambda r: f"{words.number(100 * (r - 1), sign=True)}%"
    return lambda d: f"{words.number(100 * d, 1, sign=True)} pp"


def forest_figure(
    fit: PoolResult, outcome: str, programme: str, *, ratio: bool, words: Words
) -> tuple[Figure, str]:
    """The forest plot of one programme and outcome, and its alt text."""
    label = words.indicator(outcome)
    figure = fit.forest_plot(
        exponentiate=ratio,
        title=f"{label.title()}: {programme}",
        xlabel=words.text("chart.forest_ratio" if ratio else "chart.forest_difference"),
        words=forest_words(words),
        tick_label=change_tick(words, ratio=ratio),
    )
    alt = words.text("chart.alt_forest", outcome=label.name, programme=programme)
    return figure, alt
