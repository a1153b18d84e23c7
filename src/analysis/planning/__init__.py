"""Planning tools for programme leads, before a pilot starts.

=============================  =================================================
:mod:`.indicators`             need-and-capacity indicators per region (panel,
                               GP survey, population), as practice sums
:mod:`.selection`              need score (standardised, weighted, contributions),
                               ranking, rank intervals, chance of the top N
:mod:`.matching`               comparison regions: optimal nearest neighbours
                               without replacement, caliper, balance table
:mod:`.capacity`               GP capacity outlook: supply (age, retirement,
                               training, hours) against need (population, ageing,
                               contacts) to 2035, scenarios and bands
:mod:`.power_report`           how many practices a pilot needs (thin over
                               :mod:`analysis.methods.power`)
:mod:`.selection_report`,      the planning pages in the reader's words,
:mod:`.capacity_report`        disclosure-controlled
:mod:`.charts`                 ranked dots with intervals, capacity and power curves
:mod:`.inputs`                 the planning inputs of the processed data
=============================  =================================================

The notebooks ``pilot_selection``, ``pilot_power`` and ``capacity_outlook`` call
these; ``workbench report`` (or ``workbench plan``) runs them into
``reports/planning/``.
"""

from analysis.planning.capacity import (
    Assumptions,
    Outlook,
    capacity_inputs,
    capacity_outlook,
    gap_year,
    project,
)
from analysis.planning.indicators import IndicatorData, need_indicators
from analysis.planning.matching import Matches, balance_table, match_regions
from analysis.planning.selection import NeedScores, RankStability, need_scores, rank_stability

__all__ = [
    "Assumptions",
    "IndicatorData",
    "Matches",
    "NeedScores",
    "Outlook",
    "RankStability",
    "balance_table",
    "capacity_inputs",
    "capacity_outlook",
    "gap_year",
    "match_regions",
    "need_indicators",
    "need_scores",
    "project",
    "rank_stability",
]
