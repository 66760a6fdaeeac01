"""The console works in Chromium under its own Content-Security-Policy (Security).

The policy allows the console's own script and stylesheet and nothing inline;
this walks the demo's pages, uses the bits that need JavaScript, and fails on
any violation Chromium reports.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.browser.conftest import launched_chromium
from tests.browser.live import LiveConsole

PAGES = ("/queue", "/customers", "/customers/1", "/templates", "/templates/reply", "/activity")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope (not the package's): Playwright's sync API leaves an event loop marked
    # running on this thread until it stops, and the async tests in this package need it gone.
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def demo_page(browser: Browser, sqlite_url: str) -> Iterator[tuple[Page, list[str]]]:
    """The demo in a fresh tab, and every CSP violation Chromium reports on its console."""
    with LiveConsole(sqlite_url, demo=True) as live:
        context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(5000)
        page = context.new_page()
        violations: list[str] = []

        def note(entry: ConsoleMessage) -> None:
            if "Content Security Policy" in entry.text:
                violations.append(entry.text)

        page.on("console", note)
        yield page, violations
        context.close()


def test_the_console_pages_run_under_their_policy(demo_page: tuple[Page, list[str]]) -> None:
    """Picking who to chat as switches the chat (a script, not an inline handler), and no
    console page has anything the policy blocks."""
    page, violations = demo_page
    page.goto("/?as_user=dana")
    page.get_by_label("Chat as").select_option(label="Mei Chen")
    page.wait_for_url("**/?as_user=mei")
    expect(page.get_by_role("button", name="Send as Mei Chen")).to_be_visible()
    for path in PAGES:
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px", path
    assert violations == []
