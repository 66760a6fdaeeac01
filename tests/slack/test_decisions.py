"""Reps deciding on cards: approve, edit, reject, regenerate; and who may not."""

from __future__ import annotations

import asyncio
import json

from memory.domain import DraftStatus
from tests.fakes.slack_events import button, edit_submission, message
from tests.slack.conftest import (
    CUSTOMER,
    DM,
    GROUP_REP,
    REP,
    REVIEW,
    STRANGER,
    SUPPORT,
    SlackHarness,
)


async def _customer_writes(h: SlackHarness, text: str = "My parcel is late", **kw: object) -> dict:
    assert h.slack is not None
    event = message(text, user=CUSTOMER, **{"channel": SUPPORT, **kw})  # type: ignore[arg-type]
    assert (await h.slack.event(event)).status_code == 200
    await h.settle()
    return event


async def _click(h: SlackHarness, action: str, user: str = REP) -> None:
    assert h.slack is not None
    payload = button(f"rapport_{action}", await h.draft_id(), user=user, channel=REVIEW)
    assert (await h.slack.interaction(payload)).status_code == 200
    await h.settle()


async def test_approve_posts_the_reply_in_the_customer_thread(http_slack: SlackHarness) -> None:
    """Approve sends the draft in the customer's thread and the card shows who sent it."""
    http_slack.runtime.engine.drafter.enqueue("Sorry Dana, it ships today.")  # type: ignore[attr-defined]
    event = await _customer_writes(http_slack)
    await _click(http_slack, "approve")
    [reply] = http_slack.replies()
    assert reply["channel"] == SUPPORT
    assert reply["thread_ts"] == event["ts"]
    assert reply["text"] == "Sorry Dana, it ships today."
    card = http_slack.fake.calls_to("chat.update")[-1].args
    blocks = json.dumps(card["blocks"])
    assert "Sent" in blocks and "Riley Rep" in blocks and "Sorry Dana, it ships today." in blocks
    assert not any(b["type"] == "actions" for b in card["blocks"])
    ref = await http_slack.runtime.store.cards.get(await http_slack.draft_id(), "slack")
    assert ref is not None and (card["channel"], card["ts"]) == (REVIEW, ref["ts"])
    draft = await http_slack.runtime.store.drafts.get(await http_slack.draft_id())
    assert draft is not None and draft.status == DraftStatus.SENT
    assert len(http_slack.fake.calls_to("chat.postMessage")) == 2  # the card, the reply


async def test_reply_in_a_thread_goes_to_that_thread(http_slack: SlackHarness) -> None:
    """A customer writing inside a thread gets the reply in that same thread."""
    event = await _customer_writes(http_slack, "Follow-up question", thread_ts="1700000000.000001")
    assert event["thread_ts"] == "1700000000.000001"
    await _click(http_slack, "approve")
    [reply] = http_slack.replies()
    assert reply["thread_ts"] == "1700000000.000001"


async def test_edit_opens_a_prefilled_modal_and_sends_the_edited_text(
    http_slack: SlackHarness,
) -> None:
    """Edit opens a modal with the draft; sending it posts the rep's words, not the draft."""
    assert http_slack.slack is not None
    http_slack.runtime.engine.drafter.enqueue("Draft words.")  # type: ignore[attr-defined]
    await _customer_writes(http_slack)
    await _click(http_slack, "edit")
    [opened] = http_slack.fake.calls_to("views.open")
    view = opened.args["view"]
    assert opened.args["trigger_id"].startswith("trigger-")
    assert view["blocks"][1]["element"]["initial_value"] == "Draft words."
    assert http_slack.replies() == []
    draft_id = await http_slack.draft_id()
    assert view["private_metadata"] == str(draft_id)
    submitted = edit_submission(draft_id, "Better words from Riley.", user=REP)
    assert (await http_slack.slack.interaction(submitted)).status_code == 200
    await http_slack.settle()
    [reply] = http_slack.replies()
    assert reply["text"] == "Better words from Riley."
    draft = await http_slack.runtime.store.drafts.get(draft_id)
    assert draft is not None and draft.final_text == "Better words from Riley."


async def test_empty_edit_is_refused_in_the_modal(http_slack: SlackHarness) -> None:
    """Submitting an empty edit shows an error in the modal and sends nothing."""
    assert http_slack.slack is not None
    await _customer_writes(http_slack)
    response = await http_slack.slack.interaction(
        edit_submission(await http_slack.draft_id(), "   ", user=REP)
    )
    assert response.json()["response_action"] == "errors"
    await http_slack.settle()
    assert http_slack.replies() == []


async def test_non_rep_click_changes_nothing_and_is_told_why(http_slack: SlackHarness) -> None:
    """Someone not in RAPPORT_SLACK_REPS gets a private note; nothing is sent or changed."""
    await _customer_writes(http_slack)
    for action in ("approve", "edit", "reject", "regenerate"):
        await _click(http_slack, action, user=STRANGER)
    assert http_slack.replies() == []
    assert http_slack.fake.calls_to("views.open") == []
    notes = http_slack.fake.calls_to("chat.postEphemeral")
    assert len(notes) == 4
    assert all(n.args["user"] == STRANGER for n in notes)
    assert notes[0].args["text"].startswith("Only reps can approve drafts")
    draft = await http_slack.runtime.store.drafts.get(await http_slack.draft_id())
    assert draft is not None and draft.status == DraftStatus.PENDING


async def test_member_of_a_rep_user_group_can_approve(http_slack: SlackHarness) -> None:
    """Members of a user group listed in RAPPORT_SLACK_REPS are reps (looked up once)."""
    await _customer_writes(http_slack)
    await _click(http_slack, "approve", user=GROUP_REP)
    assert len(http_slack.replies()) == 1
    assert len(http_slack.fake.calls_to("usergroups.users.list")) == 1


async def test_two_approvals_at_once_send_one_reply(http_slack: SlackHarness) -> None:
    """Two reps clicking Approve at the same moment: the customer gets one reply."""
    assert http_slack.slack is not None
    await _customer_writes(http_slack)
    draft_id = await http_slack.draft_id()
    clicks = [
        http_slack.slack.interaction(button("rapport_approve", draft_id, user=u, channel=REVIEW))
        for u in (REP, GROUP_REP, REP)
    ]
    responses = await asyncio.gather(*clicks)
    assert [r.status_code for r in responses] == [200, 200, 200]
    await http_slack.settle()
    assert len(http_slack.replies()) == 1
    notes = http_slack.fake.calls_to("chat.postEphemeral")
    assert len(notes) == 2
    assert all("Nothing changed: already" in n.args["text"] for n in notes)


async def test_reject_sends_nothing_and_closes_the_card(http_slack: SlackHarness) -> None:
    """Reject: the customer gets nothing; the card says who rejected it, no buttons."""
    await _customer_writes(http_slack)
    await _click(http_slack, "reject")
    assert http_slack.replies() == []
    card = http_slack.fake.calls_to("chat.update")[-1].args
    assert "Rejected" in json.dumps(card["blocks"])
    assert not any(b["type"] == "actions" for b in card["blocks"])


async def test_regenerate_writes_a_new_draft_on_the_same_card(http_slack: SlackHarness) -> None:
    """Regenerate replaces the draft on the same card with a fresh one."""
    http_slack.runtime.engine.drafter.enqueue("First try.", "Second try.")  # type: ignore[attr-defined]
    await _customer_writes(http_slack)
    await _click(http_slack, "regenerate")
    assert len(http_slack.cards()) == 1
    card = http_slack.fake.calls_to("chat.update")[-1].args
    assert "Second try." in json.dumps(card["blocks"])


async def test_dm_reply_goes_to_the_dm(http_slack: SlackHarness) -> None:
    """A customer's DM to the bot is answered in the DM, not in a thread."""
    await _customer_writes(http_slack, "hello bot", channel=DM, channel_type="im")
    await _click(http_slack, "approve")
    [reply] = http_slack.replies()
    assert reply["channel"] == DM
    assert "thread_ts" not in reply


async def test_delivery_failure_shows_on_the_card_and_can_be_retried(
    http_slack: SlackHarness,
) -> None:
    """If Slack refuses the reply, the card says why and Approve tries again."""
    await _customer_writes(http_slack)
    http_slack.fake.fail("chat.postMessage", "not_in_channel")
    await _click(http_slack, "approve")
    card = http_slack.fake.calls_to("chat.update")[-1].args
    text = json.dumps(card["blocks"])
    assert "the bot is not in channel CSUPPORT" in text
    assert "rapport_approve" in text
    note = http_slack.fake.calls_to("chat.postEphemeral")[-1].args["text"]
    assert "not sent" in note
    await _click(http_slack, "approve")
    assert len(http_slack.replies()) == 1
