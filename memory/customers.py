"""Customers as people: find, list, export, link identities, forget.

Every delete here is scoped to one customer id, in one transaction, and the
audit log records who did it with counts only, never message text.

Forget leaves nothing of the customer behind in Rapport's database: their rows,
their words in the full-text index and, on a SQLite file, in the file itself
and its write-ahead log (see :meth:`CustomerDirectory.forget`). Their review
cards on Slack and Discord are the platforms' to redact
(:func:`handlers.composition.forget_customer`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import structlog
from sqlalchemy import CursorResult, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from memory.schema import (
    AuditEntry,
    CheckIn,
    Customer,
    Draft,
    Fact,
    Identity,
    KnowledgePassage,
    Message,
    MessageEmbedding,
    ReviewCard,
)

log = structlog.get_logger(__name__)

# What stands in an audit entry for the name or account of a customer who was forgotten.
FORGOTTEN = "[forgotten]"


class CustomerNotFound(LookupError):
    def __init__(self, customer_id: int) -> None:
        super().__init__(f"no customer with id {customer_id}")
        self.customer_id = customer_id


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    id: int
    display_name: str
    identities: list[str]  # "slack:T1:U1"
    messages: int
    last_seen_at: datetime | None
    opted_out: bool


class CustomerDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def find_by_identity(
        self, platform: str, workspace: str, user_id: str
    ) -> Customer | None:
        async with self.sessions() as session:
            return (
                await session.execute(
                    select(Customer)
                    .join(Identity, Identity.customer_id == Customer.id)
                    .where(
                        Identity.platform == platform,
                        Identity.workspace == workspace,
                        Identity.user_id == user_id,
                    )
                )
            ).scalar_one_or_none()

    async def summaries(
        self, search: str | None = None, *, limit: int = 100
    ) -> list[CustomerSummary]:
        async with self.sessions() as session:
            counts = (
                select(Message.customer_id, func.count(Message.id).label("n"))
                .group_by(Message.customer_id)
                .subquery()
            )
            query = (
                select(Customer, func.coalesce(counts.c.n, 0))
                .outerjoin(counts, counts.c.customer_id == Customer.id)
                .order_by(Customer.last_seen_at.desc().nullslast(), Customer.id)
                .limit(limit)
            )
            if search:
                # autoescape: "%" and "_" in a search are characters to find, not wildcards.
                needle = search.lower()
                query = query.where(
                    or_(
                        func.lower(Customer.display_name).contains(needle, autoescape=True),
                        Customer.id.in_(
                            select(Identity.customer_id).where(
                                or_(
                                    func.lower(Identity.user_id).contains(needle, autoescape=True),
                                    func.lower(Identity.display_name).contains(
                                        needle, autoescape=True
                                    ),
                                )
                            )
                        ),
                    )
                )
            rows = (await session.execute(query)).all()
            ids = [c.id for c, _ in rows]
            identities = await self._identities(session, ids)
            return [
                CustomerSummary(
                    id=c.id,
                    display_name=c.display_name,
                    identities=identities.get(c.id, []),
                    messages=int(n),
                    last_seen_at=c.last_seen_at,
                    opted_out=c.opted_out_at is not None,
                )
                for c, n in rows
            ]

    async def _identities(self, session: AsyncSession, ids: list[int]) -> dict[int, list[str]]:
        if not ids:
            return {}
        result: dict[int, list[str]] = {}
        rows = await session.execute(select(Identity).where(Identity.customer_id.in_(ids)))
        for identity in rows.scalars():
            result.setdefault(identity.customer_id, []).append(
                f"{identity.platform}:{identity.workspace}:{identity.user_id}"
            )
        return result

    async def get(self, customer_id: int) -> Customer:
        async with self.sessions() as session:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound(customer_id)
            return customer

    async def identities(self, customer_id: int) -> list[Identity]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(Identity).where(Identity.customer_id == customer_id).order_by(Identity.id)
            )
            return list(rows.scalars())

    async def export(self, customer_id: int) -> dict[str, Any]:
        """All of one customer's data, as JSON-ready values."""
        async with self.sessions() as session:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound(customer_id)
            tables: dict[str, Any] = {"customer": _row(customer)}
            for key, model in (
                ("identities", Identity),
                ("messages", Message),
                ("facts", Fact),
                ("drafts", Draft),
                ("checkins", CheckIn),
            ):
                rows = await session.execute(
                    select(model).where(model.customer_id == customer_id).order_by(model.id)
                )
                tables[key] = [_row(r) for r in rows.scalars()]
            # Vectors are numbers derived from the messages above: say which
            # exist and from which model, not the numbers themselves.
            vectors = await session.execute(
                select(MessageEmbedding.message_id, MessageEmbedding.model)
                .join(Message, Message.id == MessageEmbedding.message_id)
                .where(Message.customer_id == customer_id)
                .order_by(MessageEmbedding.message_id)
            )
            tables["embeddings"] = [{"message_id": m, "model": model} for m, model in vectors]
            answers = await session.execute(
                select(KnowledgePassage)
                .join(Draft, Draft.id == KnowledgePassage.draft_id)
                .where(Draft.customer_id == customer_id)
                .order_by(KnowledgePassage.id)
            )
            tables["answers"] = [_row(r) for r in answers.scalars()]
            return tables

    async def forget(self, customer_id: int, actor: str) -> dict[str, int]:
        """Delete one customer's data and nothing else; returns what was deleted.

        One transaction deletes their rows, takes their name and accounts out of
        earlier audit entries about them (what was done, when and by which rep
        stays) and records the forget itself with counts only. On SQLite it also
        rewrites the full-text index without their words and then empties the
        write-ahead log, so no copy of the files holds what they wrote (freed
        pages are zeroed: ``secure_delete`` in :mod:`memory.database`).

        On PostgreSQL the rows and their index entries are gone for every query,
        but dead tuples wait for VACUUM and the WAL for its retention and any
        archive: those are the operator's (README, "Forgetting a customer").
        """
        async with self.sessions() as session, session.begin():
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound(customer_id)
            await _scrub_audit(session, customer_id, await _names_of(session, customer))
            counts: dict[str, int] = {}
            drafts = select(Draft.id).where(Draft.customer_id == customer_id)
            counts["review_cards"] = await _delete(
                session, delete(ReviewCard).where(ReviewCard.draft_id.in_(drafts))
            )
            # Their answered-before passages: stripped of their name, still from them.
            counts["answers"] = await _delete(
                session, delete(KnowledgePassage).where(KnowledgePassage.draft_id.in_(drafts))
            )
            counts["embeddings"] = await _delete(
                session,
                delete(MessageEmbedding).where(
                    MessageEmbedding.message_id.in_(
                        select(Message.id).where(Message.customer_id == customer_id)
                    )
                ),
            )
            # Check-ins and drafts point at messages; remove them before the messages.
            for key, model in (
                ("checkins", CheckIn),
                ("drafts", Draft),
                ("facts", Fact),
                ("messages", Message),
                ("identities", Identity),
            ):
                counts[key] = await _delete(
                    session, delete(model).where(model.customer_id == customer_id)
                )
            await session.delete(customer)
            if session.get_bind().dialect.name == "sqlite":
                # Deleting from the contentless FTS5 table only adds "deleted" markers
                # beside the old entries; merging every segment into one drops both.
                # It rewrites the whole index, longer on a large one; forget is rare.
                await session.execute(
                    text("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')")
                )
            session.add(
                AuditEntry(
                    actor=actor, action="customer.forget", customer_id=customer_id, detail=counts
                )
            )
        engine = self.sessions.kw.get("bind")
        if isinstance(engine, AsyncEngine) and engine.dialect.name == "sqlite":
            await _empty_wal(engine)
        return counts

    async def link(
        self,
        customer_id: int,
        platform: str,
        workspace: str,
        user_id: str,
        *,
        display_name: str | None = None,
        actor: str,
    ) -> int | None:
        """Make a platform identity belong to ``customer_id``.

        If that identity belonged to another customer who has no other
        identity, that customer's history, facts, drafts and check-ins move
        over and the empty record is removed. Returns the merged customer id.
        """
        async with self.sessions() as session, session.begin():
            target = await session.get(Customer, customer_id)
            if target is None:
                raise CustomerNotFound(customer_id)
            identity = (
                await session.execute(
                    select(Identity).where(
                        Identity.platform == platform,
                        Identity.workspace == workspace,
                        Identity.user_id == user_id,
                    )
                )
            ).scalar_one_or_none()
            merged: int | None = None
            if identity is None:
                session.add(
                    Identity(
                        customer_id=customer_id,
                        platform=platform,
                        workspace=workspace,
                        user_id=user_id,
                        display_name=display_name or user_id,
                    )
                )
            elif identity.customer_id != customer_id:
                previous = identity.customer_id
                identity.customer_id = customer_id
                await session.flush()
                others = (
                    await session.execute(
                        select(func.count(Identity.id)).where(Identity.customer_id == previous)
                    )
                ).scalar_one()
                if others == 0:
                    await _merge(session, previous, customer_id)
                    merged = previous
            session.add(
                AuditEntry(
                    actor=actor,
                    action="customer.link",
                    customer_id=customer_id,
                    detail={
                        "identity": f"{platform}:{workspace}:{user_id}",
                        "merged_customer": merged,
                    },
                )
            )
        return merged


async def _merge(session: AsyncSession, source: int, target: int) -> None:
    """Move everything of ``source`` to ``target``, then delete ``source``."""
    existing = {
        (k, key)
        for k, key in (
            await session.execute(select(Fact.kind, Fact.key).where(Fact.customer_id == target))
        ).all()
    }
    for fact in (await session.execute(select(Fact).where(Fact.customer_id == source))).scalars():
        if (fact.kind, fact.key) in existing:
            await session.delete(fact)  # the target's own version of the same fact wins
        else:
            fact.customer_id = target
    causes = set(
        (await session.execute(select(CheckIn.cause_key).where(CheckIn.customer_id == target)))
        .scalars()
        .all()
    )
    for checkin in (
        await session.execute(select(CheckIn).where(CheckIn.customer_id == source))
    ).scalars():
        if checkin.cause_key in causes:
            await session.delete(checkin)
        else:
            checkin.customer_id = target
    await session.flush()
    for model in (Message, Draft):
        await session.execute(
            update(model).where(model.customer_id == source).values(customer_id=target)
        )
    source_row = await session.get(Customer, source)
    target_row = await session.get_one(Customer, target)
    if source_row is not None:
        if source_row.last_seen_at and (
            target_row.last_seen_at is None or source_row.last_seen_at > target_row.last_seen_at
        ):
            target_row.last_seen_at = source_row.last_seen_at
        await session.delete(source_row)


async def _names_of(session: AsyncSession, customer: Customer) -> set[str]:
    """Every name and account id by which the customer could be recognised."""
    names = {customer.display_name}
    for identity in (
        await session.execute(select(Identity).where(Identity.customer_id == customer.id))
    ).scalars():
        names |= {
            identity.user_id,
            identity.display_name,
            f"{identity.platform}:{identity.workspace}:{identity.user_id}",
        }
    # The names they wrote under, which may differ from today's display name.
    authors = await session.execute(
        select(Message.author_id, Message.author_name)
        .where(Message.customer_id == customer.id, Message.author_kind == "customer")
        .distinct()
    )
    for author_id, author_name in authors:
        names |= {author_id, author_name}
    return {name for name in names if name and name.strip()}


async def _scrub_audit(session: AsyncSession, customer_id: int, names: Iterable[str]) -> None:
    """Keep what was done to the customer, when and by whom; drop who the customer was.

    An entry's actor is the customer when they changed their own consent: their
    name gives way to FORGOTTEN. Details keep ids and counts; text (a linked
    account, for one) goes, since an audit detail holds nothing else worth keeping.
    """
    # Longest first, so "Dana Whitfield" goes whole before "Dana" is looked for.
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if alternatives else None
    entries = await session.execute(select(AuditEntry).where(AuditEntry.customer_id == customer_id))
    for entry in entries.scalars():
        if pattern is not None:
            entry.actor = pattern.sub(FORGOTTEN, entry.actor)
        entry.detail = {
            key: value
            for key, value in (entry.detail or {}).items()
            if value is None or isinstance(value, int | float)  # ids and counts; bool is an int
        }


async def _empty_wal(engine: AsyncEngine) -> None:
    """Copy the WAL into the database file and truncate it to zero bytes.

    Until then the WAL still holds the pages as they were before forget, with
    the customer's words in them. Outside any transaction, or SQLite refuses.
    """
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        # One row: (busy, pages in the WAL, pages copied); busy means it could not finish.
        busy = (await auto.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()[0]
    if busy:
        # A reader kept an older snapshot open past busy_timeout. The old frames stay
        # until SQLite reuses the WAL from its start; an operator can finish the job.
        log.warning(
            "forget_wal_not_truncated",
            hint="another connection was reading; run PRAGMA wal_checkpoint(TRUNCATE) "
            "on the database when Rapport is idle",
        )


async def _delete(session: AsyncSession, statement: Any) -> int:
    result = cast(CursorResult[Any], await session.execute(statement))
    return int(result.rowcount or 0)


def _row(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in obj.__table__.columns:
        value = getattr(obj, column.key)
        out[column.key] = value.isoformat() if isinstance(value, datetime) else value
    return out
