"""The web console as a review surface and the demo's chat as a platform."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from memory.domain import DraftCard, ReplyTarget


class WebReviewSurface:
    """The console reads drafts from the database; this only tells pages that something changed.

    Pages poll ``/api/changes?since=N`` (cheap) and reload their fragments
    only when the counter moved, so a rep typing an edit loses nothing.
    """

    name = "web"

    def __init__(self) -> None:
        self.version = 0
        self._changed = asyncio.Event()

    async def publish(self, card: DraftCard) -> None:
        self.bump()

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


class WebChatSender:
    """Delivery for the demo's community chat: the reply is the stored outgoing message."""

    platform = "web"

    def __init__(self, surface: WebReviewSurface) -> None:
        self.surface = surface

    async def send_reply(self, target: ReplyTarget, text: str) -> str | None:
        self.surface.bump()
        return f"web-{uuid.uuid4().hex[:12]}"
