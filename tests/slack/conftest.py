"""A fake Slack on loopback, and Rapport's Slack service talking to it.

HTTP mode serves the service's router from a FastAPI app under uvicorn on a
free port, started the way ``rapport run`` starts it (``engine.resume()``, then
the service); ``test_web_wiring`` does the same through the web console's own
``Rapport.web_app``. Socket Mode connects to the fake's WebSocket.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from bot.runtime import Runtime
from handlers.composition import connect
from handlers.slack.service import SlackService
from handlers.slack.settings import SlackSettings
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.fakes.slack_events import SIGNING_SECRET, SignedSlack

REVIEW = "CREVIEW"
SUPPORT = "CSUPPORT"
DM = "DCUSTOMER"
REP = "UREP1"  # listed by ID
GROUP_REP = "UREP2"  # a member of the SREPS user group
REP_GROUP = "SREPS"
CUSTOMER = "UCUSTOMER"
STRANGER = "USTRANGER"  # neither a customer here nor a rep


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    fake.add_user(CUSTOMER, "Dana Whitfield")
    fake.add_user(REP, "Riley Rep")
    fake.add_user(GROUP_REP, "Gale Group")
    fake.add_user(STRANGER, "Sam Stranger")
    fake.groups[REP_GROUP] = [GROUP_REP]
    yield fake
    await fake.stop()


def slack_settings(fake: FakeSlack, *, socket_mode: bool = False, **extra: Any) -> SlackSettings:
    """Slack's section of the settings, pointed at the fake."""
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_review_channel": REVIEW,
        "slack_reps": f"{REP},{REP_GROUP}",
        "slack_api_url": fake.api_url,
        **(
            {"slack_app_token": APP_TOKEN}
            if socket_mode
            else {"slack_signing_secret": SIGNING_SECRET}
        ),
        **extra,
    }
    return SlackSettings(**values)


@dataclass
class SlackHarness:
    fake: FakeSlack
    service: SlackService
    runtime: Runtime
    slack: SignedSlack | None = None  # HTTP mode: posts signed requests

    async def settle(self) -> None:
        """Wait until every acknowledged request's work is done (drafts, decisions, cards)."""
        await self.service.wait_idle()

    def cards(self) -> list[dict[str, Any]]:
        return self.fake.posted(REVIEW)

    def replies(self) -> list[dict[str, Any]]:
        return [m for m in self.fake.posted() if m["channel"] != REVIEW]

    async def draft_id(self, index: int = 0) -> int:
        from memory.domain import DraftStatus

        drafts = await self.runtime.store.drafts.in_statuses(list(DraftStatus))
        return drafts[index].id


def free_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def minimal_app(runtime: Runtime, service: SlackService) -> FastAPI:
    """What the web console's create_app does for a platform: resume, start, mount."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.engine.resume()
        await service.start()
        yield
        await service.stop()

    app = FastAPI(lifespan=lifespan)
    for router in service.routers():
        app.include_router(router)
    return app


async def serve_http(
    fake: FakeSlack,
    runtime: Runtime,
    *,
    app: FastAPI | None = None,
    service: SlackService | None = None,
    **extra: Any,
) -> tuple[SlackHarness, uvicorn.Server, asyncio.Task[None]]:
    settings = slack_settings(fake, **extra)
    if service is None:
        service = SlackService(settings, runtime)
        connect(runtime.engine, service)
    app = app or minimal_app(runtime, service)
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on", access_log=False))
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.005)
        if task.done():
            task.result()
    slack = SignedSlack(f"http://127.0.0.1:{port}/slack/events")
    return SlackHarness(fake, service, runtime, slack), server, task


async def shut(harness: SlackHarness, server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    await harness.settle()
    assert harness.slack is not None
    await harness.slack.close()
    server.should_exit = True
    await task


@pytest.fixture
async def http_slack(fake_slack: FakeSlack, runtime: Runtime) -> AsyncIterator[SlackHarness]:
    """Rapport in HTTP mode: Slack posts signed requests to /slack/events on the web port."""
    harness, server, task = await serve_http(fake_slack, runtime)
    yield harness
    await shut(harness, server, task)


@pytest.fixture
async def socket_slack(fake_slack: FakeSlack, runtime: Runtime) -> AsyncIterator[SlackHarness]:
    """Rapport in Socket Mode, connected to the fake's WebSocket."""
    settings = slack_settings(fake_slack, socket_mode=True)
    service = SlackService(settings, runtime)
    connect(runtime.engine, service)
    await service.start()
    await fake_slack.wait_connected()
    harness = SlackHarness(fake_slack, service, runtime)
    yield harness
    await harness.settle()
    await service.stop()
