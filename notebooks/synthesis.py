# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Pilot Workbench
#     language: python
#     name: pilot-workbench
# ---

# %% [markdown]
# # Synthesis: effects across pilot regions
#
# Each region's primary effect (Callaway & Sant'Anna) pooled per outcome with a random-effects
# meta-analysis (REML, Knapp-Hartung intervals). Heterogeneity tells whether the pilot works
# about equally everywhere or depends on the region.

# %% tags=["parameters"]
reports_dir: str = "../reports"  # folder with one sub-folder per region holding results.json
processed_dir: str = "../data/processed"  # folder written by `workbench ingest`
regions: list = []  # region ids to pool; an empty list pools every region folder
language: str = "en"  # report language: "en" or "nl"
study_name: str = "Pilot evaluation"  # shown in the report header

# %% tags=["remove-cell"]
from pathlib import Path

from IPython.display import Markdown, display

from analysis.evaluation.findings import outcome_label
from analysis.evaluation.profile import show
from analysis.evaluation.synthesis import (
    collect_results,
    describe_pooled,
    pool_outcomes,
    region_programmes,
)

assert language in ("en", "nl"), f"language must be 'en' or 'nl', not {language!r}"
folder = Path(reports_dir)
region_ids = list(regions) or sorted(p.parent.name for p in folder.glob("*/results.json"))
results = collect_results(folder, region_ids)
programmes = region_programmes(processed_dir)
pooled = pool_outcomes(results, programmes) if not results.empty else {}

# %% [markdown]
# ## Pooled effects per programme and outcome
#
# Regions are pooled with the other regions that piloted the same intervention; a programme
# piloted in one region only is in that region's report. Ratios below 1 mean a decrease.

# %% tags=["remove-input"]
if not pooled:
    display(Markdown("Fewer than two regions per programme have estimates: nothing to pool."))
for (programme, outcome), fit in pooled.items():
    label = outcome_label(outcome, language, title=True)
    display(Markdown(f"### {programme.replace('_', ' ')}: {label}"))
    ratio = bool((results.loc[results["outcome"] == outcome, "scale"] == "ratio").all())
    display(Markdown(describe_pooled(fit, outcome, ratio=ratio, language=language)))
    show(fit.forest_plot(exponentiate=ratio, xlabel="ratio" if ratio else "difference"))
