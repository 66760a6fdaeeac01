"""The discord.py client: intents, the hooks discord.py calls by name, and routing.

``setup_hook`` runs once after login: it registers the persistent buttons,
finds the gateway (from ``GET /gateway/bot`` when a test points the REST base
elsewhere) and syncs the slash commands. ``on_message`` and ``on_ready`` hand
over to the adapter's modules.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import discord
import structlog
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from handlers.discord.commands import RapportCommands
from handlers.discord.config import DiscordConfig
from handlers.discord.context import DiscordContext
from handlers.discord.events import handle_message
from handlers.discord.views import ReviewButton

log = structlog.get_logger(__name__)


def intents() -> discord.Intents:
    """Only what Rapport reads: servers and channels, messages and their text, DMs."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True  # privileged: enable it in the Developer Portal
    return wanted


class RapportClient(discord.Client):
    def __init__(self, config: DiscordConfig, *, guild_ready_timeout: float = 2.0) -> None:
        options: dict[str, Any] = {"guild_ready_timeout": guild_ready_timeout}
        if config.application_id is not None:
            options["application_id"] = config.application_id
        super().__init__(
            intents=intents(), allowed_mentions=discord.AllowedMentions.none(), **options
        )
        self.config = config
        self.tree: app_commands.CommandTree[RapportClient] = app_commands.CommandTree(self)
        self.tree.add_command(RapportCommands())
        self.rapport: DiscordContext | None = None  # set by DiscordService before login
        # Set once on_ready has shown the drafts still open: "ready" means caught up.
        self.caught_up = asyncio.Event()

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ReviewButton)
        if self.config.api_url:
            _shards, url, _limits = await self.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        try:
            await self.tree.sync()
        except discord.HTTPException as exc:
            # Buttons and messages still work; only /rapport is missing until the next start.
            log.warning("discord_commands_not_synced", status=exc.status, error=exc.text)

    async def on_ready(self) -> None:
        assert self.rapport is not None
        log.info("discord_ready", user=str(self.user), guilds=len(self.guilds))
        try:
            await self.rapport.surface.catch_up()
        finally:
            self.caught_up.set()

    async def on_message(self, message: discord.Message) -> None:
        assert self.rapport is not None
        await handle_message(self.rapport, message, self.user)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """A handler failed: ids and the error's type, never its message or traceback.

        discord.py's default prints the traceback, and an error about a message
        (a database refusing it, say) quotes the customer's words.
        """
        error = sys.exc_info()[1]
        message = args[0] if args and isinstance(args[0], discord.Message) else None
        log.error(
            "discord_handler_failed",
            event_name=event_method,
            message_id=message.id if message else None,
            text_chars=len(message.content) if message else None,
            error=type(error).__name__ if error else None,
            cause=type(error.__cause__).__name__ if error and error.__cause__ else None,
        )
