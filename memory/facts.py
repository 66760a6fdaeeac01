"""Facts: what customers told us about themselves, one fact once, updated when it changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from sqlalchemy import Connection, select, update

from memory.database import Database
from memory.domain import FactCandidate
from memory.rows import facts as _facts
from memory.rows import insert_row as _insert
from memory.schema import Fact


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
