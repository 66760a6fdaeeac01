"""Two stateless workers on one PostgreSQL database: the path past one machine.

Each worker has its own engine and connection pool, as two processes would.
Both receive the same events (a platform redelivering to whichever worker the
load balancer picks) and both reps' clicks race.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.engine import default_target
from bot.runtime import Runtime, build_runtime
from memory.domain import Action, Actor, Decision, DraftStatus
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.senders import RecordingSender
from tests.helpers import message

pytestmark = pytest.mark.postgres

MESSAGES = 30


@pytest.fixture
async def workers(
    postgres_url: str,
) -> AsyncIterator[list[tuple[Runtime, ScriptedDrafter, RecordingSender]]]:
    # One platform for both workers: the sender stands for Slack, which hands out
    # one sequence of message ids whichever worker delivers.
    platform = RecordingSender("web")
    pair = []
    for _ in range(2):
        drafter = ScriptedDrafter()
        drafter.delay = 0.01  # long enough for the workers' drafting to overlap
        runtime = build_runtime(Settings(database_url=postgres_url), drafter=drafter)
        runtime.engine.add_sender(platform)
        pair.append((runtime, drafter, platform))
    yield pair
    for runtime, _drafter, _sender in pair:
        await runtime.close()


async def test_same_messages_to_two_workers_are_drafted_once(workers):
    """Every message delivered to both workers at once is stored once and drafted once."""
    batch = [
        message(f"Question {n} about my order", user=f"u{n}", message_id=f"two-{n}")
        for n in range(MESSAGES)
    ]
    results = await asyncio.gather(
        *(runtime.engine.receive(msg) for msg in batch for runtime, _d, _s in workers)
    )
    for runtime, _drafter, _sender in workers:
        await runtime.engine.wait_idle()
    store = workers[0][0].store
    assert await store.messages.count() == MESSAGES
    assert len({r.message_id for r in results}) == MESSAGES
    assert sum(not r.duplicate for r in results) == MESSAGES
    assert sum(len(drafter.requests) for _r, drafter, _s in workers) == MESSAGES
    pending = await store.drafts.in_statuses([DraftStatus.PENDING], limit=1000)
    assert len(pending) == MESSAGES


async def test_racing_approvals_on_two_workers_send_each_reply_once(workers):
    """Two reps approving every draft, one through each worker, deliver each reply exactly once."""
    first = workers[0][0]
    drafts = [
        (
            await first.engine.handle(message(f"Help {n}", user=f"c{n}", message_id=f"ap-{n}"))
        ).draft_id
        for n in range(MESSAGES)
    ]
    reps = [Actor("web", "rep-a", "Ann"), Actor("web", "rep-b", "Bo")]
    outcomes = await asyncio.gather(
        *(
            runtime.engine.decide(Decision(draft_id, Action.APPROVE, rep))
            for draft_id in drafts
            for (runtime, _d, _s), rep in zip(workers, reps, strict=True)
        )
    )
    assert sum(o.applied for o in outcomes) == MESSAGES
    platform = workers[0][2]
    assert len(platform.sent) == MESSAGES
    sent = await first.store.drafts.in_statuses([DraftStatus.SENT], limit=1000)
    assert sorted(d.id for d in sent) == sorted(drafts)


async def test_two_workers_resuming_after_a_crash_draft_each_message_once(workers):
    """Messages stored just before a crash are drafted once when two workers restart together."""
    store = workers[0][0].store
    for n in range(MESSAGES):
        msg = message(f"Stored before the crash {n}", user=f"r{n}", message_id=f"crash-{n}")
        await store.messages.ingest(msg, default_target(msg))
    await asyncio.gather(*(runtime.engine.resume() for runtime, _d, _s in workers))
    for runtime, _drafter, _sender in workers:
        await runtime.engine.wait_idle()
    assert sum(len(drafter.requests) for _r, drafter, _s in workers) == MESSAGES
    assert len(await store.drafts.in_statuses([DraftStatus.PENDING], limit=1000)) == MESSAGES
