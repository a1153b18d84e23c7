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
# # Monthly monitor: one region
#
# For the coach (zorgstroomcoach, transition coach): each month, the region's indicators on run
# and XmR charts with the actions taken (PDSA cycles, staffing changes) marked, to learn what
# works. Works for every region; without a pilot start the first 12 months set the baseline.

# %% tags=["parameters"]
region_id: str = "NL-KNH"  # region id from the regions table
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
indicators: list = []  # region_month columns to chart; empty list: the library default set
language: str = "en"  # report language: "en" or "nl"
months: int = 36  # latest months to show (pilots also keep 12 pre-start months); 0: all

# %% tags=["remove-cell"]
from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation import load_region
from analysis.evaluation.monitor import (
    MONITOR_INDICATORS,
    choose_baseline,
    context_annotations,
    monitor_charts,
    monitor_series,
    monitor_text,
    pdsa_annotations,
    pilot_start,
    signals_in_words,
    signals_table,
)
from analysis.evaluation.profile import action_log, show, show_table
from analysis.notebooks import check_parameters

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
assert language in ("en", "nl"), f"language must be 'en' or 'nl', not {language!r}"
assert months >= 0, f"months must be 0 (all) or more, not {months!r}"
indicators = list(indicators) or list(MONITOR_INDICATORS)
study = find_study(processed_dir=processed_dir)  # workbench.toml's folders, unless given
data = load_region(study.processed_dir, region_id)
series = monitor_series(study.processed_dir, region_id, indicators, months=months)
baseline = choose_baseline(series, pilot_start(study.processed_dir, region_id))
actions = pdsa_annotations(data.events, region_id, language=language)
context = context_annotations(data.events, region_id)
signals = signals_table(series, indicators, baseline_months=baseline.points, language=language)
log = action_log(data, limit=20)

# %% tags=["remove-input"]
display(Markdown(monitor_text("title", language, name=data.region["name"], region_id=region_id)))
display(Markdown(monitor_text("reading", language, baseline=baseline.describe(language))))

# %% tags=["remove-input"]
display(Markdown(monitor_text("signals", language, recent=6)))
show_table(signals)
display(Markdown(signals_in_words(signals, language)))

# %% tags=["remove-input"]
display(Markdown(monitor_text("charts", language)))
for indicator in indicators:
    _, _, figure = monitor_charts(
        series,
        indicator,
        baseline_months=baseline.points,
        annotations=actions,
        context=context,
        language=language,
    )
    show(figure)

# %% tags=["remove-input"]
display(Markdown(monitor_text("actions", language, limit=20)))
if log.empty:
    display(Markdown(monitor_text("no_actions", language)))
else:
    show_table(log, language=language)
