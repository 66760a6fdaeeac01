"""Drafts: every change of state a compare-and-set, so two workers or two clicks race and
exactly one wins; what a draft recalled, stored to be shown on its card.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from memory.database import Database
from memory.domain import (
    OPEN_STATUSES,
    DraftKind,
    DraftStatus,
    RecallItem,
    ReplyTarget,
    StoredCustomer,
    StoredDraft,
    StoredMessage,
)
from memory.domain.knowledge import DraftSource
from memory.messages import stored_customer, stored_message
from memory.schema import Customer, Draft, Message, ReviewCard, utcnow

# Drafts that need a card where none is yet: a rep can act on them, or one is
# being delivered. Queued and drafting ones get theirs when drafted.
NEEDS_CARD = (DraftStatus.PENDING, DraftStatus.FAILED, DraftStatus.SENDING)
# How a draft's error starts when its prompt could not be built (bot.drafting).
PROMPT_FAILED = "the prompt could not be written: "


@dataclass(frozen=True, slots=True)
class TemplateFailures:
    count: int
    last_error: str
    last_draft_id: int
    last_at: datetime


class Drafts:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def transition(
        self,
        draft_id: int,
        allowed: Iterable[DraftStatus],
        new: DraftStatus,
        *,
        claimed_by: str | None = None,
        **values: Any,
    ) -> bool:
        """Move a draft to ``new`` only if it is in one of ``allowed``; True if we won.

        ``claimed_by``: only if that worker still holds it (a worker whose lease
        ran out must not overwrite the draft another worker took over).
        """
        condition = and_(Draft.id == draft_id, Draft.status.in_(list(allowed)))
        if claimed_by is not None:
            condition = and_(condition, Draft.claimed_by == claimed_by)
        async with self.db.sessions() as session:
            result = await session.execute(
                update(Draft)
                .where(condition)
                .values(
                    status=new,
                    **{"updated_at": utcnow(), "revision": Draft.revision + 1, **values},
                )
            )
            await session.commit()
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def get(self, draft_id: int) -> StoredDraft | None:
        async with self.db.sessions() as session:
            row = await session.get(Draft, draft_id)
            return None if row is None else stored_draft(row)

    async def in_statuses(
        self, statuses: Sequence[DraftStatus], *, limit: int = 200
    ) -> list[StoredDraft]:
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(Draft).where(Draft.status.in_(statuses)).order_by(Draft.id).limit(limit)
            )
            return [stored_draft(row) for row in rows.scalars()]

    async def claim_next(
        self, worker: str, lease: timedelta, *, expect_queued: bool = False
    ) -> Bundle | None:
        """Take a draft waiting for a worker, for ``lease``; None when none waits.

        Waiting: drafting by a worker whose lease ran out (it died), taken first,
        then queued, oldest first. ``expect_queued`` (a draft was just queued
        here) tries a queued one first, saving the look.
        The look is a read on the status index (an idle worker's poll takes no
        write lock); the claim is one statement, so two workers never take the
        same draft: PostgreSQL skips rows another worker is taking
        (``FOR UPDATE SKIP LOCKED``), SQLite takes its write lock before it reads.
        """
        now = utcnow()
        expired = and_(
            Draft.status == DraftStatus.DRAFTING,
            or_(Draft.lease_until.is_(None), Draft.lease_until < now),
        )
        queued = Draft.status == DraftStatus.QUEUED
        if expect_queued:
            # Woken by a draft just queued in this process: claim it without a look.
            claimed = await self._claim(queued, worker, now, lease)
            if claimed is not None:
                return claimed
        # One look on the status index: "drafting" sorts before "queued", so a dead
        # worker's drafts come first (they have waited longest, and under a backlog
        # would otherwise wait for every draft queued after them).
        async with self.db.sessions() as session:
            seen = (
                await session.execute(
                    select(Draft.status)
                    .where(
                        Draft.status.in_([DraftStatus.DRAFTING, DraftStatus.QUEUED]),
                        or_(queued, expired),
                    )
                    .order_by(Draft.status)
                    .limit(1)
                )
            ).scalar_one_or_none()
        if seen is None:
            return None
        first, then = (expired, queued) if seen == DraftStatus.DRAFTING else (queued, expired)
        for waiting in (first, then):
            claimed = await self._claim(waiting, worker, now, lease)
            if claimed is not None:
                return claimed
        return None

    async def _claim(
        self, waiting: ColumnElement[bool], worker: str, now: datetime, lease: timedelta
    ) -> Bundle | None:
        oldest = (
            select(Draft.id)
            .where(waiting)
            .order_by(Draft.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with self.db.sessions() as session:
            draft_id = (
                await session.execute(
                    update(Draft)
                    .where(Draft.id == oldest, waiting)
                    .values(
                        status=DraftStatus.DRAFTING,
                        claimed_by=worker,
                        lease_until=now + lease,
                        claims=Draft.claims + 1,
                        error=None,
                        updated_at=now,
                        revision=Draft.revision + 1,
                    )
                    .returning(Draft.id)
                )
            ).scalar_one_or_none()
            if draft_id is None:
                await session.rollback()
                return None
            bundle = await self._bundle(session, draft_id)
            await session.commit()
        return bundle

    async def renew(self, worker: str, draft_ids: Sequence[int], lease: timedelta) -> int:
        """Extend the lease of the drafts ``worker`` still holds; how many it holds.

        Moves neither ``updated_at`` nor ``revision``: nothing a rep sees changed.
        """
        if not draft_ids:
            return 0
        async with self.db.sessions() as session:
            result = await session.execute(
                update(Draft)
                .where(
                    Draft.id.in_(list(draft_ids)),
                    Draft.claimed_by == worker,
                    Draft.status == DraftStatus.DRAFTING,
                )
                .values(lease_until=utcnow() + lease)
            )
            await session.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def behind_on(
        self, surface: str, *, changed_since: datetime | None, stuck_before: datetime
    ) -> list[int]:
        """Drafts of platform ``surface`` whose card there is missing or older than the draft.

        ``changed_since`` limits the search to recently changed drafts (the
        relay's every-second look); None looks at every open draft and the
        last day's (start-up).
        A card some process began posting before ``stuck_before`` and never
        finished counts as missing.
        """
        card = and_(ReviewCard.draft_id == Draft.id, ReviewCard.surface == surface)
        behind = or_(
            and_(ReviewCard.id.is_(None), Draft.status.in_(NEEDS_CARD)),
            and_(ReviewCard.posted_at.is_not(None), ReviewCard.shown_revision < Draft.revision),
            and_(ReviewCard.posted_at.is_(None), ReviewCard.created_at < stuck_before),
        )
        query = (
            select(Draft.id)
            .outerjoin(ReviewCard, card)
            .where(behind, Draft.target["platform"].as_string() == surface)
        )
        if changed_since is not None:
            query = query.where(Draft.updated_at >= changed_since)
        else:  # every open draft, and cards of the last day's decisions
            recent = utcnow() - timedelta(days=1)
            query = query.where(or_(Draft.status.in_(NEEDS_CARD), Draft.updated_at >= recent))
        async with self.db.sessions() as session:
            rows = await session.execute(query.order_by(Draft.id).limit(2000))
            return list(rows.scalars())

    async def template_failures(self, since: datetime) -> dict[str, TemplateFailures]:
        """Drafts failed since ``since`` because a running template raised, per template."""
        prefix = f"{PROMPT_FAILED}template '"
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(Draft.id, Draft.error, Draft.updated_at)
                .where(Draft.error.startswith(prefix, autoescape=True), Draft.updated_at >= since)
                .order_by(Draft.updated_at)
            )
            failures: dict[str, TemplateFailures] = {}
            for draft_id, error, at in rows:
                error = str(error)
                name = error[len(prefix) :].split("'", 1)[0]
                before = failures.get(name)
                failures[name] = TemplateFailures(
                    count=(before.count if before else 0) + 1,
                    last_error=error[len(PROMPT_FAILED) :],
                    last_draft_id=draft_id,
                    last_at=at,
                )
            return failures

    async def last_change(self) -> tuple[datetime | None, int]:
        """When a draft last changed, and how many there are (the console's "anything new?")."""

        async with self.db.sessions() as session:
            row = (
                await session.execute(select(func.max(Draft.updated_at), func.count(Draft.id)))
            ).one()
            return row[0], int(row[1])

    async def bundle(self, draft_id: int) -> Bundle | None:
        """A draft with its customer and the message it answers, in one query."""
        async with self.db.sessions() as session:
            return await self._bundle(session, draft_id)

    async def _bundle(self, session: AsyncSession, draft_id: int) -> Bundle | None:
        row = (
            await session.execute(
                select(Draft, Customer, Message)
                .outerjoin(Customer, Customer.id == Draft.customer_id)
                .outerjoin(Message, Message.id == Draft.message_id)
                .where(Draft.id == draft_id)
            )
        ).first()
        if row is None:
            return None
        draft, customer, message = row
        return (
            stored_draft(draft),
            None if customer is None else stored_customer(customer),
            None if message is None else stored_message(message),
        )

    async def stuck_sending(self, older_than: datetime) -> list[StoredDraft]:
        """Drafts a crashed process left half-delivered (approved, never marked sent)."""
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(Draft)
                .where(Draft.status == DraftStatus.SENDING, Draft.updated_at < older_than)
                .order_by(Draft.id)
            )
            return [stored_draft(row) for row in rows.scalars()]

    async def approve(self, draft_id: int, allowed: Iterable[DraftStatus], **values: Any) -> bool:
        """Move a draft to ``sending`` with its own current text as the text to send.

        The text is copied inside the compare-and-set: a draft regenerated since
        the rep looked sends the text that is there, never a stale copy.
        """
        return await self.transition(
            draft_id, allowed, DraftStatus.SENDING, final_text=Draft.text, **values
        )

    async def record_sent(
        self,
        draft_id: int,
        text: str,
        platform_message_id: str | None,
        sent_at: datetime,
        bot_name: str,
    ) -> int | None:
        """Store the delivered reply in the customer's history and mark the draft sent.

        One transaction, and only from ``sending``: a second delivery report for
        the same draft changes nothing. Returns the outgoing message id.
        """
        async with self.db.sessions() as session:
            draft = await session.get_one(Draft, draft_id, with_for_update=True)
            if draft.status != DraftStatus.SENDING:
                return None
            target = draft.target
            message = Message(
                customer_id=draft.customer_id,
                platform=target["platform"],
                workspace=target["workspace"],
                channel=target["channel"],
                thread=target.get("thread"),
                conversation_key=target["conversation_key"],
                platform_message_id=platform_message_id,
                direction="out",
                author_kind="bot",
                author_id="rapport",
                author_name=bot_name,
                text=text,
                is_direct=bool(target.get("is_direct")),
                sent_at=sent_at,
            )
            session.add(message)
            await session.flush()
            draft.status = DraftStatus.SENT
            draft.sent_message_id = message.id
            draft.updated_at = sent_at
            draft.revision += 1
            await session.commit()
            return message.id

    async def open_for(self, customer_id: int) -> list[StoredDraft]:
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(Draft).where(
                    Draft.customer_id == customer_id, Draft.status.in_(OPEN_STATUSES)
                )
            )
            return [stored_draft(row) for row in rows.scalars()]

    async def recently_decided(self, *, limit: int = 8) -> list[int]:
        """The ids of the drafts most recently sent, rejected or answered by a rep."""
        settled = [DraftStatus.SENT, DraftStatus.REJECTED, DraftStatus.SUPERSEDED]
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(Draft.id)
                .where(Draft.status.in_(settled))
                .order_by(Draft.updated_at.desc())
                .limit(limit)
            )
            return list(rows.scalars())


Bundle = tuple[StoredDraft, StoredCustomer | None, StoredMessage | None]


def stored_draft(row: Draft) -> StoredDraft:
    return StoredDraft(
        id=row.id,
        customer_id=row.customer_id,
        message_id=row.message_id,
        kind=DraftKind(row.kind),
        status=DraftStatus(row.status),
        target=target_from_dict(row.target),
        reason=row.reason,
        text=row.text,
        final_text=row.final_text,
        error=row.error,
        recall=recall_from_records(row.recall or []),
        prompt_version=row.prompt_version,
        model=row.model,
        latency_ms=row.latency_ms,
        attempts=row.attempts,
        decided_action=row.decided_action,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        sent_message_id=row.sent_message_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        revision=row.revision,
        claims=row.claims,
        **sources_from_record(row.sources),
    )


def sources_from_record(record: dict[str, Any] | None) -> dict[str, Any]:
    """A draft's stored sources as StoredDraft fields (nothing when no knowledge was searched)."""
    if not record:
        return {}
    return {
        "sources": [DraftSource(**source) for source in record.get("given", [])],
        "source_flags": tuple(record.get("flags", [])),
        "knowledge_searched": bool(record.get("searched")),
    }


def target_from_dict(data: dict[str, Any]) -> ReplyTarget:
    return ReplyTarget(
        platform=data["platform"],
        workspace=data["workspace"],
        channel=data["channel"],
        thread=data.get("thread"),
        reply_to=data.get("reply_to"),
        is_direct=bool(data.get("is_direct")),
    )


def recall_records(items: Sequence[RecallItem]) -> list[dict[str, Any]]:
    """Recall items as a draft stores them (JSON), to show on its card later."""
    # Field by field: dataclasses.asdict deep-copies, which cost ~2 ms per draft.
    return [
        {
            "kind": item.kind,
            "text": item.text,
            "reason": item.reason,
            "score": item.score,
            "message_id": item.message_id,
            "at": item.at.isoformat() if item.at else None,
            "speaker": item.speaker,
            "role": item.role,
        }
        for item in items
    ]


def recall_from_records(records: Sequence[dict[str, Any]]) -> list[RecallItem]:
    return [
        RecallItem(
            kind=data["kind"],
            text=data["text"],
            reason=data["reason"],
            score=float(data["score"]),
            message_id=data.get("message_id"),
            at=datetime.fromisoformat(data["at"]) if data.get("at") else None,
            speaker=data.get("speaker"),
            role=data.get("role"),
        )
        for data in records
    ]
