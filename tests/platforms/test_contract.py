"""The platform contract: what reps and customers can count on, on Slack, Discord and the web.

Each test runs once per platform (see ``conftest.py``), through the real
adapter, the composition root and the engine, against that platform's fake.
"""

from __future__ import annotations

from sqlalchemy import delete

from bot.drafters.base import DraftError
from memory.domain import Action, DraftStatus
from memory.schema import ReviewCard
from tests.platforms.conftest import Harness

ALL_FOUR = ["Approve", "Edit", "Reject", "Regenerate"]


async def _draft_status(platform: Harness) -> DraftStatus:
    assert platform.rapport is not None
    draft = await platform.rapport.runtime.store.drafts.get(await platform.draft_id())
    assert draft is not None
    return DraftStatus(draft.status)


async def test_a_customer_message_becomes_one_card_with_the_four_buttons(platform: Harness):
    """A customer writes; reps see one card offering Approve, Edit, Reject and Regenerate."""
    platform.drafter.enqueue("Hi Dana! So sorry about the delay.")
    await platform.customer_says("My order never arrived")
    await platform.settle()
    assert platform.cards() == 1
    assert await platform.buttons() == ALL_FOUR


async def test_a_rep_approving_twice_delivers_the_reply_once(platform: Harness):
    """Approve, then Approve again on the same card: the customer gets exactly one reply."""
    platform.drafter.enqueue("Hi Dana! A replacement ships today.")
    await platform.customer_says("My order never arrived")
    await platform.settle()
    await platform.click(Action.APPROVE, rep=True)
    await platform.settle()
    await platform.click(Action.APPROVE, rep=True)
    await platform.settle()
    assert platform.replies() == ["Hi Dana! A replacement ships today."]
    assert await _draft_status(platform) is DraftStatus.SENT
    assert await platform.buttons() == []


async def test_someone_who_is_not_a_rep_cannot_approve(platform: Harness):
    """A click by someone outside the reps changes nothing and sends nothing."""
    await platform.customer_says("Where is my refund?")
    await platform.settle()
    await platform.click(Action.APPROVE, rep=False)
    await platform.settle()
    assert platform.replies() == []
    assert await _draft_status(platform) is DraftStatus.PENDING


async def test_a_failed_draft_offers_edit_reject_and_regenerate(platform: Harness):
    """When the model fails there is no draft to approve: the card offers the ways forward."""
    platform.drafter.enqueue(DraftError("the model timed out after 30s"))
    await platform.customer_says("Hello?")
    await platform.settle()
    assert await _draft_status(platform) is DraftStatus.FAILED
    assert await platform.buttons() == ["Edit", "Reject", "Regenerate"]


async def test_a_rep_edit_sends_the_reps_words(platform: Harness):
    """Edit on the card sends the rep's text instead of the draft."""
    platform.drafter.enqueue("Hi! Thanks for writing.")
    await platform.customer_says("Can I change my address?")
    await platform.settle()
    await platform.edit("Sure, Dana! Send me the new one.")
    await platform.settle()
    assert platform.replies() == ["Sure, Dana! Send me the new one."]


async def test_a_card_missed_by_a_crash_is_shown_after_a_restart(platform: Harness):
    """A draft written while its card could not be posted is on screen after the restart,
    once, and still works."""
    platform.drafter.enqueue("Hi Dana, on it.")
    await platform.customer_says("Is the shop open Sunday?")
    await platform.settle()
    assert platform.rapport is not None
    store = platform.rapport.runtime.store
    # As if the process died between writing the draft and posting its card.
    async with store.sessions() as session, session.begin():
        await session.execute(delete(ReviewCard))
    before = platform.cards()
    await platform.restart()
    await platform.settle()
    assert platform.cards() == (before if platform.name == "web" else before + 1)
    assert await platform.buttons() == ALL_FOUR
    await platform.click(Action.APPROVE, rep=True)
    await platform.settle()
    assert platform.replies() == ["Hi Dana, on it."]
