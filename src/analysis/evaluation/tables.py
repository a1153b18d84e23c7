"""The tables of a region report, disclosure-controlled, in the reader's words.

Counts below the disclosure threshold ``k`` are shown as ``<k``; practices appear
under a pseudonym (Praktijk A, B, ...), also inside action-log texts, unless the
study allows their ids to be shown. :func:`show_table` displays a table with
headers and coded values in the report's language, every cell escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from string import ascii_uppercase

import pandas as pd

from analysis.evaluation.disclosure import IDENTIFIER_COLUMNS
from analysis.evaluation.load import RegionData
from analysis.words import Words


def pseudonym_letters(n: int) -> list[str]:
    """``A``, ``B``, ..., ``Z``, ``AA``, ``AB``, ...: ``n`` distinct letter codes.

    Examples
    --------
    >>> pseudonym_letters(28)[-3:]
    ['Z', 'AA', 'AB']
    """
    letters: list[str] = []
    width = 1
    while len(letters) < n:
        codes = [""]
        for _ in range(width):
            codes = [c + a for c in codes for a in ascii_uppercase]
        letters += codes
        width += 1
    return letters[:n]


def practice_pseudonyms(data: RegionData, words: Words) -> dict[str, str]:
    """Practice id -> ``Praktijk A``...: the region's own practices first, in id order."""
    own = sorted(data.panel.loc[data.panel["region_id"] == data.region_id, "practice_id"].unique())
    others = sorted(set(data.panel["practice_id"].unique()) - set(own))
    ids = [*own, *others]
    return {
        pid: words.text("disclosure.practice", letter=letter)
        for pid, letter in zip(ids, pseudonym_letters(len(ids)), strict=True)
    }


def pseudonymise(text: object, pseudonyms: Mapping[str, str]) -> object:
    """``text`` with every practice id in it replaced by its pseudonym.

    Examples
    --------
    >>> pseudonymise("Praktijk NL-P003: POH +0.2 fte", {"NL-P003": "Praktijk C"})
    'Praktijk Praktijk C: POH +0.2 fte'
    """
    if not isinstance(text, str) or not pseudonyms:
        return text
    pattern = _id_pattern(tuple(sorted(pseudonyms, key=len, reverse=True)))
    return pattern.sub(lambda m: pseudonyms[m.group(0)], text)


def _id_pattern(ids: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(i) for i in ids)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def suppress_counts(
    table: pd.DataFrame, columns: Iterable[str], words: Words, k: int
) -> pd.DataFrame:
    """A copy with the count ``columns`` as text, counts below ``k`` (not 0) shown as ``<k``."""
    out = table.drop(columns=[c for c in IDENTIFIER_COLUMNS if c in table.columns])
    for column in columns:
        out[column] = out[column].map(lambda n: words.count(n, k))
    return out


def region_profile(data: RegionData, words: Words, *, threshold: int) -> pd.DataFrame:
    """Practices, listed patients and FTE per year, pilot and comparison practices.

    Means over the months of each year; practices and patients are counts and
    are suppressed below ``threshold``.
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
        .sort_values(["group", "year"], ascending=[False, True])
    )
    yearly["practices"] = yearly["practices"].round()
    yearly["year"] = yearly["year"].astype(str)  # a year is a label, not a number to group
    return suppress_counts(yearly, ["practices", "listed_patients"], words, threshold)


def intervention_timeline(data: RegionData, words: Words, *, threshold: int) -> pd.DataFrame:
    """The region's interventions: start and end month and the number of practices."""
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
        .sort_values("start")
    )
    table["intervention"] = table["intervention"].map(words.intervention)
    table["start"] = table["start"].map(words.month)
    table["end"] = table["end"].map(lambda d: words.month(d) if pd.notna(d) else "ongoing")
    return suppress_counts(table, ["practices"], words, threshold)


def action_log(
    data: RegionData,
    words: Words,
    *,
    limit: int = 20,
    show_practice_ids: bool = False,
) -> pd.DataFrame:
    """The region's own actions (PDSA cycles, meetings, staffing), newest ``limit``.

    External events (epidemics and the like) are left out: they are context,
    not actions of the pilot. Practice ids in the texts become pseudonyms unless
    ``show_practice_ids``.
    """
    columns = [c for c in ("date", "kind", "text") if c in data.events.columns]
    log = data.events[columns]
    if "kind" in log.columns:
        log = log[log["kind"] != "external"]
    log = log.sort_values("date").tail(limit).reset_index(drop=True)
    if "date" in log.columns:
        log["date"] = pd.to_datetime(log["date"]).dt.strftime("%Y-%m-%d")
    if "text" in log.columns and not show_practice_ids:
        pseudonyms = practice_pseudonyms(data, words)
        log["text"] = log["text"].map(lambda t: pseudonymise(t, pseudonyms))
    return log


def localise_table(table: pd.DataFrame, words: Words) -> pd.DataFrame:
    """A copy of ``table`` with report headers and coded values in the report's words.

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["comparison"], "listed_patients": [31000]})
    >>> localise_table(table, Words("nl")).to_dict("records")
    [{'groep': 'vergelijking', 'ingeschreven patiënten': 31000}]
    """
    out = table.copy()
    for column in out.select_dtypes(include=["object", "string"]).columns:
        out[column] = out[column].map(lambda v: words.value(v) if isinstance(v, str) else v)
    return out.rename(columns=lambda c: words.column(str(c)))


def _counts(column: pd.Series) -> bool:
    """True for counts written as text (``"29.643"``, ``"<10"``): aligned as numbers."""
    values = column.dropna().astype(str)
    return len(values) > 0 and bool(values.str.fullmatch(r"<?\d[\d.,]*").all())


def show_table(
    table: pd.DataFrame,
    *,
    words: Words,
    precision: int = 1,
    cell_styles: pd.DataFrame | None = None,
) -> None:
    """Display a table without its row index, in the report's words, every cell escaped.

    Numbers get the language's decimal mark; text columns are left-aligned,
    numbers and counts right-aligned. ``cell_styles``, a table of the same
    shape and columns, gives cells their own CSS (the monitor's coloured icons).
    """
    from IPython.display import display

    styles = None
    if cell_styles is not None:
        styles = cell_styles.reindex(index=table.index, columns=table.columns).fillna("")
    table = localise_table(table, words)
    text_columns = [c for c in table.select_dtypes(exclude="number") if not _counts(table[c])]
    marks = {"decimal": ",", "thousands": "."} if words.language == "nl" else {"thousands": ","}
    styled = (
        table.style.hide(axis="index")
        .format(precision=precision, na_rep="–", escape="html", **marks)
        .format_index(escape="html", axis=1)
    )
    left = {c: [{"selector": "th", "props": "text-align: left"}] for c in text_columns}
    styled = styled.set_table_styles(left, overwrite=False)
    styled = styled.set_properties(subset=text_columns, **{"text-align": "left"})
    if styles is not None:
        styled = styled.apply(lambda _: styles.to_numpy(), axis=None)
    display(styled)
