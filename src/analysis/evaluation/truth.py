"""Compare reported effects with the effects injected into the demo data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.evaluation.estimate import RATE_COUNTS

COUNT_RATES = {count: rate for rate, count in RATE_COUNTS.items()}


def load_truth(path: Path | str) -> pd.DataFrame:
    """``ground_truth.json`` as a table (region_id, outcome, effect, scale, ...)."""
    return pd.DataFrame(json.loads(Path(path).read_text(encoding="utf-8")))


def compare_with_truth(
    results: pd.DataFrame, truth: pd.DataFrame, *, method: str = "primary"
) -> pd.DataFrame:
    """One row per (region, outcome) with an injected effect and a reported estimate.

    A true effect on a count (``gp_contacts``) is matched with the reported rate
    (``gp_contact_rate``) when the count itself was not evaluated: with list sizes
    unaffected by the pilot both change by the same ratio.

    Returns
    -------
    pandas.DataFrame
        ``region_id``, ``outcome``, ``effect`` (true), ``estimate``, ``ci_low``,
        ``ci_high``, ``scale``, ``covered`` and ``sign_right``.
    """
    chosen = (
        results[results["primary"]] if method == "primary" else results[results["method"] == method]
    )
    reported = chosen.set_index(["region_id", "outcome"])
    rows = {}
    for t in truth.itertuples(index=False):
        for outcome in (t.outcome, COUNT_RATES.get(t.outcome)):
            if (t.region_id, outcome) in reported.index and (t.region_id, outcome) not in rows:
                r = reported.loc[(t.region_id, outcome)]
                rows[(t.region_id, outcome)] = {
                    "effect": t.effect,
                    "scale": t.scale,
                    "estimate": r["estimate"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                }
                break
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = table.index.set_names(["region_id", "outcome"])
    table = table.reset_index()
    null = table["scale"].map({"ratio": 1.0, "difference": 0.0})
    table["covered"] = (table["ci_low"] <= table["effect"]) & (table["effect"] <= table["ci_high"])
    table["sign_right"] = ((table["estimate"] - null) * (table["effect"] - null)) > 0
    table["relative_size"] = (table["effect"] - null).abs() / null.where(null > 0, 1.0)
    return table
