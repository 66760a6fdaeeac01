"""Drafts grounded in the team's docs: answers with sources, and "a teammate will check"."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.drafters import OfflineDrafter
from bot.runtime import Runtime, build_runtime
from memory.customers import CustomerDirectory
from memory.domain import Action, Actor, Decision, DraftStatus
from tests.fakes.senders import RecordingSender, RecordingSurface
from tests.helpers import message
from tests.knowledge.docs import HILLTOP, LAKESIDE, PETS, SHIPPING

PREFIX = "https://help.example.com"


@pytest.fixture
async def offline(database_url: str) -> AsyncIterator[tuple[Runtime, RecordingSurface]]:
    """The embedded default (offline drafter) with a small help centre indexed."""
    runtime = build_runtime(Settings(database_url=database_url), drafter=OfflineDrafter())
    await runtime.store.knowledge.sync(
        "help", "/docs", [SHIPPING, PETS, LAKESIDE, HILLTOP], url_prefix=PREFIX
    )
    surface = RecordingSurface()
    runtime.engine.review.add(surface)
    yield runtime, surface
    await runtime.close()


async def test_the_offline_draft_answers_from_the_docs_and_the_card_links_the_source(offline):
    """Asked how to add a second pet, the draft gives the steps from the help page, and the
    card names that page with its link; the customer's text carries no citation marker."""
    runtime, surface = offline
    await runtime.engine.handle(message("How do I add a second pet to my plan?"))
    card = surface.cards[-1]
    assert "Open Account, choose Pets, then Add a pet" in card.text
    assert f"{PREFIX}/account/pets.html#adding-a-second-pet" in card.text
    assert "[K" not in card.text
    [source] = card.cited
    assert source.title == "account/pets.md › Your account › Adding a second pet"
    assert source.url == f"{PREFIX}/account/pets.html#adding-a-second-pet"
    assert not card.no_source


async def test_a_question_the_docs_do_not_answer_is_flagged_and_promised_to_a_teammate(offline):
    """Nothing in the docs about gift cards: the draft invents nothing, says a teammate will
    check, and the card says no source was found."""
    runtime, surface = offline
    await runtime.engine.handle(message("Do you sell gift vouchers for birthdays?"))
    card = surface.cards[-1]
    assert "teammate" in card.text
    assert card.cited == [] and card.no_source


async def test_the_entity_named_earlier_in_the_conversation_decides_the_answer(offline):
    """ "Do they have parking?" after "I'm booked at the Lakeside Hotel" is answered from the
    Lakeside page, not the Hilltop Inn's, though both have a Parking section."""
    runtime, surface = offline
    await runtime.engine.handle(message("Hi! I'm booked at the Lakeside Hotel next week."))
    await runtime.engine.handle(message("Do they have parking?", minutes=1))
    card = surface.cards[-1]
    assert "free parking" in card.text
    assert card.cited[0].title.startswith("hotels/lakeside-hotel.md")


async def test_a_citation_to_a_passage_that_was_not_given_is_removed_and_flagged(runtime, drafter):
    """The model cites K1 (given) and K7 (not given): K7 is removed from the text and the
    card says so; K1 is shown as the source."""
    await runtime.store.knowledge.sync("help", "/docs", [SHIPPING, PETS], url_prefix=PREFIX)
    surface = RecordingSurface()
    runtime.engine.review.add(surface)
    drafter.enqueue("Hi Dana! Orders ship within two working days [K1]. Refunds are instant [K7].")
    await runtime.engine.handle(message("How long does delivery take?"))
    passages = drafter.requests[-1].prompt[1]["content"]
    assert "<knowledge>" in passages and "[K1]" in passages and "Delivery times" in passages
    card = surface.cards[-1]
    assert card.text == "Hi Dana! Orders ship within two working days. Refunds are instant."
    assert [s.key for s in card.cited] == ["K1"]
    assert any("K7" in flag for flag in card.source_flags)


async def test_a_sent_reply_is_found_again_for_the_next_customer_without_the_first_ones_name(
    runtime, drafter
):
    """A reply a rep approved becomes an "answered before" passage, without the customer's
    name; a rejected draft never does; forgetting the customer removes it."""
    runtime.engine.add_sender(RecordingSender("web"))
    drafter.enqueue(
        "Hi Dana! Our shop opens at 10 on Sundays, Dana.", "Something wrong, do not keep."
    )
    sent = await runtime.engine.handle(message("Is the shop open on Sundays?"))
    rejected = await runtime.engine.handle(
        message("Can I pay by cheque?", user="u-sam", name="Sam Reed")
    )
    rep = Actor(surface="web", user_id="rep-1", display_name="Rita")
    await runtime.engine.decide(Decision(sent.draft_id, Action.APPROVE, rep))
    await runtime.engine.decide(Decision(rejected.draft_id, Action.REJECT, rep))
    await runtime.engine.wait_idle()
    [answer] = await runtime.store.knowledge.passages()
    assert answer.heading == "Is the shop open on Sundays?"
    assert answer.text == "Hi there! Our shop opens at 10 on Sundays."
    assert (await runtime.store.drafts.get(rejected.draft_id)).status is DraftStatus.REJECTED

    hits = (await runtime.engine.writer.knowledge.index()).search("Are you open on Sunday?")
    assert hits and hits[0].passage.id == answer.id

    counts = await CustomerDirectory(runtime.store.sessions).forget(sent.customer_id, "test")
    assert counts["answers"] == 1
    assert await runtime.store.knowledge.passages() == []
