"""Logs carry ids, never message text or secrets, through a whole run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from bot.config import Settings
from bot.observability import configure_logging
from bot.runtime import build_runtime
from memory.domain import Action, Actor, Decision, DraftStatus
from tests.fakes.openai_server import FakeOpenAI, Scripted
from tests.fakes.senders import RecordingSender
from tests.helpers import message

SECRET = "sk-live-SECRETSECRET-4f9a2c71d0e8"
CUSTOMER_TEXT = "My flamingo-pink Zephyrblender 9000 exploded at grandma Odalys's party"
REPLY_TEXT = "So sorry Dana! A replacement Zephyrblender ships today."


def model(body: dict[str, Any]) -> str | Scripted:
    """Facts: none. Replies: a warm one, or HTTP 500 for the customer's second message."""
    if body.get("response_format", {}).get("type") == "json_object":
        return '{"facts": []}'
    if "again" in body["messages"][-1]["content"]:
        return Scripted(status=500, body={"error": {"message": "boom"}})
    return REPLY_TEXT


@pytest.fixture
def json_logs() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("info", "json")
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_info_logs_never_carry_message_text_or_the_api_key(
    json_logs, sqlite_url, llm: FakeOpenAI, capsys
):
    """An operator reading the logs of a full run sees ids and events, never what customers
    wrote, what the model drafted, or the API key."""
    llm.responder = model
    settings = Settings(
        database_url=sqlite_url,
        openai_api_key=SECRET,
        openai_base_url=llm.base_url,
        llm_retries=0,
        llm_timeout=2.0,
    )
    runtime = build_runtime(settings)
    runtime.engine.add_sender(RecordingSender("web"))
    try:
        first = await runtime.engine.handle(message(CUSTOMER_TEXT, message_id="log-1"))
        await runtime.engine.decide(
            Decision(first.draft_id, Action.APPROVE, Actor("web", "r1", "Ann"))
        )
        failed = await runtime.engine.handle(message(CUSTOMER_TEXT + " again", message_id="log-2"))
    finally:
        await runtime.close()

    assert (await runtime.store.drafts.get(failed.draft_id)).status == DraftStatus.FAILED
    logs = capsys.readouterr()
    written = logs.err + logs.out
    for event in ("message_stored", "draft_ready", "reply_sent", "draft_failed"):
        assert event in written, f"no {event} event was logged"
    assert SECRET not in written
    assert "SECRETSECRET" not in written
    for word in ("Zephyrblender", "flamingo", "Odalys", "replacement"):
        assert word not in written, f"{word!r} from a message reached the logs"
