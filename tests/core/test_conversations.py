"""Conversations, not messages: a customer's messages before anyone replies get one draft."""

from __future__ import annotations

from memory.domain import Action, Actor, Decision, DraftStatus
from tests.fakes.senders import RecordingSender, RecordingSurface
from tests.helpers import message

REP = Actor(surface="web", user_id="rep-1", display_name="Rita")


async def test_three_messages_in_a_row_are_answered_by_one_draft_that_sees_them_all(
    runtime, drafter
):
    """A customer writes three messages before anyone replies: reps get one pending draft,
    written with all three in view; the older cards say they were folded into it."""
    surface = RecordingSurface()
    runtime.engine.review.add(surface)
    first = await runtime.engine.handle(message("Hi, my order #1234 came today"))
    second = await runtime.engine.handle(message("but the lid is cracked", minutes=1))
    third = await runtime.engine.handle(message("can you send a new one?", minutes=2))
    drafts = {d.id: d for d in await runtime.store.drafts.in_statuses(list(DraftStatus))}
    assert drafts[third.draft_id].status is DraftStatus.PENDING
    for older in (first.draft_id, second.draft_id):
        assert (drafts[older].status, drafts[older].decided_action) == (
            DraftStatus.SUPERSEDED,
            "folded",
        )
        shown = [c for c in surface.cards if c.draft_id == older][-1]
        assert shown.actions() == () and shown.decided_action == "folded"
    prompt = drafter.requests[-1].prompt[1]["content"]
    assert "the lid is cracked" in prompt and "my order #1234 came today" in prompt


async def test_a_message_after_a_sent_reply_gets_its_own_draft(runtime, drafter):
    """Once a reply was sent, the customer's next message starts a new draft; the sent one
    stays sent."""
    runtime.engine.add_sender(RecordingSender("web"))
    asked = await runtime.engine.handle(message("Do you ship to Oslo?"))
    await runtime.engine.decide(Decision(asked.draft_id, Action.APPROVE, REP))
    again = await runtime.engine.handle(message("Great, and to Bergen?", minutes=5))
    assert (await runtime.store.drafts.get(asked.draft_id)).status is DraftStatus.SENT
    assert (await runtime.store.drafts.get(again.draft_id)).status is DraftStatus.PENDING


async def test_a_file_without_words_does_not_fold_the_waiting_draft(runtime, drafter):
    """A blank message (a picture alone) is kept for the record and leaves the pending draft
    for the words before it in place."""
    asked = await runtime.engine.handle(message("My screen is blank after the update"))
    await runtime.engine.handle(message("   ", minutes=1))
    assert (await runtime.store.drafts.get(asked.draft_id)).status is DraftStatus.PENDING


async def test_another_customer_in_the_same_thread_keeps_their_own_draft(runtime, drafter):
    """Folding is per customer: a second customer writing in the thread does not fold the
    first one's draft."""
    dana = await runtime.engine.handle(message("Is the shop open Sunday?"))
    await runtime.engine.handle(message("Same question!", user="u-sam", name="Sam", minutes=1))
    assert (await runtime.store.drafts.get(dana.draft_id)).status is DraftStatus.PENDING
