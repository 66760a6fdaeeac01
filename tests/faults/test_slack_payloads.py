"""Malformed Slack requests to ``/slack/events``: answered, never crashing, never stored as junk.

Every request here is correctly signed, so it passes Bolt's signature check
and reaches our listeners; what is wrong is the content. A 5xx would make
Slack retry a poison event for hours, so none may produce one.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from memory.domain import DraftStatus
from tests.fakes.slack_events import event_callback, message
from tests.slack import conftest as slack_fixtures
from tests.slack.conftest import CUSTOMER, REP, SUPPORT, SlackHarness

# Rapport's Slack app in HTTP mode against the fake Slack, as the Slack tests run it.
fake_slack = slack_fixtures.fake_slack
http_slack = slack_fixtures.http_slack

BODIES: list[Any] = [
    ("empty body", b"", "application/json"),
    ("not json", b"{this is not json", "application/json"),
    ("json list", b"[1, 2, 3]", "application/json"),
    ("json string", b'"event_callback"', "application/json"),
    ("callback without event", json.dumps({"type": "event_callback"}).encode(), "application/json"),
    (
        "unknown type",
        json.dumps({"type": "galaxy_brain", "event": {}}).encode(),
        "application/json",
    ),
    ("bad form payload", b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ("form without payload", b"nothing=here", "application/x-www-form-urlencoded"),
    ("binary", bytes(range(256)) * 4, "application/octet-stream"),
]


def event(**overrides: Any) -> dict[str, Any]:
    base = message("Where is my order?", user=CUSTOMER, channel=SUPPORT)
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


MALFORMED_EVENTS: list[Any] = [
    ("no user", event(user=...)),
    ("no ts", event(ts=...)),
    ("no channel", event(channel=...)),
    ("text is null", event(text=None)),
    ("text is a number", event(text=12345)),
    ("text is an object", event(text={"nested": ["x"]})),
    ("ts is garbage", event(ts="not-a-timestamp")),
    ("user is a list", event(user=["U1", "U2"])),
    ("thread_ts is garbage", event(thread_ts="🧵")),
    ("message_changed without message", event(subtype="message_changed")),
    ("message_deleted", event(subtype="message_deleted", deleted_ts="1.0")),
    ("files only", event(text="", files=[{"id": "F1", "name": "x.png"}])),
    ("blocks of junk", event(blocks=[{"type": "rich_text", "elements": "nope"}])),
]


@pytest.mark.parametrize(("name", "body", "content_type"), BODIES)
async def test_malformed_bodies_get_a_4xx_or_an_ack_not_a_crash(
    http_slack: SlackHarness, name: str, body: bytes, content_type: str
) -> None:
    """A body Slack would never send is answered without a server error and stores nothing."""
    assert http_slack.slack is not None
    response = await http_slack.slack.post(body, content_type)
    assert response.status_code < 500, f"{name}: HTTP {response.status_code} {response.text[:200]}"
    await http_slack.settle()
    assert await http_slack.runtime.store.messages.count() == 0


@pytest.mark.parametrize(("name", "bad"), MALFORMED_EVENTS)
async def test_malformed_message_events_do_not_break_the_next_message(
    http_slack: SlackHarness, name: str, bad: dict[str, Any]
) -> None:
    """A broken message event is answered without a 5xx, and the next real message still
    becomes a card for reps."""
    assert http_slack.slack is not None
    response = await http_slack.slack.event(bad)
    assert response.status_code < 500, f"{name}: HTTP {response.status_code} {response.text[:200]}"
    await http_slack.settle()
    good = await http_slack.slack.event(
        message("My kettle is broken", user=CUSTOMER, channel=SUPPORT, name="Dana Whitfield")
    )
    assert good.status_code == 200
    await http_slack.settle()
    drafts = await http_slack.runtime.store.drafts.in_statuses(list(DraftStatus))
    assert any(d.status == DraftStatus.PENDING for d in drafts)
    assert any("My kettle is broken" in json.dumps(c["blocks"]) for c in http_slack.cards())


async def test_lone_surrogate_escape_in_text_is_stored_not_retried_forever(
    http_slack: SlackHarness,
) -> None:
    """A message whose JSON carries a broken emoji escape is stored (with U+FFFD), acknowledged,
    and drafted, instead of failing on every Slack retry."""
    assert http_slack.slack is not None
    raw = json.dumps(event_callback(event(text="PLACEHOLDER"))).replace(
        "PLACEHOLDER", "broken \\ud83d emoji"
    )
    response = await http_slack.slack.post(raw.encode(), "application/json")
    assert response.status_code == 200
    await http_slack.settle()
    [stored] = await http_slack.runtime.store.messages.history(1)
    assert stored.text == "broken \ufffd emoji"


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "actions": []},
        {"type": "block_actions", "user": {"id": REP}, "actions": [{"action_id": "x"}]},
        {"type": "view_submission", "view": {"callback_id": "rapport_edit_view"}},
        {"type": "shortcut"},
    ],
    ids=["no-actions", "unknown-action", "edit-without-state", "unhandled-type"],
)
async def test_malformed_interactions_are_answered_without_a_server_error(
    http_slack: SlackHarness, payload: dict[str, Any]
) -> None:
    """Button clicks and modal submissions with missing parts never crash the endpoint."""
    assert http_slack.slack is not None
    body = urlencode({"payload": json.dumps(payload)}).encode()
    response = await http_slack.slack.post(body, "application/x-www-form-urlencoded")
    assert response.status_code < 500, response.text[:200]
    await http_slack.settle()
    assert http_slack.fake.posted() == []  # nothing was sent to any channel
