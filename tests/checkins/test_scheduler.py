"""The scheduler wakes the check-in service on the event loop, and stops cleanly."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.scheduler import CheckinScheduler, run_due_job


class RecordingRunner:
    """Counts the rounds the scheduler asks for, and the instants it passed."""

    def __init__(self) -> None:
        self.calls: list[datetime] = []

    async def run_due(self, now: datetime) -> None:
        self.calls.append(now)


async def wait_for(condition) -> None:
    deadline = asyncio.get_running_loop().time() + 3.0
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the scheduler never ran"
        await asyncio.sleep(0.01)


async def test_scheduler_runs_a_round_at_start_then_every_interval():
    """Starting the scheduler catches up at once, then runs each interval with aware times."""
    runner = RecordingRunner()
    scheduler = CheckinScheduler(runner, interval=timedelta(milliseconds=50))
    await scheduler.start()
    try:
        await wait_for(lambda: len(runner.calls) >= 2)
    finally:
        await scheduler.stop()
    assert all(now.tzinfo is not None for now in runner.calls)
    stopped_at = len(runner.calls)
    await asyncio.sleep(0.15)
    assert len(runner.calls) == stopped_at  # nothing runs after stop


async def test_a_failing_round_does_not_stop_the_scheduler():
    """One round raising an error is logged; the next round still runs."""

    class Flaky(RecordingRunner):
        async def run_due(self, now: datetime) -> None:
            await super().run_due(now)
            if len(self.calls) == 1:
                raise RuntimeError("database restarting")

    runner = Flaky()
    scheduler = CheckinScheduler(runner, interval=timedelta(milliseconds=50))
    await scheduler.start()
    try:
        await wait_for(lambda: len(runner.calls) >= 2)
    finally:
        await scheduler.stop()


async def test_the_job_refers_to_its_scheduler_by_id():
    """The stored job holds only an id; a job for a stopped scheduler does nothing."""
    runner = RecordingRunner()
    scheduler = CheckinScheduler(runner, interval=timedelta(hours=1))
    await scheduler.start()
    await wait_for(lambda: len(runner.calls) >= 1)
    await scheduler.stop()
    await run_due_job(scheduler.id)  # stopped: no longer registered
    assert len(runner.calls) == 1
