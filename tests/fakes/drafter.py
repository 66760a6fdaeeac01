"""A scripted drafter: enqueue answers (or errors), then assert on what it was asked."""

from __future__ import annotations

import asyncio
from collections import deque

from bot.drafters.base import DraftError, DraftRequest


class ScriptedDrafter:
    model = "scripted"

    def __init__(self, *answers: str | Exception) -> None:
        self.queue: deque[str | Exception] = deque(answers)
        self.requests: list[DraftRequest] = []
        self.default = "Hi! Thanks for writing."
        self.delay = 0.0

    def enqueue(self, *answers: str | Exception) -> None:
        self.queue.extend(answers)

    async def draft(self, request: DraftRequest) -> str:
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.queue.popleft() if self.queue else self.default
        if isinstance(answer, Exception):
            raise answer
        return answer


__all__ = ["DraftError", "ScriptedDrafter"]
