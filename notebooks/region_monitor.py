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
# # Monthly monitor: one region
#
# For the coach (zorgstroomcoach, transition coach): each month, the region's indicators on run
# and XmR charts with the actions taken (PDSA cycles, staffing changes) marked, to learn what
# works. Works for every region; without a pilot start the first 12 months set the baseline.

# %% tags=["parameters"]
region_id: str = "NL-KNH"  # region id from the regions table
processed_dir: str = ""  # folder written by `workbench ingest`; "": from workbench.toml
indicators: list = []  # region_month columns to chart; empty list: the library default set
language: str = "nl"  # report language: "nl" or "en"
months: int = 36  # latest months to show (pilots also keep 12 pre-start months); 0: all
disclosure_threshold: int = 10  # shares of fewer units than this are not shown
show_practice_ids: bool = False  # show practice ids instead of pseudonyms (Praktijk A, B, ...)
indicator_words: dict = {}  # the study's own outcome words ([indicators.*] of workbench.toml)

# %% tags=["remove-cell"]
from pathlib import Path

from IPython.display import Markdown, display

from analysis.config import find_study
from analysis.evaluation import load_region
from analysis.evaluation.charts import intervention_starts, show
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
    withhold_small_shares,
)
from analysis.evaluation.tables import action_log, show_table
from analysis.notebooks import check_parameters
from analysis.words import check_language, words_for

check_parameters()  # refuses a parameter this notebook does not declare (papermill -p)
check_language(language)
assert months >= 0, f"months must be 0 (all) or more, not {months!r}"
assert disclosure_threshold >= 1, "disclosure_threshold must be at least 1"
indicators = list(indicators) or list(MONITOR_INDICATORS)
processed_dir = find_study(processed_dir=processed_dir).processed_dir  # "": workbench.toml's
data = load_region(Path(processed_dir), region_id)
words = words_for(language, data.region["country"], indicator_words)
series = monitor_series(processed_dir, region_id, indicators, months=months)
series, withheld = withhold_small_shares(
    series, processed_dir, region_id, threshold=disclosure_threshold
)
baseline = choose_baseline(series, pilot_start(processed_dir, region_id))
actions = pdsa_annotations(data.events, region_id, language=language)
context = context_annotations(data.events, region_id)
signals = signals_table(series, indicators, baseline_months=baseline.points, language=language)
log = action_log(data, words, limit=20, show_practice_ids=show_practice_ids)
starts = [
    (start, words.text("chart.start_of", intervention=words.intervention(code)))
    for code, start in intervention_starts(data)
]

# %% tags=["remove-input"]
display(Markdown(monitor_text("title", language, name=str(data.region["name"]))))
display(Markdown(monitor_text("reading", language, baseline=baseline.describe(language))))

# %% tags=["remove-input"]
display(Markdown(monitor_text("signals", language, recent=6)))
show_table(signals, words=words)
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
        starts=starts,
        language=language,
    )
    show(figure, alt=words.text("chart.alt_monitor", outcome=words.indicator(indicator).name))

# %% tags=["remove-input"]
display(Markdown(monitor_text("actions", language, limit=20)))
if log.empty:
    display(Markdown(monitor_text("no_actions", language)))
else:
    show_table(log, words=words)
display(Markdown(f"*{words.md('disclosure.suppressed_note', k=disclosure_threshold)}*"))
