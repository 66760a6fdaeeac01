"""Where each platform posted a draft's card, so the card is updated instead of posted again."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import select

from memory.database import Database
from memory.schema import Draft, ReviewCard


class PostedCard(NamedTuple):
    """A draft's card on one surface, and where it is there."""

    draft_id: int
    surface: str
    ref: dict[str, Any]


class CardRefs:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, draft_id: int, surface: str, ref: dict[str, Any]) -> None:
        async with self.db.sessions() as session:
            card = (
                await session.execute(
                    select(ReviewCard).where(
                        ReviewCard.draft_id == draft_id, ReviewCard.surface == surface
                    )
                )
            ).scalar_one_or_none()
            if card is None:
                session.add(ReviewCard(draft_id=draft_id, surface=surface, ref=ref))
            else:
                card.ref = ref
            await session.commit()

    async def get(self, draft_id: int, surface: str) -> dict[str, Any] | None:
        async with self.db.sessions() as session:
            return (
                await session.execute(
                    select(ReviewCard.ref).where(
                        ReviewCard.draft_id == draft_id, ReviewCard.surface == surface
                    )
                )
            ).scalar_one_or_none()

    async def of_customer(self, customer_id: int) -> list[PostedCard]:
        """Every card of the customer's drafts, on every surface (read before forgetting them)."""
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(ReviewCard.draft_id, ReviewCard.surface, ReviewCard.ref)
                .join(Draft, Draft.id == ReviewCard.draft_id)
                .where(Draft.customer_id == customer_id)
                .order_by(ReviewCard.id)
            )
            return [PostedCard(draft_id, surface, ref) for draft_id, surface, ref in rows]
