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
# # Synthesis: effects across pilot regions
#
# Each region's primary effect pooled per programme (intervention) and outcome with a
# random-effects meta-analysis. Report texts come from `analysis.evaluation.texts`.

# %% tags=["parameters"]
reports_dir: str = ""  # folder of the region folders with results.json; "": from workbench.toml
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
regions: list = []  # region ids to pool; an empty list pools every region folder
language: str = "en"  # report language: "en" or "nl"
study_name: str = "Pilot evaluation"  # shown in the report header

# %% tags=["remove-cell"]
from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation.findings import outcome_label
from analysis.evaluation.profile import show
from analysis.evaluation.synthesis import (
    collect_results,
    describe_pooled,
    forest_words,
    pool_outcomes,
    region_programmes,
)
from analysis.evaluation.texts import report_text
from analysis.notebooks import check_parameters
from analysis.reporting.escape import markdown_literal

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
assert language in ("en", "nl"), f"language must be 'en' or 'nl', not {language!r}"
study = find_study(processed_dir=processed_dir, reports_dir=reports_dir)  # unless given
folder = study.reports_dir
region_ids = list(regions) or sorted(p.parent.name for p in folder.glob("*/results.json"))
results = collect_results(folder, region_ids)
programmes = region_programmes(study.processed_dir)
pooled = pool_outcomes(results, programmes) if not results.empty else {}

# %% tags=["remove-input"]
display(Markdown(report_text("synthesis_title", language)))
if not pooled:
    display(Markdown(report_text("nothing_to_pool", language)))
for (programme, outcome), fit in pooled.items():
    label = outcome_label(outcome, language, title=True)
    display(
        Markdown(f"## {markdown_literal(programme.replace('_', ' '))}: {markdown_literal(label)}")
    )
    ratio = bool((results.loc[results["outcome"] == outcome, "scale"] == "ratio").all())
    display(Markdown(describe_pooled(fit, outcome, ratio=ratio, language=language)))
    axis = report_text("forest_ratio" if ratio else "forest_difference", language)
    show(fit.forest_plot(exponentiate=ratio, xlabel=axis, words=forest_words(language)))
