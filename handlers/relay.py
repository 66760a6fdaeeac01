"""The card relay: this process's review surfaces kept in step with the database.

Drafts are written by workers, check-ins by the scheduler or the CLI, and
decisions taken on any surface, often in another process than the one
connected to Slack or Discord. The relay looks at the database every second
(at once when PostgreSQL's ``NOTIFY`` or a worker thread in this process says
something changed) and has each review channel draw the cards that are
missing or behind (:meth:`handlers.platform.ReviewChannel.sync`), and tells
open console pages to reload when anything changed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import structlog

from handlers.platform import ReviewChannel
from handlers.web.surface import WebPlatform
from memory.store import MemoryStore

log = structlog.get_logger(__name__)

# How far back each look reaches (by the writer's clock): generous, so a
# process whose clock runs behind ours is still seen.
WINDOW = timedelta(minutes=10)
# Looks are at least this far apart: under load every stored message and every
# claim would otherwise cost each listener two queries, on the loop that acks.
MIN_GAP = 0.2
# NOTIFY payloads that change no card: a queued or claimed draft has none to show yet
# (a regenerated one's "Drafting…" is caught by the next regular look).
QUIET = frozenset({"queued", "drafting"})


class CardRelay:
    def __init__(
        self,
        store: MemoryStore,
        channels: Sequence[ReviewChannel],
        web: WebPlatform | None = None,
        *,
        interval: float = 1.0,
    ) -> None:
        self.store = store
        self.channels = list(channels)
        self.web = web
        self.interval = interval
        self._caught_up: set[str] = set()
        self._last_change: tuple[datetime | None, int] | None = None
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._run(), name="card-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self, status: str = "") -> None:
        """Look soon; safe to call from this loop only (see :meth:`wake_threadsafe`)."""
        if status not in QUIET:
            self._wakeup.set()

    def wake_threadsafe(self) -> None:
        """Look now, called from another thread (the single-process worker thread)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wakeup.set)

    async def once(self) -> int:
        """One look: every channel's missing or stale cards drawn; how many."""
        shown = 0
        since = datetime.now(UTC) - WINDOW
        for channel in self.channels:
            if not channel.ready():
                continue
            # The first look after a channel is ready covers everything open.
            first = channel.name not in self._caught_up
            shown += await channel.sync(changed_since=None if first else since)
            self._caught_up.add(channel.name)
        if self.web is not None:
            change = await self.store.drafts.last_change()
            if self._last_change is not None and change != self._last_change:
                self.web.bump()
            self._last_change = change
        return shown

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                await self.once()
            except Exception as exc:
                # The database or a platform is away: the next look tries again.
                log.warning("card_relay_failed", error=type(exc).__name__)
            await asyncio.sleep(MIN_GAP)  # wake-ups meanwhile are served together
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.interval - MIN_GAP)
