"""The GP survey in the processed data: respondents aggregated to practice and wave.

The raw ``survey`` table has one row per respondent and wave. The ingest
aggregates it to one row per practice and wave (:func:`aggregate_survey`), so
no respondent identifier leaves the ingest: per item the number of answers,
their mean and their standard deviation, from which any larger group (a region
and wave, pilot or comparison practices) is recombined exactly
(:func:`analysis.evaluation.survey.combine`).

Columns of ``survey_practice_wave.parquet``: ``practice_id``, ``region_id``,
``wave`` (the wave's date), ``n_respondents``, and per item of
:data:`SURVEY_ITEMS` ``<item>_n``, ``<item>_mean`` and ``<item>_sd`` (empty for
a single answer). ``intends_to_leave`` is a yes/no item: its mean is the share
of respondents who intend to leave.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from analysis.data.readers import quote_ident

ItemKind = Literal["score", "share"]

#: Survey items evaluated as outcomes (raw column -> kind). A ``share`` item is yes/no.
SURVEY_ITEMS: dict[str, ItemKind] = {
    "workload_score": "score",
    "burnout_score": "score",
    "job_satisfaction": "score",
    "hours_per_week": "score",
    "intends_to_leave": "share",
}
#: Name of the processed table (and its Parquet file, without ``.parquet``).
SURVEY_TABLE = "survey_practice_wave"


def _item_columns(item: str) -> str:
    value = quote_ident(item)
    if SURVEY_ITEMS[item] == "share":
        value = f"CAST({value} AS DOUBLE)"
    return (
        f"count({value}) AS {quote_ident(item + '_n')}, "
        f"avg({value}) AS {quote_ident(item + '_mean')}, "
        f"stddev_samp({value}) AS {quote_ident(item + '_sd')}"
    )


def aggregate_survey(con: duckdb.DuckDBPyConnection) -> str:
    """Create the table :data:`SURVEY_TABLE` from table ``survey``; return its name.

    One row per practice and wave; respondents are counted, never listed.
    """
    items = ",\n               ".join(_item_columns(item) for item in SURVEY_ITEMS)
    con.execute(f"""
        CREATE OR REPLACE TABLE {SURVEY_TABLE} AS
        SELECT s.practice_id, p.region_id, s.wave, count(*) AS n_respondents,
               {items}
        FROM survey s JOIN practices p USING (practice_id)
        GROUP BY ALL ORDER BY s.practice_id, s.wave""")
    return SURVEY_TABLE


def read_survey(processed_dir: Path | str) -> pd.DataFrame:
    """The processed survey (:data:`SURVEY_TABLE`) of a processed folder; empty without one."""
    path = Path(processed_dir) / f"{SURVEY_TABLE}.parquet"
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()
