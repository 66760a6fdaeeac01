"""Vectors of messages, stored in the database, searched one customer at a time.

Recall only ever looks inside one customer's history, so the search is an
exact scan of that customer's vectors (NumPy, a matrix product) rather than an
approximate index over everyone: well under a millisecond for a few thousand
vectors, and it can never return another customer's message. The vectors of
recently active customers stay in memory between recalls.

Vectors are stored as raw float32 bytes in ``message_embeddings``, a plain
table that works the same on SQLite and PostgreSQL, so no database extension
is needed (see docs/architecture.md, "Embeddings", for why not sqlite-vec or
pgvector). NumPy comes with the ``embeddings`` extras; without it this module
is never imported.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import structlog
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.schema import Message, MessageEmbedding

log = structlog.get_logger(__name__)

# Below this many floats a scan takes well under a millisecond: cheaper inline
# than the hop to a worker thread.
_INLINE_FLOATS = 2_000_000
# New vectors read before they are matched to the customer; past this many
# (a customer silent while many others wrote) reading theirs alone is cheaper.
_DELTA_ROWS = 500

# What an embedding model sees of a message: sentence models read the first
# few hundred tokens anyway, and an API bills for every one.
MAX_EMBED_CHARS = 2000


class Embedder(Protocol):
    """Turns texts into vectors (a local model, or an embeddings API)."""

    @property
    def model(self) -> str: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


@dataclass(frozen=True, slots=True)
class Pending:
    """A stored message that has no vector from the current model yet."""

    message_id: int
    text: str


def pack(vector: Sequence[float] | np.ndarray[Any, Any]) -> bytes:
    """Unit length, float32, little-endian: the dot product of two is their cosine."""
    array = np.asarray(vector, dtype="<f4")
    norm = float(np.linalg.norm(array))
    if norm > 0:
        array = array / norm
    return array.astype("<f4").tobytes()


def embeddable(text: str) -> str:
    return " ".join(text.split())[:MAX_EMBED_CHARS]


class VectorIndex:
    """Read and write message vectors for one embedding model."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        model: str,
        *,
        cache_bytes: int = 256 * 2**20,
        refresh_after: float = 60.0,
    ) -> None:
        self.sessions = sessions
        self.model = model
        # Customers' vectors kept in memory between recalls, least recently used
        # dropped first: reading a long history's vectors costs far more than
        # scanning them.
        self.cache_bytes = cache_bytes
        self.refresh_after = refresh_after
        self._blocks: OrderedDict[int, _Block] = OrderedDict()
        self._bytes = 0
        self._loads: dict[int, asyncio.Future[_Block | None]] = {}

    async def pending(self, limit: int) -> list[Pending]:
        """Messages without a vector from this model, newest first (recent history matters most)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(Message.id, Message.text)
                .outerjoin(MessageEmbedding, MessageEmbedding.message_id == Message.id)
                .where(
                    or_(MessageEmbedding.message_id.is_(None), MessageEmbedding.model != self.model)
                )
                .order_by(Message.id.desc())
                .limit(limit)
            )
            return [Pending(message_id=r[0], text=r[1]) for r in rows]

    async def store(self, vectors: Sequence[tuple[int, bytes]]) -> int:
        """Save ``(message_id, packed vector)`` pairs; returns how many were saved.

        A message deleted meanwhile (forget, retention) is skipped, not an error.
        """
        by_id = dict(vectors)
        for _attempt in range(3):
            async with self.sessions() as session:
                alive = set(
                    (
                        await session.execute(select(Message.id).where(Message.id.in_(by_id)))
                    ).scalars()
                )
                await session.execute(
                    delete(MessageEmbedding).where(MessageEmbedding.message_id.in_(alive))
                )
                session.add_all(
                    MessageEmbedding(
                        message_id=i,
                        model=self.model,
                        dimensions=len(by_id[i]) // 4,
                        vector=by_id[i],
                    )
                    for i in alive
                )
                try:
                    await session.commit()
                    return len(alive)
                except IntegrityError:
                    # A message was deleted, or another worker saved the same
                    # vector, between our read and our write: read again.
                    await session.rollback()
        return 0

    async def nearest(
        self,
        customer_id: int,
        query: Sequence[float],
        *,
        limit: int,
        before: datetime | None = None,
        exclude: int | None = None,
    ) -> list[tuple[int, float]]:
        """This customer's messages most similar to ``query``: ``(message_id, cosine)``, best first.

        Only messages sent at or before ``before`` count: recall looks back.
        """
        block = await self._block(customer_id)
        if block is None:
            return []
        vector = np.frombuffer(pack(query), "<f4")
        if vector.shape[0] != block.matrix.shape[1]:
            return []  # vectors of another width: the model changed under us
        cutoff = before.timestamp() if before is not None else None
        if block.matrix.size < _INLINE_FLOATS:
            return _top(block, vector, limit, cutoff, exclude)
        # A long history is real CPU work; NumPy releases the GIL, the loop runs on.
        return await asyncio.to_thread(_top, block, vector, limit, cutoff, exclude)

    async def _block(self, customer_id: int) -> _Block | None:
        """The customer's vectors, from memory when they are there.

        New vectors are read as a delta (ids above the block's watermark). After
        ``refresh_after`` seconds the whole block is read again in the
        background while recalls go on with what they have: that is how
        vectors written for older messages (a backfill) or removed (retention)
        reach a long-running process.
        """
        block = self._blocks.get(customer_id)
        if block is None:
            return await asyncio.shield(self._full_load(customer_id))
        if time.monotonic() - block.loaded > self.refresh_after:
            self._full_load(customer_id)
        newer, seen = await self._rows(customer_id, after=block.seen)
        current = self._blocks.get(customer_id)
        if current is not None and current is not block:
            block = current  # a full load finished meanwhile: it is newer
        else:
            block = block.extended(newer, seen)
        self._keep(customer_id, block)
        return block

    def _full_load(self, customer_id: int) -> asyncio.Future[_Block | None]:
        """Read all of the customer's vectors, once however many recalls ask.

        The load is its own task: a recall that gives up at its time budget
        does not cancel it, so the next recall finds the vectors in memory.
        """
        task = self._loads.get(customer_id)
        if task is None:
            task = asyncio.ensure_future(self._load(customer_id))
            self._loads[customer_id] = task
            task.add_done_callback(lambda _: self._loads.pop(customer_id, None))
        return task

    async def _load(self, customer_id: int) -> _Block | None:
        loaded = time.monotonic()
        rows, seen = await self._rows(customer_id, after=None)
        block = _Block.build(rows, seen=seen, loaded=loaded)
        if block is not None:
            self._keep(customer_id, block)
        return block

    def _keep(self, customer_id: int, block: _Block) -> None:
        old = self._blocks.pop(customer_id, None)
        if old is not None:
            self._bytes -= old.nbytes
        self._blocks[customer_id] = block  # most recently used last
        self._bytes += block.nbytes
        while len(self._blocks) > 1 and self._bytes > self.cache_bytes:
            _, dropped = self._blocks.popitem(last=False)
            self._bytes -= dropped.nbytes

    async def _rows(self, customer_id: int, *, after: int | None) -> tuple[list[Any], int]:
        """The customer's vectors written after the watermark ``after`` (all when None).

        Returns them with the new watermark: the highest vector id anyone had
        written when we looked, so a customer who stays silent while others
        write is not asked again about the same rows.
        """
        columns = (MessageEmbedding.message_id, MessageEmbedding.vector, Message.sent_at)
        mine = select(*columns).join(Message, Message.id == MessageEmbedding.message_id)
        mine = mine.where(Message.customer_id == customer_id, MessageEmbedding.model == self.model)
        async with self.sessions() as session:
            top = await session.scalar(select(func.max(MessageEmbedding.message_id))) or 0
            if after is None:
                return list((await session.execute(mine)).all()), top
            if top <= after:
                return [], after
            # New vectors found by primary key, then matched to the customer:
            # starting from the customer would walk every index entry of a long
            # history (84 ms at 100,000 on SQLite).
            probe = (
                await session.execute(
                    select(MessageEmbedding.message_id, Message.customer_id)
                    .join(Message, Message.id == MessageEmbedding.message_id)
                    .where(MessageEmbedding.message_id > after, MessageEmbedding.message_id <= top)
                    .limit(_DELTA_ROWS + 1)
                )
            ).all()
            if len(probe) > _DELTA_ROWS:
                # Many others wrote since: this customer's own rows are fewer.
                window = mine.where(MessageEmbedding.message_id > after)
            else:
                ids = [i for i, owner in probe if owner == customer_id]
                if not ids:
                    return [], top
                window = mine.where(MessageEmbedding.message_id.in_(ids))
            return list((await session.execute(window)).all()), top


class SimilarMessages:
    """The query side: embed the new message within a budget, then scan this customer.

    Recall by meaning is a bonus on top of full-text recall, so it never costs
    a draft more than ``budget`` seconds and never fails one: a slow or broken
    embedder means this draft's recall is full-text only, and the log says so.
    """

    def __init__(
        self, embedder: Embedder, index: VectorIndex, *, budget: float = 0.25, pool: int = 50
    ) -> None:
        self.embedder = embedder
        self.index = index
        self.budget = budget
        self.pool = pool

    async def find(
        self, customer_id: int, text: str, *, now: datetime, exclude: int | None = None
    ) -> list[tuple[int, float]]:
        try:
            async with asyncio.timeout(self.budget):
                [vector] = await self.embedder.embed([embeddable(text)])
                return await self.index.nearest(
                    customer_id, vector, limit=self.pool, before=now, exclude=exclude
                )
        except TimeoutError:
            log.warning("recall_by_meaning_skipped", reason="over budget", budget_s=self.budget)
        except Exception as exc:
            log.warning("recall_by_meaning_skipped", reason=type(exc).__name__, error=str(exc))
        return []


@dataclass(frozen=True, slots=True)
class _Block:
    """One customer's vectors in memory, as a matrix."""

    ids: np.ndarray[Any, Any]  # message ids, int64
    sent: np.ndarray[Any, Any]  # sent_at as POSIX seconds, for "recall looks back"
    matrix: np.ndarray[Any, Any]  # one unit vector per row, float32
    seen: int  # vectors with higher ids were written after this block was read
    loaded: float  # time.monotonic() of the last full read

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.sent.nbytes + self.matrix.nbytes)

    @classmethod
    def build(cls, rows: Sequence[Any], *, seen: int, loaded: float) -> _Block | None:
        if not rows:
            return None
        width = len(rows[0][1])
        rows = [r for r in rows if len(r[1]) == width]
        return cls(
            ids=np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
            sent=np.fromiter((r[2].timestamp() for r in rows), dtype=np.float64, count=len(rows)),
            matrix=np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(
                len(rows), width // 4
            ),
            seen=seen,
            loaded=loaded,
        )

    def extended(self, rows: Sequence[Any], seen: int) -> _Block:
        # A row written while the previous read ran may come back again.
        known = set(self.ids.tolist()) if rows else set()
        rows = [r for r in rows if r[0] not in known]
        more = _Block.build(rows, seen=seen, loaded=self.loaded)
        if more is None or more.matrix.shape[1] != self.matrix.shape[1]:
            return replace(self, seen=max(self.seen, seen))
        return _Block(
            ids=np.concatenate([self.ids, more.ids]),
            sent=np.concatenate([self.sent, more.sent]),
            matrix=np.concatenate([self.matrix, more.matrix]),
            seen=max(self.seen, seen),
            loaded=self.loaded,
        )


def _top(
    block: _Block,
    query: np.ndarray[Any, Any],
    limit: int,
    cutoff: float | None,
    exclude: int | None,
) -> list[tuple[int, float]]:
    similarity = block.matrix @ query
    allowed = np.ones(similarity.shape[0], dtype=bool)
    if cutoff is not None:
        allowed &= block.sent <= cutoff
    if exclude is not None:
        allowed &= block.ids != exclude
    similarity = np.where(allowed, similarity, -np.inf)
    k = min(limit, int(allowed.sum()))
    if k <= 0:
        return []
    best = np.argpartition(-similarity, k - 1)[:k]
    best = best[np.argsort(-similarity[best], kind="stable")]
    return [(int(block.ids[j]), float(similarity[j])) for j in best]
