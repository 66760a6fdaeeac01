"""The Discord review channel: cards as embeds with buttons, referenced by message id.

When to post and when to update is :class:`handlers.platform.ReviewChannel`'s
job; this draws and sends. Until the gateway is ready nothing is sent: the
on-ready catch-up posts what waited.
"""

from __future__ import annotations

from typing import Any

import discord

from handlers.discord.cards import card_embed
from handlers.discord.config import PLATFORM
from handlers.discord.views import review_view
from handlers.platform import FORGOTTEN_CARD, CardLoader, CardRef, ReviewChannel
from memory.domain import DraftCard
from memory.store import MemoryStore

NO_MENTIONS = discord.AllowedMentions.none()


class DiscordReviewSurface(ReviewChannel):
    def __init__(
        self, client: discord.Client, store: MemoryStore, review_channel_id: int, load: CardLoader
    ) -> None:
        super().__init__(PLATFORM, store, load)
        self.client = client
        self.review_channel_id = review_channel_id

    def ready(self) -> bool:
        return self.client.is_ready()

    async def post_card(self, card: DraftCard) -> CardRef:
        kwargs: dict[str, Any] = {"embed": card_embed(card), "allowed_mentions": NO_MENTIONS}
        view = review_view(card)
        if view is not None:
            kwargs["view"] = view
        sent = await self.client.get_partial_messageable(self.review_channel_id).send(**kwargs)
        return {"channel_id": str(sent.channel.id), "message_id": str(sent.id)}

    async def update_card(self, ref: CardRef, card: DraftCard) -> bool:
        channel = self.client.get_partial_messageable(int(ref["channel_id"]))
        message = channel.get_partial_message(int(ref["message_id"]))
        try:
            await message.edit(
                embed=card_embed(card), view=review_view(card), allowed_mentions=NO_MENTIONS
            )
        except discord.NotFound:
            return False
        return True

    async def redact_card(self, ref: CardRef) -> None:
        channel = self.client.get_partial_messageable(int(ref["channel_id"]))
        message = channel.get_partial_message(int(ref["message_id"]))
        # view=None takes the buttons off; the new embed replaces every old one.
        notice = discord.Embed(description=FORGOTTEN_CARD)
        try:
            await message.edit(content=None, embed=notice, view=None, allowed_mentions=NO_MENTIONS)
        except discord.NotFound:
            return  # deleted by someone: nothing of the customer is left to redact
