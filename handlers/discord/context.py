"""The Discord adapter's handle on the core, reached from any interaction as ``client.rapport``."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import discord

from bot.tasks import Background
from handlers.discord.config import PLATFORM, DiscordConfig
from handlers.platform import ReviewChannel

if TYPE_CHECKING:
    from bot.engine import ResponseEngine
    from memory.customers import CustomerDirectory
    from memory.store import MemoryStore

T = TypeVar("T")


@dataclass(slots=True)
class DiscordContext:
    """What the client's hooks, buttons and commands reach the core through.

    ``background.track`` runs work that must finish before shutdown (storing a
    message, applying a decision); discord.py's own tasks are not ours to wait for.
    """

    config: DiscordConfig
    engine: ResponseEngine
    store: MemoryStore
    directory: CustomerDirectory
    surface: ReviewChannel
    background: Background = field(default_factory=lambda: Background(PLATFORM))

    async def track(self, work: Awaitable[T]) -> T:
        return await self.background.track(work)


def context_of(client: discord.Client) -> DiscordContext:
    context = getattr(client, "rapport", None)
    if not isinstance(context, DiscordContext):
        raise RuntimeError("this discord.Client was not built by handlers.discord")
    return context
