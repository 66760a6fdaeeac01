"""DNS rebinding: the console answers only to its own host names (Security).

A page on ``rebind.example`` whose DNS answer is switched to 127.0.0.1 is, to
the browser, still its own origin: if the console answered any ``Host``, that
page could read every console page, CSRF tokens included, and post any form.
`rapport demo` runs as a real process here, configured the way a user does it
(a ``.env`` file), and Slack's events are posted under the public name.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.config import Settings
from bot.runtime import Runtime
from handlers.composition import Rapport
from handlers.slack.service import SlackService
from handlers.web.surface import WebPlatform
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import event_callback, message
from tests.faults.demo_process import DemoProcess
from tests.slack.conftest import CUSTOMER, SUPPORT, serve_http, shut, slack_settings
from tests.web.conftest import csrf_of

PUBLIC_NAME = "rapport.example.com"


@pytest.fixture
async def demo(sqlite_url: str, tmp_path: Path) -> AsyncIterator[DemoProcess]:
    """`rapport demo` on loopback, told its public name in .env as an operator would."""
    (tmp_path / ".env").write_text(f"RAPPORT_ALLOWED_HOSTS={PUBLIC_NAME}\n", encoding="utf-8")
    process = DemoProcess(sqlite_url, tmp_path)
    await process.start()
    yield process
    process.stop()


def as_host(demo: DemoProcess, name: str) -> httpx.AsyncClient:
    """A browser that reached the demo's socket under ``name``, as after a DNS rebind."""
    port = urlsplit(demo.url).port
    return httpx.AsyncClient(base_url=demo.url, headers={"Host": f"{name}:{port}"}, timeout=10)


async def test_a_rebinding_page_cannot_read_the_prompt_templates(demo: DemoProcess) -> None:
    """A page on another name that points at 127.0.0.1 gets a 400 saying which names the
    demo answers to, and none of the admin's templates."""
    async with as_host(demo, "rebind.example") as browser:
        page = await browser.get("/templates")

    assert page.status_code == 400
    assert "rebind.example" in page.text and "RAPPORT_ALLOWED_HOSTS" in page.text
    assert "extract_facts" not in page.text and "<html" not in page.text


async def test_a_rebinding_page_cannot_forget_a_customer(demo: DemoProcess) -> None:
    """Posting the forget form under another name is refused, and the customer is still there."""
    async with httpx.AsyncClient(base_url=demo.url, timeout=10) as rep:
        listing = await rep.get("/customers")
    dana = re.search(r'href="/customers/(\d+)">Dana Whitfield<', listing.text)
    assert dana, "the seeded customer is missing"

    async with as_host(demo, "rebind.example") as browser:
        page = await browser.get("/customers")
        token = csrf_of(page.text) if page.status_code == 200 else ""
        origin = str(browser.headers["Host"])
        forgot = await browser.post(
            f"/customers/{dana.group(1)}/forget",
            data={"confirm": "yes", "csrf_token": token},
            headers={"Origin": f"http://{origin}"},
        )

    assert forgot.status_code == 400
    async with httpx.AsyncClient(base_url=demo.url, timeout=10) as rep:
        assert "Dana Whitfield" in (await rep.get("/customers")).text


async def test_loopback_names_and_the_configured_public_name_are_served(
    demo: DemoProcess,
) -> None:
    """The demo still opens on 127.0.0.1, localhost and the name in RAPPORT_ALLOWED_HOSTS."""
    for name in ("127.0.0.1", "localhost", PUBLIC_NAME):
        async with as_host(demo, name) as browser:
            page = await browser.get("/queue")
        assert page.status_code == 200, name
        assert "Review queue" in page.text


async def test_slack_events_posted_to_the_public_name_are_stored(
    fake_slack: FakeSlack, runtime: Runtime
) -> None:
    """In HTTP mode Slack posts to https://<public name>/slack/events: with that name in
    RAPPORT_ALLOWED_HOSTS the message becomes a card; under a name not listed it is refused."""
    settings = Settings(database_url=runtime.settings.database_url, allowed_hosts=PUBLIC_NAME)
    service = SlackService(slack_settings(fake_slack), runtime)
    rapport = Rapport(runtime, web=WebPlatform(demo=False), platforms=[service])
    app = rapport.web_app(console=False, allowed_hosts=settings.web_host_names)
    harness, server, task = await serve_http(fake_slack, runtime, app=app, service=service)
    try:
        assert harness.slack is not None
        for host, text in (("elsewhere.example", "first try"), (PUBLIC_NAME, "hello?")):
            event = message(text, user=CUSTOMER, channel=SUPPORT)
            body = json.dumps(event_callback(event)).encode()
            answer = await harness.slack.post(body, "application/json", headers={"Host": host})
            assert answer.status_code == (200 if host == PUBLIC_NAME else 400), host
        await harness.settle()
        assert await runtime.store.messages.count() == 1
        assert len(harness.cards()) == 1
    finally:
        await shut(harness, server, task)
