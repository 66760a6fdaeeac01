"""The memory store: messages in, drafts and their decisions, facts.

Every write that must be atomic is one transaction here; every change of a
draft's state is a compare-and-set, so two workers or two clicks can race and
exactly one wins.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from memory.database import blocking_sqlite_engine
from memory.domain import (
    OPEN_STATUSES,
    AuthorRole,
    DraftKind,
    DraftStatus,
    FactCandidate,
    InboundMessage,
    ReplyTarget,
    conversation_key,
    first_name,
)
from memory.schema import (
    AuditEntry,
    Base,
    Customer,
    Draft,
    Fact,
    Identity,
    Message,
    ReviewCard,
    utcnow,
)

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Ingested:
    """What storing one inbound message did."""

    message_id: int
    customer_id: int
    draft_id: int | None  # the draft to write, for a customer's message
    duplicate: bool = False  # already stored earlier: nothing new was written
    superseded: tuple[int, ...] = ()  # drafts a rep's own reply made moot
    # Read with the account anyway; fact extraction needs it, so it costs no look-up.
    customer_timezone: str | None = None


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
        engine = sessions.kw.get("bind")
        assert isinstance(engine, AsyncEngine), "the session factory must be bound to an engine"
        self._engine = engine
        self._blocking = blocking_sqlite_engine(engine)

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
            try:
                # Write first and look only after a conflict: redeliveries are
                # rare, and the unique constraint is the real guard anyway.
                return await self._transaction(
                    partial(
                        _store_inbound,
                        msg=msg,
                        target=target,
                        queue_draft=queue_draft,
                        look_first=attempt > 0,
                    )
                )
            except IntegrityError:
                # Another worker stored the same message (or created the same
                # identity) between our read and our write; the transaction
                # was rolled back: read again.
                continue
        raise RuntimeError(f"could not store message {msg.message_id!r} after 3 attempts")

    async def _transaction(self, work: Callable[[Connection], _T]) -> _T:
        """Run ``work`` as one transaction: committed if it returns, rolled back if it raises.

        On a SQLite file the whole transaction runs in one worker thread on a
        blocking connection, one hop between threads instead of three or four
        per statement through aiosqlite. PostgreSQL runs it on its async driver.
        """
        if self._blocking is not None:
            return await asyncio.to_thread(_run_blocking, self._blocking, work)
        async with self._engine.begin() as conn:
            return await conn.run_sync(work)

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
        return await self._transaction(
            partial(_remember, customer_id=customer_id, message_id=message_id, facts=facts, at=at)
        )

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


# -- the ingest transactions ----------------------------------------------------
#
# Plain functions of one blocking connection, run by MemoryStore._transaction:
# on SQLite in a worker thread, on PostgreSQL through the async driver. They
# use Core statements built once, on the tables: building an ORM statement and
# its cache key for every message cost more than running it.


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


_customers, _identities, _messages = _table(Customer), _table(Identity), _table(Message)
_drafts, _facts = _table(Draft), _table(Fact)

_ACCOUNT = (
    select(_identities.c.id, _identities.c.display_name, _customers.c.id, _customers.c.timezone)
    .join_from(_identities, _customers, _customers.c.id == _identities.c.customer_id)
    .where(
        _identities.c.platform == bindparam("platform"),
        _identities.c.workspace == bindparam("workspace"),
        _identities.c.user_id == bindparam("user_id"),
    )
)
_RENAME_ACCOUNT = (
    update(_identities)
    .where(_identities.c.id == bindparam("identity"))
    .values(display_name=bindparam("name"))
)
_SEEN = (
    update(_customers)
    .where(_customers.c.id == bindparam("customer"))
    .values(last_seen_at=bindparam("seen", type_=_customers.c.last_seen_at.type))
)
# Each insert takes its values as parameters: one compiled statement per set
# of columns, instead of a new statement and cache key for every row.
_INSERTS = {table: insert(table) for table in (_customers, _identities, _messages, _drafts, _facts)}


def _run_blocking(engine: Engine, work: Callable[[Connection], _T]) -> _T:
    with engine.begin() as conn:
        return work(conn)


def _store_inbound(
    conn: Connection,
    *,
    msg: InboundMessage,
    target: ReplyTarget,
    queue_draft: bool,
    look_first: bool,
) -> Ingested | Ignored:
    if look_first:
        existing = _find_existing(conn, msg)
        if existing is not None:
            return existing
    if msg.author_role is AuthorRole.REP:
        return _store_rep_reply(conn, msg)
    return _store_customer_message(conn, msg, target, queue_draft=queue_draft)


def _find_existing(conn: Connection, msg: InboundMessage) -> Ingested | None:
    row = conn.execute(
        select(_messages.c.id, _messages.c.customer_id, _drafts.c.id)
        .outerjoin_from(_messages, _drafts, _drafts.c.message_id == _messages.c.id)
        .where(
            _messages.c.platform == msg.platform,
            _messages.c.workspace == msg.workspace,
            _messages.c.platform_message_id == msg.message_id,
        )
    ).first()
    if row is None:
        return None
    return Ingested(message_id=row[0], customer_id=row[1], draft_id=row[2], duplicate=True)


def _store_customer_message(
    conn: Connection, msg: InboundMessage, target: ReplyTarget, *, queue_draft: bool
) -> Ingested:
    customer_id, timezone = _resolve_customer(conn, msg)
    conn.execute(_SEEN, {"customer": customer_id, "seen": msg.sent_at})
    message_id = _insert_message(conn, msg, customer_id, direction="in", author_kind="customer")
    draft_id = None
    if queue_draft:
        draft_id = _insert(
            conn,
            _drafts,
            customer_id=customer_id,
            message_id=message_id,
            kind=DraftKind.REPLY,
            status=DraftStatus.QUEUED,
            target=target_dict(target),
        )
    return Ingested(
        message_id=message_id,
        customer_id=customer_id,
        draft_id=draft_id,
        customer_timezone=timezone,
    )


def _store_rep_reply(conn: Connection, msg: InboundMessage) -> Ingested | Ignored:
    customer_id = _answered_customer(conn, msg)
    if customer_id is None:
        return Ignored(
            "a rep wrote where no customer could be told apart: outside any customer "
            "conversation, or in one shared by several without replying to, mentioning "
            "or naming one"
        )
    message_id = _insert_message(conn, msg, customer_id, direction="out", author_kind="rep")
    # Only this customer's drafts: another customer in the same thread still
    # waits for their own answer.
    superseded = (
        conn.execute(
            update(_drafts)
            .where(
                _drafts.c.customer_id == customer_id,
                _drafts.c.status.in_(OPEN_STATUSES),
                _drafts.c.message_id.in_(
                    select(_messages.c.id).where(
                        _messages.c.customer_id == customer_id,
                        _messages.c.conversation_key == msg.conversation_key,
                        _messages.c.direction == "in",
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
            .returning(_drafts.c.id)
        )
        .scalars()
        .all()
    )
    return Ingested(
        message_id=message_id,
        customer_id=customer_id,
        draft_id=None,
        superseded=tuple(superseded),
    )


def _answered_customer(conn: Connection, msg: InboundMessage) -> int | None:
    """The customer a rep's message answers, or None when it cannot be told.

    A rep's words go into one customer's history, prompts and export, so a
    wrong guess leaks them to someone else. Only customers who wrote in this
    conversation qualify, in this order: the one whose message the rep replied
    to, the first one the rep mentions, the only one the rep names, the only
    one there is, and in a thread the one who started it. Whoever wrote last
    is never a reason.
    """
    # One row per customer, first to write first: a busy channel has many
    # messages but far fewer customers.
    first = func.min(_messages.c.id)
    speakers = conn.execute(
        select(_messages.c.customer_id, first, func.max(_messages.c.author_name))
        .where(_messages.c.conversation_key == msg.conversation_key, _messages.c.direction == "in")
        .group_by(_messages.c.customer_id)
        .order_by(first)
    ).all()
    if not speakers:
        return None
    present: set[int] = {int(row[0]) for row in speakers}
    if msg.reply_to:
        replied = conn.execute(
            select(_messages.c.customer_id).where(
                _messages.c.platform == msg.platform,
                _messages.c.workspace == msg.workspace,
                _messages.c.platform_message_id == msg.reply_to,
            )
        ).scalar_one_or_none()
        if replied is not None and int(replied) in present:
            return int(replied)
    if msg.mentions:
        mentioned = dict(
            conn.execute(
                select(_identities.c.user_id, _identities.c.customer_id).where(
                    _identities.c.platform == msg.platform,
                    _identities.c.workspace == msg.workspace,
                    _identities.c.user_id.in_(msg.mentions),
                )
            ).all()
        )
        for user_id in msg.mentions:
            if mentioned.get(user_id) in present:
                return int(mentioned[user_id])
    named = {
        int(customer_id)
        for customer_id, _, name in speakers
        if name and _addresses(msg.text, first_name(name))
    }
    if len(named) == 1:
        return named.pop()
    if len(present) == 1 or msg.in_thread:
        return int(speakers[0][0])  # the only customer, or the thread's starter
    return None


def _addresses(text: str, name: str) -> bool:
    """Whether ``name`` appears in ``text`` as a word of its own, as the rep wrote it."""
    if len(name) < 2:
        return False
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def _resolve_customer(conn: Connection, msg: InboundMessage) -> tuple[int, str | None]:
    """The customer id and time zone behind the message's account, created on first sight."""
    # One statement for the account and its customer: this runs for every message.
    found = conn.execute(
        _ACCOUNT, {"platform": msg.platform, "workspace": msg.workspace, "user_id": msg.user_id}
    ).one_or_none()
    if found is not None:
        identity_id, identity_name, customer_id, timezone = found
        if msg.display_name and identity_name != msg.display_name:
            conn.execute(_RENAME_ACCOUNT, {"identity": identity_id, "name": msg.display_name})
        return customer_id, timezone
    name = msg.display_name or msg.user_id
    customer_id = _insert(conn, _customers, display_name=name)
    _insert(
        conn,
        _identities,
        customer_id=customer_id,
        platform=msg.platform,
        workspace=msg.workspace,
        user_id=msg.user_id,
        display_name=name,
    )
    return customer_id, None


def _insert_message(
    conn: Connection, msg: InboundMessage, customer_id: int, *, direction: str, author_kind: str
) -> int:
    return _insert(
        conn,
        _messages,
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


def _insert(conn: Connection, table: Table, **values: Any) -> int:
    """Insert one row; returns its id. Columns left out get their defaults."""
    key = conn.execute(_INSERTS[table], values).inserted_primary_key
    assert key is not None
    return int(key[0])


def _remember(
    conn: Connection,
    *,
    customer_id: int,
    message_id: int | None,
    facts: Sequence[FactCandidate],
    at: datetime,
) -> list[Fact]:
    """Add new facts and update changed ones, in one read of what the customer already has."""
    rows = conn.execute(
        select(_facts).where(
            _facts.c.customer_id == customer_id,
            _facts.c.kind.in_(sorted({c.kind for c in facts})),
        )
    )
    known = {(row.kind, row.key): Fact(**row._asdict()) for row in rows}
    changed: list[Fact] = []
    for candidate in facts:
        existing = known.get((candidate.kind, candidate.key))
        if existing is None:
            values = {
                "customer_id": customer_id,
                "kind": candidate.kind,
                "key": candidate.key,
                "value": candidate.value,
                "statement": candidate.statement,
                "event_date": candidate.event_date,
                "source_message_id": message_id,
                "created_at": at,
                "updated_at": at,
            }
            fact = Fact(id=_insert(conn, _facts, **values), **values)
            # The same fact twice in one list is one fact, updated by the second.
            known[(candidate.kind, candidate.key)] = fact
            changed.append(fact)
        elif (existing.value, existing.event_date) != (candidate.value, candidate.event_date):
            existing.value = candidate.value
            existing.statement = candidate.statement
            existing.event_date = candidate.event_date
            existing.source_message_id = message_id
            existing.updated_at = at
            conn.execute(
                update(_facts)
                .where(_facts.c.id == existing.id)
                .values(
                    value=existing.value,
                    statement=existing.statement,
                    event_date=existing.event_date,
                    source_message_id=message_id,
                    updated_at=at,
                )
            )
            changed.append(existing)
    return changed


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
