"""Scheduling that survives races, dead workers and restarts, on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.checkin_service import CheckinService, checkin_target
from bot.checkins import CheckinSettings
from memory.domain import DraftStatus
from memory.schema import Draft
from tests.checkins.conftest import FakeClock
from tests.helpers import message

SAT_0901 = datetime(2026, 11, 7, 9, 1, tzinfo=UTC)
CUSTOMERS = [f"u-{i}" for i in range(8)]


async def checkin_drafts(runtime) -> int:
    async with runtime.store.sessions() as session:
        return int(
            (
                await session.execute(select(func.count(Draft.id)).where(Draft.kind == "checkin"))
            ).scalar_one()
        )


async def six_vet_visits(runtime) -> None:
    for user in CUSTOMERS:
        await runtime.engine.handle(message("Taking the dog to the vet on Friday.", user=user))


async def test_two_workers_racing_draft_each_checkin_once(runtime, second_runtime, service):
    """Two `rapport run` processes on one database, waking together, draft every check-in once."""
    await six_vet_visits(runtime)
    # Small batches make the two workers' claims interleave many times.
    other = CheckinService(second_runtime.engine, CheckinSettings(batch_size=1))
    mine = CheckinService(runtime.engine, CheckinSettings(batch_size=1))
    reports = await asyncio.gather(mine.run_due(SAT_0901), other.run_due(SAT_0901))
    await asyncio.gather(runtime.engine.wait_idle(), second_runtime.engine.wait_idle())
    drafted = [pair for r in reports for pair in r.drafted]
    assert len(drafted) == len(CUSTOMERS) == len({c for c, _ in drafted})
    assert await checkin_drafts(runtime) == len(CUSTOMERS)
    assert {r.status for r in await service.repo.listing()} == {"drafted"}


async def test_two_workers_never_draft_two_checkins_for_one_customer(
    runtime, second_runtime, service
):
    """Two workers claiming one customer's two check-ins at once still draft only one."""
    result = await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    await service.request(result.customer_id, "2026-11-07", None, "Ann", now=SAT_0901)
    one_each = CheckinSettings(batch_size=1)
    workers = [
        CheckinService(runtime.engine, one_each),
        CheckinService(second_runtime.engine, one_each),
    ]
    await asyncio.gather(*(w.run_due(SAT_0901) for w in workers))
    statuses = sorted(r.status for r in await service.repo.listing())
    assert statuses == ["drafted", "skipped"]
    assert await checkin_drafts(runtime) == 1


async def test_a_worker_that_died_mid_claim_is_recovered_after_the_timeout(runtime, service, clock):
    """A check-in claimed by a crashed worker returns after 10 minutes and is drafted once."""
    await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    [claimed] = await service.repo.claim_due(SAT_0901, claimed_at=clock(), limit=10)  # then dies
    too_soon = await service.run_due(SAT_0901)
    assert too_soon.drafted == [] and too_soon.recovered == 0
    clock.advance(timedelta(minutes=11))
    later = await service.run_due(SAT_0901 + timedelta(minutes=11))
    assert later.recovered == 1 and [c for c, _ in later.drafted] == [claimed.id]
    assert await checkin_drafts(runtime) == 1


async def test_a_crash_after_the_draft_was_stored_is_finished_by_resume(
    runtime, second_runtime, service, clock
):
    """If the process dies between storing a check-in draft and writing it, restart writes it."""
    await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    [row] = await service.repo.claim_due(SAT_0901, claimed_at=clock(), limit=10)
    latest = await service.repo.latest_inbound(row.customer_id)
    attached = await service.repo.attach_draft(
        row, SAT_0901, row.reason, checkin_target(latest), timedelta(days=7)
    )  # ... and the process dies before the drafter runs
    assert (await runtime.store.drafts.get(attached.draft_id)).status == DraftStatus.QUEUED
    await second_runtime.engine.resume()  # the restarted process
    await second_runtime.engine.wait_idle()
    assert (await runtime.store.drafts.get(attached.draft_id)).status == DraftStatus.PENDING
    again = CheckinService(second_runtime.engine, clock=FakeClock(clock() + timedelta(hours=1)))
    assert (await again.run_due(SAT_0901 + timedelta(hours=1))).drafted == []
    assert await checkin_drafts(runtime) == 1


async def test_a_restart_loses_no_scheduled_checkin(runtime, second_runtime):
    """Check-ins scheduled by one process are drafted by the next one: the rows are the truth."""
    first = CheckinService(runtime.engine)
    runtime.engine.observers.append(first)
    await runtime.engine.handle(message("Taking Milo to the vet on Friday."))
    await runtime.close()  # the first process stops
    report = await CheckinService(second_runtime.engine).run_due(SAT_0901)
    assert len(report.drafted) == 1


async def test_concurrent_claims_from_two_pools_never_share_a_row(
    runtime, second_runtime, service, clock
):
    """Six claims at once from two processes' pools each get different check-ins, none twice."""
    await six_vet_visits(runtime)
    repos = [CheckinService(rt.engine).repo for rt in (runtime, second_runtime)]
    claims = await asyncio.gather(
        *(repos[i % 2].claim_due(SAT_0901, claimed_at=clock(), limit=2) for i in range(6))
    )
    ids = [row.id for rows in claims for row in rows]
    assert len(ids) == len(set(ids)) == len(CUSTOMERS)
