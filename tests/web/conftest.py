"""A console on a real socket, and clients that sign in the way a browser does."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy import delete

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from bot.seed import seed_demo
from handlers.composition import Rapport
from handlers.web.surface import WebPlatform
from memory.schema import User
from memory.users import Role, UserDirectory
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.senders import RecordingSender

PASSWORD = "correct horse battery"
# Real Argon2id, with parameters cheap enough that sign-ins do not dominate the run.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveConsole:
    url: str
    runtime: Runtime
    sender: RecordingSender

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10)


async def serve(
    runtime: Runtime, *, demo: bool, sender: RecordingSender | None = None, **options: Any
) -> AsyncIterator[str]:
    """The console as the composition root wires it; ``sender`` stands in for web delivery."""
    rapport = Rapport(runtime, web=WebPlatform(demo=demo))
    if sender is not None:
        runtime.engine.add_sender(sender)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            rapport.web_app(**options),
            host="127.0.0.1",
            port=port,
            log_config=None,
            lifespan="on",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def _clean_users(runtime: Runtime) -> None:
    # The shared PostgreSQL database keeps rows between tests; logins are ours to reset.
    async with runtime.store.sessions() as session, session.begin():
        await session.execute(delete(User))


@pytest.fixture
async def console(database_url: str, drafter: ScriptedDrafter) -> AsyncIterator[LiveConsole]:
    """The production console (no demo, no automatic login) with a rep and an admin."""
    runtime = build_runtime(Settings(database_url=database_url), drafter=drafter)
    await _clean_users(runtime)
    await seed_demo(runtime.engine)
    users = UserDirectory(runtime.store.sessions, FAST_HASHER)
    await users.add("rita", PASSWORD, Role.REP, actor="test")
    await users.add("ada", PASSWORD, Role.ADMIN, actor="test")
    sender = RecordingSender("web")
    async for url in serve(runtime, demo=False, sender=sender, users=users):
        yield LiveConsole(url, runtime, sender)
    await runtime.close()


def csrf_of(page: str) -> str:
    match = _TOKEN.search(page)
    assert match, "the page carries no CSRF token"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form; later requests carry the session's CSRF token."""
    form = await client.get("/login")
    answer = await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
    )
    assert answer.status_code == 303, answer.text
    page = await client.get("/customers")
    client.headers["X-CSRF-Token"] = csrf_of(page.text)


async def eventually(check: Callable[[], Awaitable[Any]], seconds: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy (drafting runs in the background)."""
    for _ in range(int(seconds / 0.02)):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")
