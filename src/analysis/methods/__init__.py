"""Evaluation methods, each verified against a published reference.

=======================  ===================================================
``its``                  interrupted time series (segmented GLM)
``att_gt``               Callaway & Sant'Anna staggered difference-in-differences
``twfe``                 two-way fixed effects DiD / event study
``synthetic_control``    synthetic control for one treated unit
``pool``                 random-effects meta-analysis
``run_chart``            run chart with Anhøj rules
``xmr_chart``            XmR (individuals) chart, Making Data Count rules
``mde``, ``power``       minimum detectable effect and power of a pilot design
                         (McKenzie 2012; Burlig, Preonas & Woerman 2020)
``simulate_power``       power of the region reports' estimator, by simulation
=======================  ===================================================
"""

from analysis.methods.did import att_gt
from analysis.methods.its import its
from analysis.methods.meta import pool
from analysis.methods.power import (
    PeriodCovariance,
    mde,
    outcome_covariance,
    power,
    power_curve,
    required_practices,
)
from analysis.methods.power_simulation import (
    SimulatedPower,
    report_covariance,
    simulate_power,
    simulate_practice_months,
    simulated_power_curve,
)
from analysis.methods.spc import run_chart, xmr_chart
from analysis.methods.synth import synthetic_control
from analysis.methods.twfe import twfe

__all__ = [
    "PeriodCovariance",
    "SimulatedPower",
    "att_gt",
    "its",
    "mde",
    "outcome_covariance",
    "pool",
    "power",
    "power_curve",
    "report_covariance",
    "required_practices",
    "run_chart",
    "simulate_power",
    "simulate_practice_months",
    "simulated_power_curve",
    "synthetic_control",
    "twfe",
    "xmr_chart",
]
