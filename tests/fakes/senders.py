"""A reply sender that records what would reach the customer."""

from __future__ import annotations

from bot.delivery import DeliveryError
from memory.domain import ReplyTarget


class RecordingSender:
    def __init__(self, platform: str = "web") -> None:
        self.name = platform
        self.sent: list[tuple[ReplyTarget, str]] = []
        self.fail_with: str | None = None

    async def send_reply(self, target: ReplyTarget, text: str) -> str | None:
        if self.fail_with:
            raise DeliveryError(self.fail_with)
        self.sent.append((target, text))
        return f"sent-{len(self.sent)}"


class RecordingSurface:
    """A review surface that keeps every card it was shown."""

    name = "recording"

    def __init__(self) -> None:
        self.cards: list[object] = []

    async def publish(self, card: object) -> None:
        self.cards.append(card)
