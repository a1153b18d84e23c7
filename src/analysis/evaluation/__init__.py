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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.evaluation.disclosure import suppress_small_counts
    from analysis.evaluation.estimate import (
        Effect,
        evaluate_region,
        results_table,
        write_results,
    )
    from analysis.evaluation.load import RegionData, load_region

#: Where each name of the package lives: imported on first use, so that a module that
#: needs only :mod:`~analysis.evaluation.load` (the workbench's planning) does not pay
#: for the estimators' imports (statsmodels, scipy).
_HOMES = {
    "suppress_small_counts": "disclosure",
    "Effect": "estimate",
    "evaluate_region": "estimate",
    "results_table": "estimate",
    "write_results": "estimate",
    "RegionData": "load",
    "load_region": "load",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"analysis.evaluation.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'analysis.evaluation' has no attribute {name!r}")


__all__ = [
    "Effect",
    "RegionData",
    "evaluate_region",
    "load_region",
    "results_table",
    "suppress_small_counts",
    "write_results",
]
