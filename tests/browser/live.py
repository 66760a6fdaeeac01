"""A running console for a real browser: uvicorn on its own thread and event loop.

Playwright's sync API drives Chromium from the test's thread while the console
(engine, database, a fake OpenAI-compatible model) runs on this one. ``call``
runs a coroutine on the console's loop, to act as another surface (a Slack
rep deciding) or to read the database.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import uvicorn
from argon2 import PasswordHasher

from bot.config import Settings
from bot.drafters import OpenAIDrafter
from bot.runtime import Runtime, build_runtime
from bot.seed import seed_demo
from handlers.composition import Rapport
from handlers.web.surface import WebPlatform
from memory.users import Role, UserDirectory
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.senders import RecordingSender
from tests.web.conftest import free_port

T = TypeVar("T")
PASSWORD = "correct horse battery"
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_SIGN_OFF = re.compile(r'[Ss]ign off with "([^"]+)"')
_FIRST_NAME = re.compile(r'first name "(\w+)"')  # JSON, inside the customer-data fence


def voice_following_model(body: dict[str, Any]) -> str:
    """A stand-in model that obeys one kind of instruction: a sign-off in the system prompt.

    Enough to show that a template change reaches the draft, with no network.
    """
    if body.get("response_format"):
        return '{"facts": []}'
    system = body["messages"][0]["content"]
    request = body["messages"][-1]["content"]
    name = _FIRST_NAME.search(request)
    text = f"Hi {name.group(1) if name else 'there'}! Thanks for writing; we're on it."
    sign_off = _SIGN_OFF.search(system)
    return f"{text} {sign_off.group(1)}" if sign_off else text


class LiveConsole:
    def __init__(self, database_url: str, *, demo: bool = False) -> None:
        self.database_url = database_url
        self.demo = demo
        self.url = ""
        self.runtime: Runtime | None = None
        self.sender = RecordingSender("web")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="live-console", daemon=True)

    def __enter__(self) -> LiveConsole:
        self._thread.start()
        self._ready.wait(30)
        if self._failed is not None:
            raise RuntimeError("the console did not start") from self._failed
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(15)

    def call(self, work: Callable[[Runtime], Awaitable[T]]) -> T:
        """Run ``work(runtime)`` on the console's loop and wait for its result."""
        assert self._loop is not None and self.runtime is not None
        runtime = self.runtime

        async def go() -> T:
            return await work(runtime)

        future: Future[T] = asyncio.run_coroutine_threadsafe(go(), self._loop)
        return future.result(15)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced to the test thread by __enter__
            self._failed = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        model = FakeOpenAI()
        model.responder = voice_following_model
        base_url = await model.start()
        drafter = OpenAIDrafter(
            api_key="test", base_url=base_url, model="voice-test", max_retries=0
        )
        runtime = build_runtime(Settings(database_url=self.database_url), drafter=drafter)
        self.runtime = runtime
        await seed_demo(runtime.engine)
        users = UserDirectory(runtime.store.sessions, _FAST_HASHER)
        await users.add("rita", PASSWORD, Role.REP, actor="test")
        await users.add("ada", PASSWORD, Role.ADMIN, actor="test")
        rapport = Rapport(runtime, web=WebPlatform(demo=self.demo))
        if not self.demo:
            runtime.engine.add_sender(self.sender)
        port = free_port()
        app = rapport.web_app(auto_login=self.demo, users=users)
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                log_config=None,
                lifespan="on",
                timeout_graceful_shutdown=3,
            )
        )
        task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        try:
            await task
        finally:
            await runtime.close()
            await model.stop()
