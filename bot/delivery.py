"""Delivery: sending an approved reply back to the customer's platform."""

from __future__ import annotations

from typing import Protocol

from memory.domain import ReplyTarget


class DeliveryError(Exception):
    """The platform refused or failed to take the reply; the rep sees this text."""


class ReplySender(Protocol):
    """Posts text where a customer will see it. One per platform, keyed by ``name``."""

    name: str  # the platform's: "slack", "discord", "web"

    async def send_reply(self, target: ReplyTarget, text: str) -> str | None:
        """Send ``text`` to ``target``; return the platform's id for the sent message.

        Raise :class:`DeliveryError` with a readable reason on failure.
        """
