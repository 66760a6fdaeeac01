"""Where each platform posted a draft's card, so the card is updated instead of posted again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from memory.database import Database
from memory.schema import ReviewCard


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
