"""Slack's HTTP 429 answers are waited out (Retry-After) and retried, not lost."""

from __future__ import annotations

from tests.fakes.slack_events import message
from tests.slack.conftest import CUSTOMER, REVIEW, SUPPORT, SlackHarness


async def test_rate_limited_card_and_name_lookup_are_retried(http_slack: SlackHarness) -> None:
    """With users.info and chat.postMessage rate-limited once, the card still appears, named."""
    assert http_slack.slack is not None
    fake = http_slack.fake
    limited = {"Retry-After": "0"}
    fake.fail("users.info", "ratelimited", status=429, headers=limited)
    fake.fail("chat.postMessage", "ratelimited", status=429, headers=limited)
    response = await http_slack.slack.event(message("hi there", user=CUSTOMER, channel=SUPPORT))
    assert response.status_code == 200
    await http_slack.settle()
    assert len(fake.calls_to("users.info")) == 2
    [card] = http_slack.cards()
    assert card["channel"] == REVIEW
    assert "Dana Whitfield" in str(card["blocks"])


async def test_names_are_looked_up_once_per_person(http_slack: SlackHarness) -> None:
    """Three messages from one customer cost one users.info call."""
    assert http_slack.slack is not None
    for text in ("one", "two", "three"):
        await http_slack.slack.event(message(text, user=CUSTOMER, channel=SUPPORT))
    await http_slack.settle()
    assert len(http_slack.fake.calls_to("users.info")) == 1
