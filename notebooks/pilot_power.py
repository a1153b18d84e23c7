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
# # Pilot power: how many practices does a pilot need?
#
# For programme leads: how many pilot (and comparison) practices are needed to detect an
# effect, such as a 10% drop in hospital referrals, with 80% power, from the variance and the
# correlation over time of the processed data's own practices (Burlig, Preonas & Woerman
# 2020), with a power curve (the formulas with t and normal quantiles) and the simulated
# power of the estimator the region reports use. The methods are `analysis.methods.mde`,
# `power`, `report_covariance` and `simulate_power` (docs/methods.md).

# %% tags=["parameters"]
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
language: str = "nl"  # report language: "nl" or "en"
study_name: str = "Pilot evaluation"  # shown in the report header
disclosure_threshold: int = 10  # counts of practices below this are not shown
indicator_words: dict = {}  # the study's own outcome words ([indicators.*] of workbench.toml)
outcome: str = "referral_rate_medical_specialist"  # practice-month column the pilot should move
effect: float = -0.10  # effect to detect: a relative change for rates, -0.10 for 10% fewer
target_power: float = 0.8  # chance of detecting the effect aimed for
alpha: float = 0.05  # level of the two-sided test (the reports' 95% interval)
country: str = "NL"  # whose practices' variance and correlation to use: "NL" or "BE"
months_post: int = 12  # months after the start that the evaluation covers
n_control: int = 0  # comparison practices; 0: as many as pilot practices
practices: list = [10, 15, 20, 30, 40, 60]  # numbers of pilot practices in the table
simulate_at: list = [10, 20, 40]  # numbers of pilot practices to simulate; []: none
n_replicates: int = 60  # simulated pilots per number of practices
seed: int = 2024  # random seed of the simulation

# %% tags=["remove-cell"]
from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation.charts import show as show_figure
from analysis.evaluation.tables import show_table
from analysis.notebooks import check_parameters
from analysis.planning.power_report import plan_power, power_figure, power_summary, power_table
from analysis.words import check_language, words_for

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
check_language(language)
assert disclosure_threshold >= 1, "disclosure_threshold must be at least 1"
processed_dir = find_study(processed_dir=processed_dir).processed_dir  # "": workbench.toml's
words = words_for(language, country, indicator_words)
plan = plan_power(
    processed_dir, outcome, effect=effect, country=country, target=target_power, alpha=alpha,
    months_post=months_post, n_control=n_control, practices=practices, simulate_at=simulate_at,
    n_replicates=n_replicates, seed=seed,
)  # fmt: skip

# %% tags=["remove-input"]
display(Markdown(f"{words.md('power_plan.title')}\n\n{words.md('power_plan.intro')}"))
display(Markdown(power_summary(plan, words, threshold=disclosure_threshold)))

# %% tags=["remove-input"]
display(Markdown(words.md("power_plan.curve")))
figure, alt = power_figure(plan, words)
show_figure(figure, alt=alt)
display(Markdown(f"{words.md('power_plan.table')}\n\n{words.md('power_plan.table_note')}"))
show_table(power_table(plan, practices, words), words=words)

# %% tags=["remove-input"]
display(Markdown(words.md("power_plan.methods")))
