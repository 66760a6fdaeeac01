"""Facts: what customers told us about themselves, one fact once, updated when it changes.

Reps may correct or delete one from the console; each such write is one
transaction with an audit entry naming the rep, with ids only (never the text).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from sqlalchemy import Connection, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from memory.database import Database
from memory.domain import FactCandidate
from memory.rows import facts as _facts
from memory.rows import insert_row as _insert
from memory.schema import AuditEntry, Fact, utcnow


class FactNotFound(LookupError):
    def __init__(self, customer_id: int, fact_id: int) -> None:
        super().__init__(f"customer {customer_id} has no fact {fact_id}")


class Facts:
    def __init__(self, db: Database) -> None:
        self.db = db

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
        return await self.db.transaction(
            partial(
                _remember_in, customer_id=customer_id, message_id=message_id, facts=facts, at=at
            )
        )

    async def of(self, customer_id: int) -> list[Fact]:
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(Fact).where(Fact.customer_id == customer_id).order_by(Fact.updated_at.desc())
            )
            return list(rows.scalars())

    async def edit(
        self, customer_id: int, fact_id: int, *, statement: str, value: str, actor: str
    ) -> None:
        async with self.db.sessions() as session, session.begin():
            fact = await self._fact(session, customer_id, fact_id)
            fact.statement = statement.strip()[:1000] or fact.statement
            fact.value = value.strip()[:500] or fact.value
            fact.updated_at = utcnow()
            session.add(_audited(actor, "fact.edit", customer_id, fact_id))

    async def delete(self, customer_id: int, fact_id: int, *, actor: str) -> None:
        async with self.db.sessions() as session, session.begin():
            fact = await self._fact(session, customer_id, fact_id)
            await session.delete(fact)
            session.add(_audited(actor, "fact.delete", customer_id, fact_id))

    async def _fact(self, session: AsyncSession, customer_id: int, fact_id: int) -> Fact:
        fact = await session.get(Fact, fact_id)
        if fact is None or fact.customer_id != customer_id:
            raise FactNotFound(customer_id, fact_id)
        return fact


def _audited(actor: str, action: str, customer_id: int, fact_id: int) -> AuditEntry:
    """A rep's change to a fact, for the record: ids only, never the fact's text."""
    return AuditEntry(actor=actor, action=action, customer_id=customer_id, detail={"fact": fact_id})


def _remember_in(
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
