"""Reviewing drafts in the Discord review channel: cards, buttons, the Edit modal."""

from __future__ import annotations

from memory.domain import DraftStatus
from tests.discord.conftest import (
    button,
    buttons,
    card_edits,
    eventually,
    first_card,
)

DEFER_UPDATE, MESSAGE, MODAL = 6, 4, 9
EPHEMERAL = 64


async def test_customer_message_becomes_a_card_with_four_buttons(fake, service, runtime):
    """A customer's message shows up in the review channel with Approve/Edit/Reject/Regenerate."""
    customer = fake.member("Dana Reyes")
    said = await fake.say(customer, "Hi, my order #123 never arrived")
    card = await first_card(fake)
    assert buttons(card.body) == ["Approve", "Edit", "Reject", "Regenerate"]
    embed = card.body["embeds"][0]
    assert embed["title"] == "Reply to Dana Reyes"
    assert embed["description"] == "Hi! Thanks for writing."
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "my order #123 never arrived" in fields["Their message"]
    assert said["id"] in fields["Their message"]  # the jump link
    assert "Remembered" in fields
    assert card.body["allowed_mentions"] == {"parse": []}
    await runtime.engine.wait_idle()
    ref = await runtime.store.cards.get(1, "discord")
    assert ref == {"channel_id": fake.review_channel_id, "message_id": card.response["id"]}


async def test_approve_replies_to_the_customer_and_closes_the_card(fake, service, runtime):
    """Approve sends the draft as a reply to the customer's message; the card loses its buttons."""
    rep = fake.member("Ana Rep", rep=True)
    said = await fake.say(fake.member("Dana"), "Where is my parcel?")
    card = await first_card(fake)
    interaction = await fake.click(rep, card.response["id"], button(card, "Approve"))
    replies = await fake.wait_for(lambda: fake.replies(fake.support_channel_id))
    assert fake.callbacks(interaction)[0].body["type"] == DEFER_UPDATE
    assert replies[0].body["content"] == "Hi! Thanks for writing."
    assert str(replies[0].body["message_reference"]["message_id"]) == said["id"]
    edit = (
        await fake.wait_for(lambda: [e for e in card_edits(fake, card) if "Sent by" in str(e.body)])
    )[-1]
    assert edit.body["components"] == []
    assert "Ana Rep (discord)" in str(edit.body["embeds"])
    draft = await runtime.store.drafts.get(1)
    assert draft.status == DraftStatus.SENT


async def test_reply_never_mentions_everyone_here_or_roles(fake, service, runtime, drafter):
    """Whatever the draft says, the reply cannot ping @everyone, @here or a role."""
    drafter.enqueue(f"Hey @everyone and @here and <@&{fake.rep_role_id}>, welcome!")
    rep = fake.member("Ana", rep=True)
    await fake.say(fake.member("Dana"), "@everyone look at this")
    card = await first_card(fake)
    await fake.click(rep, card.response["id"], button(card, "Approve"))
    reply = (await fake.wait_for(lambda: fake.replies(fake.support_channel_id)))[0]
    mentions = reply.body["allowed_mentions"]
    assert "everyone" not in mentions["parse"]
    assert "roles" not in mentions["parse"]
    assert mentions.get("roles", []) == []
    assert "@everyone" not in reply.body["content"]
    assert f"<@&{fake.rep_role_id}>" not in reply.body["content"]


async def test_edit_opens_a_prefilled_modal_and_sends_the_edited_text(fake, service, runtime):
    """Edit shows the draft in a text box; submitting sends the rep's wording instead."""
    rep = fake.member("Ana", rep=True)
    await fake.say(fake.member("Dana"), "Can I change my delivery address?")
    card = await first_card(fake)
    interaction = await fake.click(rep, card.response["id"], button(card, "Edit"))
    opened = (await fake.wait_for(lambda: fake.callbacks(interaction)))[0].body
    assert opened["type"] == MODAL
    text_input = opened["data"]["components"][0]["components"][0]
    assert text_input["value"] == "Hi! Thanks for writing."
    await fake.submit_modal(
        rep, opened["data"], **{text_input["custom_id"]: "Sure, Dana! DM me the new one."}
    )
    reply = (await fake.wait_for(lambda: fake.replies(fake.support_channel_id)))[0]
    assert reply.body["content"] == "Sure, Dana! DM me the new one."
    draft = await eventually(lambda: _sent(runtime, 1))
    assert draft.final_text == "Sure, Dana! DM me the new one."


async def _sent(runtime, draft_id):
    draft = await runtime.store.drafts.get(draft_id)
    return draft if draft and draft.status == DraftStatus.SENT else None


async def test_a_non_rep_click_is_refused_privately_and_changes_nothing(fake, service, runtime):
    """Someone without the rep role who presses Approve gets a private refusal; nothing is sent."""
    outsider = fake.member("Curious Customer")
    await fake.say(fake.member("Dana"), "Hello?")
    card = await first_card(fake)
    interaction = await fake.click(outsider, card.response["id"], button(card, "Approve"))
    answer = (await fake.wait_for(lambda: fake.callbacks(interaction)))[0].body
    assert answer["type"] == MESSAGE
    assert answer["data"]["flags"] & EPHEMERAL
    assert "Only Rapport reps" in answer["data"]["content"]
    await runtime.engine.wait_idle()
    assert fake.replies() == []
    assert (await runtime.store.drafts.get(1)).status == DraftStatus.PENDING


async def test_a_rep_listed_by_id_can_approve_without_the_role(fake, start_service, runtime):
    """RAPPORT_DISCORD_REPS lets named people decide even without the rep role."""
    named = fake.member("Named Rep")
    await start_service(runtime, discord_rep_role=None, discord_reps=named["id"])
    await fake.say(fake.member("Dana"), "Hi")
    card = await first_card(fake)
    await fake.click(named, card.response["id"], button(card, "Approve"))
    assert await fake.wait_for(lambda: fake.replies(fake.support_channel_id))


async def test_two_approvals_send_one_reply(fake, service, runtime):
    """Two reps pressing Approve at once reach the customer once; the second is told who won."""
    ana, ben = fake.member("Ana", rep=True), fake.member("Ben", rep=True)
    await fake.say(fake.member("Dana"), "Hello")
    card = await first_card(fake)
    await fake.click(ana, card.response["id"], button(card, "Approve"))
    second = await fake.click(ben, card.response["id"], button(card, "Approve"))
    await fake.wait_for(lambda: fake.find("POST", "/webhooks/"))  # the loser's private note
    await fake.wait_for(lambda: [e for e in card_edits(fake, card) if "Sent by" in str(e.body)])
    assert len(fake.replies()) == 1
    note = fake.find("POST", "/webhooks/")[0].body
    assert "already" in note["content"] and note["flags"] & EPHEMERAL
    assert fake.callbacks(second)[0].body["type"] == DEFER_UPDATE


async def test_reject_closes_the_card_without_replying(fake, service, runtime):
    """Reject sends nothing and marks the card rejected, naming the rep."""
    rep = fake.member("Ana", rep=True)
    await fake.say(fake.member("Dana"), "spam spam")
    card = await first_card(fake)
    await fake.click(rep, card.response["id"], button(card, "Reject"))
    edit = (await fake.wait_for(lambda: card_edits(fake, card)))[-1]
    assert edit.body["components"] == []
    assert "Rejected by Ana (discord)" in str(edit.body["embeds"])
    assert fake.replies() == []


async def test_regenerate_puts_a_new_draft_on_the_same_card(fake, service, runtime, drafter):
    """Regenerate redrafts; the same card shows the new text with its buttons back."""
    drafter.enqueue("First try.", "Second, better try.")
    rep = fake.member("Ana", rep=True)
    await fake.say(fake.member("Dana"), "Hi there")
    card = await first_card(fake)
    await fake.click(rep, card.response["id"], button(card, "Regenerate"))
    edit = (
        await fake.wait_for(
            lambda: [e for e in card_edits(fake, card) if "Second, better try." in str(e.body)]
        )
    )[-1]
    assert buttons(edit.body) == ["Approve", "Edit", "Reject", "Regenerate"]
    assert len(fake.cards()) == 1


async def test_a_failed_draft_shows_the_error_and_can_be_edited(fake, service, runtime, drafter):
    """When drafting fails the card says why, and Approve is disabled until there is text."""
    from bot.drafters.base import DraftError

    drafter.enqueue(DraftError("the model timed out after 30s"))
    await fake.say(fake.member("Dana"), "Hello")
    card = await first_card(fake)
    assert "the model timed out after 30s" in str(card.body["embeds"])
    approve = card.body["components"][0]["components"][0]
    assert approve["label"] == "Approve" and approve["disabled"] is True


async def test_a_card_from_before_a_restart_still_works(fake, start_service, runtime, make_runtime):
    """After Rapport restarts, pressing Approve on an old card still sends the reply."""
    rep = fake.member("Ana", rep=True)
    first = await start_service(runtime)
    await fake.say(fake.member("Dana"), "Hi before the restart")
    card = await first_card(fake)
    await runtime.engine.wait_idle()
    await first.stop()

    restarted = make_runtime(runtime.settings.database_url)
    await start_service(restarted)  # returns once the on-ready catch-up has run
    # The card is already posted: the catch-up leaves it, and posts no second one.
    assert len(fake.cards()) == 1
    await fake.click(rep, card.response["id"], button(card, "Approve"))
    reply = (await fake.wait_for(lambda: fake.replies(fake.support_channel_id)))[0]
    assert reply.body["content"] == "Hi! Thanks for writing."
