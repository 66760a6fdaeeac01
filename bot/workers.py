"""Drafting workers: claim the drafts waiting in the database and write them.

A message is acknowledged once it and its queued draft are stored; drafting
happens here, in whichever process runs workers: ``rapport worker``, the
worker thread of a single-process ``rapport run``, or the calling event loop
(commands and tests). Any number of processes may run them against one
database; a claim is one statement, so each draft is taken once.

A claimed draft carries this worker's id and a lease (``RAPPORT_DRAFT_LEASE_SECONDS``),
renewed by a heartbeat while the draft is written. When a worker dies its
leases run out and any live worker takes the drafts over, so a kill costs at
most one lease plus one poll. Workers are woken at once by a message stored
in this process or by PostgreSQL's ``NOTIFY``, and poll as well (the only way
on SQLite across processes, and the fallback when the listening connection is
down).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import structlog

from memory.drafts import Bundle
from memory.store import MemoryStore

log = structlog.get_logger(__name__)

Work = Callable[[Bundle, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    slots: int = 8  # drafts written at once in this process
    lease: timedelta = timedelta(seconds=15)
    poll: float = 1.0  # seconds between looks when nothing woke us

    @property
    def heartbeat(self) -> float:
        # Three renewals per lease: one missed beat (a slow query) does not lose it.
        return self.lease.total_seconds() / 3


def worker_name() -> str:
    """Unique per worker pool, and says where it runs: host, process, pool."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class DraftWorkers:
    """This process's share of the drafting: up to ``slots`` drafts at once."""

    def __init__(
        self, store: MemoryStore, work: Work, settings: WorkerSettings | None = None
    ) -> None:
        self.store = store
        self.work = work
        self.settings = settings or WorkerSettings()
        self.name = worker_name()
        self._slots = asyncio.Semaphore(self.settings.slots)
        self._held: set[int] = set()
        self._jobs: set[asyncio.Task[None]] = set()
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._looked_empty = False  # the last look found nothing to take
        self._woken = False  # woken by a queued draft (not a poll): claim without a look

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def start(self) -> None:
        """Start claiming on the running event loop (idempotent)."""
        if self._tasks:
            return
        self._stopping = False
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._dispatch(), name=f"workers-{self.name}"),
            loop.create_task(self._heartbeat(), name=f"heartbeat-{self.name}"),
        ]
        log.info("workers_started", worker=self.name, slots=self.settings.slots)

    def wake(self) -> None:
        """Something may be waiting: look now instead of at the next poll."""
        self._idle.clear()
        self._woken = True
        self._wakeup.set()

    async def wait_idle(self) -> None:
        """Until nothing waits that this worker could take and nothing is being written."""
        if not self._tasks:
            return
        self.wake()
        await self._idle.wait()

    async def stop(self, *, grace: float = 30.0) -> None:
        """Stop claiming, let the drafts in hand finish (their leases cover a kill), stop."""
        self._stopping = True
        self._wakeup.set()
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=grace)
        for task in [*self._tasks, *self._jobs]:
            task.cancel()
        for task in [*self._tasks, *self._jobs]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self._idle.set()

    async def _dispatch(self) -> None:
        while not self._stopping:
            await self._slots.acquire()
            if self._stopping:
                self._slots.release()
                return
            self._wakeup.clear()
            woken, self._woken = self._woken, False
            try:
                claimed = await self.store.drafts.claim_next(
                    self.name, self.settings.lease, expect_queued=woken
                )
            except Exception as exc:
                # The database is away (a restart, a network cut): try again at the next poll.
                self._slots.release()
                log.warning("draft_claim_failed", worker=self.name, error=type(exc).__name__)
                if not self._jobs and not self._wakeup.is_set():
                    self._idle.set()  # nothing to do until it is back: idle, not stuck
                await self._sleep()
                continue
            if claimed is None:
                self._slots.release()
                self._looked_empty = True
                # Idle only if nobody woke us while we looked: a draft queued
                # during the look would otherwise be missed by wait_idle().
                if not self._jobs and not self._wakeup.is_set():
                    self._idle.set()
                await self._sleep()
                continue
            self._looked_empty = False
            draft_id = claimed[0].id
            self._held.add(draft_id)
            job = asyncio.get_running_loop().create_task(
                self._job(claimed), name=f"draft-{draft_id}"
            )
            self._jobs.add(job)

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), self.settings.poll)

    async def _job(self, claimed: Bundle) -> None:
        draft_id = claimed[0].id
        try:
            await self.work(claimed, self.name)
        except Exception:
            # The work marks its own failures on the draft; this is a bug in it.
            log.exception("draft_job_crashed", draft_id=draft_id, worker=self.name)
        finally:
            self._held.discard(draft_id)
            task = asyncio.current_task()
            if task is not None:
                self._jobs.discard(task)
            self._slots.release()
            # No look after each draft: what was waiting is claimed as slots free up,
            # and new drafts wake us. Idle once the last job ends after an empty look.
            if not self._jobs and self._looked_empty and not self._wakeup.is_set():
                self._idle.set()

    async def _heartbeat(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.settings.heartbeat)
            held = list(self._held)
            if not held:
                continue
            try:
                kept = await self.store.drafts.renew(self.name, held, self.settings.lease)
            except Exception as exc:
                log.warning("lease_renewal_failed", worker=self.name, error=type(exc).__name__)
                continue
            if kept < len(held):
                # Finished meanwhile, or taken over by another worker after ours ran
                # out while we were stalled (the writer logs that, when its write is
                # refused): nothing to do here either way.
                log.debug("leases_not_renewed", worker=self.name, count=len(held) - kept)
