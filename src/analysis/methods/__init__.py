"""Evaluation methods, each verified against a published reference.

=====================  =====================================================
``its``                interrupted time series (segmented GLM)
``att_gt``             Callaway & Sant'Anna staggered difference-in-differences
``twfe``               two-way fixed effects DiD / event study
``synthetic_control``  synthetic control for one treated unit
``pool``               random-effects meta-analysis
``run_chart``          run chart with Anhøj rules
``xmr_chart``          XmR (individuals) chart, Making Data Count rules
=====================  =====================================================
"""

from analysis.methods.did import att_gt
from analysis.methods.its import its
from analysis.methods.meta import pool
from analysis.methods.spc import run_chart, xmr_chart
from analysis.methods.synth import synthetic_control
from analysis.methods.twfe import twfe

__all__ = ["att_gt", "its", "pool", "run_chart", "synthetic_control", "twfe", "xmr_chart"]
