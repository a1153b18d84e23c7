"""The reports as a stakeholder sees them: opened in headless Chromium over HTTP.

Chromium comes from Debian's ``chromium`` package, which ``make test`` installs
(``make browser``); Playwright drives it. The reports are served from
127.0.0.1, and every request a page makes is recorded: a report must load
nothing from elsewhere (no CDN: readers' addresses stay private and the report
opens offline), show its figures, raise no script errors and link only to
files that exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlparse

import numpy as np
import pytest
from matplotlib import image

from tests.pipeline.chromium import Visit, serve

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
PLANNING = ("pilot_selection", "pilot_power", "capacity_outlook")
#: The first words of each planning page: the answer opens the page.
PLANNING_TITLES = {
    "pilot_selection": "Welke regio's hebben een pilot het meest nodig?",
    "pilot_power": "Hoeveel praktijken heeft een pilot nodig?",
    "capacity_outlook": "Waar wordt het tekort aan huisartsen het grootst?",
}


@pytest.fixture(scope="module")
def reports(stakeholder_reports) -> Path:
    return stakeholder_reports


@pytest.fixture(scope="module")
def site(reports) -> Iterator[str]:
    """Base URL of an HTTP server on 127.0.0.1 serving the reports folder."""
    with serve(reports) as url:
        yield url


def report_urls(index: Visit, site: str) -> list[str]:
    """The HTML reports the index links to, without fragments."""
    urls = {link.split("#")[0] for link in index.web_links() if link.startswith(site)}
    pages = {urljoin(site, "index.html"), urljoin(site, "researchers.html")}
    return sorted(
        url
        for url in urls
        if url.endswith(".html")
        and url not in pages
        and "data_quality" not in url
        and "learning" not in url
    )


def test_index_opens_cleanly_and_every_link_resolves(browser, visit, site):
    index = visit(urljoin(site, "index.html"))
    assert index.response.status == 200
    assert index.errors == []
    assert index.foreign_requests(site) == []
    local = [link for link in index.web_links() if link.startswith(site)]
    assert local, "the index links to no report"
    statuses = {link: index.page.request.get(link).status for link in local}
    assert {link: s for link, s in statuses.items() if s != 200} == {}


def test_reports_load_nothing_from_elsewhere_and_show_their_figures(browser, visit, site):
    urls = report_urls(visit(urljoin(site, "index.html")), site)
    paths = {urlparse(u).path for u in urls}
    assert any(p.endswith("/region_evaluation.nl.html") for p in paths)
    assert any(re.search(r"/monitor/\d{4}-\d{2}\.nl\.html$", p) for p in paths)
    assert any(p.endswith("/synthesis.nl.html") for p in paths)
    kinds = {Path(p).name for p in paths}
    assert {f"{name}.nl.html" for name in PLANNING} <= kinds, "the planning pages are linked"
    for url in urls:
        report = visit(url)
        assert report.response.status == 200, url
        assert report.foreign_requests(site) == [], url
        assert report.errors == [], url
        assert report.page.locator("img").count() >= 1, f"{url} shows no figure"
        assert report.broken_images() == [], url
        # code is hidden from stakeholders; provenance is at the end
        assert report.page.locator(".jp-CodeCell .jp-InputArea, .jp-Editor").count() == 0, url
        assert report.page.locator("summary", has_text="Herkomst").count() == 1, url


def test_a_region_report_renders_visibly(browser, visit, site, tmp_path):
    urls = report_urls(visit(urljoin(site, "index.html")), site)
    report = visit(next(u for u in urls if u.endswith("region_evaluation.nl.html")))
    shot = tmp_path / "report.png"
    report.page.screenshot(path=str(shot), full_page=False)
    pixels = image.imread(shot)[..., :3]
    # not a blank page: a real spread of light and dark pixels
    assert float(np.std(pixels)) > 0.05
    assert float((pixels.mean(axis=2) < 0.5).mean()) > 0.01


def all_pages(reports: Path) -> list[Path]:
    """Every page a reader can open: stakeholder pages and the researchers' page."""
    return sorted(p for p in reports.rglob("*.html") if "_executed" not in p.parts)


def test_every_page_says_its_language_and_title_and_describes_its_figures(visit, site, reports):
    for path in all_pages(reports):
        url = urljoin(site, path.relative_to(reports).as_posix())
        page = visit(url).page
        expected = path.name.split(".")[-2] if path.name.count(".") == 2 else "nl"
        assert page.get_attribute("html", "lang") == expected, url
        title = page.title()
        assert title and title != "Notebook" and len(title) > 5, (url, title)
        alts = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.alt)")
        assert all(len(a) > 20 for a in alts), (url, alts)
    report = visit(
        urljoin(
            site,
            next(reports.glob("NL-*/region_evaluation.nl.html")).relative_to(reports).as_posix(),
        )
    )
    assert report.page.title().endswith("wat veranderde er door de pilot?")


def test_the_index_fits_a_phone_and_wide_tables_scroll_in_their_box(visit, site, reports):
    index = visit(urljoin(site, "index.html"), width=390, height=844)
    overflow = index.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the index is {overflow}px wider than a 390px phone"
    assert index.page.locator("a", has_text="evaluatierapport").first.is_visible()
    report_path = next(reports.glob("NL-*/region_evaluation.nl.html"))
    report = visit(
        urljoin(site, report_path.relative_to(reports).as_posix()), width=390, height=844
    )
    overflow = report.page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, f"the report is {overflow}px wider than a 390px phone"


def test_the_coachs_pages_fit_a_phone_and_load_nothing_from_elsewhere(visit, site, reports):
    """A monitor edition and the learning page, as a coach opens them on a phone."""
    edition = sorted(reports.glob("BE-*/monitor/*.nl.html"))[-1]
    for path in (edition, reports / "learning.html"):
        url = urljoin(site, path.relative_to(reports).as_posix())
        page = visit(url, width=390, height=844)
        assert page.response.status == 200, url
        assert page.errors == [] and page.foreign_requests(site) == [], url
        overflow = page.page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"{path.name} is {overflow}px wider than a 390px phone"
    learning = visit(urljoin(site, "learning.html"))
    assert learning.page.locator("table#regions tbody tr").count() >= 2
    assert learning.page.locator("a", has_text="Terug naar het overzicht").count() == 1


def test_a_monitor_edition_prints_on_a4(visit, site, reports, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    path = sorted(reports.glob("BE-*/monitor/*.nl.html"))[-1]
    page = visit(urljoin(site, path.relative_to(reports).as_posix()))
    pdf = tmp_path / "monitor.pdf"
    page.page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    reader = pypdf.PdfReader(str(pdf))
    texts = [p.extract_text() for p in reader.pages]
    assert all(len(t.strip()) > 40 for t in texts), "no blank page"
    assert "Sinds" in texts[0], "the edition opens with what changed since the previous one"
    assert "Enquête onder huisartsen" in "\n".join(texts)


#: A region report of the two-outcome test study prints on at most this many A4 pages.
A4_PAGE_BOUND = 12


def test_a_region_report_prints_on_a4_with_its_provenance(visit, site, reports, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    path = next(reports.glob("NL-*/region_evaluation.nl.html"))
    report = visit(urljoin(site, path.relative_to(reports).as_posix()))
    pdf = tmp_path / "report.pdf"
    report.page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    reader = pypdf.PdfReader(str(pdf))
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842), "A4 in points"
    assert 2 <= len(reader.pages) <= A4_PAGE_BOUND, len(reader.pages)
    texts = [page.extract_text() for page in reader.pages]
    assert all(len(t.strip()) > 40 for t in texts), "no blank page, also not the last"
    assert "Samenvatting" in texts[0], "the answer is on the first page"
    printed = "\n".join(texts)
    assert "git commit" in printed.split("Herkomst")[-1], "the provenance is printed, at the end"
    for text in texts:  # no heading left alone at the bottom of a page
        last = [line for line in text.strip().splitlines() if line.strip()][-1]
        assert last not in {"Details", "Bijlage", "Samenvatting"}, last


@pytest.mark.parametrize("name", PLANNING)
def test_a_planning_page_fits_a_phone_and_prints_on_a4_answer_first(
    name, visit, site, reports, tmp_path
):
    pypdf = pytest.importorskip("pypdf")
    url = urljoin(site, f"planning/{name}.nl.html")
    phone = visit(url, width=390, height=844)
    overflow = phone.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than a 390px phone"
    assert phone.page.title() == PLANNING_TITLES[name]
    assert phone.page.get_attribute("html", "lang") == "nl"
    assert phone.broken_images() == [] and phone.page.locator("img").count() >= 1
    page = visit(url)
    pdf = tmp_path / f"{name}.pdf"
    page.page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    reader = pypdf.PdfReader(str(pdf))
    assert (round(float(reader.pages[0].mediabox.width)), len(reader.pages) <= 8) == (595, True)
    texts = [page.extract_text() for page in reader.pages]
    filled = [len(page.extract_text().strip()) > 40 or len(page.images) for page in reader.pages]
    assert all(filled), "no blank page (a page may hold a figure alone)"
    first = " ".join(texts[0].split())
    assert PLANNING_TITLES[name] in first, "the question and its answer open the page"
    assert "git commit" in "\n".join(texts).split("Herkomst")[-1]
