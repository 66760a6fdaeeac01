"""The memory store: one database, its repositories side by side.

``store.messages`` (storing what was said, reading history), ``store.drafts``
(draft states, each change a compare-and-set), ``store.cards`` (where each
platform posted a card), ``store.facts``, ``store.knowledge`` (the team's docs
and past answers) and ``store.audit``. Every write that
must be atomic is one transaction inside its repository.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.audit import AuditLog
from memory.card_refs import CardRefs
from memory.database import Database
from memory.drafts import Drafts, recall_records
from memory.facts import Facts
from memory.ingest import Ignored, Ingested, target_dict
from memory.knowledge import Knowledge
from memory.messages import Messages, StoreUnavailable
from memory.schema import Customer


class MemoryStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.db = Database(sessions)
        self.messages = Messages(self.db)
        self.drafts = Drafts(self.db)
        self.cards = CardRefs(self.db)
        self.facts = Facts(self.db)
        self.audit = AuditLog(self.db)
        self.knowledge = Knowledge(self.db)

    async def customer(self, customer_id: int) -> Customer | None:
        async with self.sessions() as session:
            return await session.get(Customer, customer_id)


__all__ = [
    "Ignored",
    "Ingested",
    "MemoryStore",
    "StoreUnavailable",
    "recall_records",
    "target_dict",
]
