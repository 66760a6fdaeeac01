"""Recall quality and speed on a conversation data set (``rapport bench recall``).

Messages go through the bot's own ingest path (:meth:`ResponseEngine.ingest`:
store, then fact extraction) on a fresh database; each query is recalled with
:meth:`Recaller.ranked`, the ranking the drafts are built from. A recalled fact
counts as the message it was read from; a message counts once, at its best
rank.
"""

from __future__ import annotations

import asyncio
import json
import resource
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.recall.bm25 import BM25
from bench.recall.dataset import BenchMessage, Dataset, Scores, percentile
from bench.recall.scale import measure_scale
from bot.config import Settings
from bot.drafters import OfflineDrafter
from bot.runtime import Runtime, build_runtime
from memory.database import upgrade
from memory.domain import InboundMessage, RecallItem, conversation_key
from memory.schema import Customer, Identity
from memory.store import Ingested

PLATFORM = "bench"
KS = (1, 5, 10)


@dataclass(slots=True)
class Run:
    """What one system did on the data set."""

    scores: Scores
    ingest_seconds: float = 0.0
    ingest_cpu_seconds: float = 0.0  # this process's CPU, database thread included
    messages: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    ranked: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def figures(self, k: int) -> dict[str, Any]:
        out: dict[str, Any] = {"queries": len(self.scores.per_query), **self.scores.summary()}
        out["ingest_ms_per_message"] = round(1000 * self.ingest_seconds / max(1, self.messages), 3)
        if self.ingest_cpu_seconds:
            out["ingest_cpu_ms_per_message"] = round(
                1000 * self.ingest_cpu_seconds / max(1, self.messages), 3
            )
        out["recall_p50_ms"] = round(percentile(self.latencies_ms, 0.50), 3)
        out["recall_p95_ms"] = round(percentile(self.latencies_ms, 0.95), 3)
        out["peak_rss_mb"] = peak_rss_mb()
        categories = self.scores.by_category(5 if 5 in self.scores.ks else k)
        if categories:
            out["recall@5_by_category"] = categories
        return out


def peak_rss_mb() -> float:
    # Linux reports kilobytes.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bench_conversation_key(conversation: str) -> str:
    return conversation_key(PLATFORM, conversation, conversation, None)


async def run_rapport(
    dataset: Dataset,
    runtime: Runtime,
    ks: Sequence[int],
    *,
    before_queries: Callable[[Runtime, Run], Awaitable[None]] | None = None,
) -> Run:
    """Ingest every conversation through the engine, then recall every query."""
    run = Run(Scores(tuple(ks)))
    customers: dict[str, int] = {}
    to_bench: dict[int, str] = {}
    for conversation, history in dataset.messages.items():
        customers[conversation] = await _customer_for(runtime, conversation, history)
        for message in history:
            inbound = InboundMessage(
                platform=PLATFORM,
                workspace=conversation,
                channel=conversation,
                thread=None,
                user_id=message.speaker,
                display_name=message.speaker,
                text=message.text,
                sent_at=message.time,
                message_id=message.id,
            )
            started, started_cpu = time.perf_counter(), time.process_time()
            result = await runtime.engine.ingest(inbound)
            run.ingest_seconds += time.perf_counter() - started
            run.ingest_cpu_seconds += time.process_time() - started_cpu
            run.messages += 1
            if isinstance(result, Ingested):
                to_bench[result.message_id] = message.id
    if before_queries is not None:
        await before_queries(runtime, run)
    known = {m.id for history in dataset.messages.values() for m in history}
    recaller = runtime.engine.recaller
    depth = max(ks)
    for query in dataset.queries:
        customer_id = customers.get(query.conversation)
        items: list[RecallItem] = []
        if customer_id is not None:
            started = time.perf_counter()
            items = await recaller.ranked(
                customer_id,
                bench_conversation_key(query.conversation),
                query.text,
                now=dataset.asked_at(query),
            )
            run.latencies_ms.append(1000 * (time.perf_counter() - started))
        ranked = distinct_messages(items, to_bench)
        run.ranked[query.id] = ranked[: max(depth, 50)]
        run.scores.add(query, ranked, known)
    return run


def distinct_messages(items: Sequence[RecallItem], to_bench: dict[int, str]) -> list[str]:
    """The ranked items as data set message ids, each once, at its best rank."""
    ranked: dict[str, None] = {}
    for item in items:
        if item.message_id is not None and item.message_id in to_bench:
            ranked.setdefault(to_bench[item.message_id], None)
    return list(ranked)


async def _customer_for(runtime: Runtime, conversation: str, history: list[BenchMessage]) -> int:
    """One customer per conversation, every speaker in it one of their accounts.

    The data set says a conversation is one customer's history whoever speaks;
    linking the speakers' accounts up front is what ``rapport customers link``
    would do, and lets every message take the ordinary ingest path.
    """
    speakers = list(dict.fromkeys(m.speaker for m in history))
    async with runtime.store.sessions() as session:
        customer = Customer(display_name=speakers[0] if speakers else conversation)
        session.add(customer)
        await session.flush()
        for speaker in speakers:
            session.add(
                Identity(
                    customer_id=customer.id,
                    platform=PLATFORM,
                    workspace=conversation,
                    user_id=speaker,
                    display_name=speaker,
                )
            )
        await session.commit()
        return customer.id


def run_bm25(dataset: Dataset, ks: Sequence[int]) -> Run:
    """The same queries against a plain BM25 over each conversation's messages."""
    run = Run(Scores(tuple(ks)))
    known = {m.id for history in dataset.messages.values() for m in history}
    indexes: dict[str, tuple[BM25, list[BenchMessage]]] = {}
    for conversation, history in dataset.messages.items():
        started = time.perf_counter()
        indexes[conversation] = (BM25([m.text for m in history]), history)
        run.ingest_seconds += time.perf_counter() - started
        run.messages += len(history)
    depth = max(ks)
    for query in dataset.queries:
        ranked: list[str] = []
        if query.conversation in indexes:
            index, history = indexes[query.conversation]
            asked = dataset.asked_at(query)
            started = time.perf_counter()
            allowed = [m.time <= asked for m in history]
            ranked = [history[i].id for i in index.top(query.text, max(depth, 50), allowed)]
            run.latencies_ms.append(1000 * (time.perf_counter() - started))
        run.ranked[query.id] = ranked
        run.scores.add(query, ranked, known)
    return run


async def _bench(
    dataset: Dataset, database_url: str, ks: Sequence[int], scale: int, embeddings: str
) -> tuple[Run, dict[str, Any] | None, dict[str, Any] | None]:
    await asyncio.to_thread(upgrade, database_url)
    settings = Settings.model_validate({"database_url": database_url, "embeddings": embeddings})
    runtime = build_runtime(settings, drafter=OfflineDrafter())
    try:
        run = await run_rapport(dataset, runtime, ks, before_queries=_embed_all)
        embedded = run.extra.get("embeddings")
        scaled = await measure_scale(runtime, dataset, scale) if scale else None
    finally:
        await runtime.close()
    return run, scaled, embedded


async def _embed_all(runtime: Runtime, run: Run) -> None:
    """With embeddings on: write every stored message's vector before the queries.

    In the bot this happens in the background as messages arrive; here it is
    timed on its own so the ingest figure stays the store-and-facts path.
    """
    indexer = runtime.indexer
    if indexer is None:
        return
    embedder: Any = indexer.embedder
    started = time.perf_counter()
    if hasattr(embedder, "warm"):
        await embedder.warm()
    loaded = time.perf_counter() - started
    started, started_cpu = time.perf_counter(), time.process_time()
    count = await indexer.drain()
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    run.extra["embeddings"] = {
        "model": indexer.index.model,
        "messages": count,
        "model_load_s": round(loaded, 1),
        "embed_ms_per_message": round(1000 * seconds / max(1, count), 3),
        "embed_cpu_ms_per_message": round(1000 * cpu / max(1, count), 3),
    }


def depths(k: int) -> tuple[int, ...]:
    """The ranks reported: 1, 5 and 10, and ``k``."""
    return tuple(sorted({*KS, k}))


def measure(
    data: Dataset,
    label: str,
    k: int,
    *,
    baseline: str | None = None,
    database_url: str | None = None,
    scale: int = 0,
    embeddings: str = "off",
) -> tuple[dict[str, Any], Run]:
    """Run the benchmark; the report (what ``--json`` prints) and Rapport's run.

    Without ``database_url`` the run gets a fresh temporary SQLite file.
    """
    ks = depths(k)
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        run, scaled, embedded = asyncio.run(_bench(data, url, ks, scale, embeddings))
    report: dict[str, Any] = {
        "dataset": label,
        "conversations": len(data.messages),
        "messages": data.message_count,
        "k": k,
        **run.figures(k),
        "unscored_queries": len(run.scores.unscorable),
        "evidence_missing": len(run.scores.missing_evidence),
        "missing_evidence_ids": run.scores.missing_evidence[:50],
    }
    if baseline == "bm25":
        base = run_bm25(data, ks)
        report["baseline"] = {"name": "bm25", **base.figures(k)}
        report["ratio"] = ratios(report, report["baseline"], ks)
    if embedded is not None:
        report["embeddings"] = embedded
    if scaled is not None:
        report["scale"] = scaled
    return report, run


def write_rankings(path: Path, data: Dataset, run: Run, k: int) -> None:
    """Each query's ranked message ids, one JSON line per query (``--per-query``)."""
    with path.open("w", encoding="utf-8") as out:
        for query in data.queries:
            line = {"id": query.id, "ranked": run.ranked.get(query.id, [])[: max(k, 10)]}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def ratios(
    ours: dict[str, Any], base: dict[str, Any], ks: Sequence[int]
) -> dict[str, float | None]:
    names = [f"recall@{k}" for k in ks] + [
        "ingest_ms_per_message",
        "recall_p50_ms",
        "recall_p95_ms",
    ]
    return {n: round(ours[n] / base[n], 2) if base.get(n) else None for n in names}


def table(report: dict[str, Any], ks: Sequence[int]) -> str:
    base = report.get("baseline")
    rows = [f"recall@{k}" for k in ks] + [
        "ingest_ms_per_message",
        "recall_p50_ms",
        "recall_p95_ms",
        "peak_rss_mb",
    ]
    lines = [
        f"{report['dataset']}: {report['conversations']} conversations, "
        f"{report['messages']} messages, {report['queries']} scored queries",
        f"{'':24}{'rapport':>10}" + (f"{'bm25':>10}{'ratio':>8}" if base else ""),
    ]
    for name in rows:
        line = f"{name:24}{report[name]:>10}"
        if base:
            ratio = report["ratio"].get(name)
            line += f"{base[name]:>10}{'' if ratio is None else ratio:>8}"
        lines.append(line)
    for category, value in report.get("recall@5_by_category", {}).items():
        other = base.get("recall@5_by_category", {}).get(category, "") if base else ""
        lines.append(f"  recall@5 {category:14}{value:>10}{other:>10}")
    if report["evidence_missing"]:
        lines.append(
            f"{report['evidence_missing']} evidence ids name no message "
            f"(not scored): {', '.join(report['missing_evidence_ids'][:5])}"
        )
    if report["unscored_queries"]:
        lines.append(f"{report['unscored_queries']} queries had no known evidence")
    embedded = report.get("embeddings")
    if embedded:
        lines.append(
            f"embeddings: {embedded['model']}, {embedded['messages']} messages embedded in the "
            f"background at {embedded['embed_ms_per_message']} ms each "
            f"(model loaded in {embedded['model_load_s']} s)"
        )
    scale = report.get("scale")
    if scale:
        lines.append(
            f"scale: {scale['messages']} messages for one customer: recall p50 "
            f"{scale['recall_p50_ms']} ms, p95 {scale['recall_p95_ms']} ms"
        )
    return "\n".join(lines)
