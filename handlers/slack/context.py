"""What every Slack listener shares, and the background work they start after ``ack()``."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import structlog
from slack_sdk.web.async_client import AsyncWebClient

from bot.engine import ResponseEngine
from handlers.slack.config import SlackConfig
from handlers.slack.names import NameCache
from handlers.slack.reps import RepDirectory

log = structlog.get_logger(__name__)


class Background:
    """Tasks started after Slack was acknowledged: kept, so stop() and tests can wait for them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "slack_background_task_failed", task=task.get_name(), error=repr(task.exception())
            )

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


@dataclass(slots=True)
class SlackContext:
    config: SlackConfig
    client: AsyncWebClient
    engine: ResponseEngine
    names: NameCache
    reps: RepDirectory
    background: Background
    workspace_url: str | None = None  # https://acme.slack.com/, from auth.test at start
