"""`rapport demo` in Chromium: no sign-in on loopback, chat, approve, see the reply."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.live import LiveConsole


@pytest.fixture
def demo_page(browser: Browser, sqlite_url: str) -> Iterator[Page]:
    with LiveConsole(sqlite_url, demo=True) as live:
        context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(5000)
        yield context.new_page()
        context.close()


def test_the_demo_chat_to_an_approved_reply(demo_page: Page) -> None:
    """On loopback the demo opens signed in as admin; a message becomes a reply once approved."""
    page = demo_page
    page.goto("/?as_user=mei")
    expect(page.locator(".signed-in")).to_contain_text("demo · admin")
    page.get_by_label("Message", exact=True).fill("The router is fine now, thanks!")
    page.get_by_role("button", name="Send as Mei Chen").click()
    card = page.locator("#queue article.status-pending").first
    expect(card).to_contain_text("The router is fine now")
    card.get_by_role("button", name="Approve").click()
    expect(page.locator("#chat-log .bubble.out").last).to_contain_text("Hi Mei")
