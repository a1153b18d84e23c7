"""Synthetic demo data with known injected effects.

:func:`generate_demo` writes a complete raw data set (the tables of
:mod:`analysis.data.contract`) for two studies, plus ``ground_truth.json``:

* NL, "Meer tijd voor de patiënt": staggered pilots in Noord-Limburg (2016,
  longer consults: fewer hospital referrals, diagnostics and prescriptions,
  more physiotherapy, fewer returns for the same complaint, more job
  satisfaction), Gorinchem (2017, longer consults and a welfare coach) and
  Kop van Noord-Holland (2019, practice nurses hired practice by practice:
  fewer GP contacts per GP FTE), with comparison regions; data 2014-2021.
* BE, zorgstroomcoach: 8 of the 60 Flemish eerstelijnszones in two waves
  (2024 and 2025); everywhere fewer patient stops, shorter waiting times and
  a lower workload in the GP survey, and the zones differ in what else the
  coach worked on (practice nurse, welfare coach, digital triage); data
  2022-2026, survey waves each autumn from 2024.

The package has one module per stage:

* :mod:`~analysis.data.demo.scenario` - regions, pilots, effects and magnitudes
  as data to review (a new input or effect starts here);
* :mod:`~analysis.data.demo.simulate` - practices, capacity, effects over time,
  expected counts and the ground truth;
* :mod:`~analysis.data.demo.events` - event tables drawn and streamed to Parquet;
* :mod:`~analysis.data.demo.logs` - interventions, action log, survey;
* :mod:`~analysis.data.demo.planning` - the planning inputs (population by age group
  with a projection, contacts per age group, GPs by age band, GP training);
* :mod:`~analysis.data.demo.write` - :func:`generate_demo`: checks, staging, files.

Magnitudes follow DESIGN.md ("Realistic magnitudes"). Effects ramp up
linearly over the first :data:`~analysis.data.demo.scenario.RAMP_MONTHS`
months after the start.
"""

from analysis.data.demo.write import DEMO_STAGING, Scale, generate_demo

__all__ = ["DEMO_STAGING", "Scale", "generate_demo"]
