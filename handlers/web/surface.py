"""The web console as a :class:`~handlers.platform.Platform`, and the demo's chat.

The console reads drafts from the database, so publishing a card only tells
open pages that something changed: they poll ``/api/changes?since=N`` (cheap)
and reload their fragments only when the counter moved, so a rep typing an
edit loses nothing. Reps are console logins (``handlers.web.auth``). Customers
write on the web only in the demo's community chat, where a sent reply is the
stored outgoing message.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from fastapi import APIRouter

from bot.delivery import DeliveryError
from memory.domain import DraftCard, ReplyTarget

PLATFORM = "web"


class WebPlatform:
    name = PLATFORM

    def __init__(self, *, demo: bool) -> None:
        self.demo = demo
        self.version = 0
        self._changed = asyncio.Event()

    def routers(self) -> list[APIRouter]:
        return []  # the console's own pages are the web app itself

    async def start(self) -> None:
        """Nothing to connect: pages read the database and poll for changes."""

    async def stop(self) -> None:
        self.bump()  # open long polls answer now instead of holding the shutdown

    async def wait_idle(self) -> None:
        """Decisions on the console finish within their request."""

    async def publish(self, card: DraftCard) -> None:
        self.bump()

    async def send_reply(self, target: ReplyTarget, text: str) -> str | None:
        if not self.demo:
            raise DeliveryError("web customers exist only in the demo's chat (rapport demo)")
        self.bump()
        return f"web-{uuid.uuid4().hex[:12]}"

    def bump(self) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, since: int, seconds: float) -> int:
        """Return the version as soon as it passes ``since``, or after ``seconds``."""
        if self.version > since:
            return self.version
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
        return self.version
