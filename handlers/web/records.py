"""Console reads and edits the other repositories do not offer yet.

Each write is one transaction and leaves an audit entry naming the rep, with
ids only (never the fact's text).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.schema import AuditEntry, CheckIn, Customer, Fact, Message, utcnow


class FactNotFound(LookupError):
    def __init__(self, customer_id: int, fact_id: int) -> None:
        super().__init__(f"customer {customer_id} has no fact {fact_id}")


@dataclass(frozen=True, slots=True)
class MessageChoice:
    """A stored customer message offered for previews."""

    id: int
    customer_id: int
    customer_name: str
    platform: str
    text: str


class Records:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def update_fact(
        self, customer_id: int, fact_id: int, *, statement: str, value: str, actor: str
    ) -> None:
        async with self.sessions() as session, session.begin():
            fact = await self._fact(session, customer_id, fact_id)
            fact.statement = statement.strip()[:1000] or fact.statement
            fact.value = value.strip()[:500] or fact.value
            fact.updated_at = utcnow()
            session.add(
                AuditEntry(
                    actor=actor,
                    action="fact.edit",
                    customer_id=customer_id,
                    detail={"fact": fact_id},
                )
            )

    async def delete_fact(self, customer_id: int, fact_id: int, *, actor: str) -> None:
        async with self.sessions() as session, session.begin():
            fact = await self._fact(session, customer_id, fact_id)
            await session.delete(fact)
            session.add(
                AuditEntry(
                    actor=actor,
                    action="fact.delete",
                    customer_id=customer_id,
                    detail={"fact": fact_id},
                )
            )

    async def checkins(self, customer_id: int) -> list[CheckIn]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(CheckIn)
                .where(CheckIn.customer_id == customer_id)
                .order_by(CheckIn.due_at.desc())
            )
            return list(rows.scalars())

    async def message_choices(
        self, *, per_customer: int = 4, limit: int = 60
    ) -> list[MessageChoice]:
        """Recent customer messages, grouped by customer (most recently seen first)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(Message, Customer.display_name)
                .join(Customer, Customer.id == Message.customer_id)
                .where(Message.direction == "in")
                .order_by(Message.sent_at.desc())
                .limit(limit * 4)
            )
            seen: dict[int, int] = {}
            choices: list[MessageChoice] = []
            for message, name in rows.all():
                if seen.get(message.customer_id, 0) >= per_customer:
                    continue
                seen[message.customer_id] = seen.get(message.customer_id, 0) + 1
                choices.append(
                    MessageChoice(
                        message.id, message.customer_id, name, message.platform, message.text
                    )
                )
            choices.sort(key=lambda c: list(seen).index(c.customer_id))
            return choices[:limit]

    async def message(self, message_id: int) -> Message | None:
        async with self.sessions() as session:
            return await session.get(Message, message_id)

    async def _fact(self, session: AsyncSession, customer_id: int, fact_id: int) -> Fact:
        fact = await session.get(Fact, fact_id)
        if fact is None or fact.customer_id != customer_id:
            raise FactNotFound(customer_id, fact_id)
        return fact
