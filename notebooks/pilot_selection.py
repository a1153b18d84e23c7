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
# # Pilot selection: which regions need a pilot most?
#
# For programme leads: the regions of one country ranked by a need-and-capacity score (the
# indicators, their weights and directions are parameters), how stable that ranking is (rank
# intervals over perturbed weights and resampled practices, the chance of the top N), and for
# each chosen region its best-matched comparison regions with a balance table. Every word
# comes from the catalogue in `analysis.words`; values resting on fewer practices or GPs than
# the disclosure threshold are not shown.

# %% tags=["parameters"]
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
language: str = "nl"  # report language: "nl" or "en"
study_name: str = "Pilot evaluation"  # shown in the report header
disclosure_threshold: int = 10  # values from fewer practices or GPs than this are not shown
indicator_words: dict = {}  # the study's own outcome words ([indicators.*] of workbench.toml)
country: str = "BE"  # regions are compared within one country: "NL" or "BE"
as_of: str = ""  # date of the choice (YYYY-MM-DD); "": after the latest month of data
months: int = 12  # months before as_of that the practice indicators average over
exclude_pilots: bool = True  # leave out regions whose pilot started before as_of
n_pilots: int = 8  # number of regions to choose
weights: dict = {  # the need indicators and their weights
    "gp_fte_per_10000": 1.0,
    "patient_stop_share": 1.0,
    "third_next_available_days": 1.0,
    "workload_score": 1.0,
    "burnout_score": 1.0,
    "population_75_share": 1.0,
    "contacts_per_gp_fte": 1.0,
}  # indicator -> weight: a practice-month column, survey item or planning indicator
directions: dict = {  # which value of each indicator means more need
    "gp_fte_per_10000": "lower",
    "patient_stop_share": "higher",
    "third_next_available_days": "higher",
    "workload_score": "higher",
    "burnout_score": "higher",
    "population_75_share": "higher",
    "contacts_per_gp_fte": "higher",
}  # indicator -> "higher" or "lower": which value means more need
weight_noise: float = 0.25  # spread of the random weight factors (log-normal sd)
n_replicates: int = 500  # repetitions for the rank intervals
level: float = 0.9  # share of the repetitions a rank interval holds
show: int = 20  # regions in the ranking figure and table
match_on: list = [  # what comparison regions are matched on
    "referral_rate_medical_specialist",
    "contacts_per_gp_fte",
    "third_next_available_days",
    "gp_fte_per_10000",
    "population_75_share",
]  # pre-start outcomes and covariates to match comparison regions on
n_matches: int = 2  # comparison regions per chosen region
caliper: float = 1.0  # largest distance of a match (root mean square, in standard deviations)
seed: int = 2024  # random seed of the repetitions

# %% tags=["remove-cell"]
from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation.charts import show as show_figure
from analysis.evaluation.tables import show_table
from analysis.notebooks import check_parameters
from analysis.planning import (
    balance_table,
    match_regions,
    need_indicators,
    need_scores,
    rank_stability,
)
from analysis.planning.inputs import missing_inputs
from analysis.planning.selection_report import (
    balance_words,
    matches_table,
    matching_summary,
    ranking_table,
    selection_figure,
    selection_summary,
    values_table,
    weights_table,
    write_matches,
)
from analysis.words import check_language, words_for

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
check_language(language)
assert disclosure_threshold >= 1, "disclosure_threshold must be at least 1"
assert n_pilots >= 1, f"n_pilots must be at least 1, not {n_pilots!r}"
processed_dir = find_study(processed_dir=processed_dir).processed_dir  # "": workbench.toml's
words = words_for(language, country, indicator_words)
data = need_indicators(
    processed_dir, list(weights), country=country, as_of=as_of, months=months,
    exclude_pilots=exclude_pilots,
)  # fmt: skip
scores = need_scores(data.values(), weights, directions)
stability = rank_stability(
    data, weights, directions, top_n=n_pilots, n_replicates=n_replicates,
    weight_noise=weight_noise, level=level, seed=seed,
)  # fmt: skip
chosen = scores.top(n_pilots)
pool = [r for r in data.regions["region_id"] if r not in chosen]
features = need_indicators(
    processed_dir, match_on, country=country, as_of=as_of, months=months,
    exclude_pilots=exclude_pilots,
).values()  # fmt: skip
matches = match_regions(features, chosen, pool, n_matches=n_matches, caliper=caliper)
balance = balance_table(features, matches, pool)
write_matches(matches, "matched_comparisons.json", country=country, as_of=data.window[1])
missing = missing_inputs(processed_dir, ["population"])

# %% tags=["remove-input"]
display(Markdown(f"{words.md('selection.title')}\n\n{words.md('selection.intro')}"))
display(Markdown(selection_summary(scores, stability, data, words, country=country, chosen=chosen)))
if missing:
    display(Markdown(words.md("planning.missing_inputs", tables=", ".join(missing))))

# %% tags=["remove-input"]
display(Markdown(words.md("selection.ranking")))
figure, alt = selection_figure(stability, data, chosen, words, show=show)
show_figure(figure, alt=alt)
display(Markdown(words.md("selection.ranking_note", n=n_pilots, k=disclosure_threshold)))
show_table(
    ranking_table(scores, stability, data, words, threshold=disclosure_threshold, show=show),
    words=words,
)

# %% tags=["remove-input"]
display(Markdown(words.md("selection.values")))
display(Markdown(words.md("selection.values_note", k=disclosure_threshold)))
show_table(values_table(data, chosen, words, threshold=disclosure_threshold), words=words)
display(Markdown(f"{words.md('selection.weights')}\n\n{words.md('selection.weights_note')}"))
show_table(weights_table(scores, directions, words), words=words)

# %% tags=["remove-input"]
display(Markdown(words.md("matching.heading")))
display(
    Markdown(
        matching_summary(matches, balance, data, words, n_matches=n_matches, covariates=match_on)
    )
)
if not matches.pairs.empty:
    show_table(matches_table(matches, data, words), words=words)
    display(Markdown(words.md("matching.balance_heading")))
    show_table(balance_words(balance, words), words=words)

# %% tags=["remove-input"]
display(
    Markdown(
        words.md(
            "selection.methods", n_replicates=n_replicates, noise=words.number(weight_noise, 2)
        )
    )
)
