"""Descriptive parts of a region report: profile table, trends, timeline, caveats."""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.figure import Figure

from analysis.evaluation.disclosure import suppress_small_counts
from analysis.evaluation.findings import Language, outcome_label
from analysis.evaluation.load import RegionData


def region_profile(data: RegionData, *, threshold: int = 10) -> pd.DataFrame:
    """Practices, listed patients and FTE per year, pilot and comparison practices.

    Counts below ``threshold`` are suppressed.
    """
    panel = data.panel.assign(
        year=pd.to_datetime(data.panel["month"]).dt.year,
        group=lambda d: d["first_treated_month"].notna().map({True: "pilot", False: "comparison"}),
    )
    fte = [c for c in ("gp_fte", "nurse_fte") if c in panel.columns]
    yearly = (
        panel.groupby(["group", "year", "month"])
        .agg(
            practices=("practice_id", "nunique"),
            listed_patients=("list_size", "sum"),
            **{c: (c, "sum") for c in fte},
        )
        .groupby(["group", "year"])
        .mean()
        .round(1)
        .reset_index()
    )
    yearly["practices"] = yearly["practices"].round().astype(int)
    return suppress_small_counts(yearly, ["listed_patients"], threshold=threshold)


def plot_trends(data: RegionData, outcome: str, language: Language = "en") -> Figure:
    """Monthly mean of ``outcome`` in pilot and comparison practices, starts marked."""
    fig = Figure(figsize=(8, 3.2))
    ax = fig.subplots()
    names = {
        "en": ("pilot practices", "comparison practices"),
        "nl": ("pilotpraktijken", "vergelijkingspraktijken"),
    }[language]
    for frame, name in ((data.pilot_practices, names[0]), (data.comparison_practices, names[1])):
        if not frame.empty:
            series = frame.groupby("month")[outcome].mean()
            ax.plot(pd.to_datetime(series.index), series.to_numpy(), label=name)
    for start in data.start_months:
        ax.axvline(pd.Timestamp(start), color="grey", linestyle="--", linewidth=1)
    ax.set_title(outcome_label(outcome, language, title=True))
    ax.set_ylabel(outcome.replace("_", " "))
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def intervention_timeline(data: RegionData) -> pd.DataFrame:
    """Interventions of the region: start, end and number of practices."""
    if data.interventions.empty:
        return pd.DataFrame(columns=["intervention", "start", "end", "practices"])
    table = (
        data.interventions.groupby("intervention")
        .agg(
            start=("start_date", "min"),
            end=("end_date", "max"),
            practices=("practice_id", "nunique"),
        )
        .reset_index()
    )
    table["start"] = pd.to_datetime(table["start"]).dt.strftime("%Y-%m")
    table["end"] = pd.to_datetime(table["end"]).dt.strftime("%Y-%m").fillna("ongoing")
    return table


def action_log(data: RegionData, *, limit: int = 20) -> pd.DataFrame:
    """The region's own actions (PDSA cycles, meetings, staffing), newest ``limit``.

    External events (epidemics and the like) are left out; they are context,
    not actions of the pilot.
    """
    columns = [c for c in ("date", "kind", "text") if c in data.events.columns]
    log = data.events[columns]
    if "kind" in log.columns:
        log = log[log["kind"] != "external"]
    log = log.sort_values("date").tail(limit).reset_index(drop=True)
    if "date" in log.columns:
        log["date"] = pd.to_datetime(log["date"]).dt.strftime("%Y-%m-%d")
    return log


def data_caveats(data: RegionData) -> list[str]:
    """Plain-language caveats for this region from the ingest's quality report.

    Counts only: practice ids stay out of stakeholder reports.
    """
    practices = set(data.panel.loc[data.panel["region_id"] == data.region_id, "practice_id"])
    notes = []
    if data.dropped_practices:
        notes.append(
            f"{len(data.dropped_practices)} practice(s), pilot or comparison, left out of the "
            "effect estimates because they were not observed in every month of the study window."
        )
    for key, label in QUALITY_CHECKS.items():
        for item in data.quality.get(key, []):
            hits = _region_mentions(item, practices)
            if hits:
                column = item.get("column", "") if isinstance(item, dict) else ""
                notes.append(
                    f"{label}{f' ({column})' if column else ''}: {hits} case(s) "
                    "in this region's practices; see the data-quality report."
                )
    dropped = sum(v for v in data.quality.get("dropped", {}).values() if isinstance(v, int))
    if dropped:
        notes.append(
            f"{dropped:,} event rows were dropped study-wide at ingest; see the "
            "data-quality report for why."
        )
    return notes


QUALITY_CHECKS = {
    "implausible_rates": "Implausible values",
    "outliers": "Outliers",
    "missing_months": "Missing months",
    "months_without_contacts": "Months without contacts",
    "practices_without_list_size": "Practices without list size",
}


def _region_mentions(item: object, practices: set[str]) -> int:
    """How many of a quality item's examples concern the given practices."""
    examples = item.get("examples", [item]) if isinstance(item, dict) else [item]
    return sum(any(p in str(example) for p in practices) for example in examples)


def show(figure: Figure, *, dpi: int = 96) -> None:
    """Display a figure once in a notebook, as PNG, and release it.

    Works for figures made with or without pyplot (the library's plot methods
    build plain ``Figure`` objects, which IPython would otherwise print as text).
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    display(Image(data=buffer.getvalue(), format="png"))
    plt.close(figure)


def show_table(table: pd.DataFrame, *, precision: int = 3) -> None:
    """Display a table without its row index, numbers rounded to ``precision``."""
    from IPython.display import display

    text_columns = list(table.select_dtypes(exclude="number").columns)
    styled = table.style.hide(axis="index").format(precision=precision, na_rep="–")
    display(styled.set_properties(subset=text_columns, **{"text-align": "left"}))
