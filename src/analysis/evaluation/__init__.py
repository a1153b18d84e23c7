"""Region evaluation: load a region's data, pick the design, estimate, put it in words.

The report notebooks call these functions; they hold no logic of their own.

- :mod:`~analysis.evaluation.load`: a region's slice of the processed data;
- :mod:`~analysis.evaluation.estimate`: effects per outcome and method;
- :mod:`~analysis.evaluation.survey`: the GP survey: means per wave (also for the monitor,
  ``survey_by_wave``) and the effect across waves;
- :mod:`~analysis.evaluation.summary`: the answer first, headline table, appendix;
- :mod:`~analysis.evaluation.tables`, :mod:`~analysis.evaluation.charts`: what a report shows;
- :mod:`~analysis.evaluation.caveats`: data caveats in words;
- :mod:`~analysis.evaluation.monitor`, :mod:`~analysis.evaluation.synthesis`: the coach's
  monitor and the pooling across regions.
"""

from analysis.evaluation.disclosure import suppress_small_counts
from analysis.evaluation.estimate import Effect, evaluate_region, results_table, write_results
from analysis.evaluation.load import RegionData, load_region

__all__ = [
    "Effect",
    "RegionData",
    "evaluate_region",
    "load_region",
    "results_table",
    "suppress_small_counts",
    "write_results",
]
