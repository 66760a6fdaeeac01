"""Writes message vectors in the background, off the reply path.

The engine tells the indexer that a message was stored; the indexer wakes,
reads from the database every message that has no vector from the current
model (newest first), embeds them in small batches and saves them. Reading
the work from the database rather than from the event means one path covers
new messages, rep replies, imported history, a model change and a restart
after a crash. When the embedder fails, the indexer backs off and tries
again; recall meanwhile works from full text.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from memory.domain import InboundMessage
from memory.store import Ingested
from memory.vectors import Embedder, VectorIndex, embeddable, pack

log = structlog.get_logger(__name__)


class EmbeddingIndexer:
    """A service (``start``/``stop``) and an engine observer."""

    def __init__(
        self,
        embedder: Embedder,
        index: VectorIndex,
        *,
        batch: int = 16,
        sweep_every: float = 60.0,
        max_backoff: float = 300.0,
    ) -> None:
        self.embedder = embedder
        self.index = index
        self.batch = batch
        self.sweep_every = sweep_every
        self.max_backoff = max_backoff
        self.embedded = 0
        self.failures = 0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- engine observer -------------------------------------------------------

    async def message_stored(self, msg: InboundMessage, ingested: Ingested) -> None:
        self._wake.set()

    async def reply_sent(self, draft_id: int) -> None:
        self._wake.set()

    # -- service ---------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self._wake.set()  # catch up on whatever was stored while we were down
            self._task = asyncio.create_task(self._run(), name="embedding-indexer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def drain(self) -> int:
        """Embed everything pending now, in this task; returns how many (backfills, benchmarks)."""
        total = 0
        while count := await self.step():
            total += count
        return total

    async def wait_idle(self) -> None:
        """Until the background task has nothing pending (tests)."""
        self._idle.clear()
        self._wake.set()
        await self._idle.wait()

    async def step(self) -> int:
        """Embed and save one batch; returns how many messages it covered (0: nothing pending)."""
        pending = await self.index.pending(self.batch)
        if not pending:
            return 0
        vectors = await self.embedder.embed([embeddable(p.text) or " " for p in pending])
        if len(vectors) != len(pending):
            raise RuntimeError(f"embedder returned {len(vectors)} vectors for {len(pending)} texts")
        saved = await self.index.store(
            [(p.message_id, pack(v)) for p, v in zip(pending, vectors, strict=True)]
        )
        self.embedded += saved
        return len(pending)

    async def _run(self) -> None:
        backoff = min(1.0, self.max_backoff)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.sweep_every)
            self._wake.clear()
            try:
                while await self.step():
                    backoff = min(1.0, self.max_backoff)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failures += 1
                log.warning(
                    "embedding_failed",
                    error=str(exc),
                    error_type=type(exc).__name__,
                    retry_in_s=backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(self.max_backoff, backoff * 2)
                self._wake.set()
                continue
            self._idle.set()
