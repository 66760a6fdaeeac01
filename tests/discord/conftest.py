"""A fake Discord on loopback, and Rapport's Discord service connected to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from handlers.composition import connect
from handlers.discord.service import DiscordService
from handlers.discord.settings import DiscordSettings
from tests.fakes.discord_server import Call, FakeDiscord
from tests.fakes.drafter import ScriptedDrafter

TOKEN = "fake-bot-token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


def discord_settings(fake: FakeDiscord, **extra: Any) -> DiscordSettings:
    """Discord's section of the settings, pointed at the fake."""
    values = {
        "discord_token": TOKEN,
        "discord_review_channel": fake.review_channel_id,
        "discord_rep_role": fake.rep_role_id,
        "discord_api_url": fake.api_url,
        "discord_application_id": fake.app_id,
        **extra,
    }
    return DiscordSettings(**values)


StartService = Callable[..., Awaitable[DiscordService]]


@pytest.fixture
async def start_service(fake: FakeDiscord) -> AsyncIterator[StartService]:
    """Start a DiscordService on a runtime; stopped (all of them) at the end of the test."""
    started: list[DiscordService] = []

    async def start(runtime: Runtime, **extra: Any) -> DiscordService:
        settings = discord_settings(fake, **extra)
        service = DiscordService(settings, runtime, guild_ready_timeout=0.05)
        connect(runtime.engine, service)
        started.append(service)
        await service.start()
        await service.wait_ready()
        return service

    yield start
    for service in reversed(started):
        await service.stop()


@pytest.fixture
async def service(runtime: Runtime, start_service: StartService) -> DiscordService:
    return await start_service(runtime)


@pytest.fixture
async def make_runtime(drafter: ScriptedDrafter) -> AsyncIterator[Callable[[str], Runtime]]:
    """Another runtime on the same database: Rapport after a restart."""
    runtimes: list[Runtime] = []

    def make(database_url: str) -> Runtime:
        rt = build_runtime(Settings(database_url=database_url), drafter=drafter)
        runtimes.append(rt)
        return rt

    yield make
    for rt in runtimes:
        await rt.close()


async def eventually(check: Callable[[], Awaitable[Any]], seconds: float = 5.0) -> Any:
    """Poll an async check (e.g. a database read) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still {result!r} after {seconds}s")
        await asyncio.sleep(0.01)


def button(card: Call, label: str) -> str:
    """The custom_id of the button labelled ``label`` on a posted card."""
    for row in card.body.get("components") or []:
        for item in row["components"]:
            if item.get("label") == label:
                return str(item["custom_id"])
    raise AssertionError(f"no {label!r} button on the card")


def buttons(body: dict[str, Any]) -> list[str]:
    return [i["label"] for row in body.get("components") or [] for i in row["components"]]


async def first_card(fake: FakeDiscord, count: int = 1) -> Call:
    cards = await fake.wait_for(lambda: len(fake.cards()) >= count and fake.cards())
    return cards[count - 1]


def card_edits(fake: FakeDiscord, card: Call) -> list[Call]:
    return fake.find("PATCH", f"/channels/{fake.review_channel_id}/messages/{card.response['id']}")
