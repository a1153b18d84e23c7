"""Data: the raw-data contract, the synthetic demo, and the ingest.

* :mod:`analysis.data.contract` - the contract (pandera schemas, docs tables);
* :mod:`analysis.data.demo` - :func:`generate_demo`, synthetic data with known effects;
* :mod:`analysis.data.ingest` - :func:`ingest`, raw files -> processed panel;
* :mod:`analysis.data.readers`, :mod:`analysis.data.validate`,
  :mod:`analysis.data.panel`, :mod:`analysis.data.quality` - its parts.
"""

from analysis.data.demo import generate_demo
from analysis.data.ingest import IngestSummary, connect, ingest

__all__ = ["IngestSummary", "connect", "generate_demo", "ingest"]
