"""One Chromium for these tests (Debian's, never a downloaded one), a fresh console per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.live import PASSWORD, LiveConsole

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    return shutil.which("chromium")


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright (which downloads no browser); skips without it."""
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Package scope: Playwright's sync API keeps an event loop marked running
    # on this thread, which the async tests elsewhere need gone.
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def console(sqlite_url: str) -> Iterator[LiveConsole]:
    with LiveConsole(sqlite_url) as live:
        yield live


@pytest.fixture
def page(browser: Browser, console: LiveConsole) -> Iterator[Page]:
    context = browser.new_context(base_url=console.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page, username: str, start: str = "/queue") -> None:
    """Open a page, get sent to the sign-in form, sign in, land where we were going."""
    page.goto(start)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{start}")
