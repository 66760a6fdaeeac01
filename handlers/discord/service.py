"""``DiscordService``: the Discord adapter as one thing ``rapport run`` starts and stops."""

from __future__ import annotations

import asyncio
import contextlib

import discord
import discord.http
import structlog
from discord.gateway import DiscordWebSocket
from fastapi import APIRouter

from bot.runtime import Runtime
from handlers.discord.client import RapportClient
from handlers.discord.config import PLATFORM, DiscordConfig
from handlers.discord.context import DiscordContext
from handlers.discord.sender import DiscordSender
from handlers.discord.settings import DiscordSettings
from handlers.discord.surface import DiscordReviewSurface
from handlers.platform import settle
from memory.customers import CustomerDirectory
from memory.domain import DraftCard, ReplyTarget

log = structlog.get_logger(__name__)


class DiscordService:
    """Discord as a :class:`~handlers.platform.Platform`, on the running event loop.

    :meth:`start` logs in (a bad token fails here, loudly) and keeps the
    gateway connection in a background task; the cards a crash left unposted
    are posted once the gateway is ready; :meth:`stop` closes it.
    """

    name = PLATFORM

    def __init__(
        self, settings: DiscordSettings, runtime: Runtime, *, guild_ready_timeout: float = 2.0
    ) -> None:
        self.config = DiscordConfig.from_settings(settings)
        self.runtime = runtime
        # How long discord.py waits for servers after READY before on_ready; tests shorten it.
        self.client = RapportClient(self.config, guild_ready_timeout=guild_ready_timeout)
        self.surface = DiscordReviewSurface(
            self.client, runtime.store, self.config.review_channel_id, runtime.engine.card
        )
        self.sender = DiscordSender(self.client)
        self.context = self.client.rapport = DiscordContext(
            config=self.config,
            engine=runtime.engine,
            store=runtime.store,
            directory=CustomerDirectory(runtime.store.sessions),
            surface=self.surface,
        )
        self._task: asyncio.Task[None] | None = None
        self._saved_urls: tuple[str, object] | None = None

    def routers(self) -> list[APIRouter]:
        return []  # everything arrives over the gateway

    async def publish(self, card: DraftCard) -> None:
        await self.surface.publish(card)

    async def send_reply(self, target: ReplyTarget, text: str) -> str | None:
        return await self.sender.send_reply(target, text)

    async def wait_idle(self) -> None:
        """Until every received message and decision, and what they started, is done."""
        await settle(self.context.background, self.runtime.engine)

    async def start(self) -> None:
        if self.config.api_url:
            # discord.py keeps its endpoints on the classes; a fake Discord replaces them
            # for this process and stop() puts them back.
            self._saved_urls = (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
            discord.http.Route.BASE = self.config.api_url
        try:
            await self.client.login(self.config.token)
        except discord.LoginFailure as exc:
            raise RuntimeError(
                "Discord rejected DISCORD_TOKEN: reset the token under Bot in the Developer "
                "Portal and set it again"
            ) from exc
        self._task = asyncio.get_running_loop().create_task(
            self._connect(), name="rapport-discord-gateway"
        )

    async def _connect(self) -> None:
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            log.error(
                "discord_intents_missing",
                hint="enable the Message Content intent under Bot in the Developer Portal",
            )
        except Exception:
            log.exception("discord_connection_failed")

    async def wait_ready(self, seconds: float = 10.0) -> None:
        async with asyncio.timeout(seconds):
            await self.client.wait_until_ready()
            await self.client.caught_up.wait()

    async def stop(self) -> None:
        # Finish what reps and customers already started (a decision being delivered, a
        # message being stored) before the connection goes.
        await self.context.background.wait_idle()
        await self.client.close()
        await self.context.background.wait_idle()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._saved_urls is not None:
            base, gateway = self._saved_urls
            discord.http.Route.BASE = base
            DiscordWebSocket.DEFAULT_GATEWAY = gateway  # type: ignore[assignment]
            self._saved_urls = None
