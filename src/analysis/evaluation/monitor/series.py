"""The monitor's data: a region's monthly series up to an edition's month, and its baseline.

An edition of the monitor (``--as-of YYYY-MM``) sees the data up to the end of
that month and nothing later: the region-month series, the action log and the
interventions that had started. Run again later on the same data, it says the
same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.processed import read_processed, read_regions
from analysis.errors import WorkbenchError
from analysis.evaluation.load import RegionData
from analysis.methods.seasonal import SEASONAL_BASELINE_MIN
from analysis.words import Words
from analysis.words.indicators import builtin_indicators

#: Indicators a coach sees by default (columns of ``region_month.parquet``).
MONITOR_INDICATORS: tuple[str, ...] = (
    "referral_rate_medical_specialist",
    "gp_contact_rate",
    "non_gp_contact_share",
    "e_consult_share",
    "third_next_available_days",
    "share_accepting_new_patients",
)
BASELINE_MIN = 12  # fewest months for a baseline (centre line and limits)
#: Months before the pilot start that the charts keep (a seasonal baseline needs two years).
PRE_START_MONTHS = SEASONAL_BASELINE_MIN


def edition_end(as_of: str | None) -> pd.Timestamp | None:
    """The first day of the edition's month (``"2025-06"`` -> 2025-06-01), or ``None``.

    Examples
    --------
    >>> edition_end("2025-06")
    Timestamp('2025-06-01 00:00:00')
    """
    if not as_of:
        return None
    try:
        return pd.Period(as_of, "M").to_timestamp()
    except ValueError:
        raise WorkbenchError(f"as_of {as_of!r} is not a month. Fix: write it as YYYY-MM") from None


def _region_row(processed_dir: Path, region_id: str) -> pd.Series:
    regions = read_regions(processed_dir, region_id)
    return regions[regions["region_id"] == region_id].iloc[0]


def pilot_start(
    processed_dir: Path | str, region_id: str, *, as_of: str | None = None
) -> pd.Timestamp | None:
    """The month the region's pilot started, or ``None`` without a pilot (by ``as_of``).

    Examples
    --------
    >>> pilot_start("data/processed", "NL-KNH")  # doctest: +SKIP
    Timestamp('2019-03-01 00:00:00')
    """
    row = _region_row(Path(processed_dir), region_id)
    start = row.get("first_start")
    if start is None or pd.isna(start):
        return None
    end = edition_end(as_of)
    return None if end is not None and pd.Timestamp(start) > end else pd.Timestamp(start)


def monitor_series(
    processed_dir: Path | str,
    region_id: str,
    indicators: Sequence[str] = MONITOR_INDICATORS,
    *,
    months: int | None = 36,
    pre_start_months: int = PRE_START_MONTHS,
    as_of: str | None = None,
) -> pd.DataFrame:
    """Monthly series of a region: ``month`` plus one column per indicator.

    Parameters
    ----------
    processed_dir
        Folder written by ``workbench ingest`` (reads ``region_month.parquet``
        and ``regions.parquet``).
    region_id
        Id from the regions table.
    indicators
        Columns of ``region_month.parquet``.
    months
        Show the latest ``months`` months (``None`` or 0: all). For a pilot
        region the window reaches back to ``pre_start_months`` months before
        the pilot start when the data have them, so the charts can compare
        with the pre-pilot period.
    pre_start_months
        Pre-pilot months to keep in the window.
    as_of
        ``YYYY-MM``: the series ends with that month (an edition).

    Returns
    -------
    pandas.DataFrame
        One row per calendar month in time order (months missing from the data
        appear with missing values).

    Examples
    --------
    >>> s = monitor_series("data/processed", "BE-ELZ01", ["gp_contact_rate"])  # doctest: +SKIP
    >>> list(s.columns), len(s)  # doctest: +SKIP
    (['month', 'gp_contact_rate'], 36)
    """
    processed_dir = Path(processed_dir)
    _region_row(processed_dir, region_id)
    panel = read_processed(processed_dir, "region_month")
    indicators = list(indicators)
    missing = [c for c in indicators if c not in panel.columns or c in ("region_id", "month")]
    if missing:
        numeric = panel.select_dtypes("number").columns
        raise WorkbenchError(
            f"indicator(s) {missing} are not columns of {processed_dir / 'region_month.parquet'}."
            f" Fix: use some of {', '.join(numeric[:12])}, …"
        )
    rows = panel.loc[panel["region_id"] == region_id, ["month", *indicators]]
    end = edition_end(as_of)
    if end is not None:
        rows = rows[pd.to_datetime(rows["month"]) <= end]
    start = pilot_start(processed_dir, region_id, as_of=as_of)
    return _window(_complete_months(rows), months, start, pre_start_months)


def withhold_small_shares(
    series: pd.DataFrame,
    processed_dir: Path | str,
    region_id: str,
    *,
    threshold: int,
) -> tuple[pd.DataFrame, list[str]]:
    """Blank the months in which a share is taken of fewer than ``threshold`` units.

    A share of 5 of 6 practices tells who did what; such months are left out of
    the signals and not plotted. The units come from the indicator catalogue's
    ``denominator`` (practices, contacts).

    Returns
    -------
    tuple
        The series with those values missing, and the indicators that lost months.
    """
    catalogue = builtin_indicators()
    shares = {
        c: catalogue[c].denominator
        for c in series.columns
        if c in catalogue and catalogue[c].denominator
    }
    if not shares:
        return series, []
    panel = read_processed(Path(processed_dir), "region_month")
    units = panel.loc[panel["region_id"] == region_id].set_index("month")
    out, hit = series.copy(), []
    for column, denominator in shares.items():
        counts = out["month"].map(units[denominator]) if denominator in units else None
        small = counts.isna() | (counts < threshold) if counts is not None else None
        if small is not None and bool((small & out[column].notna()).any()):
            out.loc[small, column] = np.nan
            hit.append(column)
    return out, hit


def region_as_of(data: RegionData, as_of: str | None) -> RegionData:
    """The region's data as an edition of ``as_of`` sees them.

    Action-log entries up to the end of the month and the interventions that
    had started by then; the panel is left whole (the monitor reads the
    region-month series through :func:`monitor_series`).
    """
    end = edition_end(as_of)
    if end is None:
        return data
    last_day = end + pd.offsets.MonthEnd(0)
    events = data.events[pd.to_datetime(data.events["date"]) <= last_day]
    started = pd.to_datetime(data.interventions["start_date"]) <= last_day
    return replace(
        data,
        events=events.reset_index(drop=True),
        interventions=data.interventions[started].reset_index(drop=True),
    )


def _complete_months(rows: pd.DataFrame) -> pd.DataFrame:
    """Sort by month and add the calendar months missing between the first and last."""
    rows = rows.assign(month=pd.to_datetime(rows["month"])).sort_values("month")
    if rows.empty:
        return rows.reset_index(drop=True)
    calendar = pd.date_range(rows["month"].iloc[0], rows["month"].iloc[-1], freq="MS")
    full = rows.set_index("month").reindex(calendar)
    return full.rename_axis("month").reset_index()


def _window(
    series: pd.DataFrame, months: int | None, start: pd.Timestamp | None, pre_start: int
) -> pd.DataFrame:
    if not months or series.empty:
        return series
    if months < 0:
        raise ValueError(f"months must be positive (or 0 for all), got {months}")
    first = series["month"].iloc[-1] - pd.DateOffset(months=months - 1)
    if start is not None and start > series["month"].iloc[0]:
        first = min(first, start - pd.DateOffset(months=pre_start))
    return series[series["month"] >= first].reset_index(drop=True)


# --------------------------------------------------------------------------- baseline


@dataclass(frozen=True)
class Baseline:
    """The months that set the centre lines and limits.

    Attributes
    ----------
    points
        Number of leading months of the series in the baseline (0: too few data).
    pre_pilot
        Whether these are the months before the pilot start.
    pilot_start
        The pilot's first month, if any.
    first_month, last_month
        First and last month of the baseline.
    minimum
        Fewest months a baseline needs (more for a seasonal pattern).
    """

    points: int
    pre_pilot: bool
    pilot_start: pd.Timestamp | None
    first_month: pd.Timestamp | None
    last_month: pd.Timestamp | None
    minimum: int = BASELINE_MIN

    def describe(self, words: Words) -> str:
        """One sentence for the reader on where the centre lines come from."""
        if self.points < 2:
            return words.text("monitor.base_empty")
        months = {"a": words.month(self.first_month), "b": words.month(self.last_month)}
        if self.pre_pilot:
            return words.text("monitor.base_pre", n=self.points, **months)
        if self.pilot_start is None:
            return words.text("monitor.base_none", n=self.points, **months)
        return words.text(
            "monitor.base_short",
            m=self.minimum,
            s=words.month(self.pilot_start),
            n=self.points,
            **months,
        )


def choose_baseline(
    series: pd.DataFrame, start: pd.Timestamp | None, *, minimum: int = BASELINE_MIN
) -> Baseline:
    """The pre-pilot months when there are at least ``minimum``, else the first ``minimum``.

    Parameters
    ----------
    series
        Output of :func:`monitor_series` (needs ``month``).
    start
        The pilot's first month (:func:`pilot_start`), or ``None``.
    minimum
        Fewest months for a pre-pilot baseline, and the length of the fallback.

    Examples
    --------
    >>> s = pd.DataFrame({"month": pd.date_range("2023-01-01", periods=30, freq="MS")})
    >>> choose_baseline(s, pd.Timestamp("2024-07-01")).points
    18
    >>> choose_baseline(s, None).points
    12
    """
    months = pd.to_datetime(series["month"]).reset_index(drop=True)
    start = None if start is None or pd.isna(start) else pd.Timestamp(start)
    pre = int((months < start).sum()) if start is not None else 0
    pre_pilot = pre >= minimum
    points = pre if pre_pilot else min(minimum, len(months))
    return Baseline(
        points=points,
        pre_pilot=pre_pilot,
        pilot_start=start,
        first_month=months.iloc[0] if points else None,
        last_month=months.iloc[points - 1] if points else None,
        minimum=minimum,
    )
