"""Region evaluation: load a region's data, pick the design, estimate, put it in words.

The report notebooks call these functions; they hold no logic of their own.
"""

from analysis.evaluation.disclosure import suppress_small_counts
from analysis.evaluation.estimate import Effect, evaluate_region, results_table, write_results
from analysis.evaluation.findings import describe_effects
from analysis.evaluation.load import RegionData, load_region

__all__ = [
    "Effect",
    "RegionData",
    "describe_effects",
    "evaluate_region",
    "load_region",
    "results_table",
    "suppress_small_counts",
    "write_results",
]
