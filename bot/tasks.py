"""Work started and not awaited: drafts, deliveries, a click's decision after its ack.

One tracker for the engine and every platform adapter, so shutdown and tests
can wait for what was started, a failure is always logged, and work that must
finish (a message being stored, a decision being applied) is not cut short
when its caller goes away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")


class Background:
    def __init__(self, owner: str) -> None:
        self.owner = owner  # names the tracker in failure logs: "engine", "slack", …
        self._tasks: set[asyncio.Future[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None], name: str | None = None) -> None:
        """Start ``coro`` and return at once; its failure is logged, never raised."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._keep(task)

    async def track(self, work: Awaitable[T]) -> T:
        """Await ``work``, which finishes even if the caller is cancelled meanwhile."""
        future = asyncio.ensure_future(work)
        self._keep(future)
        return await asyncio.shield(future)

    def _keep(self, future: asyncio.Future[Any]) -> None:
        self._tasks.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: asyncio.Future[Any]) -> None:
        self._tasks.discard(future)
        if not future.cancelled() and future.exception() is not None:
            name = future.get_name() if isinstance(future, asyncio.Task) else "tracked"
            log.error(
                "background_task_failed",
                owner=self.owner,
                task=name,
                error=type(future.exception()).__name__,
            )

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def wait_idle(self) -> None:
        """Until everything started here (and whatever that started here) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
