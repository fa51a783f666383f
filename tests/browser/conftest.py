"""Browser journeys: Playwright for Python driving Debian's Chromium (never a downloaded one).

Without Chromium the journeys are skipped with the reason, except in CI
(``CI=true`` or ``HANDSHAKE_REQUIRE_SERVICES=1``), where a missing browser fails the run. A
failing journey leaves a screenshot under ``var/screenshots/``; any console error or uncaught
page error fails the journey that caused it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

from tests.browser.stack import DemoStack, StackUrls

CHROMIUM = Path(os.environ.get("HANDSHAKE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TIMEOUT_MS = 15_000


def _browser_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("HANDSHAKE_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every journey ``browser`` (``-m 'not browser'`` leaves them out)."""
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item, so fixtures know whether the test failed."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the browser journeys (closed before other tests run)."""
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if _browser_required():
            pytest.fail(f"{reason}, and CI requires the browser journeys", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class PageErrors:
    """Console errors and uncaught exceptions seen by one page."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        """Keep console errors."""
        if message.type == "error":
            self.messages.append(f"console: {message.text} @ {message.location.get('url')}")

    def uncaught(self, error: Error) -> None:
        """Keep uncaught page exceptions."""
        self.messages.append(f"pageerror: {error.message}")


def screenshot_name(node_id: str) -> str:
    """A file name for a test's screenshot."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node_id.split("::", 1)[-1])[:150] + ".png"


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context and page; screenshot on failure; console errors fail the test."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    errors = PageErrors()
    context.on("console", errors.console)
    context.on("weberror", lambda web_error: errors.uncaught(web_error.error))
    yield opened
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for number, each in enumerate(context.pages):
            name = screenshot_name(request.node.nodeid)
            if number:
                name = name.replace(".png", f"-{number}.png")
            each.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    context.close()
    assert errors.messages == [], "the pages logged errors"


@pytest.fixture(scope="package")
def demo(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackUrls]:
    """The running demo (platform, Picto, ThermoCo), shared by the journeys."""
    del browser  # no browser, no journeys: skip (or fail in CI) before starting servers
    stack = DemoStack(tmp_path_factory.mktemp("demo"))
    try:
        yield stack.start()
    finally:
        stack.stop()
