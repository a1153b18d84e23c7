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
# # Monthly monitor: one region, one edition
#
# For the coach (zorgstroomcoach, regional coach): the region's indicators as of one month, one
# Making Data Count chart each, with the actions taken (PDSA cycles, staffing changes) as
# numbered markers, and what changed since the previous edition. `workbench run --notebook
# region_monitor --as-of YYYY-MM` runs it per region; every month's edition is kept.

# %% tags=["parameters"]
region_id: str = "NL-KNH"  # region id from the regions table
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
indicators: list = []  # region_month columns to chart; empty list: the library default set
language: str = "nl"  # report language: "nl" or "en"
months: int = 36  # latest months to show (pilots also keep 24 pre-start months); 0: all
disclosure_threshold: int = 10  # shares of fewer units than this are not shown
show_practice_ids: bool = False  # show practice ids instead of pseudonyms (Praktijk A, B, ...)
indicator_words: dict = {}  # the study's own outcome words ([indicators.*] of workbench.toml)
targets: dict = {}  # per indicator a target, for the assurance icon ([monitor] targets)
as_of: str = ""  # the edition's month, YYYY-MM; empty: the region's last month of data
previous_edition: str = ""  # the previous edition's signals.json (the workbench passes it)

# %% tags=["remove-cell"]
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation import load_region
from analysis.evaluation.charts import show
from analysis.evaluation.monitor import (
    MONITOR_INDICATORS,
    chart_notes_md,
    compare_with_previous,
    figure_alt,
    monitor_edition,
    monitor_figure,
    reading_md,
    since_previous_md,
    summary_table,
    survey_alt,
    survey_figure,
    survey_md,
    survey_waves_table,
    write_edition,
)
from analysis.evaluation.tables import action_log, show_table
from analysis.notebooks import check_parameters
from analysis.words import check_language, words_for

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
check_language(language)
assert months >= 0, f"months must be 0 (all) or more, not {months!r}"
assert disclosure_threshold >= 1, "disclosure_threshold must be at least 1"
processed_dir = find_study(processed_dir=processed_dir).processed_dir  # "": workbench.toml's
data = load_region(Path(processed_dir), region_id)
words = words_for(language, data.region["country"], indicator_words)
edition = monitor_edition(
    processed_dir,
    region_id,
    words,
    as_of=as_of or None,
    indicators=list(indicators) or list(MONITOR_INDICATORS),
    months=months,
    targets=targets,
    threshold=disclosure_threshold,
    show_practice_ids=show_practice_ids,
    data=data,
)
since = compare_with_previous(edition, processed_dir, words, previous_edition or None)
month = words.month(pd.Timestamp(f"{edition.as_of}-01"))
log = action_log(edition.data, words, limit=20, show_practice_ids=show_practice_ids)
write_edition(edition.record(), "signals.json")

# %% tags=["remove-input"]
display(Markdown(words.md("monitor.title", name=str(data.region["name"]))))
display(Markdown(words.md("monitor.edition", month=month)))
display(Markdown(since_previous_md(since, edition, words, show_practice_ids=show_practice_ids)))

# %% tags=["remove-input"]
display(Markdown(words.md("monitor.summary")))
table, styles = summary_table(edition.charts, words)
show_table(table, words=words, cell_styles=styles)
display(Markdown(reading_md(words)))

# %% tags=["remove-input"]
display(Markdown(words.md("monitor.charts")))
for chart in edition.charts:
    figure = monitor_figure(chart, edition.markers, words)
    show(figure, alt=figure_alt(chart, edition.markers, words))
    notes = chart_notes_md(
        chart, edition.markers, words, withheld=edition.withheld, threshold=disclosure_threshold
    )
    display(Markdown(notes))

# %% tags=["remove-input"]
display(Markdown(words.md("monitor.survey")))
display(Markdown(survey_md(edition.survey, words)))
if edition.survey.items:
    show_table(survey_waves_table(edition.survey, words), words=words)
    show(survey_figure(edition.survey, words), alt=survey_alt(edition.survey, words))

# %% tags=["remove-input"]
display(Markdown(words.md("monitor.actions", limit=20)))
if log.empty:
    display(Markdown(words.md("monitor.no_actions")))
else:
    show_table(log, words=words)
display(Markdown(f"*{words.md('disclosure.suppressed_note', k=disclosure_threshold)}*"))
