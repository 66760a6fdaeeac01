"""Draft cards: what every review surface shows about a draft, and showing it.

A :class:`~memory.domain.DraftCard` is built from the stored draft, its
customer and the message it answers; after every change of a draft the
engine asks :class:`Cards` to show it, and the review hub fans it out to
Slack, Discord and the console.
"""

from __future__ import annotations

from bot.review import ReviewHub
from memory.domain import DraftCard, DraftStatus, StoredCustomer, StoredDraft, StoredMessage
from memory.store import MemoryStore


class Cards:
    def __init__(self, store: MemoryStore, review: ReviewHub) -> None:
        self.store = store
        self.review = review

    async def card(self, draft_id: int) -> DraftCard | None:
        bundle = await self.store.drafts.bundle(draft_id)
        return None if bundle is None else card_of(*bundle)

    async def publish(self, draft_id: int) -> None:
        """Show the draft as it now stands, read from the database."""
        card = await self.card(draft_id)
        if card is not None:
            await self.show(card)

    async def show(self, card: DraftCard) -> None:
        """Show a card already built (the draft as just written: no need to read it back)."""
        if card.status is not DraftStatus.SKIPPED:  # kept for the record, not for reps
            await self.review.publish(card)


def card_of(
    draft: StoredDraft, customer: StoredCustomer | None, message: StoredMessage | None
) -> DraftCard:
    return DraftCard(
        draft_id=draft.id,
        kind=draft.kind,
        status=draft.status,
        customer_id=draft.customer_id,
        customer_name=customer.display_name if customer else "(forgotten)",
        platform=draft.target.platform,
        inbound_text=message.text if message else "",
        inbound_at=message.sent_at if message else None,
        permalink=message.permalink if message else None,
        recalled=draft.recall,
        text=draft.text,
        final_text=draft.final_text,
        error=draft.error,
        decided_by=draft.decided_by,
        decided_at=draft.decided_at,
        created_at=draft.created_at,
        model=draft.model,
        reason=draft.reason,
        attempts=draft.attempts,
        revision=draft.revision,
        decided_action=draft.decided_action,
        sources=draft.sources,
        source_flags=draft.source_flags,
        knowledge_searched=draft.knowledge_searched,
    )
