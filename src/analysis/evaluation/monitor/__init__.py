"""The coach's monthly monitor: a region's indicators, one chart each, with the actions marked.

A coach (zorgstroomcoach, regional coach) looks at the region every month: has
an indicator moved, and does that coincide with what the region did? One
module per job:

- :mod:`~analysis.evaluation.monitor.series`: the region's monthly series up to
  an edition's month, and the baseline months;
- :mod:`~analysis.evaluation.monitor.annotations`: the action log as numbered
  markers on the time axis;
- :mod:`~analysis.evaluation.monitor.signals`: per indicator its segments,
  limits (seasonally adjusted where the indicator is seasonal, recalculated
  after a sustained, logged change), signals and icons, as data;
- :mod:`~analysis.evaluation.monitor.charts`: one Making Data Count chart per indicator;
- :mod:`~analysis.evaluation.monitor.survey`: the GP survey per wave up to the
  edition's month, with the change since the previous wave;
- :mod:`~analysis.evaluation.monitor.editions`: the monitor as of a month, what
  each edition signalled, and what changed since the previous one;
- :mod:`~analysis.evaluation.monitor.words`: all of it in the catalogue's words.

Typical use (what ``notebooks/region_monitor.py`` does)::

    words = words_for("nl", "BE")
    edition = monitor_edition("data/processed", "BE-ELZ04", words, as_of="2026-06")
    since = compare_with_previous(edition, "data/processed", words, previous_edition="")
    table, styles = summary_table(edition.charts, words)
    figure = monitor_figure(edition.charts[0], edition.markers, words)
"""

from analysis.evaluation.monitor.annotations import Marker, action_markers, marker_list_md
from analysis.evaluation.monitor.charts import figure_alt, monitor_figure
from analysis.evaluation.monitor.editions import (
    EditionRecord,
    MonitorEdition,
    SincePrevious,
    compare_with_previous,
    monitor_edition,
    read_edition,
    since_previous,
    write_edition,
)
from analysis.evaluation.monitor.series import (
    BASELINE_MIN,
    MONITOR_INDICATORS,
    Baseline,
    choose_baseline,
    monitor_series,
    pilot_start,
    region_as_of,
    withhold_small_shares,
)
from analysis.evaluation.monitor.signals import (
    RECENT_MONTHS,
    IndicatorChart,
    Segment,
    Signal,
    indicator_chart,
    monitor_charts_data,
)
from analysis.evaluation.monitor.survey import (
    SurveyWaves,
    monitor_survey,
    survey_alt,
    survey_figure,
    survey_md,
    survey_waves_table,
)
from analysis.evaluation.monitor.words import (
    chart_notes_md,
    reading_md,
    signal_text,
    since_previous_md,
    summary_table,
)

__all__ = [
    "BASELINE_MIN",
    "MONITOR_INDICATORS",
    "RECENT_MONTHS",
    "Baseline",
    "EditionRecord",
    "IndicatorChart",
    "Marker",
    "MonitorEdition",
    "Segment",
    "Signal",
    "SincePrevious",
    "SurveyWaves",
    "action_markers",
    "chart_notes_md",
    "choose_baseline",
    "compare_with_previous",
    "figure_alt",
    "indicator_chart",
    "marker_list_md",
    "monitor_charts_data",
    "monitor_edition",
    "monitor_figure",
    "monitor_series",
    "monitor_survey",
    "pilot_start",
    "read_edition",
    "reading_md",
    "region_as_of",
    "signal_text",
    "since_previous",
    "since_previous_md",
    "summary_table",
    "survey_alt",
    "survey_figure",
    "survey_md",
    "survey_waves_table",
    "withhold_small_shares",
    "write_edition",
]
