"""Descriptive parts of a region report: profile table, trends, timeline, caveats."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from analysis.evaluation.disclosure import suppress_small_counts
from analysis.evaluation.estimate import Evaluation, outcome_scale
from analysis.evaluation.findings import Language, format_number, outcome_label
from analysis.evaluation.load import RegionData
from analysis.evaluation.texts import localise_table, report_text
from analysis.ids import require_safe_id
from analysis.methods.did import AttGtResult
from analysis.reporting.escape import literal_figure_text


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
    ax.set_ylabel(outcome_unit(outcome, language))
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def outcome_unit(outcome: str, language: Language = "en") -> str:
    """Unit of a panel outcome column, as the data contract defines it."""
    if outcome.endswith("_share"):
        return report_text("unit_share", language)
    if outcome == "gp_minutes_per_fte":
        return report_text("unit_minutes_per_fte", language)
    if outcome.endswith("minutes"):
        return report_text("unit_minutes", language)
    if "_rate" in outcome:
        return report_text("unit_rate", language)
    return outcome.replace("_", " ")


def plot_event_study(result: AttGtResult, outcome: str, language: Language = "en") -> Figure:
    """Effect per quarter since the start, in the report's language and units.

    ``result`` is the region's ``att_gt`` fit (quarterly periods). Ratio-scale
    outcomes were divided by each practice's pre-pilot mean, so their effects
    read as a percentage of that level; shares read in percentage points.
    """
    from matplotlib.ticker import FuncFormatter

    ratio = outcome_scale(outcome) == "ratio"
    fig = result.aggregate("dynamic").plot(
        xlabel=report_text("quarters_since_start", language),
        ylabel=report_text("effect_vs_baseline" if ratio else "effect_pp", language),
        title=report_text(
            "event_study",
            language,
            markdown=False,
            outcome=outcome_label(outcome, language, title=True),
        ),
        labels=(report_text("before_start", language), report_text("after_start", language)),
    )
    decimals, unit = (0, "%") if ratio else (1, "")
    fig.axes[0].yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{format_number(100 * v, decimals, language, sign=True)}{unit}")
    )
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


def data_caveats(
    data: RegionData, language: Language = "en", evaluation: Evaluation | None = None
) -> list[str]:
    """Plain-language caveats for this region, in ``language``.

    From the ingest's quality report, the practices left out of the estimates
    and, with ``evaluation``, the outcomes that could not be estimated. Counts
    only: practice ids stay out of stakeholder reports.
    """
    practices = set(data.panel.loc[data.panel["region_id"] == data.region_id, "practice_id"])
    notes = []
    if data.dropped_practices:
        notes.append(
            report_text("caveat_dropped_practices", language, n=len(data.dropped_practices))
        )
    for key, labels in QUALITY_CHECKS.items():
        for item in data.quality.get(key, []):
            hits = _region_mentions(item, practices)
            if hits:
                column = item.get("column", "") if isinstance(item, dict) else ""
                check = f"{labels[language]}{f' ({column})' if column else ''}"
                notes.append(report_text("caveat_quality", language, check=check, n=hits))
    dropped = sum(v for v in data.quality.get("dropped", {}).values() if isinstance(v, int))
    if dropped:
        n = format_number(dropped, 0, language)
        notes.append(report_text("caveat_dropped_rows", language, n=n))
    for outcome in evaluation.no_baseline if evaluation is not None else []:
        label = outcome_label(outcome, language)
        notes.append(report_text("caveat_no_baseline", language, outcome=label))
    return notes


QUALITY_CHECKS: dict[str, dict[str, str]] = {
    "implausible_rates": {"en": "Implausible values", "nl": "Onwaarschijnlijke waarden"},
    "outliers": {"en": "Outliers", "nl": "Uitschieters"},
    "missing_months": {"en": "Missing months", "nl": "Ontbrekende maanden"},
    "months_without_contacts": {
        "en": "Months without contacts",
        "nl": "Maanden zonder contacten",
    },
    "practices_without_list_size": {
        "en": "Practices without list size",
        "nl": "Praktijken zonder praktijkgrootte",
    },
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
    literal_figure_text(figure)  # names and log texts from the data: "$" is not math
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    display(Image(data=buffer.getvalue(), format="png"))
    plt.close(figure)


def save_figure(figure: Figure, folder: Path | str, name: str, *, dpi: int = 150) -> Path:
    """Write a figure as ``<folder>/<name>.png`` (the folder is made) and return the path.

    ``name`` becomes a file name, so it must be a safe id
    (:func:`analysis.ids.require_safe_id`): a region id from the data cannot
    write outside ``folder``. The file is replaced in one step.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> save_figure(Figure(), "figures", "../x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.errors.WorkbenchError: figure name '../x' is not a safe id. Fix: ...
    """
    from analysis.reporting.files import atomic_write_bytes

    path = Path(folder) / f"{require_safe_id(name, what='figure name')}.png"
    buffer = io.BytesIO()
    literal_figure_text(figure)
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(path, buffer.getvalue())


def _counts(column: pd.Series) -> bool:
    """True for counts written as text (``"29,643"``, ``"<10"``): aligned as numbers."""
    values = column.dropna().astype(str)
    return len(values) > 0 and bool(values.str.fullmatch(r"<?\d[\d.,]*").all())


def show_table(
    table: pd.DataFrame, *, precision: int = 3, language: Language | None = None
) -> None:
    """Display a table without its row index, numbers rounded to ``precision``.

    With ``language``, headers and coded values are put in the report's words
    (:func:`analysis.evaluation.texts.localise_table`) and Dutch numbers get a
    decimal comma.
    """
    from IPython.display import display

    if language is not None:
        table = localise_table(table, language)

    text_columns = [c for c in table.select_dtypes(exclude="number") if not _counts(table[c])]
    separators = {"decimal": ","} if language == "nl" else {}
    styled = (
        table.style.hide(axis="index")
        .format(precision=precision, na_rep="–", escape="html", **separators)
        .format_index(escape="html", axis=1)  # headers: outcome words may come from the data
    )
    left = {c: [{"selector": "th", "props": "text-align: left"}] for c in text_columns}
    styled = styled.set_table_styles(left, overwrite=False)
    display(styled.set_properties(subset=text_columns, **{"text-align": "left"}))
