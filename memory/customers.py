"""Customers as people: find, list, export, link identities, forget.

Every delete here is scoped to one customer id, in one transaction, and the
audit log records who did it with counts only, never message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.schema import (
    AuditEntry,
    CheckIn,
    Customer,
    Draft,
    Fact,
    Identity,
    Message,
    MessageEmbedding,
    ReviewCard,
)


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
            return tables

    async def forget(self, customer_id: int, actor: str) -> dict[str, int]:
        """Delete one customer's data and nothing else; returns what was deleted."""
        async with self.sessions() as session, session.begin():
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound(customer_id)
            counts: dict[str, int] = {}
            drafts = select(Draft.id).where(Draft.customer_id == customer_id)
            counts["review_cards"] = await _delete(
                session, delete(ReviewCard).where(ReviewCard.draft_id.in_(drafts))
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
            session.add(
                AuditEntry(
                    actor=actor, action="customer.forget", customer_id=customer_id, detail=counts
                )
            )
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


async def _delete(session: AsyncSession, statement: Any) -> int:
    result = cast(CursorResult[Any], await session.execute(statement))
    return int(result.rowcount or 0)


def _row(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in obj.__table__.columns:
        value = getattr(obj, column.key)
        out[column.key] = value.isoformat() if isinstance(value, datetime) else value
    return out
