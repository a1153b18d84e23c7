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

# %% [markdown] tags=["remove-cell"]
# # Capacity outlook: where will the GP shortage bite?
#
# For programme leads: per region the supply of GP FTE to the horizon (age structure and
# retirement, inflow from training with the share that settles, working hours) against the
# need (population growth and ageing times contacts per age group), with the uncertain
# assumptions as (low, central, high) and measures as scenarios (more practice nurses, task
# delegation to physician assistants as FTE equivalents, extra regional training places).
# The model is `analysis.planning.capacity`. Regions with fewer GPs counted than the
# disclosure threshold are not shown on their own.

# %% tags=["parameters"]
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
language: str = "nl"  # report language: "nl" or "en"
study_name: str = "Pilot evaluation"  # shown in the report header
disclosure_threshold: int = 10  # regions with fewer GPs counted than this are not shown
indicator_words: dict = {}  # the study's own outcome words ([indicators.*] of workbench.toml)
countries: list = []  # countries to project ("NL", "BE"); []: all
horizon: int = 2035  # last projected year
patients_per_fte: dict = {"NL": 2095.0, "BE": 1100.0}  # listed patients per GP FTE (NL: NZa)
retirement_age: list = [64.0, 66.0, 68.0]  # mean retirement age: low, central, high
leaving_per_year: list = [0.005, 0.01, 0.02]  # share leaving before retirement per year
hours_trend: list = [-0.01, -0.005, 0.0]  # change of GPs' weekly hours per year
contacts_trend: list = [0.0, 0.005, 0.01]  # change of contacts per inhabitant per year
retirement_spread: float = 3.0  # standard deviation of the retirement age (years)
scenarios: dict = {  # measures to compare with no extra measures
    "practice_nurses": {"nurse_fte_per_10000": 1.0},
    "physician_assistants": {"pa_fte_per_10000": 0.5},
    "training_places": {"extra_graduates_per_100000": 2.0},
}  # scenario -> changed assumptions (see analysis.planning.capacity.Assumptions)
n_draws: int = 200  # draws of the uncertain assumptions for the bands
show_trajectories: int = 6  # regions whose capacity is drawn per year
seed: int = 2024  # random seed of the draws

# %% tags=["remove-cell"]
from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation.charts import show as show_figure
from analysis.evaluation.synthesis import region_names
from analysis.evaluation.tables import show_table
from analysis.notebooks import check_parameters
from analysis.planning import Assumptions, capacity_inputs, capacity_outlook
from analysis.planning.capacity_report import (
    BASELINE,
    assumptions_table,
    by_gap_year,
    left_out_words,
    outlook_figure,
    outlook_summary,
    outlook_table,
    shown_regions,
    trajectory_figure,
)
from analysis.planning.inputs import missing_inputs
from analysis.words import check_language, words_for

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
check_language(language)
assert disclosure_threshold >= 1, "disclosure_threshold must be at least 1"
processed_dir = find_study(processed_dir=processed_dir).processed_dir  # "": workbench.toml's
words = words_for(language, None, indicator_words)
missing = missing_inputs(processed_dir, ["gp_workforce", "population", "contact_rates"])
ranges = {
    "retirement_age": retirement_age,
    "leaving_per_year": leaving_per_year,
    "hours_trend": hours_trend,
    "contacts_trend": contacts_trend,
}
base = Assumptions(retirement_spread=retirement_spread)
all_scenarios = {BASELINE: {}, **scenarios}
regions, skipped = (
    capacity_inputs(
        processed_dir, horizon=horizon, patients_per_fte=patients_per_fte, countries=countries
    )
    if not missing
    else ([], {})
)
outlook = capacity_outlook(
    regions, ranges=ranges, scenarios=all_scenarios, base=base, n_draws=n_draws, seed=seed,
    skipped=skipped,
)  # fmt: skip
shown, withheld = shown_regions(outlook, disclosure_threshold)
names = region_names(processed_dir)

# %% tags=["remove-input"]
display(Markdown(f"{words.md('capacity.title')}\n\n{words.md('capacity.intro', horizon=horizon)}"))
if missing:
    display(Markdown(words.md("planning.missing_inputs", tables=", ".join(missing))))
else:
    display(
        Markdown(outlook_summary(outlook, names, words, shown=shown, scenarios=list(all_scenarios)))
    )
    display(
        Markdown(left_out_words(withheld, outlook.skipped, words, threshold=disclosure_threshold))
    )

# %% tags=["remove-input"]
if shown:
    display(Markdown(f"{words.md('capacity.ranking')}\n\n{words.md('capacity.ranking_note')}"))
    figure, alt = outlook_figure(outlook, names, words, shown=shown)
    show_figure(figure, alt=alt)
    display(Markdown(words.md("capacity.table")))
    table = outlook_table(
        outlook, names, words, shown=shown, scenarios=list(all_scenarios),
        threshold=disclosure_threshold,
    )  # fmt: skip
    show_table(table, words=words)

# %% tags=["remove-input"]
if shown:
    display(Markdown(words.md("capacity.trajectories")))
    first = by_gap_year(outlook, shown)[:show_trajectories]
    figure, alt = trajectory_figure(outlook, names, words, regions=first)
    show_figure(figure, alt=alt)

# %% tags=["remove-input"]
display(Markdown(words.md("capacity.assumptions")))
show_table(assumptions_table(ranges, scenarios, base, words), words=words)
norms = words.listing(
    [f"{words.number(v)} ({words.country_name(c)})" for c, v in patients_per_fte.items()]
)
display(Markdown(words.md("capacity.methods", norm=norms, n_draws=n_draws)))
