"""Listeners and workers as separate processes: acks, cards and drafts/s as workers are added.

    .venv/bin/python -m bench.scale [--events 1000] [--senders 50] [--workers 1 2 4]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_scale | sqlite]
        [--customers 5] [--llm-delay 0.8 [--card-timeout 400]] [--kill [--lease 15]]

The production shape with real processes: ONE ``rapport run --role listeners``
in Slack HTTP mode and N ``rapport worker`` processes, on one fresh database
per worker count (PostgreSQL by default: the database named in
``--database-url`` is dropped and created again, so its name must start with
``bench``; ``sqlite`` is a fresh file). This process runs the fake Slack Web
API (and with ``--llm-delay`` a fake OpenAI-compatible server answering each
request after that many seconds; else the workers use the offline drafter)
and ``--senders`` concurrent clients POSTing ``--events`` signed ``message``
events, from ``--customers`` Slack users, to the listener's ``/slack/events``.
The senders are a closed loop: each posts its next event when the last is
answered, so under overload ack latency is senders ÷ the listener's acks/s.

Per event it records the ack (signed POST → HTTP 200) and the event → card
time (until the fake receives the ``chat.postMessage`` to the review channel
that quotes the event's text). Events without a card ``--card-timeout``
seconds after the last ack are dropped; a second card for one event is a
duplicate. drafts/s is cards per second from the first card to the last;
written/s the same from the drafts' own timestamps, so a card relay that
falls behind the workers shows as the difference. Per run it also prints
where a draft's time went (queued → drafted → relay takes the card → posted,
from the database), each process's CPU seconds, the Slack API calls and
PostgreSQL's transaction count.

``--kill``: one run with 2 workers; once half the events are acknowledged the
worker holding drafts in ``drafting`` is SIGKILLed and the senders go on; it
reports how long after the kill those drafts were written again (their lease
must run out first: ``--lease``, else RAPPORT_DRAFT_LEASE_SECONDS' 15 s) and
every acknowledged event had its card.

A printout, not a test: the figures depend on the machine (its load average
is printed at the start and the end). Each process's output goes to a temp
file, its tail printed if it dies; Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from memory.database import upgrade
from tests.fakes.openai_server import FakeOpenAI, friendly_model
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.slack_events import SIGNING_SECRET, event_callback, message, signature
from tests.faults.conftest import free_port
from tests.slack.conftest import REP, REP_GROUP, REVIEW, SUPPORT

T = TypeVar("T")

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/bench_scale"
PROBE = re.compile(r"scale probe (\d+)")
GRACE = 3.0  # seconds to wait after the last card for late duplicates (the relay looks every 1 s)
OWN_PREFIXES = ("RAPPORT_", "OPENAI_", "SLACK_", "DISCORD_", "DATABASE_URL")


# -- figures -----------------------------------------------------------------------


def cut(values: list[float], percent: int) -> float:
    """The ``percent``-th percentile (nan when there is nothing to cut)."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def utc_now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# -- the database ------------------------------------------------------------------

# A draft's life after the ack: queued until a worker has written it (pending),
# until the listener's card relay takes its card, until the card is posted.
STAGES = ("queued → drafted", "drafted → relay takes card", "card taken → posted")


def as_datetime(value: datetime | str) -> datetime:
    """PostgreSQL gives datetimes; SQLite's text columns give ISO strings."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def as_utc(value: datetime) -> datetime:
    """Rapport stores UTC; a naive value is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class BenchDatabase:
    """The database every process of one run shares, made fresh for each run."""

    url: str

    def __post_init__(self) -> None:
        name = make_url(self.url).database or ""
        if not self.is_sqlite and not name.startswith("bench"):
            raise SystemExit(
                f"bench.scale drops and recreates {name!r}: name a database bench… "
                "(e.g. postgresql://postgres@127.0.0.1:5432/bench_scale)"
            )

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def conninfo(self) -> str:
        """libpq's form of a PostgreSQL URL (no SQLAlchemy driver suffix)."""
        return make_url(self.url).set(drivername="postgresql").render_as_string(False)

    def fresh(self) -> None:
        if self.is_sqlite:
            path = Path(make_url(self.url).database or "")
            for suffix in ("", "-wal", "-shm", "-journal"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        else:
            self._recreate()
        upgrade(self.url)

    def _recreate(self) -> None:
        url = make_url(self.url)
        name = url.database or ""
        admin = url.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(False), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def query(self, statement: str) -> list[tuple[Any, ...]]:
        if self.is_sqlite:
            with contextlib.closing(sqlite3.connect(make_url(self.url).database or "")) as conn:
                return conn.execute(statement).fetchall()
        with psycopg.connect(self.conninfo) as conn:
            return conn.execute(statement).fetchall()

    def drafting_claims(self) -> list[str]:
        """``claimed_by`` (``host:pid:hex``) of every draft being written right now."""
        rows = self.query("SELECT claimed_by FROM drafts WHERE status = 'drafting'")
        return [str(row[0]) for row in rows if row[0]]

    def stages(self) -> dict[str, list[float]]:
        """Seconds each draft spent in each stage, by the processes' own timestamps."""
        rows = self.query(
            "SELECT d.created_at, d.updated_at, r.created_at, r.posted_at FROM drafts d "
            "JOIN review_cards r ON r.draft_id = d.id WHERE d.status = 'pending' "
            "AND d.message_id IS NOT NULL AND r.posted_at IS NOT NULL"
        )
        stages: dict[str, list[float]] = {STAGES[0]: [], STAGES[1]: [], STAGES[2]: []}
        for queued, drafted, taken, posted in rows:
            times = [as_datetime(t) for t in (queued, drafted, taken, posted)]
            for name, start, end in zip(STAGES, times, times[1:], strict=False):
                stages[name].append((end - start).total_seconds())
        return stages

    def drafted_per_s(self) -> float:
        """Drafts written per second, first to last, by the workers' timestamps (not the cards)."""
        rows = self.query(
            "SELECT updated_at FROM drafts WHERE status = 'pending' AND message_id IS NOT NULL"
        )
        times = sorted(as_datetime(t) for (t,) in rows)
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0]).total_seconds()

    def transactions(self) -> int | None:
        """Transactions PostgreSQL counted in this database so far (None on SQLite)."""
        if self.is_sqlite:
            return None
        rows = self.query(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return int(rows[0][0])

    def statuses(self) -> dict[str, int]:
        rows = self.query("SELECT status, count(*) FROM drafts GROUP BY status")
        return {str(status): int(count) for status, count in rows}


# -- the rapport processes ---------------------------------------------------------


class ChildDied(RuntimeError):
    pass


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    out: Path
    err: Path
    killed: bool = False  # by us: its exit is expected

    def tail(self, lines: int = 30) -> str:
        """The end of its output, without the one-line-a-draft info records."""
        parts = []
        for path in (self.out, self.err):
            logged = path.read_text(errors="replace").splitlines()
            text = [line for line in logged if "[info " not in line][-lines:]
            parts.append(
                f"--- {self.name} {path.name} (last {len(text)} lines)\n" + "\n".join(text)
            )
        return "\n".join(parts)

    def cpu_seconds(self) -> float | None:
        """User and system CPU time so far (Linux /proc; None elsewhere or once it is gone)."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def logged(self, needle: str) -> bool:
        return any(needle in p.read_text(errors="replace") for p in (self.out, self.err))


class Children:
    """Every subprocess of the bench, its output in files; all of them stopped at the end."""

    def __init__(self) -> None:
        self.all: list[Child] = []

    def spawn(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> Child:
        """Start ``args`` in ``logs`` (no .env of ours is read there), output to files there.

        In a session of its own: Ctrl-C reaches only the bench, which then stops it.
        """
        out, err = logs / f"{name}.out", logs / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                args,
                cwd=logs,
                env=env,
                stdout=stdout,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        child = Child(name, proc, out, err)
        self.all.append(child)
        return child

    def check(self) -> None:
        for child in self.all:
            code = child.proc.poll()
            if code is not None and not child.killed:
                raise ChildDied(f"{child.name} exited with {code}\n{child.tail()}")

    async def watch(self) -> None:
        """Raise :class:`ChildDied` as soon as a process exits that we did not stop."""
        while True:
            self.check()
            await asyncio.sleep(0.25)

    def kill(self, child: Child) -> None:
        child.killed = True
        if child.proc.poll() is None:
            child.proc.send_signal(signal.SIGKILL)
            child.proc.wait()

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM each, SIGKILL whoever is still there after ``grace`` seconds."""
        for child in self.all:
            child.killed = True
            if child.proc.poll() is None:
                child.proc.terminate()
        deadline = time.monotonic() + grace
        for child in self.all:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            if child.proc.poll() is None:
                child.proc.kill()
                child.proc.wait()
        self.all.clear()


async def guarded(work: Awaitable[T], children: Children) -> T:
    """``work``, abandoned the moment one of ``children`` dies unexpectedly."""
    task = asyncio.ensure_future(work)
    dog = asyncio.ensure_future(children.watch())
    try:
        await asyncio.wait({task, dog}, return_when=asyncio.FIRST_COMPLETED)
        if dog.done():
            dog.result()  # raises ChildDied
        return task.result()
    finally:
        for pending in (task, dog):
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, ChildDied):
                await pending


def base_env() -> dict[str, str]:
    """This environment without any Rapport, Slack, Discord or model setting of its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}


def rapport_command() -> str:
    rapport = Path(sys.executable).with_name("rapport")
    if not rapport.exists():
        raise SystemExit(f"no rapport console script beside {sys.executable}: pip install -e .")
    return str(rapport)


# -- one run -------------------------------------------------------------------------


@dataclass
class Options:
    events: int
    senders: int
    customers: int
    database: BenchDatabase
    llm_delay: float | None
    lease: float | None
    card_timeout: float


@dataclass
class Kill:
    """The SIGKILL of one worker (``--kill``)."""

    pid: int
    at: float  # time.monotonic(), like the bench's other times
    wall: float  # time.time(), to compare with the database's timestamps
    drafts: list[int]  # the drafts it was writing
    probes: list[int]  # their events
    rewritten: list[float] = field(default_factory=list)  # kill → written again elsewhere, s


@dataclass
class Result:
    workers: int
    events: int
    customers: int
    acks: list[float] = field(default_factory=list)  # ms
    sent_at: dict[int, float] = field(default_factory=dict)
    acked_at: dict[int, float] = field(default_factory=dict)
    cards: Counter[int] = field(default_factory=Counter)
    card_at: dict[int, float] = field(default_factory=dict)
    failed_cards: int = 0
    refused: int = 0  # answers other than 200, or none (0)
    started: float = 0.0
    llm_calls: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, int] = field(default_factory=dict)
    kill: Kill | None = None
    load_end: str = ""
    stages: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # seconds, per process
    drafted_per_s: float = 0.0  # by the workers' timestamps
    transactions: int | None = None  # PostgreSQL's count, every process, during the run
    slack_calls: Counter[str] = field(default_factory=Counter)  # Web API calls by method
    unmatched: list[str] = field(default_factory=list)  # review posts quoting no probe
    half_acked: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def to_card(self) -> list[float]:
        return [self.card_at[i] - self.sent_at[i] for i in self.card_at]

    @property
    def dropped(self) -> int:
        return len(self.acked_at) - len(self.card_at.keys() & self.acked_at.keys())

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.cards.values())

    @property
    def acked_per_s(self) -> float:
        if not self.acked_at:
            return 0.0
        return len(self.acked_at) / (max(self.acked_at.values()) - self.started)

    @property
    def wall(self) -> float:
        """Seconds from the first send to the last card."""
        return max(self.card_at.values(), default=self.started) - self.started

    @property
    def after_acks(self) -> tuple[int, float]:
        """Cards that came after the last ack, and over how many seconds."""
        last_ack = max(self.acked_at.values(), default=self.started)
        later = [at for at in self.card_at.values() if at > last_ack]
        return len(later), (max(later) - last_ack if later else 0.0)

    @property
    def drafts_per_s(self) -> float:
        times = sorted(self.card_at.values())
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])


def quoted(args: dict[str, Any]) -> str:
    """The customer's message a card quotes (its second block), or "" for another card.

    Not the whole card: the recall block quotes the customer's earlier probes.
    """
    blocks = args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) < 2 or not isinstance(blocks[1].get("text"), dict):
        return ""
    return str(blocks[1]["text"].get("text", ""))


class CardWatch:
    """Reads the fake's calls as they arrive: the first card of each probe, and any more."""

    def __init__(self, fake: FakeSlack, result: Result) -> None:
        self.fake, self.result = fake, result
        self._seen = 0

    def scan(self) -> None:
        calls = self.fake.calls
        for call in calls[self._seen :]:
            if call.method != "chat.postMessage" or call.args.get("channel") != REVIEW:
                continue
            found = PROBE.search(quoted(call.args))
            if found is None:
                self.result.unmatched.append(json.dumps(call.args)[:300])
                continue
            probe = int(found.group(1))
            self.result.cards[probe] += 1
            if self.result.cards[probe] == 1:
                self.result.card_at[probe] = call.at
                if str(call.args.get("text", "")).endswith(": failed"):
                    self.result.failed_cards += 1
        self._seen = len(calls)

    def missing(self) -> int:
        return len(self.result.acked_at.keys() - self.result.card_at.keys())


def customer_id(n: int) -> str:
    return f"UCUST{n}"


def probe_event(i: int, customers: int) -> bytes:
    customer = customer_id(i % customers)
    text = f"scale probe {i:06d}: hi, has my order shipped yet?"
    # Sent now (a ts from the past would have the scheduler draft check-ins), unique per event.
    ts = f"{int(time.time())}.{i:06d}"
    event = message(text, user=customer, channel=SUPPORT, ts=ts)
    return json.dumps(event_callback(event, event_id=f"EvScale{i:08d}")).encode()


async def post_signed(http: aiohttp.ClientSession, url: str, body: bytes) -> int:
    """POST one event as Slack signs it; the HTTP status, or 0 when no answer came."""
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, stamp, body),
    }
    try:
        async with http.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


async def send_all(url: str, senders: int, result: Result) -> None:
    queue: Iterator[int] = iter(range(result.events))
    connector = aiohttp.TCPConnector(limit=senders)
    timeout = aiohttp.ClientTimeout(total=30)

    async def sender(http: aiohttp.ClientSession) -> None:
        for i in queue:
            body = probe_event(i, result.customers)
            started = time.monotonic()
            result.sent_at[i] = started
            status = await post_signed(http, url, body)
            done = time.monotonic()
            result.acks.append((done - started) * 1000)
            if status == 200:
                result.acked_at[i] = done
                if len(result.acked_at) >= result.events // 2:
                    result.half_acked.set()
            else:
                result.refused += 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        result.started = time.monotonic()
        await asyncio.gather(*(sender(http) for _ in range(senders)))


async def wait_cards(watch: CardWatch, within: float) -> None:
    """Until every acknowledged event has a card (or ``within`` s), then a grace for duplicates."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        watch.scan()
        if watch.missing() == 0:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(GRACE)
    watch.scan()


class Fakes:
    """The fake Slack (and fake model) this process serves for one run."""

    def __init__(self, customers: int, llm_delay: float | None, calls: Counter[str]) -> None:
        self.customers = customers
        self.slack = FakeSlack()
        self.llm: FakeOpenAI | None = None
        if llm_delay is not None:
            self.llm = FakeOpenAI()
            self.llm.record = False
            self.llm.default_delay = llm_delay

            def counted(body: dict[str, Any]) -> str:
                json_mode = body.get("response_format", {}).get("type") == "json_object"
                calls["facts" if json_mode else "drafts"] += 1
                return friendly_model(body)

            self.llm.responder = counted

    async def start(self) -> None:
        await self.slack.start()
        for n in range(self.customers):
            self.slack.add_user(customer_id(n), f"Customer {n}")
        self.slack.add_user(REP, "Riley Rep")
        self.slack.groups[REP_GROUP] = []
        if self.llm is not None:
            await self.llm.start()

    async def stop(self) -> None:
        await self.slack.stop()
        if self.llm is not None:
            await self.llm.stop()

    def env(self, options: Options) -> dict[str, str]:
        """What every rapport process of the run is told."""
        env = base_env() | {
            "DATABASE_URL": options.database.url,
            "RAPPORT_LOG_LEVEL": "warning",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "RAPPORT_SLACK_REVIEW_CHANNEL": REVIEW,
            "RAPPORT_SLACK_REPS": f"{REP},{REP_GROUP}",
            "RAPPORT_SLACK_API_URL": self.slack.api_url,
        }
        if self.llm is not None:
            env |= {"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": self.llm.base_url}
        if options.lease is not None:
            env["RAPPORT_DRAFT_LEASE_SECONDS"] = str(options.lease)
        return env


async def start_listener(
    children: Children, env: dict[str, str], fake: FakeSlack, logs: Path, *, alone: bool = False
) -> str:
    """``rapport run --role listeners`` on a free port; its events URL once it answers.

    ``alone`` (``--workers 0``): plain ``rapport run``, the single-process default,
    drafting on its own thread.
    """
    port = free_port()
    env = env | {"RAPPORT_HOST": "127.0.0.1", "RAPPORT_PORT": str(port)}
    role = [] if alone else ["--role", "listeners"]
    children.spawn("listener", [rapport_command(), "run", *role], env, logs)
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        for _ in range(600):
            children.check()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200 and fake.calls_to("auth.test"):
                        return f"{base}/slack/events"
            await asyncio.sleep(0.05)
    raise ChildDied("the listener did not answer /healthz within 30 s")


async def start_workers(
    children: Children, env: dict[str, str], count: int, logs: Path
) -> list[Child]:
    """``count`` ``rapport worker`` processes, returned once each has started claiming."""
    env = env | {"RAPPORT_LOG_LEVEL": "info"}  # for "workers_started"; one line a draft
    command = [rapport_command(), "worker"]
    workers = [children.spawn(f"worker{n}", command, env, logs) for n in range(count)]
    for _ in range(600):
        children.check()
        if all(w.logged("workers_started") for w in workers):
            return workers
        await asyncio.sleep(0.05)
    raise ChildDied("the workers did not start within 30 s")


async def kill_at_half(
    options: Options, children: Children, workers: list[Child], result: Result
) -> None:
    """Once half the events are acknowledged, SIGKILL the worker holding drafts in hand."""
    await result.half_acked.wait()
    victim = await asyncio.to_thread(kill_holder, options.database, children, workers)
    at, wall = time.monotonic(), time.time()
    rows = await asyncio.to_thread(
        options.database.query,
        "SELECT d.id, m.text FROM drafts d JOIN messages m ON m.id = d.message_id "
        f"WHERE d.status = 'drafting' AND d.claimed_by LIKE '%:{victim.proc.pid}:%'",
    )
    drafts = [int(draft_id) for draft_id, _text in rows]
    probes = [int(found.group(1)) for _id, text in rows if (found := PROBE.search(text))]
    result.kill = Kill(victim.proc.pid, at, wall, drafts, probes)


def kill_holder(database: BenchDatabase, children: Children, workers: list[Child]) -> Child:
    """SIGKILL the worker holding the most drafts in ``drafting`` the moment one is seen.

    In one thread, look and kill back to back: an offline draft is written in
    milliseconds. Worker 0 if none is seen holding one within 5 s.
    """
    by_pid = {w.proc.pid: w for w in workers}
    deadline = time.monotonic() + 5
    victim = workers[0]
    while time.monotonic() < deadline:
        pids = Counter(int(c.rsplit(":", 2)[1]) for c in database.drafting_claims())
        held = [pid for pid, _n in pids.most_common() if pid in by_pid]
        if held:
            victim = by_pid[held[0]]
            break
        time.sleep(0.005)
    children.kill(victim)
    return victim


def rewritten_after(database: BenchDatabase, kill: Kill) -> list[float]:
    """Seconds from the kill until each draft the killed worker held was written by another."""
    if not kill.drafts:
        return []
    ids = ", ".join(str(draft_id) for draft_id in kill.drafts)
    rows = database.query(f"SELECT updated_at FROM drafts WHERE id IN ({ids})")
    return [as_utc(as_datetime(at)).timestamp() - kill.wall for (at,) in rows]


def read_database(database: BenchDatabase, result: Result) -> None:
    """What the drafts' own rows say about the run (blocking: run it in a thread)."""
    result.statuses = database.statuses()
    result.stages = database.stages()
    result.drafted_per_s = database.drafted_per_s()
    if result.kill is not None:
        result.kill.rewritten = rewritten_after(database, result.kill)


BENCH = "bench (this process)"


def cpu_of(children: Children) -> dict[str, float]:
    return {c.name: t for c in children.all if (t := c.cpu_seconds()) is not None}


async def run_once(
    options: Options, workers: int, children: Children, logs: Path, *, kill: bool
) -> Result:
    """One worker count on a fresh database: its own fakes, listener and workers."""
    await asyncio.to_thread(options.database.fresh)
    result = Result(workers=workers, events=options.events, customers=options.customers)
    fakes = Fakes(options.customers, options.llm_delay, result.llm_calls)
    await fakes.start()
    try:
        env = fakes.env(options)
        url = await start_listener(children, env, fakes.slack, logs, alone=workers == 0)
        pool = await start_workers(children, env, workers, logs)
        watch = CardWatch(fakes.slack, result)

        async def measure() -> None:
            killer = kill_at_half(options, children, pool, result) if kill else asyncio.sleep(0)
            await asyncio.gather(send_all(url, options.senders, result), killer)
            await wait_cards(watch, options.card_timeout)

        before = cpu_of(children) | {BENCH: time.process_time()}  # start-up left out
        transactions = await asyncio.to_thread(options.database.transactions)
        await guarded(measure(), children)
        after = cpu_of(children) | {BENCH: time.process_time()}
        if transactions is not None:
            await asyncio.sleep(1.0)  # PostgreSQL publishes its counts at most a second late
            end = await asyncio.to_thread(options.database.transactions)
            result.transactions = None if end is None else end - transactions
        result.cpu = {name: after[name] - before[name] for name in after.keys() & before.keys()}
        result.slack_calls = Counter(call.method for call in fakes.slack.calls)
        await asyncio.to_thread(read_database, options.database, result)
        result.load_end = load()
    finally:
        await asyncio.to_thread(children.stop_all)
        await fakes.stop()
    return result


# -- the report ------------------------------------------------------------------------

HEADER = (
    "| workers | ack p50 / p95 / p99 ms | event → card p50 / p95 s | acked ev/s "
    "| drafts/s (cards) | × 1 worker | written/s (db) | cards | dropped | duplicates "
    "| load at end |"
)


def row(result: Result, baseline: float | None) -> str:
    acks, cards = result.acks, result.to_card
    ratio = f"{result.drafts_per_s / baseline:.2f}" if baseline else "–"
    return (
        f"| {result.workers} | {cut(acks, 50):.0f} / {cut(acks, 95):.0f} / {cut(acks, 99):.0f} "
        f"| {cut(cards, 50):.1f} / {cut(cards, 95):.1f} | {result.acked_per_s:.0f} "
        f"| {result.drafts_per_s:.1f} | {ratio} | {result.drafted_per_s:.1f} "
        f"| {len(result.card_at)} | {result.dropped} "
        f"| {result.duplicates} | {result.load_end} |"
    )


def details(result: Result) -> str:
    notes = [f"drafts by status: {result.statuses}"]
    if result.refused:
        notes.append(f"{result.refused} events answered other than 200")
    if result.failed_cards:
        notes.append(f"{result.failed_cards} cards show a failed draft")
    if result.unmatched:
        notes.append(
            f"{len(result.unmatched)} review posts quote no event, e.g. {result.unmatched[0]!r}"
        )
    if result.llm_calls:
        notes.append(f"model requests: {dict(result.llm_calls)}")
    stages = ", ".join(
        f"{name} {cut(values, 50) * 1000:.0f} / {cut(values, 95) * 1000:.0f}"
        for name, values in result.stages.items()
    )
    cpu = ", ".join(
        f"{name} {seconds:.1f}" for name, seconds in sorted(result.cpu.items(), key=by_name)
    )
    late, span = result.after_acks
    if late > 1:
        notes.append(f"after the last ack: {late} cards in {span:.1f} s ({late / span:.1f}/s)")
    notes.append(f"Slack API calls: {dict(result.slack_calls)}")
    if result.transactions is not None:
        per_event = result.transactions / max(1, len(result.acked_at))
        notes.append(f"PostgreSQL transactions: {result.transactions} ({per_event:.0f} an event)")
    return (
        f"  {'; '.join(notes)}\n"
        f"  stages p50 / p95 ms (database timestamps): {stages}\n"
        f"  CPU s over {result.wall:.1f} s from first send to last card: {cpu}"
    )


def by_name(item: tuple[str, float]) -> str:
    return item[0]


def kill_report(result: Result, lease: float | None) -> str:
    kill = result.kill
    assert kill is not None
    acked = [result.card_at[i] for i in result.acked_at if i in result.card_at]
    all_in = max(acked) - kill.at if acked else float("nan")
    cards = [result.card_at[i] - kill.at for i in kill.probes if i in result.card_at]
    before = sum(1 for at in result.acked_at.values() if at <= kill.at)
    lines = [
        f"SIGKILL of worker pid {kill.pid} after {before} acks "
        f"(lease {lease if lease is not None else 15:g} s):",
        f"  kill → every acknowledged event has its card: {all_in:.1f} s",
        f"  drafts the killed worker was writing: {len(kill.drafts)}; written again "
        f"{span(kill.rewritten)}, their cards {span(cards)}",
        f"  dropped {result.dropped}, duplicates {result.duplicates}",
    ]
    return "\n".join(lines)


def span(seconds: list[float]) -> str:
    if not seconds:
        return "none seen"
    return f"{min(seconds):.1f}–{max(seconds):.1f} s after the kill"


def report(results: list[Result], options: Options, kill: bool) -> None:
    backend = "SQLite" if options.database.is_sqlite else "PostgreSQL"
    drafter = (
        f"fake model, {options.llm_delay:g} s a request"
        if options.llm_delay is not None
        else "offline drafter"
    )
    print(
        f"\n{options.events} events from {options.customers} customers, {options.senders} "
        f"senders, one listener, {backend}, {drafter}"
    )
    print(HEADER)
    print("|---:" * 11 + "|")
    baseline = next((r.drafts_per_s for r in results if r.workers == 1), None)
    for result in results:
        print(row(result, baseline))
    for result in results:
        print(f"{result.workers} worker(s):")
        print(details(result))
    if kill:
        print(kill_report(results[0], options.lease))


# -- the command --------------------------------------------------------------------


def database_of(arg: str, tmp: Path) -> BenchDatabase:
    if arg == "sqlite":
        return BenchDatabase(f"sqlite:///{tmp / 'scale.db'}")
    if make_url(arg).get_backend_name() == "sqlite":
        raise SystemExit("--database-url sqlite: the bench makes (and deletes) its own file")
    return BenchDatabase(arg)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=50, help="concurrent HTTP clients")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2, 4],
        help="worker processes per run; 0: one `rapport run` process drafting on its thread",
    )
    parser.add_argument("--customers", type=int, default=5, help="Slack users the events come from")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help="a PostgreSQL database named bench… (dropped and recreated each run), or sqlite",
    )
    parser.add_argument(
        "--llm-delay", type=float, default=None, help="workers use a fake model this slow (s)"
    )
    parser.add_argument(
        "--kill", action="store_true", help="one 2-worker run; SIGKILL a worker halfway"
    )
    parser.add_argument("--lease", type=float, default=None, help="RAPPORT_DRAFT_LEASE_SECONDS")
    parser.add_argument("--logs", default=None, help="keep each process's output in this folder")
    parser.add_argument(
        "--card-timeout",
        type=float,
        default=120.0,
        help="seconds after the last ack before a missing card is dropped",
    )
    return parser.parse_args()


async def bench(args: argparse.Namespace, children: Children, tmp: Path) -> None:
    options = Options(
        events=args.events,
        senders=args.senders,
        customers=args.customers,
        database=database_of(args.database_url, tmp),
        llm_delay=args.llm_delay,
        lease=args.lease,
        card_timeout=args.card_timeout,
    )
    counts = [2] if args.kill else args.workers
    results = []
    for count in counts:
        print(f"{count} worker(s): running… (load {load()})", flush=True)
        logs = Path(args.logs or tmp) / f"run-{count}{'-kill' if args.kill else ''}"
        logs.mkdir(parents=True, exist_ok=True)
        results.append(await run_once(options, count, children, logs, kill=args.kill))
    report(results, options, args.kill)


def interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    args = parse()
    signal.signal(signal.SIGTERM, interrupt)  # like Ctrl-C: stop every process, then exit
    print(f"load average at start: {load()}  ({utc_now()})")
    children = Children()
    with tempfile.TemporaryDirectory(prefix="rapport-scale-") as tmp:
        try:
            asyncio.run(bench(args, children, Path(tmp)))
        except ChildDied as exc:
            print(f"\nA rapport process died: {exc}", file=sys.stderr)
            raise SystemExit(1) from exc
        except KeyboardInterrupt:
            print("\ninterrupted: every process stopped", file=sys.stderr)
            raise SystemExit(130) from None
        finally:
            children.stop_all(grace=5.0)  # whatever an interrupted run left behind
    print(f"load average at end: {load()}  ({utc_now()})")


if __name__ == "__main__":
    main()
