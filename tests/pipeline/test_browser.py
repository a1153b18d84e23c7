"""The reports as a stakeholder sees them: opened in headless Chromium over HTTP.

Chromium comes from Debian's ``chromium`` package, which ``make test`` installs
(``make browser``); Playwright drives it. The reports are served from
127.0.0.1, and every request a page makes is recorded: a report must load
nothing from elsewhere (no CDN: readers' addresses stay private and the report
opens offline), show its figures, raise no script errors and link only to
files that exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlparse

import numpy as np
import pytest
from matplotlib import image

from analysis import pipeline
from analysis.config import load_config
from tests.pipeline.chromium import Visit, serve
from tests.pipeline.conftest import make_project, write_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def reports(tmp_path_factory, demo_data) -> Path:
    """Reports of a Dutch and two Flemish pilot regions (so the synthesis pools), index."""
    project = make_project(tmp_path_factory.mktemp("browser"), demo_data)
    table = pipeline.region_table(load_config(project / "workbench.toml"))
    pilots = table[table["pilot"].astype(bool)]
    regions = [
        *pilots[pilots["country"] == "NL"]["region_id"].head(1),
        *pilots[pilots["country"] == "BE"]["region_id"].head(2),
    ]
    write_config(project, regions=json.dumps(regions))
    config = load_config(project / "workbench.toml")
    result = pipeline.build_reports(config)
    assert {o.status for o in result.outcomes} == {"ok"}, result.outcomes
    return config.reports_dir


@pytest.fixture(scope="module")
def site(reports) -> Iterator[str]:
    """Base URL of an HTTP server on 127.0.0.1 serving the reports folder."""
    with serve(reports) as url:
        yield url


def report_urls(index: Visit, site: str) -> list[str]:
    """The HTML reports the index links to, without fragments."""
    urls = {link.split("#")[0] for link in index.web_links() if link.startswith(site)}
    pages = {urljoin(site, "index.html"), urljoin(site, "researchers.html")}
    return sorted(url for url in urls if url.endswith(".html") and url not in pages)


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
    kinds = {Path(urlparse(u).path).name for u in urls}
    assert {"region_evaluation.en.html", "region_monitor.en.html", "synthesis.en.html"} <= kinds
    for url in urls:
        report = visit(url)
        assert report.response.status == 200, url
        assert report.foreign_requests(site) == [], url
        assert report.errors == [], url
        assert report.page.locator("img").count() >= 1, f"{url} shows no figure"
        assert report.broken_images() == [], url
        # code is hidden from stakeholders; provenance is at the end
        assert report.page.locator(".jp-CodeCell .jp-InputArea, .jp-Editor").count() == 0, url
        assert report.page.get_by_text("Provenance").count() == 1, url


def test_a_region_report_renders_visibly(browser, visit, site, tmp_path):
    urls = report_urls(visit(urljoin(site, "index.html")), site)
    report = visit(next(u for u in urls if u.endswith("region_evaluation.en.html")))
    shot = tmp_path / "report.png"
    report.page.screenshot(path=str(shot), full_page=False)
    pixels = image.imread(shot)[..., :3]
    # not a blank page: a real spread of light and dark pixels
    assert float(np.std(pixels)) > 0.05
    assert float((pixels.mean(axis=2) < 0.5).mean()) > 0.01
