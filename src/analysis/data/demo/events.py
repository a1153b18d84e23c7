"""The demo's event tables: contacts, referrals and prescriptions, drawn and streamed to Parquet.

Events are drawn per chunk of practice-months from the expected counts of
:func:`analysis.data.demo.simulate.expected` (Poisson, with practice-month
overdispersion) with vectorised NumPy, and written as Parquet row groups, so
the ``national`` scale (about 50 million contacts) runs in bounded memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.data.contract import CONTACT_TYPES, DESTINATIONS, PROVIDER_ROLES
from analysis.data.demo.scenario import ATC_CODES, ICPC_CODES, ICPC_P, SPECIALTIES
from analysis.data.demo.simulate import CELL_ROLE, CELL_TYPE, epoch_days, expected
from analysis.data.panel import REPEAT_WINDOW_DAYS


def _dict_array(indices: np.ndarray, values: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices.astype(np.int32)), pa.array(list(values), pa.string())
    )


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row (practice-month) and column (cell) index of every event of a count matrix."""
    flat = np.repeat(np.arange(counts.size, dtype=np.int64), counts.ravel())
    return flat // counts.shape[1], flat % counts.shape[1]


def _days(
    rng: np.random.Generator, month_days: np.ndarray, month_len: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Days since 1970 of events in the practice-months ``rows``, uniform within the month."""
    return month_days[rows] + (rng.random(len(rows)) * month_len[rows]).astype(np.int32)


def _dates(
    rng: np.random.Generator, month_days: np.ndarray, month_len: np.ndarray, rows: np.ndarray
) -> pa.Array:
    return pa.array(_days(rng, month_days, month_len, rows), pa.int32()).cast(pa.date32())


def _patient_numbers(
    rng: np.random.Generator, pnum: np.ndarray, lst: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    k = (rng.random(len(rows)) * lst[rows]).astype(np.int64)
    return pnum[rows] * 10_000_000 + k


def _patients(
    rng: np.random.Generator, pnum: np.ndarray, lst: np.ndarray, rows: np.ndarray
) -> pa.Array:
    return pa.array(_patient_numbers(rng, pnum, lst, rows), pa.int64())


def _returns(
    rng: np.random.Generator,
    practice: np.ndarray,
    day: np.ndarray,
    share: np.ndarray,
    *columns: np.ndarray,
) -> list[np.ndarray]:
    """``columns`` (patient, ICPC code) with a ``share`` of contacts made returns.

    A return copies the patient and complaint of an earlier contact of the same
    practice 1 to :data:`~analysis.data.panel.REPEAT_WINDOW_DAYS` days before it,
    chosen at random (a return to a return keeps the first contact's patient and
    complaint). A contact with no earlier contact in that window stays as drawn.
    """
    order = np.lexsort((day, practice))
    key = practice[order].astype(np.int64) * 1_000_000 + day[order]
    first = np.searchsorted(key, key - REPEAT_WINDOW_DAYS, side="left")
    end = np.searchsorted(key, key - 1, side="right")
    is_return = (rng.random(len(key)) < share[order]) & (end > first)
    pick = first + (rng.random(len(key)) * (end - first)).astype(np.int64)
    root = np.where(is_return, pick, np.arange(len(key)))
    while True:  # follow returns to their first contact (always earlier: no cycles)
        deeper = root[root]
        if np.array_equal(deeper, root):
            break
        root = deeper
    out = []
    for column in columns:
        copied = np.empty_like(column)
        copied[order] = column[order][root]
        out.append(copied)
    return out


class _Writers:
    """Parquet writers of the three event tables (one row group per chunk)."""

    SCHEMAS = {
        "contacts": pa.schema(
            [
                ("practice_id", pa.dictionary(pa.int32(), pa.string())),
                ("patient_id", pa.int64()),
                ("date", pa.date32()),
                ("contact_type", pa.dictionary(pa.int32(), pa.string())),
                ("provider_role", pa.dictionary(pa.int32(), pa.string())),
                ("minutes", pa.int16()),
                ("icpc", pa.dictionary(pa.int32(), pa.string())),
            ]
        ),
        "referrals": pa.schema(
            [
                ("practice_id", pa.dictionary(pa.int32(), pa.string())),
                ("patient_id", pa.int64()),
                ("date", pa.date32()),
                ("destination", pa.dictionary(pa.int32(), pa.string())),
                ("specialty", pa.dictionary(pa.int32(), pa.string())),
                ("icpc", pa.dictionary(pa.int32(), pa.string())),
            ]
        ),
        "prescriptions": pa.schema(
            [
                ("practice_id", pa.dictionary(pa.int32(), pa.string())),
                ("patient_id", pa.int64()),
                ("date", pa.date32()),
                ("atc", pa.dictionary(pa.int32(), pa.string())),
            ]
        ),
    }

    def __init__(self, out_dir: Path) -> None:
        self.writers = {
            name: pq.ParquetWriter(
                out_dir / f"{name}.parquet", schema, compression="zstd", compression_level=1
            )
            for name, schema in self.SCHEMAS.items()
        }
        self.rows = dict.fromkeys(self.SCHEMAS, 0)

    def write(self, name: str, columns: list[pa.Array]) -> None:
        table = pa.Table.from_arrays(columns, schema=self.SCHEMAS[name])
        self.writers[name].write_table(table, row_group_size=1 << 20)
        self.rows[name] += table.num_rows

    def close(self) -> None:
        for w in self.writers.values():
            w.close()


def _chunk_events(
    cap: pd.DataFrame,
    pr: pd.DataFrame,
    eff: dict,
    season: dict,
    rng: np.random.Generator,
    writers: _Writers,
) -> None:
    """Draw and write the events of one chunk of practice-months."""
    x = expected(cap, pr, eff, season)
    n = len(cap)
    noise = rng.gamma(1 / 0.06**2, 0.06**2, n)  # practice-month overdispersion, CV 6 %
    p_arr = cap["_p"].to_numpy()
    ids = tuple(pr.practice_id)
    month_days = epoch_days(pd.DatetimeIndex(cap["month"]))
    month_len = pd.DatetimeIndex(cap["month"]).days_in_month.to_numpy()
    lst = cap["list_size"].to_numpy(float)
    pnum = p_arr.astype(np.int64) + 1

    counts = rng.poisson(x.cells * noise[:, None])
    rows, cell = _expand(counts)
    mins = x.minutes[rows, cell] * rng.gamma(6.0, 1 / 6.0, len(rows))
    icpc = rng.choice(len(ICPC_CODES), size=len(rows), p=ICPC_P)
    patient = _patient_numbers(rng, pnum, lst, rows)
    day = _days(rng, month_days, month_len, rows)
    patient, icpc = _returns(rng, p_arr[rows], day, x.returns[rows], patient, icpc)
    writers.write(
        "contacts",
        [
            _dict_array(p_arr[rows], ids),
            pa.array(patient, pa.int64()),
            pa.array(day, pa.int32()).cast(pa.date32()),
            _dict_array(CELL_TYPE[cell], CONTACT_TYPES),
            _dict_array(CELL_ROLE[cell], PROVIDER_ROLES),
            pa.array(np.clip(np.round(mins), 1, 240).astype(np.int16)),
            _dict_array(icpc, ICPC_CODES),
        ],
    )

    counts = rng.poisson(x.referrals * noise[:, None])
    rows, dest = _expand(counts)
    spec = rng.integers(0, len(SPECIALTIES), len(rows))
    spec_arr = pa.DictionaryArray.from_arrays(
        pa.array(spec.astype(np.int32), mask=dest != 0), pa.array(list(SPECIALTIES))
    )
    writers.write(
        "referrals",
        [
            _dict_array(p_arr[rows], ids),
            _patients(rng, pnum, lst, rows),
            _dates(rng, month_days, month_len, rows),
            _dict_array(dest, DESTINATIONS),
            spec_arr,
            _dict_array(rng.choice(len(ICPC_CODES), size=len(rows), p=ICPC_P), ICPC_CODES),
        ],
    )

    counts = rng.poisson(x.prescriptions * noise)[:, None]
    rows, _ = _expand(counts)
    writers.write(
        "prescriptions",
        [
            _dict_array(p_arr[rows], ids),
            _patients(rng, pnum, lst, rows),
            _dates(rng, month_days, month_len, rows),
            _dict_array(rng.integers(0, len(ATC_CODES), len(rows)), ATC_CODES),
        ],
    )


def write_events(
    out_dir: Path,
    cap: pd.DataFrame,
    pr: pd.DataFrame,
    eff: dict,
    season: dict,
    seed: int,
    chunk_events: int,
) -> dict[str, int]:
    """Generate the event tables chunk by chunk (bounded memory).

    A chunk holds whole practices (``cap`` is ordered by practice), so a return
    visit finds the practice's earlier contacts in its own chunk.
    """
    writers = _Writers(out_dir)
    per_row = cap["list_size"].to_numpy(float) * 0.8  # rough events per practice-month
    bounds = np.searchsorted(
        np.cumsum(per_row), np.arange(chunk_events, per_row.sum(), chunk_events)
    )
    candidates = np.append(np.flatnonzero(np.diff(cap["_p"].to_numpy()) != 0) + 1, len(cap))
    moved = candidates[np.searchsorted(candidates, bounds)]
    edges = sorted({0, *moved.tolist(), len(cap)})
    seqs = np.random.SeedSequence([seed, 7]).spawn(len(edges) - 1)
    try:
        for (a, b), ss in zip(zip(edges[:-1], edges[1:], strict=True), seqs, strict=True):
            if b > a:
                sl = slice(a, b)
                _chunk_events(
                    cap.iloc[sl],
                    pr,
                    {k: v[sl] for k, v in eff.items()},
                    season,
                    np.random.default_rng(ss),
                    writers,
                )
    finally:
        writers.close()
    return writers.rows
