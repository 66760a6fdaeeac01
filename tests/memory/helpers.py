"""Feeding a customer's history through the real ingest path, for recall tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.engine import ResponseEngine
from memory.domain import InboundMessage
from memory.store import Ingested
from tests.helpers import message

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def said(
    text: str,
    *,
    days: float,
    user: str = "U1",
    name: str = "Dana",
    channel: str = "C1",
    mid: str | None = None,
) -> InboundMessage:
    at = START + timedelta(days=days)
    return message(
        text,
        user=user,
        name=name,
        platform="slack",
        workspace="T1",
        channel=channel,
        thread=None,
        at=at,
        message_id=mid or f"{user}-{at.timestamp()}",
    )


async def feed(engine: ResponseEngine, *messages: InboundMessage) -> list[int]:
    """Store each message (facts included, no drafts) and return their ids."""
    ids = []
    for msg in messages:
        result = await engine.ingest(msg)
        assert isinstance(result, Ingested)
        ids.append(result.message_id)
    return ids
