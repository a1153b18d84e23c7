"""Pilot Workbench analysis library.

Evaluate primary-care pilots region by region: a data contract and ingest
(:mod:`analysis.data`), verified evaluation methods (:mod:`analysis.methods`),
and batch execution of parameterised report notebooks (:mod:`analysis.reporting`).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pilot-workbench")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
