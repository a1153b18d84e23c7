"""No stakeholder page of the demo batch shows a patient or practice id or a small count.

Scans every page a stakeholder may get (region reports, monitors, synthesis,
index, data-quality pages; not the researchers' page or the executed
notebooks) for every patient id and practice id in the demo data, and every
table for a count below the disclosure threshold.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
THRESHOLD = 10  # the test study's disclosure_threshold (tests/pipeline/conftest.py)


class _Cells(HTMLParser):
    """Text of every table cell, with the header of its column."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self._headers: list[str] = []
        self._column = 0
        self._text: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self._headers = []
        elif tag == "tr":
            self._column = 0
        elif tag in ("td", "th"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._text is not None:
            text = " ".join("".join(self._text).split())
            if tag == "th" and len(self._headers) <= self._column:
                self._headers.append(text)
            elif tag == "td":
                header = self._headers[self._column] if self._column < len(self._headers) else ""
                self.cells.append((header, text))
            self._column += 1
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def stakeholder_pages(reports: Path) -> list[Path]:
    pages = [
        p
        for p in reports.rglob("*.html")
        if "_executed" not in p.parts and p.name != "researchers.html"
    ]
    assert len(pages) >= 8, pages
    return sorted(pages)


@pytest.fixture(scope="module")
def demo_ids(demo_data: Path) -> tuple[set[str], set[str]]:
    raw = demo_data / "raw"
    patients = set(pd.read_parquet(raw / "contacts.parquet", columns=["patient_id"])["patient_id"])
    practices = set(pd.read_csv(raw / "practices.csv", dtype=str)["practice_id"])
    return {str(p) for p in patients}, practices


def test_no_stakeholder_page_shows_a_patient_or_practice_id(stakeholder_reports, demo_ids):
    patients, practices = demo_ids
    practice_pattern = re.compile("|".join(re.escape(p) for p in sorted(practices, key=len)[::-1]))
    for page in stakeholder_pages(stakeholder_reports):
        text = page.read_text(encoding="utf-8")
        assert "patient_id" not in text, page
        found = {m.group(0) for m in practice_pattern.finditer(text)}
        assert not found, f"{page.name} shows practice ids {sorted(found)[:5]}"
        numbers = set(re.findall(r"(?<![\w.,])\d{6,10}(?![\w.,])", text))
        assert not numbers & patients, f"{page.name} shows patient ids"


#: Columns whose whole numbers are not counts of people or practices (PDSA cycles on the
#: learning page are counts of a region's actions).
NOT_COUNTS = re.compile(r"jaar|year|datum|date|maand|month|start|einde|end|cycl", re.IGNORECASE)


def test_no_table_shows_a_count_below_the_threshold(stakeholder_reports):
    small = []
    for page in stakeholder_pages(stakeholder_reports):
        parser = _Cells()
        parser.feed(page.read_text(encoding="utf-8"))
        for header, text in parser.cells:
            if NOT_COUNTS.search(header):
                continue
            if re.fullmatch(r"\d{1,3}", text) and 0 < int(text) < THRESHOLD:
                small.append((page.name, header, text))
    assert not small, f"counts below {THRESHOLD} in tables: {small[:10]}"


def test_small_counts_are_shown_as_below_the_threshold(stakeholder_reports):
    report = next(stakeholder_reports.glob("NL-*/region_evaluation.nl.html"))
    text = report.read_text(encoding="utf-8")
    assert f"&lt;{THRESHOLD}" in text, "the profile's practice counts are suppressed"
    assert "Praktijk A" in text or "minder dan" in text


def _table_rows(page: Path) -> list[dict[str, str]]:
    """The rows of every table on a page, as header -> cell text."""
    parser = _Cells()
    parser.feed(page.read_text(encoding="utf-8"))
    rows: list[dict[str, str]] = []
    for header, text in parser.cells:
        if not rows or header in rows[-1]:
            rows.append({})
        rows[-1][header] = text
    return rows


def test_the_capacity_outlook_shows_no_region_with_few_gps(stakeholder_reports, demo_data):
    workforce = pd.read_csv(demo_data / "raw" / "gp_workforce.csv")
    practices = pd.read_csv(demo_data / "raw" / "practices.csv")
    regions = pd.read_csv(demo_data / "raw" / "regions.csv")
    gps = workforce.merge(practices, on="practice_id").groupby("region_id")["gps"].sum()
    few = set(regions.set_index("region_id").loc[gps[gps < THRESHOLD].index, "name"])
    assert few, "the demo has regions with few GPs counted"
    page = stakeholder_reports / "planning" / "capacity_outlook.nl.html"
    shown = {row["regio"] for row in _table_rows(page) if "regio" in row}
    assert shown and not shown & few, f"regions with fewer than {THRESHOLD} GPs: {shown & few}"


def test_the_selection_withholds_what_rests_on_few_practices(stakeholder_reports):
    page = stakeholder_reports / "planning" / "pilot_selection.nl.html"
    ranking = [row for row in _table_rows(page) if "kans in de top 8" in row]
    few = [row for row in ranking if row["praktijken"] == f"<{THRESHOLD}"]
    assert few, "the demo's zones have one practice each"
    assert all(row["patiëntenstop"] == "–" for row in few), "a share of few practices is shown"
    assert all(row["ervaren werkdruk"] == "–" for row in few), "a survey mean of few GPs is shown"
    assert all(row["fte huisarts per 10.000 patiënten"] != "–" for row in few)
