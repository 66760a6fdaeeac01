"""The Discord review channel as a :class:`~bot.review.ReviewSurface`.

The first publish of a draft sends its card and stores where it went
(``{channel_id, message_id}``); every later publish edits that message. A
per-draft lock makes "create if missing" safe when the engine and the
on-ready catch-up publish the same draft at once, so a card is never
duplicated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import structlog

from handlers.discord.cards import card_embed
from handlers.discord.context import PLATFORM
from handlers.discord.views import review_view
from memory.domain import DraftCard, DraftStatus
from memory.store import MemoryStore

log = structlog.get_logger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()

CardLoader = Callable[[int], Awaitable[DraftCard | None]]


class DiscordReviewSurface:
    name = PLATFORM

    def __init__(
        self, client: discord.Client, store: MemoryStore, review_channel_id: int, load: CardLoader
    ) -> None:
        self.client = client
        self.store = store
        self.review_channel_id = review_channel_id
        self._load = load
        self._locks: dict[int, asyncio.Lock] = {}

    async def publish(self, card: DraftCard) -> None:
        # Discord reps review Discord customers; other platforms have their own channels
        # and everyone has the web console.
        if card.platform != PLATFORM:
            return
        if not self.client.is_ready():
            return  # the on-ready catch-up posts it
        lock = self._locks.setdefault(card.draft_id, asyncio.Lock())
        async with lock:
            # Re-read under the lock: two publishes may arrive out of order, the last
            # edit must show the newest state.
            latest = await self._load(card.draft_id)
            if latest is None:
                return  # forgotten meanwhile
            card = latest
            await self._show(card)
        if not lock.locked() and card.status not in (DraftStatus.PENDING, DraftStatus.FAILED):
            self._locks.pop(card.draft_id, None)

    async def _show(self, card: DraftCard) -> None:
        embed = card_embed(card)
        view = review_view(card)
        ref = await self.store.card_ref(card.draft_id, PLATFORM)
        if ref is not None:
            channel = self.client.get_partial_messageable(int(ref["channel_id"]))
            message = channel.get_partial_message(int(ref["message_id"]))
            try:
                await message.edit(embed=embed, view=view, allowed_mentions=NO_MENTIONS)
                return
            except discord.NotFound:
                log.warning("discord_card_missing", draft_id=card.draft_id, ref=ref)
        channel = self.client.get_partial_messageable(self.review_channel_id)
        kwargs: dict[str, Any] = {"embed": embed, "allowed_mentions": NO_MENTIONS}
        if view is not None:
            kwargs["view"] = view
        sent = await channel.send(**kwargs)
        await self.store.save_card_ref(
            card.draft_id,
            PLATFORM,
            {"channel_id": str(sent.channel.id), "message_id": str(sent.id)},
        )

    async def catch_up(self, draft_ids: list[int]) -> int:
        """Post (or refresh) the cards of drafts still open; returns how many were shown."""
        shown = 0
        for draft_id in draft_ids:
            card = await self._load(draft_id)
            if card is None or card.platform != PLATFORM:
                continue
            try:
                await self.publish(card)
                shown += 1
            except discord.HTTPException:
                log.exception("discord_card_catch_up_failed", draft_id=draft_id)
        return shown
