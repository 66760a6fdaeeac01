"""The audit log: who did what to which customer or draft, for the record."""

from __future__ import annotations

from typing import Any

from memory.database import Database
from memory.schema import AuditEntry


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        actor: str,
        action: str,
        *,
        customer_id: int | None = None,
        draft_id: int | None = None,
        **detail: Any,
    ) -> None:
        async with self.db.sessions() as session:
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
