# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Pilot Workbench
#     language: python
#     name: pilot-workbench
# ---

# %% [markdown]
# # Exploring one region: a tutorial
#
# The report notebooks (`region_evaluation`, `region_monitor`, `synthesis`) run in batch and
# write the stakeholders' pages. This notebook is for you, the researcher: load one region,
# look at its data, try each estimator of `analysis.methods` with one call, change a
# specification and compare, and save a figure for a paper or a slide. `workbench report`
# never runs it, so change it as you like (and keep what you learn in the library or in a
# report notebook).
#
# Run it in JupyterLab (`make lab`), cell by cell (Shift+Enter). Change the region or the
# outcome in the next cell and run everything again (Run > Run All Cells). The data come from
# the study configuration, `workbench.toml`: the notebook finds it from its own folder
# upwards, so `make report` (or `workbench ingest`) must have run once. The methods are
# explained at length in `docs/methods.md`; `docs/researcher.md` explains the workbench.

# %% tags=["parameters"]
region_id: str = "NL-NLI"  # region to explore: an id from the regions table
outcome: str = "referral_rate_medical_specialist"  # practice-month panel column to estimate
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml

# %%
import pandas as pd

from analysis.config import find_study
from analysis.evaluation import load_region
from analysis.evaluation.charts import plot_event_study, plot_trends, save_figure, show
from analysis.evaluation.estimate import (
    ITS_SPECIFICATION,
    RATE_COUNTS,
    did_frame,
    pilot_series,
    region_months,
    start_period,
)
from analysis.methods import att_gt, its, synthetic_control, twfe
from analysis.notebooks import check_parameters
from analysis.words import words_for

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
study = find_study(processed_dir=processed_dir)  # workbench.toml's folders, unless given
data = load_region(study.processed_dir, region_id)
assert outcome in data.panel.columns, f"{outcome!r} is not a column of the practice-month panel"
words = words_for("en", data.region["country"], study.indicators)  # chart labels, in English
print(f"study: {study.name} ({study.root})")
print(f"region: {data.region['name']} ({region_id}, {data.region['country']})")
print(f"design: {data.design}; pilot starts: {[f'{m:%Y-%m}' for m in data.start_months]}")

# %% [markdown]
# ## The panel
#
# `data.panel` holds one row per practice and month: the region's own practices and the
# comparison practices (practices of the same country that never took part in a pilot).
# `first_treated_month` is a practice's first pilot month (empty: never). The rates are per
# 1,000 listed patients per year; `docs/data-contract.md` defines every column.

# %%
columns = ["practice_id", "region_id", "month", "first_treated_month", "list_size", outcome]
data.panel[columns].head()

# %%
pd.DataFrame(
    {
        "practices": [
            data.pilot_practices["practice_id"].nunique(),
            data.comparison_practices["practice_id"].nunique(),
        ],
        f"mean {outcome}": [
            data.pilot_practices[outcome].mean(),
            data.comparison_practices[outcome].mean(),
        ],
    },
    index=["pilot practices", "comparison practices"],
).round(1)

# %%
figure, alt = plot_trends(data, outcome, words)
show(figure, alt=alt)

# %% [markdown]
# ## Difference-in-differences: `att_gt`
#
# **When:** you have pilot practices and comparison practices that did not take part, and you
# want to know how much the pilot changed the outcome. `att_gt` (Callaway & Sant'Anna) only
# ever compares a practice with practices that are not (yet) in the pilot, so it stays right
# when practices start at different months and the effect grows over time. It is the primary
# estimate of the region reports.
#
# `did_frame` puts the panel on the reports' scale: quarters, each practice's outcome divided
# by its own pre-pilot mean (so 0.1 means 10% of its usual level), `cohort` = first pilot
# quarter (0 = never). The effect is then a proportional change.

# %%
frame = did_frame(data, outcome)
cs = att_gt(frame, outcome=outcome, unit="practice_id", time="period", cohort="cohort")
print(cs.aggregate("simple").summary())

# %% [markdown]
# The event study shows the effect per quarter since the start. The quarters before the
# start are a check of parallel trends: they should scatter around zero.

# %%
event_study, alt = plot_event_study(cs, outcome, words)
show(event_study, alt=alt)

# %% [markdown]
# ## Two-way fixed effects: `twfe`
#
# **When:** as the familiar comparison next to `att_gt` (reviewers and commissioners know it),
# and on its own only when all pilot practices started in the same month or the effect is the
# same for every wave. With staggered starts and an effect that builds up it is biased; if
# `twfe` and `att_gt` differ much, believe `att_gt` and say why they differ.

# %%
tw = twfe(frame, outcome=outcome, unit="practice_id", time="period", treated="treated")
tw.effects

# %% [markdown]
# ## Interrupted time series: `its`
#
# **When:** there is no good comparison group, but the pilot practices have a long monthly
# series with one clear start. It compares the months after the start with the pre-pilot
# trend continued (and the winter peak, with `harmonics=2`). It needs counts: the rate's
# count column, with the listed patients as offset, so the effects are rate ratios
# (0.85 = 15% fewer). With several start months it uses the first: prefer `att_gt` then.
# `ITS_SPECIFICATION` holds the options the region reports use; print it to see them.

# %%
count = RATE_COUNTS.get(outcome)
assert count is not None, f"{outcome} has no count column for its; choose a rate outcome"
series = pilot_series(data, count)
its_fit = its(series, outcome=count, **ITS_SPECIFICATION)
print(its_fit.summary())
its_fit.average_effect()

# %% [markdown]
# ## Synthetic control: `synthetic_control`
#
# **When:** one pilot region and many regions that did not take part, none of them alike,
# but a weighted mix of them is. The weights are non-negative and sum to 1, so they say which
# regions make up the comparison ("60% Twente, 30% Zeeland"), which stakeholders can judge.
# It needs a long pre-period in which the synthetic region tracks the real one (small
# `pre_rmspe`).

# %%
regions = region_months(data, outcome)
sc = synthetic_control(
    regions,
    unit="region_id",
    time="period",
    outcome=outcome,
    treated_unit=region_id,
    start=start_period(data),
)
print(sc.summary())
show(sc.plot(ylabel=outcome), alt=f"{region_id} and its synthetic control: {outcome}")

# %% [markdown]
# ## Change a specification and compare
#
# Does the answer depend on a choice? Here the reports' interrupted time series against the
# same model without the seasonal terms, and with a negative binomial instead of a
# quasi-Poisson model: one option changed each time. If the estimates move a lot, say so in
# the report and explain which you trust. The same pattern works for `att_gt`
# (`control="not_yet_treated"`, `anticipation=1`) or for another outcome.

# %%
changes = {
    "reports: quasi-Poisson, 2 harmonics": {},
    "no seasonality": {"harmonics": 0},
    "negative binomial": {"family": "negbin"},
}
specifications = {
    name: its(series, outcome=count, **(ITS_SPECIFICATION | change))
    for name, change in changes.items()
}
comparison = pd.DataFrame(
    {name: fit.average_effect().as_dict() for name, fit in specifications.items()}
).T
comparison.round(3)

# %% [markdown]
# ## Save a figure
#
# Figures you keep go to `figures/` in the project (git-ignored), named after the region and
# the outcome. `save_figure` writes a PNG; use `figure.savefig(..., format="svg")` for a
# vector version.

# %%
path = save_figure(event_study, study.figures_dir, f"{region_id}-{outcome}-event-study")
print(f"saved {path}")

# %% [markdown]
# ## Next steps
#
# - Pool the regions' effects of one programme: `analysis.methods.pool` (see the
#   `synthesis` notebook).
# - Follow a region month by month with run and XmR charts: `region_monitor`.
# - Plan how many practices a pilot needs: `analysis.methods.mde` and `simulate_power`.
# - Add an outcome, or a notebook to the batch: `docs/researcher.md`.
