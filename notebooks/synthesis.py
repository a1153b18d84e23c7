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
# Each region's main effect pooled per programme (intervention) and outcome with a
# random-effects meta-analysis, in plain words: warnings first when few regions are pooled or
# the regions differ. Every word comes from the catalogue in `analysis.words`.

# %% tags=["parameters"]
reports_dir: str = ""  # folder of the region folders with results.json; "": from workbench.toml
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
regions: list = []  # region ids to pool; an empty list pools every region folder
language: str = "nl"  # report language: "nl" or "en"
study_name: str = "Pilot evaluation"  # shown in the report header
disclosure_threshold: int = 10  # counts below this are shown as <10
indicator_words: dict = {}  # the study's own outcome words ([indicators.*] of workbench.toml)

# %% tags=["remove-cell"]
from pathlib import Path

from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation.charts import show
from analysis.evaluation.synthesis import (
    FEW_REGIONS,
    HIGH_HETEROGENEITY,
    collect_results,
    describe_pooled,
    forest_figure,
    pool_outcomes,
    region_effects,
    region_names,
    region_programmes,
)
from analysis.evaluation.tables import show_table
from analysis.notebooks import check_parameters
from analysis.words import check_language, words_for

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
check_language(language)
assert disclosure_threshold >= 1, "disclosure_threshold must be at least 1"
study = find_study(processed_dir=processed_dir, reports_dir=reports_dir)  # "": workbench.toml's
processed_dir, reports_dir = study.processed_dir, study.reports_dir
words = words_for(language, None, indicator_words)
folder = Path(reports_dir)
region_ids = list(regions) or sorted(p.parent.name for p in folder.glob("*/results.json"))
results = collect_results(folder, region_ids)
programmes = region_programmes(processed_dir)
names = region_names(processed_dir)
pooled = pool_outcomes(results, programmes, names=names) if not results.empty else {}

# %% tags=["remove-input"]
display(Markdown(f"{words.md('synthesis.title')}\n\n{words.md('synthesis.intro')}"))
if not pooled:
    display(Markdown(words.md("synthesis.nothing_to_pool")))
for (programme, outcome), fit in pooled.items():
    ratio = bool((results.loc[results["outcome"] == outcome, "scale"] == "ratio").all())
    name = words.capital(words.intervention(programme))
    display(
        Markdown(
            words.md("synthesis.heading", programme=name, outcome=words.indicator(outcome).title())
        )
    )
    display(Markdown(describe_pooled(fit, outcome, ratio=ratio, words=words)))
    if len(fit.effects) < FEW_REGIONS or fit.i2 >= HIGH_HETEROGENEITY:
        pooled_regions = [r for r, p in programmes.items() if p == programme]
        show_table(region_effects(results, pooled_regions, outcome, names, words), words=words)
    figure, alt = forest_figure(fit, outcome, name, ratio=ratio, words=words)
    show(figure, alt=alt)

# %% tags=["remove-input"]
display(Markdown(words.md("synthesis.methods")))
