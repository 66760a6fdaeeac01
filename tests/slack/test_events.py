"""Which Slack messages count, and how they become Rapport's messages: no network needed."""

from __future__ import annotations

import pytest

from handlers.slack.config import SlackConfig, SlackConfigError
from handlers.slack.events import permalink, skip_reason, to_inbound
from handlers.slack.settings import SlackSettings
from memory.domain import AuthorRole
from tests.fakes.slack_events import message

CONFIG = SlackConfig(
    bot_token="xoxb-x",
    app_token=None,
    signing_secret="s",
    review_channel="CREVIEW",
    rep_users=frozenset({"UREP"}),
    rep_groups=frozenset(),
    channels=frozenset(),
)


def test_top_level_channel_message_starts_its_own_thread() -> None:
    """A top-level message in a channel is answered in a thread under it."""
    event = message("hi", user="UC", channel="CSUP", ts="1700000000.000100")
    msg, target = to_inbound(
        event, workspace="T1", display_name="Dana", role=AuthorRole.CUSTOMER, workspace_url=None
    )
    assert (msg.thread, target.thread, target.reply_to) == ("1700000000.000100",) * 3
    assert msg.message_id == "CSUP:1700000000.000100"
    assert msg.is_direct is False and msg.platform == "slack" and msg.workspace == "T1"


def test_plain_dm_has_no_thread() -> None:
    """A plain DM is its own conversation: the reply goes to the DM, not a thread."""
    event = message("hi", user="UC", channel="DC", channel_type="im")
    msg, target = to_inbound(
        event, workspace="T1", display_name="Dana", role=AuthorRole.CUSTOMER, workspace_url=None
    )
    assert msg.thread is None and target.thread is None and target.is_direct


def test_permalink_of_a_thread_reply_points_into_the_thread() -> None:
    """Cards link to the exact message, inside its thread."""
    event = message("x", user="U", channel="C1", ts="1.000200", thread_ts="1.000100")
    assert permalink("https://acme.slack.com/", event) == (
        "https://acme.slack.com/archives/C1/p1000200?thread_ts=1.000100&cid=C1"
    )
    assert permalink(None, event) is None


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"subtype": "message_changed"}, "subtype message_changed"),
        ({"subtype": "channel_leave"}, "subtype channel_leave"),
        ({"bot_id": "B1"}, "from a bot"),
        ({"channel": "CREVIEW"}, "channel not served"),
    ],
)
def test_non_customer_messages_are_skipped(extra: dict[str, str], reason: str) -> None:
    """Edits, leaves, bots and the review channel are never drafted for."""
    event = {**message("x", user="U1", channel="CSUP"), **extra}
    assert skip_reason(event, CONFIG) == reason


def test_thread_broadcast_and_file_share_are_customer_messages() -> None:
    """A reply also sent to the channel, or a message with a file, is still served."""
    for subtype in ("thread_broadcast", "file_share"):
        event = message("x", user="U1", channel="CSUP", subtype=subtype)
        assert skip_reason(event, CONFIG) is None


def test_settings_errors_name_the_variable() -> None:
    """A misconfigured Slack setup says which variable to fix and how."""
    base = {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s", "slack_reps": "U0REP1"}
    with pytest.raises(SlackConfigError, match="RAPPORT_SLACK_REVIEW_CHANNEL"):
        SlackConfig.from_settings(SlackSettings(**base, slack_review_channel="#support"))
    with pytest.raises(SlackConfigError, match="RAPPORT_SLACK_REPS"):
        SlackConfig.from_settings(
            SlackSettings(**{**base, "slack_reps": "@riley"}, slack_review_channel="C0REVIEW")
        )
    with pytest.raises(SlackConfigError, match="SLACK_APP_TOKEN and SLACK_SIGNING_SECRET"):
        SlackConfig.from_settings(
            SlackSettings(**base, slack_app_token="xapp-1", slack_review_channel="C0REVIEW")
        )
    config = SlackConfig.from_settings(
        SlackSettings(**{**base, "slack_reps": "U0REP1, S0REPS ,"}, slack_review_channel="C0REVIEW")
    )
    assert (config.rep_users, config.rep_groups) == (frozenset({"U0REP1"}), frozenset({"S0REPS"}))
    assert config.api_url == "https://slack.com/api/"
