"""The composition root: the one place a running Rapport is put together and started.

From settings it builds the core (:func:`bot.runtime.build_runtime`: store,
recall, prompts, drafter, engine), the platforms (the web console, and Slack
and Discord when configured), the check-in scheduler and the embedding
indexer; it connects each platform to the engine as a review surface and a
reply sender; :meth:`Rapport.start` and :meth:`Rapport.stop` bring them all
up and down in order. Nothing registers itself at import or in a constructor,
and the web app only serves: it runs inside :meth:`Rapport.running`.

:func:`forget_customer` is the one way to forget a customer (console, Discord,
CLI): the database first, then each chat platform replaces the customer's
review cards with a notice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import structlog
from fastapi import FastAPI

from bot.checkin_service import CheckinService
from bot.checkins import CheckinSettings
from bot.config import Settings
from bot.drafters import Drafter
from bot.engine import ResponseEngine
from bot.runtime import Runtime, build_runtime
from bot.scheduler import CheckinScheduler, MinuteRound
from handlers.discord.settings import DiscordSettings
from handlers.platform import Platform, ReviewChannel
from handlers.slack.settings import SlackSettings
from handlers.web.surface import WebPlatform
from handlers.web.templates_admin import load_prompt_versions
from memory.card_refs import PostedCard
from memory.customers import CustomerDirectory
from memory.prompt_versions import PromptVersions

log = structlog.get_logger(__name__)


class Service(Protocol):
    """Background work started with the process (the scheduler, the indexer)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def connect(engine: ResponseEngine, platform: Platform) -> None:
    """Make ``platform`` show the engine's cards and deliver its replies."""
    engine.review.add(platform)
    engine.add_sender(platform)


def chat_platforms(
    runtime: Runtime, slack: SlackSettings | None = None, discord: DiscordSettings | None = None
) -> list[Platform]:
    """Slack and Discord, each when its token is set (their sections, read from the
    environment unless given)."""
    slack = slack or SlackSettings()
    discord = discord or DiscordSettings()
    platforms: list[Platform] = []
    if slack.configured:
        from handlers.slack.service import SlackService  # slack_bolt, only where configured

        platforms.append(SlackService(slack, runtime))
    if discord.configured:
        from handlers.discord.service import DiscordService  # likewise discord.py's client

        platforms.append(DiscordService(discord, runtime))
    return platforms


def checkin_scheduler(settings: Settings, runtime: Runtime) -> CheckinScheduler:
    """The check-in service, listening to the engine, and its every-minute round."""
    service = CheckinService(runtime.engine, CheckinSettings.from_settings(settings))
    runtime.engine.observers.append(service)
    retention = timedelta(days=settings.retention_days) if settings.retention_days else None
    return CheckinScheduler(
        MinuteRound(runtime.engine, service, store=runtime.store.messages, retention=retention)
    )


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What forgetting a customer did: rows deleted per table, and cards still on screen."""

    counts: dict[str, int]
    cards_left: list[PostedCard]  # no running platform could redact these; see cards_left_note


def review_channel(platform: object) -> ReviewChannel | None:
    """The review channel a chat platform draws its cards in; None for the web console.

    Slack's and Discord's services keep theirs as ``surface``.
    """
    channel = (
        platform if isinstance(platform, ReviewChannel) else getattr(platform, "surface", None)
    )
    return channel if isinstance(channel, ReviewChannel) else None


async def forget_customer(engine: ResponseEngine, customer_id: int, actor: str) -> Forgotten:
    """Delete one customer's data, then redact their review cards on every chat platform.

    The platforms are those connected to ``engine`` (:func:`connect`). The
    cards' places are read first: forget deletes them with the rest. A card
    whose platform is not connected, or refuses, stays as it was and is
    returned in ``cards_left`` for the person forgetting to see.
    Raises :class:`memory.customers.CustomerNotFound`.
    """
    cards = await engine.store.cards.of_customer(customer_id)
    counts = await CustomerDirectory(engine.store.sessions).forget(customer_id, actor)
    channels = {
        channel.name: channel
        for platform in engine.review.surfaces
        if (channel := review_channel(platform)) is not None
    }
    left: list[PostedCard] = []
    for card in cards:
        channel = channels.get(card.surface)
        if channel is None or not channel.ready():
            left.append(card)
            continue
        try:
            await channel.forget(card.draft_id, card.ref)
        except Exception:
            # The data is gone either way; the person forgetting is told which card stayed.
            log.exception("forgotten_card_not_redacted", platform=card.surface, ref=card.ref)
            left.append(card)
    return Forgotten(counts, left)


def cards_left_note(cards: Sequence[PostedCard]) -> str:
    """Which cards still show a forgotten customer, and what to do, in one sentence."""
    where = "; ".join(
        f"{card.surface} " + ", ".join(f"{key} {value}" for key, value in card.ref.items())
        for card in cards
    )
    return (
        f"{len(cards)} review card(s) still show this customer ({where}): Rapport could not "
        "reach that platform, so delete them there by hand. Forgetting from the console or "
        "with /rapport forget while `rapport run` is connected replaces them itself."
    )


class Rapport:
    """One running Rapport: the core, its platforms and its services."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        web: WebPlatform,
        platforms: Sequence[Platform] = (),
        services: Sequence[Service] = (),
    ) -> None:
        self.runtime = runtime
        self.web = web
        self.platforms: list[Platform] = [web, *platforms]
        self.services = list(services)
        for platform in self.platforms:
            connect(runtime.engine, platform)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        demo: bool = False,
        drafter: Drafter | None = None,
        slack: SlackSettings | None = None,
        discord: DiscordSettings | None = None,
    ) -> Rapport:
        """Everything the settings ask for; the database must already be migrated.

        ``demo`` adds the web console's community chat. ``drafter`` replaces the
        configured one (tests).
        """
        runtime = build_runtime(settings, drafter=drafter)
        return cls(
            runtime,
            web=WebPlatform(demo=demo),
            platforms=chat_platforms(runtime, slack, discord),
            services=[checkin_scheduler(settings, runtime), *runtime.services()],
        )

    def web_app(self, **options: Any) -> FastAPI:
        """The web console (and the platforms' endpoints), serving inside :meth:`running`.

        ``options`` go to :func:`handlers.web.app.create_app` (``secret_key``,
        ``auto_login``, ``users``, ``console``, ``allowed_hosts``).
        """
        # Imported here: the console's routes import this module (forget_customer).
        from handlers.web.app import create_app

        routers = [router for platform in self.platforms for router in platform.routers()]
        return create_app(
            self.runtime, self.web, routers=routers, lifespan=self._lifespan, **options
        )

    @asynccontextmanager
    async def _lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        async with self.running():
            yield

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    async def start(self) -> None:
        """Admins' prompt versions, then what a crash left half-done, then everything else."""
        await load_prompt_versions(self.runtime, PromptVersions(self.runtime.store.sessions))
        await self.runtime.engine.resume()
        for service in self.services:
            await service.start()
        for platform in self.platforms:
            await platform.start()

    async def stop(self) -> None:
        for platform in reversed(self.platforms):
            await platform.stop()
        for service in reversed(self.services):
            await service.stop()
        await self.runtime.engine.wait_idle()

    async def wait_idle(self) -> None:
        """Until every platform's acknowledged work and every draft is done (tests, benchmarks)."""
        for platform in self.platforms:
            await platform.wait_idle()
        await self.runtime.engine.wait_idle()

    async def forget(self, customer_id: int, actor: str) -> Forgotten:
        """Forget a customer here and on every platform (:func:`forget_customer`)."""
        return await forget_customer(self.runtime.engine, customer_id, actor)

    async def close(self) -> None:
        await self.runtime.close()


async def serve(rapport: Rapport, host: str, port: int, **options: Any) -> None:
    """Serve the web console and run everything else on this event loop, until stopped."""
    from handlers.web.app import serve as serve_app

    try:
        await serve_app(rapport.web_app(**options), host, port)
    finally:
        await rapport.close()


__all__ = [
    "Forgotten",
    "Rapport",
    "Service",
    "cards_left_note",
    "chat_platforms",
    "checkin_scheduler",
    "connect",
    "forget_customer",
    "review_channel",
    "serve",
]
