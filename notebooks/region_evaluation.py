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
# # Pilot evaluation: one region
#
# What changed in this region's pilot practices, compared with practices that did not take
# part, and how sure we can be: the answer first (summary and one table), details after, methods
# in an appendix. Run for every region by `workbench run`; open in JupyterLab to explore one
# region. Every word comes from the catalogue in `analysis.words` (Dutch, English, Flemish).

# %% tags=["parameters"]
region_id: str = "NL-NLI"  # region id from the regions table
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
outcomes: list = ["referral_rate_medical_specialist", "gp_contact_rate"]  # panel columns
language: str = "nl"  # report language: "nl" or "en"
study_name: str = "Pilot evaluation"  # shown in the report header
disclosure_threshold: int = 10  # counts below this are shown as <10
show_practice_ids: bool = False  # show practice ids instead of pseudonyms (Praktijk A, B, ...)
indicator_words: dict = {}  # the study's own outcome words ([indicators.*] of workbench.toml)

# %% tags=["remove-cell"]
from pathlib import Path

from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation import evaluate_region, load_region, write_results
from analysis.evaluation.caveats import data_caveats
from analysis.evaluation.charts import event_study_figures, show, trend_figures
from analysis.evaluation.summary import (
    covers_markdown,
    glossary_markdown,
    headline_table,
    methods_table,
    overlap_caveats,
    summary_markdown,
)
from analysis.evaluation.survey import SURVEY_OUTCOMES, survey_table
from analysis.evaluation.tables import (
    action_log,
    intervention_timeline,
    region_profile,
    show_table,
)
from analysis.notebooks import check_parameters
from analysis.words import check_language, require_words, words_for
from analysis.words.indicators import ordered

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
check_language(language)
assert disclosure_threshold >= 1, "disclosure_threshold must be at least 1"
processed_dir = find_study(processed_dir=processed_dir).processed_dir  # "": workbench.toml's
data = load_region(Path(processed_dir), region_id)
words = words_for(language, data.region["country"], indicator_words)
require_words(outcomes, words.indicators)
outcomes = ordered(list(outcomes), words.indicators)  # referrals, workload, access, ...
evaluation = evaluate_region(data, outcomes)
k = disclosure_threshold
period = f"{words.month(data.panel['month'].min())} {words.text('frame.to')} " + words.month(
    data.panel["month"].max()
)

# %% tags=["remove-input"]
display(Markdown(words.md("report.title", name=str(data.region["name"]))))
display(Markdown(summary_markdown(data, evaluation, words, threshold=k, period=period)))

# %% tags=["remove-input"]
if evaluation.effects:
    display(Markdown(f"{words.md('report.headline')}\n\n{words.md('report.headline_note')}"))
    show_table(headline_table(evaluation, words, outcomes), words=words)

# %% tags=["remove-input"]
display(Markdown(words.md("report.details")))
display(Markdown(words.md("report.trends")))
for figure, alt in trend_figures(data, data.observed(outcomes), words):  # one figure, redrawn
    show(figure, alt=alt)

# %% tags=["remove-input"]
event_studies = [
    (outcome, fit) for (outcome, method), fit in evaluation.fits.items() if method == "att_gt"
]
if event_studies:
    display(Markdown(words.md("report.event_study")))
for figure, alt in event_study_figures(event_studies, words):
    show(figure, alt=alt)

# %% tags=["remove-input"]
survey_items = [o for o in outcomes if o in SURVEY_OUTCOMES]
if survey_items and not data.survey.empty:
    display(Markdown(words.md("report.survey", k=k)))
    show_table(survey_table(data, words, survey_items, threshold=k), words=words)

# %% tags=["remove-input"]
display(Markdown(words.md("report.profile")))
show_table(region_profile(data, words, threshold=k), words=words)
display(Markdown(words.md("report.interventions")))
show_table(intervention_timeline(data, words, threshold=k), words=words)
display(Markdown(covers_markdown(data, words)))
display(Markdown(words.md("report.action_log")))
log = action_log(data, words, show_practice_ids=show_practice_ids)
if log.empty:
    display(Markdown(words.md("report.no_actions")))
else:
    show_table(log, words=words)

# %% tags=["remove-input"]
display(Markdown(words.md("report.appendix")))
methods = words.md("report.methods")
if data.design == "single_start":
    methods += "\n\n" + words.md("report.methods_one_start")
display(Markdown(methods))
if evaluation.effects:
    show_table(methods_table(evaluation, words), words=words)

# %% tags=["remove-input"]
display(Markdown(words.md("report.caveats")))
caveats = overlap_caveats(data, words) + data_caveats(data, words, evaluation, threshold=k)
display(Markdown("\n".join(f"- {c}" for c in caveats) or words.md("report.no_caveats")))
display(Markdown(words.md("report.glossary")))
display(Markdown(glossary_markdown(words, threshold=k)))
display(Markdown(f"*{words.md('disclosure.suppressed_note', k=k)}*"))

# %% tags=["remove-cell"]
write_results(evaluation, "results.json")
