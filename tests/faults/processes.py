"""Rapport split over processes, for fault tests: subprocesses, listeners and worker pools.

``Child`` runs a ``rapport`` command as a real subprocess whose output goes
to a file the test shows when it fails; ``slow_llm`` runs the fake OpenAI
server in a process of its own; ``serving`` runs a listener Rapport (Slack in
HTTP mode) under uvicorn on this event loop, as ``rapport run --role
listeners`` would; ``WorkerPool`` runs :func:`bot.worker_process.serve_workers`,
the body of ``rapport worker``, as a task with a scripted drafter. Every one
is stopped by the test's ``finally``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import pytest
import structlog
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.observability import configure_logging
from bot.runtime import Runtime
from bot.worker_process import serve_workers
from handlers.composition import Rapport
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.slack_events import SignedSlack
from tests.slack.conftest import free_socket

REPO = Path(__file__).resolve().parents[2]


def rapport_script() -> Path:
    """The installed ``rapport`` console script, beside this interpreter."""
    script = Path(sys.executable).with_name("rapport")
    if not script.exists():
        pytest.skip("the rapport console script is not installed in this environment")
    return script


def child_env(**extra: str) -> dict[str, str]:
    """This environment less Rapport's, Slack's, Discord's and OpenAI's settings, plus ``extra``."""
    prefixes = ("RAPPORT_", "SLACK_", "DISCORD_", "OPENAI_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.pop("DATABASE_URL", None)
    env["RAPPORT_LOG_LEVEL"] = "warning"
    env.update(extra)
    return env


class Child:
    """One subprocess; its stdout and stderr go to ``log_path``."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    async def start(self, *args: str | Path, env: dict[str, str], cwd: Path) -> None:
        self._log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            *map(str, args),
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def output(self) -> str:
        """What the process printed so far (its last 4,000 characters)."""
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""

    async def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no lease given back, nothing flushed."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()

    async def stop(self, grace: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within ``grace`` seconds."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace)
            except TimeoutError:
                await self.kill()
        if self._log is not None:
            self._log.close()
            self._log = None


async def run_cli(*args: str, database_url: str, cwd: Path) -> tuple[int, str]:
    """Run ``rapport ARGS --database-url URL`` to the end (at most a minute) in another
    process; (exit code, output). Asynchronous: listeners on this event loop keep serving.
    """
    proc = await asyncio.create_subprocess_exec(
        str(rapport_script()),
        *args,
        "--database-url",
        database_url,
        cwd=cwd,
        env=child_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace")


@asynccontextmanager
async def slow_llm(delay: float) -> AsyncIterator[str]:
    """The fake OpenAI server in its own process, answering every completion after ``delay``
    seconds; yields its base URL. (In its own process, so a worker killed mid-request
    leaves no handler sleeping in the test's event loop.)"""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.openai_server",
        str(delay),
        cwd=REPO,
        env=child_env(),
        stdin=asyncio.subprocess.PIPE,  # it exits when this closes, whatever becomes of us
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        assert url.startswith("http://127.0.0.1:"), f"the fake LLM printed {url!r}"
        yield url
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def rows(db: AsyncEngine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a read-only query, through a runtime's own connection pool."""
    async with db.connect() as conn:
        result = await conn.execute(text(sql), params)
        return [tuple(row) for row in result]


async def eventually(
    check: Callable[[], Awaitable[Any]], seconds: float, what: str, *, every: float = 0.1
) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``seconds`` naming ``what``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {seconds:g} s (last look: {result!r})")
        await asyncio.sleep(every)


@asynccontextmanager
async def serving(rapport: Rapport) -> AsyncIterator[SignedSlack]:
    """Serve a Rapport's web app (and Slack's /slack/events) on a free port, started and
    stopped through its lifespan as ``rapport run`` does; yields a signed Slack client for it.
    Closes the Rapport's runtime afterwards."""
    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        rapport.web_app(console=False), log_config=None, lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    slack = SignedSlack(f"http://127.0.0.1:{port}/slack/events")
    try:
        while not server.started:
            if task.done():
                task.result()
                raise AssertionError("the listener stopped during start-up")
            await asyncio.sleep(0.01)
        yield slack
    finally:
        await slack.close()
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)
        sock.close()
        await rapport.close()


class WorkerPool:
    """``rapport worker``'s body (:func:`serve_workers`: its own runtime, pool and NOTIFY
    listener) as a task on this loop, drafting with a script."""

    def __init__(
        self, settings: Settings, *, delay: float = 0.0, drafter: ScriptedDrafter | None = None
    ) -> None:
        self.settings = settings
        self.drafter = drafter or ScriptedDrafter()
        self.drafter.delay = delay
        self.runtime: Runtime | None = None
        self._stop = asyncio.Event()
        self._started = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        """What this pool writes into ``claimed_by``."""
        assert self.runtime is not None
        return self.runtime.engine.workers.name

    async def start(self) -> None:
        def started(runtime: Runtime) -> None:
            self.runtime = runtime
            self._started.set()

        self.task = asyncio.get_running_loop().create_task(
            serve_workers(self.settings, self._stop, drafter=self.drafter, started=started)
        )
        waiting = asyncio.get_running_loop().create_task(self._started.wait())
        await asyncio.wait({waiting, self.task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if self.task.done():
            self.task.result()
        assert self._started.is_set(), "the worker pool did not start within 30 s"

    async def stop(self) -> None:
        self._stop.set()
        if self.task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, 60)


async def stop_all(pools: Sequence[WorkerPool]) -> None:
    for pool in pools:
        await pool.stop()


def slack_card_draft(args: dict[str, Any]) -> int | None:
    """The draft a Slack review card (``chat.postMessage`` arguments) is for."""
    for block in args.get("blocks") or []:
        block_id = str(block.get("block_id", ""))
        if block_id.startswith("rapport_draft_"):
            return int(block_id.removeprefix("rapport_draft_"))
    return None


def discord_card_draft(body: dict[str, Any]) -> int | None:
    """The draft a Discord review card (the posted message's body) is for."""
    for row in body.get("components") or []:
        for item in row.get("components") or []:
            parts = str(item.get("custom_id", "")).split(":")
            if len(parts) == 3 and parts[0] == "rapport" and parts[2].isdigit():
                return int(parts[2])
    return None


@contextlib.contextmanager
def production_logging(level: str = "warning") -> Iterator[None]:
    """Log as the ``rapport`` commands do (:func:`configure_logging`), restored afterwards.

    Without it structlog's default renders each logged exception with rich and
    every frame's locals, which holds the event loop for seconds: a test where
    many writes fail (a database outage) would measure that instead.
    """
    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    configure_logging(level, "console")
    try:
        yield
    finally:
        structlog.reset_defaults()
        root.handlers[:] = handlers
        root.setLevel(root_level)
