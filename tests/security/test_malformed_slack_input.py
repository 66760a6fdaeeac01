"""A signed Slack request with a broken field is answered, never retried into oblivion (Security).

Slack retries a request that got a 5xx three times, then drops it: a message
whose author's name the database cannot store would be lost after four 500s.
Every request here is correctly signed and goes through the real HTTP path,
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import pytest

from tests.fakes.slack_events import event_callback, message
from tests.slack.conftest import CUSTOMER, SUPPORT, SlackHarness


async def test_an_event_that_is_not_an_object_gets_a_4xx_and_changes_nothing(
    http_slack: SlackHarness,
) -> None:
    """`"event": "x"` is answered 400 (so Slack does not retry it) and stores nothing."""
    assert http_slack.slack is not None
    callback = event_callback(message("hi", user=CUSTOMER, channel=SUPPORT))
    body = json.dumps({**callback, "event": "x"})

    answer = await http_slack.slack.post(body.encode(), "application/json")
    await http_slack.settle()

    assert 400 <= answer.status_code < 500, f"HTTP {answer.status_code} {answer.text[:200]}"
    assert await http_slack.runtime.store.messages.count() == 0
    assert http_slack.fake.posted() == []


@pytest.mark.parametrize(
    ("escaped", "stored"),
    [("Lone\\ud83dSurrogate", "Lone\ufffdSurrogate"), ("Nul\\u0000Byte", "Nul\ufffdByte")],
    ids=["lone-surrogate", "nul-byte"],
)
async def test_a_display_name_no_database_can_keep_is_cleaned_and_the_message_kept(
    http_slack: SlackHarness, escaped: str, stored: str
) -> None:
    """A name with a broken emoji escape or a NUL is stored with U+FFFD in its place; the
    message is acknowledged at once and reaches the reps as a card."""
    assert http_slack.slack is not None
    event = message("My order is late", user=CUSTOMER, channel=SUPPORT, name="PLACEHOLDER")
    body = json.dumps(event_callback(event)).replace("PLACEHOLDER", escaped)

    answer = await http_slack.slack.post(body.encode(), "application/json")
    await http_slack.settle()

    assert answer.status_code == 200, f"HTTP {answer.status_code} {answer.text[:200]}"
    [kept] = await http_slack.runtime.store.messages.history(1)
    assert kept.text == "My order is late" and kept.author_name == stored
    customer = await http_slack.runtime.store.customer(kept.customer_id)
    assert customer is not None and customer.display_name == stored
    [card] = http_slack.cards()
    assert "My order is late" in json.dumps(card["blocks"])
