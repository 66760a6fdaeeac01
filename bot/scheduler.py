"""The scheduler: wakes every minute and asks the check-in service to draft what is due.

A thin wrapper around APScheduler's ``AsyncIOScheduler`` on Rapport's one
event loop. The database rows are the source of truth: the scheduler keeps no
state worth saving, so a restart loses nothing, and its one job receives an
id (looked up in a registry here), never a live object.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = structlog.get_logger(__name__)


class DueRunner(Protocol):
    """Something that drafts whatever is due at ``now`` (the check-in service)."""

    async def run_due(self, now: datetime) -> Any: ...


class Resumable(Protocol):
    async def resume(self) -> int: ...


class Purger(Protocol):
    async def purge_before(self, cutoff: datetime) -> int: ...


class MinuteRound:
    """What the scheduler does each minute: finish deliveries a crash left, then check-ins.

    (Drafts a crashed worker left are the workers' own business: leases.)
    With ``retention`` set, messages older than that are purged once an hour.
    """

    def __init__(
        self,
        engine: Resumable,
        checkins: DueRunner,
        *,
        store: Purger | None = None,
        retention: timedelta | None = None,
    ) -> None:
        self.engine = engine
        self.checkins = checkins
        self.store = store
        self.retention = retention
        self._last_purge: datetime | None = None

    async def run_due(self, now: datetime) -> Any:
        await self.engine.resume()
        await self.purge(now)
        return await self.checkins.run_due(now)

    async def purge(self, now: datetime) -> int:
        if self.store is None or self.retention is None:
            return 0
        if self._last_purge is not None and now - self._last_purge < timedelta(hours=1):
            return 0
        self._last_purge = now
        purged = await self.store.purge_before(now - self.retention)
        if purged:
            log.info("retention_purged", messages=purged, days=self.retention.days)
        return purged


_runners: dict[str, CheckinScheduler] = {}


async def run_due_job(scheduler_id: str) -> None:
    """The APScheduler job: find our scheduler by id and run one round."""
    scheduler = _runners.get(scheduler_id)
    if scheduler is not None:
        await scheduler.tick()


class CheckinScheduler:
    """A service for the web app's lifespan: ``await start()`` … ``await stop()``."""

    name = "checkin-scheduler"

    def __init__(self, runner: DueRunner, *, interval: timedelta = timedelta(minutes=1)) -> None:
        self.runner = runner
        self.interval = interval
        self.id = f"checkins-{uuid.uuid4().hex[:8]}"
        self._scheduler: AsyncIOScheduler | None = None
        self._current: asyncio.Task[Any] | None = None
        self.rounds = 0

    async def start(self) -> None:
        """Start ticking; the first round runs at once, to catch up after downtime."""
        if self._scheduler is not None:
            return
        _runners[self.id] = self
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        scheduler.add_job(
            run_due_job,
            IntervalTrigger(seconds=self.interval.total_seconds(), timezone=UTC),
            args=[self.id],
            id=self.id,
            next_run_time=datetime.now(UTC),
            max_instances=1,  # a slow round is never overlapped by the next one
            coalesce=True,  # rounds missed while the loop was busy run once, not many times
            misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("checkin_scheduler_started", every_seconds=self.interval.total_seconds())

    async def stop(self) -> None:
        """Stop ticking and let a round in progress finish (its rows stay consistent)."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        scheduler.shutdown(wait=False)
        _runners.pop(self.id, None)
        current = self._current
        if current is not None and not current.done():
            await asyncio.gather(current, return_exceptions=True)
        log.info("checkin_scheduler_stopped")

    async def tick(self) -> None:
        """One round: draft what is due now. Failures are logged; the next minute retries."""
        self._current = asyncio.current_task()
        try:
            await self.runner.run_due(datetime.now(UTC))
        except Exception:
            log.exception("checkin_round_failed")
        finally:
            self.rounds += 1
            self._current = None
