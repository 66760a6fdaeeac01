"""The memory store: messages in, drafts and their decisions, facts.

Every write that must be atomic is one transaction here; every change of a
draft's state is a compare-and-set, so two workers or two clicks can race and
exactly one wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain import (
    OPEN_STATUSES,
    AuthorRole,
    DraftStatus,
    FactCandidate,
    InboundMessage,
    ReplyTarget,
    conversation_key,
)
from memory.schema import AuditEntry, Customer, Draft, Fact, Identity, Message, ReviewCard, utcnow


@dataclass(frozen=True, slots=True)
class Ingested:
    """What storing one inbound message did."""

    message_id: int
    customer_id: int
    draft_id: int | None  # the draft to write, for a customer's message
    duplicate: bool = False  # already stored earlier: nothing new was written
    superseded: tuple[int, ...] = ()  # drafts a rep's own reply made moot


@dataclass(frozen=True, slots=True)
class Ignored:
    """A message that belongs to no customer (a rep talking outside any customer thread)."""

    reason: str


class StoreUnavailable(RuntimeError):
    """The database could not be reached: nothing was stored, so the platform should redeliver.

    Adapters let this propagate as a failure (an HTTP 5xx, no acknowledgement):
    Slack and Discord then deliver the event again, and the redelivery is
    stored once the database is back.
    """


class MemoryStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # -- ingest ----------------------------------------------------------------

    async def ingest(
        self, msg: InboundMessage, target: ReplyTarget, *, queue_draft: bool = True
    ) -> Ingested | Ignored:
        """Like :meth:`_ingest`; raises :class:`StoreUnavailable` when the database is down."""
        try:
            return await self._ingest(msg, target, queue_draft=queue_draft)
        except (OperationalError, InterfaceError) as exc:
            # One transaction: a failure here left nothing half-written.
            raise StoreUnavailable(
                f"message {msg.message_id!r} from {msg.platform} was not stored: the database "
                f"is unavailable ({str(exc.orig or exc).splitlines()[0][:160]}); "
                "refuse it so the platform redelivers it"
            ) from exc

    async def _ingest(
        self, msg: InboundMessage, target: ReplyTarget, *, queue_draft: bool = True
    ) -> Ingested | Ignored:
        """Store the message first; for a customer's message also queue its draft.

        Idempotent on the platform message id: a redelivery returns the first
        result with ``duplicate=True`` and writes nothing. With
        ``queue_draft=False`` the message is only remembered (history imports,
        benchmarks): no draft row is created and ``draft_id`` is None.
        """
        for attempt in range(3):
            async with self.sessions() as session:
                # Write first and look only after a conflict: redeliveries are
                # rare, and the unique constraint is the real guard anyway.
                if attempt > 0:
                    existing = await self._find_existing(session, msg)
                    if existing is not None:
                        return existing
                try:
                    if msg.author_role is AuthorRole.REP:
                        result = await self._ingest_rep_reply(session, msg)
                    else:
                        result = await self._ingest_customer_message(
                            session, msg, target, queue_draft=queue_draft
                        )
                    await session.commit()
                    return result
                except IntegrityError:
                    # Another worker stored the same message (or created the
                    # same identity) between our read and our write: read again.
                    await session.rollback()
        raise RuntimeError(f"could not store message {msg.message_id!r} after 3 attempts")

    async def _find_existing(self, session: AsyncSession, msg: InboundMessage) -> Ingested | None:
        row = (
            await session.execute(
                select(Message.id, Message.customer_id, Draft.id)
                .outerjoin(Draft, Draft.message_id == Message.id)
                .where(
                    Message.platform == msg.platform,
                    Message.workspace == msg.workspace,
                    Message.platform_message_id == msg.message_id,
                )
            )
        ).first()
        if row is None:
            return None
        return Ingested(message_id=row[0], customer_id=row[1], draft_id=row[2], duplicate=True)

    async def _ingest_customer_message(
        self,
        session: AsyncSession,
        msg: InboundMessage,
        target: ReplyTarget,
        *,
        queue_draft: bool = True,
    ) -> Ingested:
        customer = await self._resolve_customer(session, msg)
        customer.last_seen_at = msg.sent_at
        message = _message_row(msg, customer.id, direction="in", author_kind="customer")
        session.add(message)
        await session.flush()
        if not queue_draft:
            return Ingested(message_id=message.id, customer_id=customer.id, draft_id=None)
        draft = Draft(
            customer_id=customer.id,
            message_id=message.id,
            kind="reply",
            status=DraftStatus.QUEUED,
            target=target_dict(target),
        )
        session.add(draft)
        await session.flush()
        return Ingested(message_id=message.id, customer_id=customer.id, draft_id=draft.id)

    async def _ingest_rep_reply(
        self, session: AsyncSession, msg: InboundMessage
    ) -> Ingested | Ignored:
        customer_id = (
            await session.execute(
                select(Message.customer_id)
                .where(Message.conversation_key == msg.conversation_key, Message.direction == "in")
                .order_by(Message.sent_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if customer_id is None:
            return Ignored("a rep wrote outside any customer conversation")
        message = _message_row(msg, customer_id, direction="out", author_kind="rep")
        session.add(message)
        await session.flush()
        superseded = (
            (
                await session.execute(
                    update(Draft)
                    .where(
                        Draft.status.in_(OPEN_STATUSES),
                        Draft.message_id.in_(
                            select(Message.id).where(
                                Message.conversation_key == msg.conversation_key,
                                Message.direction == "in",
                            )
                        ),
                    )
                    .values(
                        status=DraftStatus.SUPERSEDED,
                        decided_by=f"{msg.display_name} ({msg.platform})",
                        decided_at=msg.sent_at,
                        decided_action="answered",
                        updated_at=utcnow(),
                    )
                    .returning(Draft.id)
                )
            )
            .scalars()
            .all()
        )
        return Ingested(
            message_id=message.id,
            customer_id=customer_id,
            draft_id=None,
            superseded=tuple(superseded),
        )

    async def _resolve_customer(self, session: AsyncSession, msg: InboundMessage) -> Customer:
        # One round trip for the account and its customer: this runs for every message.
        found = (
            await session.execute(
                select(Identity, Customer)
                .join(Customer, Customer.id == Identity.customer_id)
                .where(
                    Identity.platform == msg.platform,
                    Identity.workspace == msg.workspace,
                    Identity.user_id == msg.user_id,
                )
            )
        ).one_or_none()
        if found is not None:
            identity, customer = found
            if msg.display_name and identity.display_name != msg.display_name:
                identity.display_name = msg.display_name
            return customer
        customer = Customer(display_name=msg.display_name or msg.user_id)
        session.add(customer)
        await session.flush()
        session.add(
            Identity(
                customer_id=customer.id,
                platform=msg.platform,
                workspace=msg.workspace,
                user_id=msg.user_id,
                display_name=msg.display_name or msg.user_id,
            )
        )
        await session.flush()
        return customer

    # -- drafts ----------------------------------------------------------------

    async def transition(
        self,
        draft_id: int,
        allowed: Iterable[DraftStatus],
        new: DraftStatus,
        **values: Any,
    ) -> bool:
        """Move a draft to ``new`` only if it is in one of ``allowed``; True if we won."""
        async with self.sessions() as session:
            result = await session.execute(
                update(Draft)
                .where(Draft.id == draft_id, Draft.status.in_(list(allowed)))
                .values(status=new, **{"updated_at": utcnow(), **values})
            )
            await session.commit()
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def draft(self, draft_id: int) -> Draft | None:
        async with self.sessions() as session:
            return await session.get(Draft, draft_id)

    async def drafts_in(self, statuses: Sequence[DraftStatus], *, limit: int = 200) -> list[Draft]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Draft).where(Draft.status.in_(statuses)).order_by(Draft.id).limit(limit)
            )
            return list(rows.scalars())

    async def claim_for_drafting(
        self, draft_id: int
    ) -> tuple[Draft, Customer, Message | None] | None:
        """Move a queued draft to ``drafting`` and load what drafting needs, in one session.

        None when another worker has it or a rep already decided.
        """
        async with self.sessions() as session:
            claimed = await session.execute(
                update(Draft)
                .where(Draft.id == draft_id, Draft.status == DraftStatus.QUEUED)
                .values(status=DraftStatus.DRAFTING, error=None, updated_at=utcnow())
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                await session.rollback()
                return None
            bundle = await self._bundle(session, draft_id)
            await session.commit()
        if bundle is None or bundle[1] is None:
            return None
        return bundle[0], bundle[1], bundle[2]

    async def draft_bundle(
        self, draft_id: int
    ) -> tuple[Draft, Customer | None, Message | None] | None:
        """A draft with its customer and the message it answers, in one query."""
        async with self.sessions() as session:
            return await self._bundle(session, draft_id)

    async def _bundle(
        self, session: AsyncSession, draft_id: int
    ) -> tuple[Draft, Customer | None, Message | None] | None:
        row = (
            await session.execute(
                select(Draft, Customer, Message)
                .outerjoin(Customer, Customer.id == Draft.customer_id)
                .outerjoin(Message, Message.id == Draft.message_id)
                .where(Draft.id == draft_id)
            )
        ).first()
        return None if row is None else (row[0], row[1], row[2])

    async def purge_before(self, cutoff: datetime) -> int:
        """Delete every message sent before ``cutoff`` (retention); returns how many.

        Their drafts go with them (ON DELETE CASCADE), facts keep their text
        but lose the link to the message, full-text entries are removed by the
        database. Customers and their facts stay.
        """
        async with self.sessions() as session:
            result = await session.execute(delete(Message).where(Message.sent_at < cutoff))
            await session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def stale_drafts(
        self, older_than: datetime, *, queued_before: datetime | None = None
    ) -> list[Draft]:
        """Drafts a crashed worker left half-done: queued, or stuck drafting/sending.

        ``queued_before`` leaves alone queued drafts younger than that, which
        the worker that stored them is still about to draft.
        """
        queued = Draft.status == DraftStatus.QUEUED
        if queued_before is not None:
            queued = queued & (Draft.updated_at < queued_before)
        async with self.sessions() as session:
            rows = await session.execute(
                select(Draft)
                .where(
                    queued
                    | (
                        Draft.status.in_([DraftStatus.DRAFTING, DraftStatus.SENDING])
                        & (Draft.updated_at < older_than)
                    )
                )
                .order_by(Draft.id)
            )
            return list(rows.scalars())

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
        async with self.sessions() as session:
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
            await session.commit()
            return message.id

    async def open_drafts_for(self, customer_id: int) -> list[Draft]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Draft).where(
                    Draft.customer_id == customer_id, Draft.status.in_(OPEN_STATUSES)
                )
            )
            return list(rows.scalars())

    async def save_card_ref(self, draft_id: int, surface: str, ref: dict[str, Any]) -> None:
        async with self.sessions() as session:
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

    async def card_ref(self, draft_id: int, surface: str) -> dict[str, Any] | None:
        async with self.sessions() as session:
            return (
                await session.execute(
                    select(ReviewCard.ref).where(
                        ReviewCard.draft_id == draft_id, ReviewCard.surface == surface
                    )
                )
            ).scalar_one_or_none()

    # -- messages and customers -------------------------------------------------

    async def message(self, message_id: int) -> Message | None:
        async with self.sessions() as session:
            return await session.get(Message, message_id)

    async def customer(self, customer_id: int) -> Customer | None:
        async with self.sessions() as session:
            return await session.get(Customer, customer_id)

    async def recent_turns(
        self, customer_id: int, conversation_key: str, *, before_id: int | None, limit: int
    ) -> list[Message]:
        """The latest turns of one conversation, oldest first."""
        async with self.sessions() as session:
            query = select(Message).where(
                Message.customer_id == customer_id, Message.conversation_key == conversation_key
            )
            if before_id is not None:
                query = query.where(Message.id < before_id)
            rows = await session.execute(query.order_by(Message.id.desc()).limit(limit))
            return list(reversed(rows.scalars().all()))

    async def history(self, customer_id: int, *, limit: int = 200) -> list[Message]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Message)
                .where(Message.customer_id == customer_id)
                .order_by(Message.id.desc())
                .limit(limit)
            )
            return list(reversed(rows.scalars().all()))

    async def count_messages(self) -> int:
        async with self.sessions() as session:
            return int((await session.execute(select(func.count(Message.id)))).scalar_one())

    # -- facts -----------------------------------------------------------------

    async def remember(
        self,
        customer_id: int,
        message_id: int | None,
        facts: Sequence[FactCandidate],
        *,
        at: datetime,
    ) -> list[Fact]:
        """Add new facts and update changed ones; the same fact twice is one fact."""
        if not facts:
            return []
        changed: list[Fact] = []
        async with self.sessions() as session:
            for candidate in facts:
                existing = (
                    await session.execute(
                        select(Fact).where(
                            Fact.customer_id == customer_id,
                            Fact.kind == candidate.kind,
                            Fact.key == candidate.key,
                        )
                    )
                ).scalar_one_or_none()
                if existing is None:
                    fact = Fact(
                        customer_id=customer_id,
                        kind=candidate.kind,
                        key=candidate.key,
                        value=candidate.value,
                        statement=candidate.statement,
                        event_date=candidate.event_date,
                        source_message_id=message_id,
                        created_at=at,
                        updated_at=at,
                    )
                    session.add(fact)
                    changed.append(fact)
                elif (existing.value, existing.event_date) != (
                    candidate.value,
                    candidate.event_date,
                ):
                    existing.value = candidate.value
                    existing.statement = candidate.statement
                    existing.event_date = candidate.event_date
                    existing.source_message_id = message_id
                    existing.updated_at = at
                    changed.append(existing)
            await session.commit()
        return changed

    async def facts(self, customer_id: int) -> list[Fact]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Fact).where(Fact.customer_id == customer_id).order_by(Fact.updated_at.desc())
            )
            return list(rows.scalars())

    # -- audit -----------------------------------------------------------------

    async def audit(
        self,
        actor: str,
        action: str,
        *,
        customer_id: int | None = None,
        draft_id: int | None = None,
        **detail: Any,
    ) -> None:
        async with self.sessions() as session:
            session.add(
                AuditEntry(
                    actor=actor,
                    action=action,
                    customer_id=customer_id,
                    draft_id=draft_id,
                    detail=detail,
                )
            )
            await session.commit()


def _message_row(
    msg: InboundMessage, customer_id: int, *, direction: str, author_kind: str
) -> Message:
    return Message(
        customer_id=customer_id,
        platform=msg.platform,
        workspace=msg.workspace,
        channel=msg.channel,
        thread=msg.thread,
        conversation_key=msg.conversation_key,
        platform_message_id=msg.message_id,
        direction=direction,
        author_kind=author_kind,
        author_id=msg.user_id,
        author_name=msg.display_name or msg.user_id,
        text=storable(msg.text),
        is_direct=msg.is_direct,
        permalink=msg.permalink,
        sent_at=msg.sent_at,
    )


def storable(text: str) -> str:
    """The text as every database can keep it.

    PostgreSQL refuses NUL characters, and no database can encode a lone
    surrogate (what a broken ``"\\ud83d"`` escape in a JSON payload decodes
    to). Both become U+FFFD, so the message is stored instead of failing on
    every redelivery.
    """
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Pairs stay pairs (one character); lone halves become U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def target_dict(target: ReplyTarget) -> dict[str, Any]:
    return {
        "platform": target.platform,
        "workspace": target.workspace,
        "channel": target.channel,
        "thread": target.thread,
        "reply_to": target.reply_to,
        "is_direct": target.is_direct,
        "conversation_key": conversation_key(
            target.platform, target.workspace, target.channel, target.thread
        ),
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
