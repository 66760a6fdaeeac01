"""Retention: RAPPORT_RETENTION_DAYS purges old messages, hourly, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.scheduler import MinuteRound
from tests.helpers import message


class _NoCheckins:
    async def run_due(self, now: datetime) -> int:
        return 0


async def test_old_messages_are_purged_and_recent_ones_kept(runtime):
    """Messages past retention disappear with their drafts; recent ones and facts stay."""
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    old = await runtime.engine.handle(
        message("My cat Milo says hi", at=now - timedelta(days=100), message_id="old")
    )
    new = await runtime.engine.handle(
        message("Still here", at=now - timedelta(days=2), message_id="new")
    )
    chores = MinuteRound(
        runtime.engine, _NoCheckins(), store=runtime.store.messages, retention=timedelta(days=90)
    )
    assert await chores.purge(now) == 1
    assert await runtime.store.messages.get(old.message_id) is None
    assert await runtime.store.drafts.get(old.draft_id) is None
    assert (await runtime.store.messages.get(new.message_id)).text == "Still here"
    assert [f.statement for f in await runtime.store.facts.of(old.customer_id)] == [
        "Has a cat named Milo."
    ]
    assert await chores.purge(now + timedelta(minutes=5)) == 0  # at most hourly


async def test_without_retention_nothing_is_purged(runtime):
    """With RAPPORT_RETENTION_DAYS unset, history is kept however old."""
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    await runtime.engine.handle(message("Ancient", at=now - timedelta(days=3000)))
    chores = MinuteRound(
        runtime.engine, _NoCheckins(), store=runtime.store.messages, retention=None
    )
    assert await chores.purge(now) == 0
    assert await runtime.store.messages.count() == 1
