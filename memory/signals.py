"""Draft signals: wake this process when any process changes a draft.

On PostgreSQL a trigger (migration 0007) sends ``NOTIFY rapport_drafts`` with
the draft's new status; one connection per process listens and calls the
subscribers (workers wake on ``queued``, card relays on anything). SQLite has
no such channel: there the subscribers' own polling is the signal. When the
listening connection drops (a database restart), it reconnects with backoff,
and polling covers the gap.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from sqlalchemy.engine import make_url

log = structlog.get_logger(__name__)

CHANNEL = "rapport_drafts"

Subscriber = Callable[[str], None]


class DraftSignals:
    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.enabled = url.get_backend_name() == "postgresql"
        # libpq's own URI form, for psycopg's plain connection.
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._subscribers: list[Subscriber] = []
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen(), name="signals")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def emit(self, status: str) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(status)
            except Exception:
                log.exception("signal_subscriber_failed")

    async def _listen(self) -> None:
        import psycopg

        backoff = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    backoff = 0.5
                    # Whatever changed while we were away: let everyone look once.
                    self.emit("queued")
                    async for note in conn.notifies():
                        self.emit(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected.clear()
                log.warning("signals_disconnected", error=type(exc).__name__, retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
