"""Where each platform posted a draft's card, so the card is updated instead of posted again.

Several processes may run the same surface (two listeners behind one load
balancer, a worker's relay): before drawing, a process takes the card in the
database. :meth:`CardRefs.take` lets exactly one of them post a new card (the
row it inserts says "being posted"), and lets a newer revision of the draft
redraw a posted card once.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from memory.database import Database
from memory.schema import Draft, ReviewCard, utcnow


class Turn(Enum):
    POST = "post"  # no card yet: post one, then :meth:`CardRefs.posted`
    UPDATE = "update"  # redraw the card at the ref
    SKIP = "skip"  # shown already at this revision or newer, or another process is posting


class Taken(NamedTuple):
    turn: Turn
    ref: dict[str, Any] | None = None


class PostedCard(NamedTuple):
    """A draft's card on one surface, and where it is there."""

    draft_id: int
    surface: str
    ref: dict[str, Any]


class CardRefs:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def take(
        self, draft_id: int, surface: str, revision: int, *, stuck_before: datetime
    ) -> Taken:
        """Whether this process draws revision ``revision`` of the draft's card, and how.

        A card another process began posting before ``stuck_before`` and never
        finished (it died) is taken over.
        """
        mine = (ReviewCard.draft_id == draft_id, ReviewCard.surface == surface)
        async with self.db.sessions() as session:
            ref = (
                await session.execute(
                    update(ReviewCard)
                    .where(
                        *mine,
                        ReviewCard.posted_at.is_not(None),
                        ReviewCard.shown_revision < revision,
                    )
                    .values(shown_revision=revision)
                    .returning(ReviewCard.ref)
                )
            ).scalar_one_or_none()
            if ref is not None:
                await session.commit()
                return Taken(Turn.UPDATE, ref)
            await session.rollback()
        try:
            async with self.db.sessions() as session:
                session.add(
                    ReviewCard(
                        draft_id=draft_id, surface=surface, ref={}, shown_revision=0, posted_at=None
                    )
                )
                await session.commit()
                return Taken(Turn.POST)
        except IntegrityError:
            pass  # there is a row: shown already, or someone is posting it
        async with self.db.sessions() as session:
            abandoned = await session.execute(
                update(ReviewCard)
                .where(*mine, ReviewCard.posted_at.is_(None), ReviewCard.created_at < stuck_before)
                .values(created_at=utcnow())
            )
            await session.commit()
            if abandoned.rowcount == 1:  # type: ignore[attr-defined]
                return Taken(Turn.POST)
        return Taken(Turn.SKIP)

    async def posted(self, draft_id: int, surface: str, ref: dict[str, Any], revision: int) -> None:
        """The card this process took to post (or re-post) is on screen at ``ref``."""
        async with self.db.sessions() as session:
            await session.execute(
                update(ReviewCard)
                .where(ReviewCard.draft_id == draft_id, ReviewCard.surface == surface)
                .values(ref=ref, posted_at=utcnow(), shown_revision=revision)
            )
            await session.commit()

    async def not_posted(self, draft_id: int, surface: str) -> None:
        """Posting failed: give the card back so the next look tries again."""
        async with self.db.sessions() as session:
            await session.execute(
                delete(ReviewCard).where(
                    ReviewCard.draft_id == draft_id,
                    ReviewCard.surface == surface,
                    ReviewCard.posted_at.is_(None),
                )
            )
            await session.commit()

    async def not_updated(self, draft_id: int, surface: str, revision: int) -> None:
        """Redrawing failed: mark the card behind so the next look tries again."""
        async with self.db.sessions() as session:
            await session.execute(
                update(ReviewCard)
                .where(
                    ReviewCard.draft_id == draft_id,
                    ReviewCard.surface == surface,
                    ReviewCard.shown_revision == revision,
                )
                .values(shown_revision=0)
            )
            await session.commit()

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
                session.add(
                    ReviewCard(draft_id=draft_id, surface=surface, ref=ref, posted_at=utcnow())
                )
            else:
                card.ref = ref
                card.posted_at = card.posted_at or utcnow()
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
