"""Customer messages over HTTP: stored, drafted, shown to reps; forged requests refused."""

from __future__ import annotations

import json
import time

from memory.domain import DraftStatus
from tests.fakes.slack_events import SIGNING_SECRET, event_callback, message
from tests.slack.conftest import CUSTOMER, DM, REP, REVIEW, SUPPORT, SlackHarness


def _card_text(card: dict[str, object]) -> str:
    return json.dumps(card["blocks"])


async def test_customer_message_becomes_a_card_in_the_review_channel(
    http_slack: SlackHarness,
) -> None:
    """A customer's channel message shows up as a draft card with four buttons for reps."""
    assert http_slack.slack is not None
    http_slack.runtime.engine.drafter.enqueue("Hi Dana! So sorry about the delay.")  # type: ignore[attr-defined]
    response = await http_slack.slack.event(
        message("My order never arrived", user=CUSTOMER, channel=SUPPORT, name="Dana Whitfield")
    )
    assert response.status_code == 200
    await http_slack.settle()
    [card] = http_slack.cards()
    text = _card_text(card)
    assert "Dana Whitfield" in text
    assert "My order never arrived" in text
    assert "Hi Dana! So sorry about the delay." in text
    assert "https://acme.slack.com/archives/CSUPPORT/p" in text
    labels = [
        e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels == ["Approve", "Edit", "Reject", "Regenerate"]
    [button] = [b for b in card["blocks"] if b["type"] == "actions"]
    assert button["elements"][0]["value"] == str(await http_slack.draft_id())


async def test_slack_retry_of_the_same_event_makes_one_card(http_slack: SlackHarness) -> None:
    """When Slack retries an event (X-Slack-Retry-Num), reps still see one card."""
    assert http_slack.slack is not None
    event = message("Where is my refund?", user=CUSTOMER, channel=SUPPORT)
    first = await http_slack.slack.event(event, event_id="EvSAME")
    again = await http_slack.slack.event(event, event_id="EvSAME", retry=1)
    later = await http_slack.slack.event(event, event_id="EvSAME", retry=2)
    assert [first.status_code, again.status_code, later.status_code] == [200, 200, 200]
    await http_slack.settle()
    assert len(http_slack.cards()) == 1
    assert await http_slack.runtime.store.messages.count() == 1


async def test_bad_signature_is_refused_and_nothing_stored(http_slack: SlackHarness) -> None:
    """A request not signed with our signing secret gets 401 and leaves no trace."""
    assert http_slack.slack is not None
    body = json.dumps(event_callback(message("hi", user=CUSTOMER, channel=SUPPORT))).encode()
    response = await http_slack.slack.post(body, "application/json", secret="not-the-secret")
    assert response.status_code == 401
    await http_slack.settle()
    assert await http_slack.runtime.store.messages.count() == 0
    assert http_slack.cards() == []


async def test_stale_timestamp_is_refused(http_slack: SlackHarness) -> None:
    """A correctly signed but 10-minute-old request (a replay) gets 401."""
    assert http_slack.slack is not None
    body = json.dumps(event_callback(message("hi", user=CUSTOMER, channel=SUPPORT))).encode()
    response = await http_slack.slack.post(
        body, "application/json", timestamp=int(time.time()) - 600, secret=SIGNING_SECRET
    )
    assert response.status_code == 401
    await http_slack.settle()
    assert await http_slack.runtime.store.messages.count() == 0


async def test_forged_timestamp_is_refused(http_slack: SlackHarness) -> None:
    """Changing the timestamp header of a signed request breaks its signature: 401."""
    assert http_slack.slack is not None
    body = json.dumps(event_callback(message("hi", user=CUSTOMER, channel=SUPPORT))).encode()
    signed_at = int(time.time()) - 600
    from tests.fakes.slack_events import signature

    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": signature(SIGNING_SECRET, str(signed_at), body),
    }
    response = await http_slack.slack.http.post(http_slack.slack.url, content=body, headers=headers)
    assert response.status_code == 401
    assert await http_slack.runtime.store.messages.count() == 0


async def test_edits_deletions_joins_and_bots_are_ignored(http_slack: SlackHarness) -> None:
    """Edits, deletions, joins, other bots and the review channel produce no draft."""
    assert http_slack.slack is not None
    ts = "1700000001.000100"
    ignored = [
        message("edited", user=CUSTOMER, channel=SUPPORT, subtype="message_changed"),
        message("", user=CUSTOMER, channel=SUPPORT, subtype="message_deleted"),
        message("joined", user=CUSTOMER, channel=SUPPORT, subtype="channel_join"),
        message("beep", user="UOTHERBOT", channel=SUPPORT, bot_id="BOTHER"),
        message("rep chatter", user=REP, channel=REVIEW),
        message("our own reply", user="UBOT", channel=SUPPORT, bot_id="BBOT", ts=ts),
    ]
    for event in ignored:
        assert (await http_slack.slack.event(event)).status_code == 200
    await http_slack.settle()
    assert await http_slack.runtime.store.messages.count() == 0
    assert http_slack.cards() == []


async def test_unserved_channel_is_ignored_when_channels_are_listed(
    http_slack: SlackHarness,
) -> None:
    """With RAPPORT_SLACK_CHANNELS set, messages elsewhere are not customers' messages."""
    from handlers.slack.config import SlackConfig
    from tests.slack.conftest import slack_settings

    config = SlackConfig.from_settings(slack_settings(http_slack.fake, slack_channels=SUPPORT))
    assert config.serves(SUPPORT, "channel")
    assert not config.serves("COTHER", "channel")
    assert not config.serves(REVIEW, "channel")
    assert config.serves(DM, "im")


async def test_rep_reply_in_customer_thread_supersedes_the_draft(
    http_slack: SlackHarness,
) -> None:
    """When a rep answers in the customer's thread themselves, the card says so, no buttons."""
    assert http_slack.slack is not None
    first = message("Is the shop open Sunday?", user=CUSTOMER, channel=SUPPORT)
    await http_slack.slack.event(first)
    await http_slack.settle()
    await http_slack.slack.event(
        message("Yes, 10 to 4!", user=REP, channel=SUPPORT, thread_ts=first["ts"])
    )
    await http_slack.settle()
    draft = await http_slack.runtime.store.drafts.get(await http_slack.draft_id())
    assert draft is not None and draft.status == DraftStatus.SUPERSEDED
    [update] = [c.args for c in http_slack.fake.calls_to("chat.update")][-1:]
    assert "Answered directly" in json.dumps(update["blocks"])
    assert not any(b["type"] == "actions" for b in update["blocks"])
    assert len(http_slack.cards()) == 1


async def test_slack_escapes_are_undone_once_so_the_customer_reads_their_own_words(
    http_slack: SlackHarness,
) -> None:
    """Slack sends `I <3 the bowl & mat` as `I &lt;3 the bowl &amp; mat`: Rapport stores
    the customer's own characters, and the card escapes them once, not twice."""
    assert http_slack.slack is not None
    sent = "I &lt;3 the new bowl &amp; the mat, not &amp;lt;b&amp;gt;"
    await http_slack.slack.event(message(sent, user=CUSTOMER, channel=SUPPORT))
    await http_slack.settle()
    [stored] = await http_slack.runtime.store.messages.history(1)
    assert stored.text == "I <3 the new bowl & the mat, not &lt;b&gt;"
    card = _card_text(http_slack.cards()[0])
    assert "I &lt;3 the new bowl &amp; the mat" in card
    assert "&amp;lt;3" not in card and "&amp;amp;" not in card


async def test_slack_markup_is_stored_as_the_words_the_customer_saw(
    http_slack: SlackHarness,
) -> None:
    """Mentions, channel links, @here and labelled links arrive as Slack markup; Rapport
    stores, recalls and shows them as the customer saw them: names, #channel, the label
    with its address, never `<@U…>` or `<url|label>`."""
    assert http_slack.slack is not None
    sent = (
        f"<@{CUSTOMER}> asked in <#C0GENERAL|general>: <!here> see "
        "<https://example.com/docs?a=1&amp;b=2|the setup guide> or "
        "<mailto:help@example.com|help@example.com>"
    )
    await http_slack.slack.event(message(sent, user=CUSTOMER, channel=SUPPORT))
    await http_slack.settle()
    [stored] = await http_slack.runtime.store.messages.history(1)
    assert stored.text == (
        "@Dana Whitfield asked in #general: @here see "
        "the setup guide (https://example.com/docs?a=1&b=2) or help@example.com"
    )
    card = _card_text(http_slack.cards()[0])
    assert "#general" in card and "&lt;#C0GENERAL" not in card and "<#C0GENERAL" not in card
