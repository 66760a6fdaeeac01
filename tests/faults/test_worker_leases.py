"""A ``rapport worker`` killed in the middle of a draft: its lease runs out, another worker
takes the draft over and writes it once.

The killed worker is the real console script in its own process, drafting
with an LLM (the fake OpenAI server) that answers far too slowly to finish;
the worker that takes over is this test's own runtime with a scripted drafter.
Both run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from memory.store import Ingested
from tests.fakes.drafter import ScriptedDrafter
from tests.faults.processes import Child, child_env, eventually, rapport_script, rows, slow_llm
from tests.helpers import message

LEASE = 4  # seconds: RAPPORT_DRAFT_LEASE_SECONDS for every worker here
POLL = 0.5  # RAPPORT_WORKER_POLL_SECONDS
ANSWER = "Hi Dana, I've checked: your parcel leaves the depot today."


@dataclass
class Scene:
    """A queued draft, claimed by a ``rapport worker`` subprocess stuck waiting on the LLM."""

    database_url: str
    intake: Runtime  # stores messages, drafts nothing (a listener)
    worker: Child
    draft_id: int
    message_id: int

    async def draft(self) -> tuple[object, ...]:
        [row] = await rows(
            self.intake.db,
            "SELECT status, claimed_by, claims, attempts, model, text FROM drafts WHERE id = :id",
            id=self.draft_id,
        )
        return row

    async def takeover(self, drafter: ScriptedDrafter) -> Runtime:
        """Another live worker (this process), drafting with ``drafter``, looking for work."""
        settings = Settings(
            database_url=self.database_url, draft_lease_seconds=LEASE, worker_poll_seconds=POLL
        )
        runtime = build_runtime(settings, drafter=drafter, drafts_here=True)
        await runtime.signals.start()
        runtime.engine.draft_soon()
        return runtime


@pytest.fixture
async def scene(database_url: str, tmp_path: Path) -> AsyncIterator[Scene]:
    rapport = rapport_script()
    intake = build_runtime(
        Settings(database_url=database_url), drafter=ScriptedDrafter(), drafts_here=False
    )
    worker = Child(tmp_path / "worker.log")
    try:
        async with slow_llm(delay=600) as llm_url:
            env = child_env(
                OPENAI_API_KEY="sk-test-not-a-real-key",
                OPENAI_BASE_URL=llm_url,
                RAPPORT_DRAFT_LEASE_SECONDS=str(LEASE),
                RAPPORT_WORKER_POLL_SECONDS=str(POLL),
                RAPPORT_LLM_TIMEOUT="600",
                RAPPORT_LLM_RETRIES="0",
            )
            await worker.start(
                rapport, "worker", "--database-url", database_url, env=env, cwd=tmp_path
            )
            stored = await intake.engine.receive(
                message("Where is my parcel? It was due Monday.", message_id="lease-1")
            )
            assert isinstance(stored, Ingested) and stored.draft_id is not None
            scene = Scene(database_url, intake, worker, stored.draft_id, stored.message_id)

            async def claimed_by_worker() -> bool:
                assert worker.alive, f"rapport worker exited:\n{worker.output()}"
                status, claimed_by, *_ = await scene.draft()
                return status == "drafting" and f":{worker.pid}:" in str(claimed_by)

            await eventually(claimed_by_worker, 40, "the rapport worker claiming the draft")
            yield scene
    finally:
        await worker.kill()
        await worker.stop()
        await intake.close()


async def test_killed_workers_draft_is_taken_over_and_written_once(scene: Scene) -> None:
    """A worker killed mid-draft costs the customer one lease, not their reply: another
    live worker writes the draft within 30 s of the kill, once."""
    drafter = ScriptedDrafter(ANSWER)
    takeover = await scene.takeover(drafter)
    try:
        await scene.worker.kill()
        killed_at = asyncio.get_running_loop().time()

        async def written() -> bool:
            return (await scene.draft())[0] != "drafting"

        await eventually(written, 30, "the killed worker's draft taken over and written")
        took = asyncio.get_running_loop().time() - killed_at
        await takeover.engine.wait_idle()
        status, claimed_by, claims, attempts, model, text = await scene.draft()
        assert status == "pending", f"after {took:.1f} s: {status}"
        assert claimed_by == takeover.engine.workers.name, "written by someone else"
        assert (claims, attempts, model, text) == (2, 1, "scripted", ANSWER)
        assert [r.message_id for r in drafter.requests] == [scene.message_id]
        drafts = await rows(scene.intake.db, "SELECT id, status FROM drafts")
        assert drafts == [(scene.draft_id, "pending")]
    finally:
        await takeover.close()


async def test_live_worker_keeps_its_slow_draft(scene: Scene) -> None:
    """A worker still writing a slow draft keeps it past its first lease (the heartbeat
    renews it): another worker does not take it over and draft the message a second time."""
    drafter = ScriptedDrafter(ANSWER)
    takeover = await scene.takeover(drafter)
    try:
        await asyncio.sleep(LEASE * 2.5)  # past two whole leases without a renewal
        assert scene.worker.alive
        status, claimed_by, claims, attempts, *_ = await scene.draft()
        assert status == "drafting"
        assert f":{scene.worker.pid}:" in str(claimed_by)
        assert (claims, attempts) == (1, 0)
        assert drafter.requests == []
    finally:
        await takeover.close()
