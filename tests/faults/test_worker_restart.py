"""PostgreSQL restarting under load while listeners take messages and workers draft them.

A private PostgreSQL server (ours to stop and start) holds the data; a listener
runtime stores customers' messages (drafting nothing) and two worker pools
(``rapport worker``'s ``serve_workers``, each with its own runtime and pool)
write the drafts. The database goes away with drafts in the model's hands and
comes back; nobody restarts the workers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import Settings
from bot.drafters.base import DraftRequest
from bot.runtime import build_runtime
from memory.store import Ingested, StoreUnavailable
from tests.fakes.drafter import ScriptedDrafter
from tests.faults.conftest import PrivatePostgres
from tests.faults.processes import WorkerPool, eventually, production_logging, rows, stop_all
from tests.helpers import message

pytestmark = pytest.mark.postgres

BEFORE, AFTER = 12, 8  # messages stored before the outage and after it
LEASE = 3  # seconds


@pytest.fixture(autouse=True)
def _logs_as_in_production() -> Iterator[None]:
    with production_logging():
        yield


class HeldDrafter(ScriptedDrafter):
    """The model, answering only once ``gate`` opens: drafts are in its hands at the outage."""

    def __init__(self, gate: asyncio.Event) -> None:
        super().__init__()
        self.gate = gate
        self.asked: list[int | None] = []  # message ids, as each request arrives

    async def draft(self, request: DraftRequest) -> str:
        self.asked.append(request.message_id)
        await self.gate.wait()
        return await super().draft(request)


async def test_workers_carry_on_after_a_database_restart(
    private_postgres: PrivatePostgres,
) -> None:
    """After PostgreSQL restarts under load, the running workers (not restarted) finish the
    drafts whose writes the outage refused and draft everything stored since: every stored
    message ends with one pending draft."""
    url = private_postgres.url
    gate = asyncio.Event()
    settings = Settings(database_url=url, draft_lease_seconds=LEASE, worker_poll_seconds=0.5)
    models = [HeldDrafter(gate) for _ in range(2)]
    pools = [WorkerPool(settings, drafter=model) for model in models]
    intake = build_runtime(Settings(database_url=url), drafter=ScriptedDrafter(), drafts_here=False)

    def msg(n: int, label: str) -> Any:
        return message(f"Order {n} is late ({label})", user=f"cust-{n}", message_id=f"r-{n}")

    try:
        for pool in pools:
            await pool.start()
        for n in range(BEFORE):
            assert isinstance(await intake.engine.receive(msg(n, "before")), Ingested)

        def in_hand() -> list[int | None]:
            return [message_id for model in models for message_id in model.asked]

        async def being_drafted() -> bool:
            return len(in_hand()) >= 4

        await eventually(being_drafted, 30, "drafts in the model's hands")
        held = set(in_hand())

        await asyncio.to_thread(private_postgres.stop)
        gate.set()  # the model answers now: writing those drafts fails, the database is away
        refused: list[int] = []
        n = BEFORE
        for _ in range(12):  # a platform keeps delivering for ~3 s, and is refused
            with pytest.raises(StoreUnavailable):
                await intake.engine.receive(msg(n, "during"))
            refused.append(n)
            n += 1
            await asyncio.sleep(0.25)

        await asyncio.to_thread(private_postgres.start)
        for k in refused:  # the platform redelivers what it was refused
            assert isinstance(await intake.engine.receive(msg(k, "during")), Ingested)
        for k in range(n, n + AFTER):
            assert isinstance(await intake.engine.receive(msg(k, "after")), Ingested)
        total = BEFORE + len(refused) + AFTER

        async def all_written() -> bool:
            [(pending,)] = await rows(
                intake.db, "SELECT count(*) FROM drafts WHERE status = 'pending'"
            )
            return bool(pending == total)

        await eventually(all_written, 30, f"{total} pending drafts after the restart")

        assert all(pool.task is not None and not pool.task.done() for pool in pools)
        drafts = await rows(
            intake.db,
            "SELECT m.platform_message_id, d.status, d.attempts, d.claims, d.claimed_by "
            "FROM messages m JOIN drafts d ON d.message_id = m.id WHERE m.direction = 'in'",
        )
        assert sorted(key for key, *_ in drafts) == sorted(f"r-{k}" for k in range(total))
        assert {(status, attempts) for _, status, attempts, _, _ in drafts} == {("pending", 1)}
        names = {pool.name for pool in pools}
        assert {by for *_, by in drafts} <= names, "drafted by a worker that was not running"
        [(messages,)] = await rows(intake.db, "SELECT count(*) FROM messages")
        assert messages == total

        # The drafts in the model's hands at the outage were claimed again once it was back.
        claims = await rows(
            intake.db,
            "SELECT message_id, claims FROM drafts WHERE status = 'pending' AND claims > 1",
        )
        assert held <= {message_id for message_id, _ in claims}
    finally:
        gate.set()
        await stop_all(pools)
        await intake.close()
