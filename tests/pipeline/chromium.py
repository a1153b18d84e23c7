"""Headless Chromium for the report tests: Debian's ``chromium`` driven by Playwright.

``make test`` installs the package (``make browser``); elsewhere the tests that
need it skip and say why. Reports are served from 127.0.0.1 only, and every
request, script error and dialog a page makes is recorded.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

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


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Base URL of an HTTP server on 127.0.0.1 serving ``folder``."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser, or a skip saying why there is none."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium "
            "package when run as root; elsewhere install it or set PILOT_CHROMIUM"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Visit:
    """One page opened in a fresh browser context, with everything it requested or raised."""

    def __init__(self, browser, url: str, *, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )
        self.page.on("dialog", self._dialog)
        self.response = self.page.goto(url, wait_until="load")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def foreign_requests(self, site: str) -> list[str]:
        host = urlparse(site).netloc
        return [
            url
            for url in self.requests
            if urlparse(url).scheme not in ("data", "blob") and urlparse(url).netloc != host
        ]

    def links(self) -> list[str]:
        """Every link target on the page, as the browser resolves it."""
        return self.page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")

    def web_links(self) -> list[str]:
        """The http(s) links on the page."""
        return [h for h in self.links() if urlparse(h).scheme in ("http", "https")]

    def broken_images(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "img",
            "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0)"
            ".map(i => i.src.slice(0, 80))",
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def open_page(url: str, **size: int) -> Visit:
        opened.append(Visit(browser, url, **size))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()
