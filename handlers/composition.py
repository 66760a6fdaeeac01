"""The composition root: the one place a running Rapport is put together and started.

From settings it builds the core (:func:`bot.runtime.build_runtime`: store,
recall, prompts, drafter, engine), the platforms (the web console, and Slack
and Discord when configured), the check-in scheduler, the embedding indexer
and the card relay; it connects each platform to the engine as a review
surface and a reply sender; :meth:`Rapport.start` and :meth:`Rapport.stop`
bring them all up and down in order. Nothing registers itself at import or in
a constructor, and the web app only serves: it runs inside :meth:`Rapport.running`.

Where drafts are written is :data:`Drafting`: on this event loop (tests,
commands), on a thread of this process (``rapport run``, ``rapport demo``), or
only in ``rapport worker`` processes (``rapport run --role listeners``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, Literal, Protocol

import structlog
from fastapi import FastAPI

from bot.checkin_service import CheckinService
from bot.checkins import CheckinSettings
from bot.config import Settings
from bot.drafters import Drafter
from bot.engine import ResponseEngine
from bot.runtime import Runtime, build_runtime
from bot.scheduler import CheckinScheduler, MinuteRound
from bot.worker_process import TemplateFollower
from handlers.discord.settings import DiscordSettings
from handlers.forgetting import Forgotten, forget_customer
from handlers.platform import Platform, ReviewChannel
from handlers.relay import CardRelay
from handlers.slack.settings import SlackSettings
from handlers.web.app import create_app
from handlers.web.surface import WebPlatform
from handlers.web.templates_admin import load_prompt_versions
from memory.prompt_versions import PromptVersions

log = structlog.get_logger(__name__)

Drafting = Literal["here", "thread", "elsewhere"]


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


class Rapport:
    """One running Rapport: the core, its platforms and its services."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        web: WebPlatform,
        platforms: Sequence[Platform] = (),
        services: Sequence[Service] = (),
        worker_thread: Service | None = None,
    ) -> None:
        self.runtime = runtime
        self.web = web
        self.platforms: list[Platform] = [web, *platforms]
        for platform in self.platforms:
            connect(runtime.engine, platform)
        channels = [
            surface
            for platform in self.platforms
            if isinstance(surface := getattr(platform, "surface", None), ReviewChannel)
        ]
        self.relay = CardRelay(runtime.store, channels, web)
        runtime.signals.subscribe(self.relay.wake)
        # Started after the platforms' own catch-up, before them the services.
        self.services = [*list(services), *([worker_thread] if worker_thread else [])]

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        demo: bool = False,
        drafter: Drafter | None = None,
        slack: SlackSettings | None = None,
        discord: DiscordSettings | None = None,
        drafting: Drafting = "here",
    ) -> Rapport:
        """Everything the settings ask for; the database must already be migrated.

        ``demo`` adds the web console's community chat. ``drafter`` replaces the
        configured one (tests). ``drafting`` says where drafts are written.
        """
        runtime = build_runtime(settings, drafter=drafter, drafts_here=drafting == "here")
        thread = None
        if drafting == "thread":
            from bot.worker_thread import WorkerThread

            thread = WorkerThread(
                settings, changed=lambda: rapport.relay.wake_threadsafe(), drafter=drafter
            )
            runtime.engine.queued_hooks.append(thread.wake)
        rapport = cls(
            runtime,
            web=WebPlatform(demo=demo),
            platforms=chat_platforms(runtime, slack, discord),
            services=[
                *runtime.services(),
                checkin_scheduler(settings, runtime),
                TemplateFollower(runtime),  # an admin's change made in another process
            ],
            worker_thread=thread,
        )
        return rapport

    def web_app(self, **options: Any) -> FastAPI:
        """The web console (and the platforms' endpoints), serving inside :meth:`running`.

        ``options`` go to :func:`handlers.web.app.create_app` (``secret_key``,
        ``auto_login``, ``users``, ``console``, ``allowed_hosts``).
        """
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
        await self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop()
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


__all__ = ["Rapport", "Service", "chat_platforms", "checkin_scheduler", "connect", "serve"]
