"""The database going away mid-run and coming back (a private PostgreSQL server)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.runtime import build_runtime
from memory.domain import DraftStatus
from memory.store import Ingested, StoreUnavailable
from tests.fakes.drafter import ScriptedDrafter
from tests.faults.conftest import PrivatePostgres
from tests.helpers import message

pytestmark = pytest.mark.postgres


async def test_outage_refuses_messages_then_redelivery_stores_each_once(
    private_postgres: PrivatePostgres,
) -> None:
    """While the database is down, messages are refused with a clear error and nothing is
    half-written; when it is back, the platform's redelivery stores and drafts each one once."""
    drafter = ScriptedDrafter()
    runtime = build_runtime(Settings(database_url=private_postgres.url), drafter=drafter)
    batch = [
        message(f"Order {n} is late, can you check?", user=f"u{n}", message_id=f"out-{n}")
        for n in range(12)
    ]
    try:
        before = await runtime.engine.handle(batch[0])
        assert isinstance(before, Ingested)

        private_postgres.stop()
        refused: list[StoreUnavailable] = []
        for msg in batch[1:]:
            with pytest.raises(StoreUnavailable) as caught:
                await runtime.engine.receive(msg)
            refused.append(caught.value)
        await runtime.engine.wait_idle()
        assert "database" in str(refused[0]) and "redeliver" in str(refused[0])
        assert "out-1" in str(refused[0])

        private_postgres.start()
        # The platform redelivers everything it was refused, some of it twice.
        results = [await runtime.engine.receive(msg) for msg in batch + batch[5:]]
        await runtime.engine.wait_idle()
    finally:
        await runtime.close()

    assert len({r.message_id for r in results if isinstance(r, Ingested)}) == len(batch)
    assert len(drafter.requests) == len(batch)
    checker = build_runtime(Settings(database_url=private_postgres.url), drafter=drafter)
    try:
        async with checker.store.sessions() as session:
            counts = (
                await session.execute(
                    text(
                        "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM drafts), "
                        "(SELECT count(*) FROM customers), (SELECT count(*) FROM identities), "
                        "(SELECT count(*) FROM drafts WHERE status = :pending)"
                    ),
                    {"pending": DraftStatus.PENDING.value},
                )
            ).one()
    finally:
        await checker.close()
    assert tuple(counts) == (12, 12, 12, 12, 12)
