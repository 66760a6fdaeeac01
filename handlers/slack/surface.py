"""The Slack review channel: cards as Block Kit messages, referenced by ``{channel, ts}``.

When to post and when to update is :class:`handlers.platform.ReviewChannel`'s
job; this draws and sends. Slack's retries of one event never reach here
twice (the store dedupes them).
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.platform import FORGOTTEN_CARD, CardLoader, CardRef, ReviewChannel
from handlers.slack.cards import card_message
from handlers.slack.config import PLATFORM
from memory.domain import DraftCard
from memory.store import MemoryStore

CARD_GONE = frozenset({"message_not_found", "channel_not_found", "cant_update_message"})
# One block of our own replaces the card's: an update without blocks would keep the old ones.
FORGOTTEN_BLOCKS = [{"type": "section", "text": {"type": "plain_text", "text": FORGOTTEN_CARD}}]


class SlackReviewSurface(ReviewChannel):
    def __init__(
        self, client: AsyncWebClient, store: MemoryStore, review_channel: str, load: CardLoader
    ) -> None:
        super().__init__(PLATFORM, store, load)
        self.client = client
        self.review_channel = review_channel

    async def post_card(self, card: DraftCard) -> CardRef:
        text, blocks = card_message(card)
        response = await self.client.chat_postMessage(
            channel=self.review_channel,
            text=text,
            blocks=blocks,
            link_names=False,
            unfurl_links=False,
            unfurl_media=False,
        )
        return {"channel": response["channel"], "ts": response["ts"]}

    async def update_card(self, ref: CardRef, card: DraftCard) -> bool:
        text, blocks = card_message(card)
        try:
            await self.client.chat_update(
                channel=ref["channel"], ts=ref["ts"], text=text, blocks=blocks, link_names=False
            )
        except SlackApiError as exc:
            if exc.response.get("error") not in CARD_GONE:
                raise
            return False
        return True

    async def redact_card(self, ref: CardRef) -> None:
        try:
            await self.client.chat_update(
                channel=ref["channel"], ts=ref["ts"], text=FORGOTTEN_CARD, blocks=FORGOTTEN_BLOCKS
            )
        except SlackApiError as exc:
            if exc.response.get("error") not in CARD_GONE:
                raise
