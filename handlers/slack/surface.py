"""The Slack review channel as a :class:`~bot.review.ReviewSurface`.

The first publish of a draft posts its card and stores where it went
(``{channel, ts}``); every later publish updates that message in place. A
per-draft lock plus reading the stored ref under it makes "create if missing"
safe when the engine and the start-up catch-up publish the same draft at once,
and Slack's retries of one event never reach here twice (the store dedupes them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack.cards import card_message
from handlers.slack.config import PLATFORM
from memory.domain import DraftCard, DraftStatus
from memory.store import MemoryStore

log = structlog.get_logger(__name__)

CardLoader = Callable[[int], Awaitable[DraftCard | None]]
CARD_GONE = frozenset({"message_not_found", "channel_not_found", "cant_update_message"})
# Drafts a rep can still act on, and the one in flight: each must have a card.
NEEDS_CARD = (DraftStatus.PENDING, DraftStatus.FAILED, DraftStatus.SENDING)


class SlackReviewSurface:
    name = PLATFORM

    def __init__(
        self, client: AsyncWebClient, store: MemoryStore, review_channel: str, load: CardLoader
    ) -> None:
        self.client = client
        self.store = store
        self.review_channel = review_channel
        self._load = load
        self._locks: dict[int, asyncio.Lock] = {}

    async def publish(self, card: DraftCard) -> None:
        # Slack reps review Slack customers; every draft is also on the web console.
        if card.platform != PLATFORM:
            return
        lock = self._locks.setdefault(card.draft_id, asyncio.Lock())
        async with lock:
            # Re-read under the lock: publishes can arrive out of order and the
            # last update must show the newest state.
            latest = await self._load(card.draft_id)
            if latest is None:
                return
            await self._show(latest)
        if not lock.locked() and latest.status not in (DraftStatus.PENDING, DraftStatus.FAILED):
            self._locks.pop(card.draft_id, None)

    async def _show(self, card: DraftCard) -> None:
        text, blocks = card_message(card)
        ref = await self.store.card_ref(card.draft_id, PLATFORM)
        if ref is not None:
            try:
                await self.client.chat_update(
                    channel=ref["channel"], ts=ref["ts"], text=text, blocks=blocks, link_names=False
                )
                return
            except SlackApiError as exc:
                if exc.response.get("error") not in CARD_GONE:
                    raise
                # Someone deleted the card: post a fresh one so the draft stays reviewable.
                log.warning("slack_card_missing", draft_id=card.draft_id, ref=ref)
        response = await self.client.chat_postMessage(
            channel=self.review_channel,
            text=text,
            blocks=blocks,
            link_names=False,
            unfurl_links=False,
            unfurl_media=False,
        )
        await self.store.save_card_ref(
            card.draft_id, PLATFORM, {"channel": response["channel"], "ts": response["ts"]}
        )

    async def catch_up(self) -> int:
        """Post the cards a crash left unposted; returns how many were posted."""
        posted = 0
        for draft in await self.store.drafts_in(NEEDS_CARD, limit=2000):
            if draft.target.get("platform") != PLATFORM:
                continue
            if await self.store.card_ref(draft.id, PLATFORM) is not None:
                continue
            card = await self._load(draft.id)
            if card is None:
                continue
            try:
                await self.publish(card)
            except (SlackApiError, OSError, TimeoutError):
                log.exception("slack_card_catch_up_failed", draft_id=draft.id)
                continue
            posted += 1
        if posted:
            log.info("slack_cards_caught_up", count=posted)
        return posted
