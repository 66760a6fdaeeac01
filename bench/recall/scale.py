"""Recall latency when one customer has a very long history.

The history is bulk-loaded (the quality benchmark is where the real ingest
path is measured): the data set's own messages, repeated with small changes
and spread over three years, until one customer holds ``count`` messages.
"""

from __future__ import annotations

import random
import time
import zlib
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from bench.recall.dataset import Dataset, percentile
from bot.runtime import Runtime
from memory.schema import Customer, Message, MessageEmbedding

BATCH = 5000
PLATFORM = "bench-scale"


async def measure_scale(runtime: Runtime, dataset: Dataset, count: int) -> dict[str, Any]:
    rng = random.Random(count)  # a reproducible history, not a secret
    texts = [m.text for history in dataset.messages.values() for m in history] or ["hello"]
    speakers = ["Customer", "Sam (support)", "Kim"]
    queries = [q.text for q in dataset.queries] or ["hello"]
    end = max((dataset.asked_at(q) for q in dataset.queries), default=None)
    if end is None:
        end = max(m.time for history in dataset.messages.values() for m in history)
    start = end - timedelta(days=3 * 365)
    step = (end - start) / max(1, count)
    key = f"{PLATFORM}:w:c:"
    async with runtime.store.sessions() as session:
        customer = Customer(display_name="Customer")
        session.add(customer)
        await session.flush()
        customer_id = customer.id
        await session.commit()
    loaded = time.perf_counter()
    for offset in range(0, count, BATCH):
        rows = []
        for i in range(offset, min(count, offset + BATCH)):
            text = rng.choice(texts)
            if rng.random() < 0.3:
                text = f"{text} {rng.choice(texts)}"
            rows.append(
                {
                    "customer_id": customer_id,
                    "platform": PLATFORM,
                    "workspace": "w",
                    "channel": "c",
                    "thread": None,
                    "conversation_key": key,
                    "platform_message_id": f"s{i}",
                    "direction": "in",
                    "author_kind": "customer",
                    "author_id": speakers[i % 3],
                    "author_name": speakers[i % 3],
                    "text": text,
                    "is_direct": False,
                    "permalink": None,
                    "sent_at": start + step * i,
                    "stored_at": end,
                }
            )
        async with runtime.store.sessions() as session:
            await session.execute(insert(Message), rows)
            await session.commit()
    loaded_s = time.perf_counter() - loaded
    if runtime.indexer is not None:
        await _copy_vectors(runtime, customer_id)
    recaller = runtime.engine.recaller
    for text in queries[:20]:  # warm the caches the way a running bot's are warm
        await recaller.ranked(customer_id, key, text, now=end)
    latencies: list[float] = []
    cpu: list[float] = []  # this process's CPU, database thread included: contention-free cost
    for text in queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        await recaller.ranked(customer_id, key, text, now=end)
        latencies.append(1000 * (time.perf_counter() - started))
        cpu.append(1000 * (time.process_time() - started_cpu))
    return {
        "messages": count,
        "queries": len(latencies),
        "bulk_load_s": round(loaded_s, 1),
        "recall_p50_ms": round(percentile(latencies, 0.5), 3),
        "recall_p95_ms": round(percentile(latencies, 0.95), 3),
        "recall_cpu_p95_ms": round(percentile(cpu, 0.95), 3),
    }


async def _copy_vectors(runtime: Runtime, customer_id: int) -> None:
    """Give the bulk-loaded messages vectors, as the indexer would have.

    Each gets the vector of the data set message with the same text (the data
    set was embedded for real before this). The cost of the search depends
    on how many vectors a customer has, not on their values.
    """
    async with runtime.store.sessions() as session:
        known: dict[str, tuple[str, int, bytes]] = {}
        rows = await session.execute(
            select(
                Message.text,
                MessageEmbedding.model,
                MessageEmbedding.dimensions,
                MessageEmbedding.vector,
            )
            .join(MessageEmbedding, MessageEmbedding.message_id == Message.id)
            .where(Message.customer_id != customer_id)
        )
        for text, model, dimensions, vector in rows:
            known.setdefault(text, (model, dimensions, vector))
        if not known:
            return
        choices = list(known.values())
        messages = (
            await session.execute(
                select(Message.id, Message.text).where(Message.customer_id == customer_id)
            )
        ).all()
    for offset in range(0, len(messages), BATCH):
        batch = []
        for message_id, text in messages[offset : offset + BATCH]:
            # Two texts joined have no vector of their own: any fixed one will do.
            model, dimensions, vector = (
                known.get(text) or choices[zlib.crc32(text.encode()) % len(choices)]
            )
            batch.append(
                {
                    "message_id": message_id,
                    "model": model,
                    "dimensions": dimensions,
                    "vector": vector,
                }
            )
        async with runtime.store.sessions() as session:
            await session.execute(insert(MessageEmbedding), batch)
            await session.commit()
