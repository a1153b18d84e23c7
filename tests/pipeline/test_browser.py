"""The reports as a stakeholder sees them: opened in headless Chromium over HTTP.

Chromium comes from Debian's ``chromium`` package, which ``make test`` installs
(``make browser``); Playwright drives it. The reports are served from
127.0.0.1, and every request a page makes is recorded: a report must load
nothing from elsewhere (no CDN: readers' addresses stay private and the report
opens offline), show its figures, raise no script errors and link only to
files that exist.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlparse

import numpy as np
import pytest
from matplotlib import image

from analysis import pipeline
from analysis.config import load_config
from tests.pipeline.conftest import make_project, write_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

CHROMIUM = os.environ.get("PILOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# flags for a closed network (no background or update traffic), as root in a container
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


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
    handler = functools.partial(_QuietHandler, directory=str(reports))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium "
            "package when run as root; elsewhere install it or set PILOT_CHROMIUM"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """One page opened in a fresh browser context, with everything it requested or raised."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )
        self.response = self.page.goto(url, wait_until="load")

    def foreign_requests(self, site: str) -> list[str]:
        host = urlparse(site).netloc
        return [
            url
            for url in self.requests
            if urlparse(url).scheme not in ("data", "blob") and urlparse(url).netloc != host
        ]

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        return [h for h in hrefs if urlparse(h).scheme in ("http", "https")]

    def broken_images(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "img",
            "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0)"
            ".map(i => i.src.slice(0, 80))",
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def open_page(url: str) -> Visit:
        opened.append(Visit(browser, url))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()


def report_urls(index: Visit, site: str) -> list[str]:
    """The HTML reports the index links to, without fragments."""
    urls = {link.split("#")[0] for link in index.links() if link.startswith(site)}
    index_url = urljoin(site, "index.html")
    return sorted(url for url in urls if url.endswith(".html") and url != index_url)


def test_index_opens_cleanly_and_every_link_resolves(browser, visit, site):
    index = visit(urljoin(site, "index.html"))
    assert index.response.status == 200
    assert index.errors == []
    assert index.foreign_requests(site) == []
    local = [link for link in index.links() if link.startswith(site)]
    assert local, "the index links to no report"
    statuses = {link: index.page.request.get(link).status for link in local}
    assert {link: s for link, s in statuses.items() if s != 200} == {}


def test_reports_load_nothing_from_elsewhere_and_show_their_figures(browser, visit, site):
    urls = report_urls(visit(urljoin(site, "index.html")), site)
    kinds = {Path(urlparse(u).path).name for u in urls}
    assert {"region_evaluation.html", "region_monitor.html", "synthesis.html"} <= kinds
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
    report = visit(next(u for u in urls if u.endswith("region_evaluation.html")))
    shot = tmp_path / "report.png"
    report.page.screenshot(path=str(shot), full_page=False)
    pixels = image.imread(shot)[..., :3]
    # not a blank page: a real spread of light and dark pixels
    assert float(np.std(pixels)) > 0.05
    assert float((pixels.mean(axis=2) < 0.5).mean()) > 0.01
