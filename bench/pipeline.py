"""Pipeline benchmark: live messages through the real engine over a large stored history.

    .venv/bin/python -m bench.pipeline --db sqlite --stored 10000
    .venv/bin/python -m bench.pipeline --db postgres --stored 1000000 --llm-delay 0.8
    .venv/bin/python -m bench.pipeline --all          # the grid recorded in docs/benchmarks.md

Each message takes the production path: ``ResponseEngine.receive`` (store) →
facts → recall → prompt → ``OpenAIDrafter`` → review surface. The LLM is a
fake OpenAI-compatible server in its own process on 127.0.0.1, answering
after ``--llm-delay`` seconds.

What is measured, per message: the time from ``receive`` to the finished
card reaching the review surface, minus the time spent inside the drafter's
LLM call. That difference is the engine's own overhead. ``--clients``
messages are in flight at once (closed loop: each client sends its next
message when its card arrives); by default as many as
``RAPPORT_LLM_CONCURRENCY``, so no message waits for an LLM slot and the
overhead is the engine's alone. ``--all`` runs, per database and size: one
client (latency), ``concurrency`` clients with an instant LLM (throughput of
the engine) and with the 800 ms LLM (throughput against the LLM limit), and
at the largest size twice the concurrency, to show the limit moves with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench import pipeline_history as history
from bot.config import Settings
from bot.drafters.base import Drafter, DraftRequest
from bot.observability import configure_logging
from bot.runtime import Runtime, build_runtime
from memory.database import upgrade
from memory.domain import DraftCard, DraftStatus, InboundMessage

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
GRID_SIZES = (10_000, 100_000, 1_000_000)
TERMINAL = (DraftStatus.PENDING, DraftStatus.FAILED)


class TimedDrafter:
    """Wraps the real drafter and notes how long each LLM call took, per stored message."""

    def __init__(self, inner: Drafter) -> None:
        self.inner = inner
        self.model = inner.model
        self.seconds: dict[int, float] = {}

    async def draft(self, request: DraftRequest) -> str:
        started = time.perf_counter()
        try:
            return await self.inner.draft(request)
        finally:
            if request.message_id is not None:
                self.seconds[request.message_id] = time.perf_counter() - started


class ArrivalSurface:
    """A review surface that tells the waiting client when its card is finished."""

    name = "bench"

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[DraftCard]] = {}

    def expect(self, draft_id: int) -> asyncio.Future[DraftCard]:
        future: asyncio.Future[DraftCard] = asyncio.get_running_loop().create_future()
        self.waiting[draft_id] = future
        return future

    async def publish(self, card: DraftCard) -> None:
        future = self.waiting.get(card.draft_id)
        if card.status in TERMINAL and future is not None and not future.done():
            future.set_result(card)
            del self.waiting[card.draft_id]


@dataclass
class Result:
    db: str
    stored: int
    llm_delay: float
    llm_concurrency: int
    clients: int
    messages: int
    failed: int
    seconds: float
    throughput: float
    ideal_throughput: float | None
    overhead_ms: dict[str, float]
    cpu_ms_per_message: float  # this process (engine, drivers, HTTP client), all threads
    llm_call_ms: dict[str, float]
    rss_mb: dict[str, float]
    llm_facts: bool = True
    prefill: dict[str, Any] = field(default_factory=dict)
    when: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    load_average: float = 0.0


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1] * 1000, 2),
    }


def rss_mb(field_name: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def reset_peak_rss() -> None:
    # Linux: writing 5 resets VmHWM, so the peak covers the live phase, not the prefill.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


# -- databases ----------------------------------------------------------------


def prepare_database(
    db: str, stored: int, data_dir: Path, pg_admin: str, fresh: bool
) -> tuple[str, dict[str, Any]]:
    """A migrated database holding ``stored`` prefilled messages, reused across runs when it can."""
    if db == "sqlite":
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / f"pipeline-{stored}.db"
        url = f"sqlite:///{path}"
        if fresh or not _has_fill_sqlite(path, stored):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            upgrade(url)
            fill = history.fill_sqlite(str(path), stored)
            return url, {**asdict(fill), "reused": False}
        upgrade(url)  # a fill made before a migration gets the columns it lacks
        return url, {"messages": stored, "reused": True}
    admin = make_url(pg_admin)
    name = f"rapport_bench_{stored}"
    url = admin.set(database=name).render_as_string(hide_password=False)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not fresh and _has_fill_postgres(url, stored):
            upgrade(url)  # a fill made before a migration gets the columns it lacks
            return url, {"messages": stored, "reused": True}
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    upgrade(url)
    fill = history.fill_postgres(url, stored)
    return url, {**asdict(fill), "reused": False}


_FILL_COUNT = "SELECT count(*) FROM messages WHERE platform_message_id LIKE 'hist-%'"


def _has_fill_sqlite(path: Path, stored: int) -> bool:
    import sqlite3

    if not path.exists():
        return False
    try:
        with sqlite3.connect(path) as conn:
            return bool(conn.execute(_FILL_COUNT).fetchone()[0] == stored)
    except sqlite3.Error:
        return False


def _has_fill_postgres(url: str, stored: int) -> bool:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo) as conn:
            row = conn.execute(_FILL_COUNT).fetchone()
            return bool(row and row[0] == stored)
    except psycopg.Error:
        return False


# -- the fake LLM -------------------------------------------------------------


def start_fake_llm(delay: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", str(delay)],
        stdin=subprocess.PIPE,  # closed when we exit: the server follows
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    base_url = proc.stdout.readline().strip()
    if not base_url.startswith("http://"):
        proc.kill()
        raise RuntimeError("the fake OpenAI server did not start")
    return proc, base_url


# -- the live phase -----------------------------------------------------------


def live_message(rng: random.Random, customers: int, run: str, n: int) -> InboundMessage:
    cid = rng.randint(1, customers)
    rng.randrange(history.THREADS_PER_CUSTOMER)  # as before, so the texts drawn stay the same
    return InboundMessage(
        platform=history.PLATFORM,
        workspace=history.WORKSPACE,
        channel=history.CHANNEL,
        # Its own thread: a customer's second message in a thread before anyone
        # replied would be folded into the first's draft, and each message here
        # is timed to its own card. Recall still reaches their whole history.
        thread=f"live-{run}-{n}",
        user_id=history.user_id(cid),
        display_name=history.display_name(cid),
        text=history.customer_text(rng),
        sent_at=datetime.now(UTC),
        message_id=f"bench-{run}-{n}",
    )


async def drive(
    runtime: Runtime,
    surface: ArrivalSurface,
    timed: TimedDrafter,
    customers: int,
    *,
    messages: int,
    clients: int,
    seed: int,
) -> tuple[list[float], list[float], int, float, list[float]]:
    """Closed-loop clients; returns overheads, LLM times, failures, seconds, RSS samples."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    counter = iter(range(messages))
    overheads: list[float] = []
    llm_times: list[float] = []
    rss_samples: list[float] = []
    failed = 0

    async def client() -> None:
        nonlocal failed
        for n in counter:
            msg = live_message(rng, customers, run, n)
            started = time.perf_counter()
            result = await runtime.engine.receive(msg)
            draft_id = getattr(result, "draft_id", None)
            if draft_id is None:
                raise RuntimeError(f"message {n} was not queued for a draft: {result!r}")
            card = await surface.expect(draft_id)
            total = time.perf_counter() - started
            llm = timed.seconds.pop(getattr(result, "message_id", -1), 0.0)
            overheads.append(total - llm)
            llm_times.append(llm)
            failed += card.status is DraftStatus.FAILED
            if n % max(1, messages // 10) == 0:
                rss_samples.append(rss_mb())

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    await runtime.engine.wait_idle()  # background fact extraction too
    return overheads, llm_times, failed, time.perf_counter() - started, rss_samples


async def measure(
    url: str,
    db: str,
    stored: int,
    delay: float,
    messages: int,
    clients: int | None,
    concurrency: int,
    prefill: dict[str, Any],
    *,
    llm_facts: bool = True,
) -> Result:
    proc, base_url = start_fake_llm(delay)
    try:
        settings = Settings.model_validate(
            {
                "database_url": url,
                "openai_api_key": "sk-bench-not-a-real-key",
                "openai_base_url": base_url,
                "llm_concurrency": concurrency,
                "llm_timeout": 30.0,
            }
        )
        runtime = build_runtime(settings)
        # Instrumenting the engine's parts: the benchmark times the model calls.
        if not llm_facts:
            runtime.engine.intake.llm_extractor = None  # only the offline fact rules
        timed = TimedDrafter(runtime.engine.writer.drafter)
        runtime.engine.writer.drafter = timed
        surface = ArrivalSurface()
        runtime.engine.review.add(surface)
        customers = history.customers_for(stored)
        in_flight = clients or concurrency
        try:
            # Warm-up: connections, prepared caches, the first imports.
            await drive(
                runtime,
                surface,
                timed,
                customers,
                messages=min(40, messages),
                clients=in_flight,
                seed=1,
            )
            reset_peak_rss()
            rss_before = rss_mb()
            cpu_before = cpu_seconds()
            overheads, llm_times, failed, seconds, samples = await drive(
                runtime, surface, timed, customers, messages=messages, clients=in_flight, seed=2
            )
            cpu = cpu_seconds() - cpu_before
        finally:
            await runtime.close()
    finally:
        proc.kill()
        proc.wait()
    return Result(
        db=db,
        stored=stored,
        llm_delay=delay,
        llm_concurrency=concurrency,
        clients=in_flight,
        messages=messages,
        failed=failed,
        seconds=round(seconds, 2),
        throughput=round(messages / seconds, 1),
        ideal_throughput=round(concurrency / delay, 1) if delay else None,
        overhead_ms=percentiles(overheads),
        cpu_ms_per_message=round(cpu * 1000 / messages, 2),
        llm_call_ms=percentiles(llm_times),
        rss_mb={
            "start": rss_before,
            "first_tenth": samples[1] if len(samples) > 1 else rss_before,
            "end": rss_mb(),
            "peak": rss_mb("VmHWM"),
        },
        prefill=prefill,
        llm_facts=llm_facts,
        load_average=round(os.getloadavg()[0], 2),
    )


# -- output ---------------------------------------------------------------------


def describe(r: Result) -> str:
    o = r.overhead_ms
    ideal = f" (ideal {r.ideal_throughput}/s)" if r.ideal_throughput else ""
    return (
        f"{r.db:<8} stored={r.stored:>9,} llm={r.llm_delay:g}s conc={r.llm_concurrency} "
        f"clients={r.clients}: {r.messages} msgs in {r.seconds}s = {r.throughput}/s{ideal}; "
        f"overhead p50 {o['p50']} p95 {o['p95']} p99 {o['p99']} max {o['max']} ms; "
        f"CPU {r.cpu_ms_per_message} ms/msg; "
        f"LLM call p50 {r.llm_call_ms['p50']} ms; failed {r.failed}; "
        f"RSS {r.rss_mb['start']}→{r.rss_mb['end']} MB (peak {r.rss_mb['peak']}); "
        f"load {r.load_average}"
    )


def table(lines: list[str]) -> str:
    """``--json`` output as the Markdown table in docs/benchmarks.md."""
    rows = [
        "| db | stored | LLM | conc. | clients | msgs | throughput /s (ideal) "
        "| overhead p50 / p95 / p99 ms | CPU ms/msg | RSS start → end (peak) MB | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for line in lines:
        r = json.loads(line)
        o, m = r["overhead_ms"], r["rss_mb"]
        ideal = f" ({r['ideal_throughput']})" if r["ideal_throughput"] else ""
        rows.append(
            f"| {r['db']} | {r['stored']:,} | {r['llm_delay']:g} s | {r['llm_concurrency']} "
            f"| {r['clients']} | {r['messages']} | {r['throughput']}{ideal} "
            f"| {o['p50']:.0f} / {o['p95']:.0f} / {o['p99']:.0f} | {r['cpu_ms_per_message']:.0f} "
            f"| {m['start']:.0f} → {m['end']:.0f} ({m['peak']:.0f}) | {r['load_average']} |"
        )
    return "\n".join(rows)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.split("\n")[0])
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--stored", type=int, default=10_000, help="prefilled messages")
    p.add_argument("--llm-delay", type=float, default=0.0, help="seconds the fake LLM waits")
    p.add_argument("--messages", type=int, default=500, help="live messages measured")
    p.add_argument("--clients", type=int, default=None, help="messages in flight at once")
    p.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("RAPPORT_LLM_CONCURRENCY", "4")),
        help="RAPPORT_LLM_CONCURRENCY for the engine",
    )
    p.add_argument(
        "--no-llm-facts",
        action="store_true",
        help="turn off the background LLM fact extraction (one more LLM call per message)",
    )
    p.add_argument("--all", action="store_true", help="run the whole grid")
    p.add_argument("--sizes", default=",".join(str(s) for s in GRID_SIZES), help="grid sizes")
    p.add_argument("--slow-messages", type=int, default=100, help="--all: messages per 0.8 s run")
    p.add_argument("--json", action="store_true", help="print one JSON object per run")
    p.add_argument(
        "--table", action="store_true", help="read --json lines on stdin, print Markdown"
    )
    p.add_argument("--fresh", action="store_true", help="rebuild the prefilled history")
    p.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "rapport-bench"
    )
    p.add_argument("--pg-admin-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG)
    return p.parse_args(argv)


async def run_one(
    args: argparse.Namespace,
    db: str,
    stored: int,
    delay: float,
    messages: int,
    *,
    fresh: bool,
    clients: int | None = None,
    concurrency: int | None = None,
) -> Result:
    started = time.perf_counter()
    url, prefill = await asyncio.to_thread(
        prepare_database, db, stored, args.data_dir, args.pg_admin_url, fresh
    )
    if not prefill.get("reused"):
        print(
            f"# prefilled {stored:,} messages on {db} in {time.perf_counter() - started:.0f}s",
            file=sys.stderr,
            flush=True,
        )
    result = await measure(
        url,
        db,
        stored,
        delay,
        messages,
        clients or args.clients,
        concurrency or args.concurrency,
        prefill,
        llm_facts=not args.no_llm_facts,
    )
    print(json.dumps(asdict(result)) if args.json else describe(result), flush=True)
    return result


async def main_async(args: argparse.Namespace) -> None:
    if not args.all:
        await run_one(args, args.db, args.stored, args.llm_delay, args.messages, fresh=args.fresh)
        return
    c = args.concurrency
    for size in (int(s) for s in args.sizes.split(",")):
        for db in ("sqlite", "postgres"):
            # Latency: one message at a time. Throughput: as many in flight as LLM slots.
            await run_one(args, db, size, 0.0, args.messages, fresh=args.fresh, clients=1)
            await run_one(args, db, size, 0.0, args.messages, fresh=False, clients=c)
            await run_one(args, db, size, 0.8, args.slow_messages, fresh=False, clients=c)
            if size == max(int(s) for s in args.sizes.split(",")):
                # Twice the slots, twice the throughput: the LLM limit is the setting.
                await run_one(
                    args,
                    db,
                    size,
                    0.8,
                    args.slow_messages,
                    fresh=False,
                    clients=2 * c,
                    concurrency=2 * c,
                )


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.table:
        print(table([line for line in sys.stdin if line.strip()]))
        return
    configure_logging("warning")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
