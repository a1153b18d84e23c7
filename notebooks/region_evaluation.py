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
# # Pilot evaluation: one region
#
# What changed in this region's pilot practices, compared with practices that did not take
# part, and how sure we can be. Run for every region by `workbench run`; open in JupyterLab to
# explore one region.

# %% tags=["parameters"]
region_id: str = "nl-noord-limburg"  # region id from the regions table
processed_dir: str = "../data/processed"  # folder written by `workbench ingest`
outcomes: list = ["referral_rate_medical_specialist", "gp_contact_rate"]  # panel columns
language: str = "en"  # report language: "en" or "nl"
study_name: str = "Pilot evaluation"  # shown in the report header
disclosure_threshold: int = 10  # counts below this are suppressed

# %% tags=["remove-cell"]
from pathlib import Path

from IPython.display import Markdown, display

from analysis.evaluation import describe_effects, evaluate_region, load_region, write_results
from analysis.evaluation.findings import effects_overview, outcome_label
from analysis.evaluation.profile import (
    action_log,
    data_caveats,
    intervention_timeline,
    plot_trends,
    region_profile,
    show,
    show_table,
)

assert language in ("en", "nl"), f"language must be 'en' or 'nl', not {language!r}"
assert disclosure_threshold >= 1, "disclosure_threshold must be at least 1"
data = load_region(Path(processed_dir), region_id)
evaluation = evaluate_region(data, list(outcomes))

# %% tags=["remove-input"]
display(Markdown(f"## {data.region['name']} ({region_id}, {data.region['country']})"))

# %% [markdown]
# ## Region profile
#
# Practices and listed patients per year (mean over months), pilot and comparison practices.

# %% tags=["remove-input"]
show_table(region_profile(data, threshold=disclosure_threshold), precision=1)

# %% tags=["remove-input"]
display(Markdown("**Interventions**"))
show_table(intervention_timeline(data))
display(Markdown("**Action log: the latest PDSA cycles, meetings and staffing changes**"))
show_table(action_log(data))

# %% [markdown]
# ## Outcome trends
#
# Monthly rate per practice, pilot against comparison practices; dashed lines mark the starts.

# %% tags=["remove-input"]
for outcome in outcomes:
    show(plot_trends(data, outcome, language))

# %% [markdown]
# ## Effects
#
# `att_gt` (Callaway & Sant'Anna) is the primary estimate; `twfe` is shown because many
# papers report it; for a region that started at one moment `its` (interrupted time series of
# the pilot practices) and `synthetic_control` (the region against a weighted mix of
# comparison regions) add independent views. Ratios below 1 mean a decrease.

# %% tags=["remove-input"]
display(
    Markdown(
        f"Design: **{evaluation.design}**. Ratio: effect on rates and counts "
        "(0.80 = 20% fewer); pp: percentage points for shares; 95% intervals."
    )
)
show_table(effects_overview(evaluation.effects, language))

# %% tags=["remove-input"]
for (outcome, method), fit in evaluation.fits.items():
    if method == "att_gt":
        figure = fit.aggregate("dynamic").plot()
        figure.suptitle(f"Event study: {outcome_label(outcome, language)}")
        show(figure)

# %% [markdown]
# ## Findings

# %% tags=["remove-input"]
display(Markdown(describe_effects(evaluation.effects, language)))

# %% [markdown]
# ## Data caveats

# %% tags=["remove-input"]
caveats = data_caveats(data)
display(Markdown("\n".join(f"- {c}" for c in caveats) or "No data-quality issues for this region."))

# %% tags=["remove-cell"]
write_results(evaluation, "results.json")
