"""A real headless browser for the dashboard tests: Debian's chromium, driven by the
pinned Playwright client (its own browser download is never used), offline."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1200, "height": 900}


def require_chromium() -> None:
    """Skips without the browser, with the reason; in CI (CI=true) a missing browser fails."""
    if CHROMIUM.exists():
        return
    reason = f"Debian's chromium is not installed ({CHROMIUM}); `make browser` installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; .ci/run installs it, so in CI it must be there")
    pytest.skip(reason)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """One browser process; Playwright gives it a fresh profile (user data dir) of its own."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """What a page did that a test must see nothing of: errors and other origins."""

    origin: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("request", self._request)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)
        own = (self.origin + "/", "blob:" + self.origin)
        if not request.url.startswith(own):
            self.foreign.append(request.url)


@contextlib.contextmanager
def open_page(browser: Browser, origin: str) -> Iterator[tuple[Page, PageLog]]:
    """A page in a context of its own (its own sessionStorage and cookies)."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    log = PageLog(origin)
    log.watch(page)
    try:
        yield page, log
    finally:
        context.close()
