"""Vectors of messages, stored in the database, searched one customer at a time.

Recall only ever looks inside one customer's history, so the search is an
exact scan of that customer's vectors (NumPy, a matrix product) rather than an
approximate index over everyone: at a few thousand vectors it takes a
millisecond or two, and it can never return another customer's message.

Vectors are stored as raw float32 bytes in ``message_embeddings``, a plain
table that works the same on SQLite and PostgreSQL, so no database extension
is needed (see docs/architecture.md, "Embeddings", for why not sqlite-vec or
pgvector). NumPy comes with the ``embeddings`` extras; without it this module
is never imported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import structlog
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.schema import Message, MessageEmbedding

log = structlog.get_logger(__name__)

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

    def __init__(self, sessions: async_sessionmaker[AsyncSession], model: str) -> None:
        self.sessions = sessions
        self.model = model

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
        async with self.sessions() as session:
            conditions = [Message.customer_id == customer_id]
            if before is not None:
                conditions.append(Message.sent_at <= before)
            rows = (
                await session.execute(
                    select(MessageEmbedding.message_id, MessageEmbedding.vector)
                    .join(Message, Message.id == MessageEmbedding.message_id)
                    .where(and_(*conditions), MessageEmbedding.model == self.model)
                )
            ).all()
        ids = [r[0] for r in rows if r[0] != exclude]
        blobs = [r[1] for r in rows if r[0] != exclude]
        if not ids:
            return []
        # The scan is CPU work; NumPy releases the GIL for it, so the loop runs on.
        return await asyncio.to_thread(_top, ids, blobs, np.frombuffer(pack(query), "<f4"), limit)


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


def _top(
    ids: list[int], blobs: list[bytes], query: np.ndarray[Any, Any], limit: int
) -> list[tuple[int, float]]:
    width = query.shape[0]
    usable = [(i, b) for i, b in zip(ids, blobs, strict=True) if len(b) == 4 * width]
    if not usable:
        return []
    matrix = np.frombuffer(b"".join(b for _, b in usable), dtype="<f4").reshape(-1, width)
    similarity = matrix @ query
    k = min(limit, similarity.shape[0])
    best = np.argpartition(-similarity, k - 1)[:k]
    best = best[np.argsort(-similarity[best], kind="stable")]
    return [(usable[j][0], float(similarity[j])) for j in best]
