"""Socket Mode: the same path over Slack's WebSocket, no public URL."""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from handlers.slack.service import SlackService
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import button, event_callback, message
from tests.slack.conftest import CUSTOMER, REP, REVIEW, SUPPORT, SlackHarness, slack_settings


async def test_socket_mode_message_card_approve_reply(socket_slack: SlackHarness) -> None:
    """Over Socket Mode a customer's message becomes a card, and Approve sends the reply."""
    fake = socket_slack.fake
    socket_slack.runtime.engine.drafter.enqueue("Hello from Socket Mode!")  # type: ignore[attr-defined]
    event = message("Are you open today?", user=CUSTOMER, channel=SUPPORT)
    ack = await fake.send_envelope("events_api", event_callback(event))
    assert "envelope_id" in ack
    assert await socket_slack.runtime.store.messages.count() == 1  # stored before the ack
    await socket_slack.settle()
    assert len(socket_slack.cards()) == 1
    draft_id = await socket_slack.draft_id()
    await fake.send_envelope(
        "interactive", button("rapport_approve", draft_id, user=REP, channel=REVIEW)
    )
    await socket_slack.settle()
    [reply] = socket_slack.replies()
    assert (reply["channel"], reply["thread_ts"]) == (SUPPORT, event["ts"])
    assert reply["text"] == "Hello from Socket Mode!"
    assert fake.calls_to("apps.connections.open")[0].token.startswith("xapp-")


async def test_bad_app_token_fails_start_with_a_readable_error(
    fake_slack: FakeSlack, runtime: Runtime
) -> None:
    """A wrong SLACK_APP_TOKEN stops `rapport run` with a message naming the variable."""
    settings = slack_settings(fake_slack, socket_mode=True, slack_app_token="xapp-wrong")
    service = SlackService(settings, runtime)
    with pytest.raises(RuntimeError, match="SLACK_APP_TOKEN"):
        await service.start()
    await service.stop()


async def test_bad_bot_token_fails_start_with_a_readable_error(
    fake_slack: FakeSlack, runtime: Runtime
) -> None:
    """A wrong SLACK_BOT_TOKEN stops `rapport run` with a message naming the variable."""
    settings = slack_settings(fake_slack, slack_bot_token="xoxb-wrong")
    service = SlackService(settings, runtime)
    with pytest.raises(RuntimeError, match="SLACK_BOT_TOKEN"):
        await service.start()
    await service.stop()
