"""pytest at the project root: the notebooks in ``notebooks/`` are part of the suite.

``pytest --nbval-lax notebooks`` (the second step of ``make test``) runs every
notebook under nbval; ``tests/notebook_runs.py`` says how. The paired ``.py``
scripts are notebooks, not test modules: they are never imported for doctests.
"""

pytest_plugins = ["tests.notebook_runs"]
collect_ignore_glob = ["notebooks/*.py"]
