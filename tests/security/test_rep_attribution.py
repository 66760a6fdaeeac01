"""A rep's message in a shared conversation belongs to the customer it answers, never to
whoever wrote last (Security, High). Through the real engine and store, on both databases.
"""

from __future__ import annotations

import json
from typing import Any

from memory.customers import CustomerDirectory
from memory.domain import AuthorRole, DraftStatus, InboundMessage
from memory.store import Ignored, Ingested
from tests.helpers import message

REFUND = "Alice, I refunded the order to your card ending 4242."


def alice(text: str, **kw: Any) -> InboundMessage:
    return message(text, user="u-alice", name="Alice Moreau", **kw)


def bob(text: str, **kw: Any) -> InboundMessage:
    return message(text, user="u-bob", name="Bob Lin", **kw)


def rep(text: str, **kw: Any) -> InboundMessage:
    return message(text, user="rep-7", name="Sam", role=AuthorRole.REP, **kw)


async def _thread_of_two(runtime) -> tuple[Ingested, Ingested]:
    """Alice starts a thread, Bob joins it: both get a draft."""
    a = await runtime.engine.handle(alice("I was charged twice for my order", message_id="a1"))
    b = await runtime.engine.handle(bob("Same here, any news?", message_id="b1", minutes=1))
    assert a.customer_id != b.customer_id
    return a, b


async def test_a_rep_answering_the_thread_starter_is_stored_under_her_not_the_last_writer(
    runtime,
):
    """The rep's words to Alice go into Alice's history; Bob, who wrote last, never sees them
    and his draft still waits for a rep."""
    a, b = await _thread_of_two(runtime)
    stored = await runtime.engine.handle(rep(REFUND, message_id="r1", minutes=2))
    assert isinstance(stored, Ingested) and stored.customer_id == a.customer_id
    assert REFUND in [m.text for m in await runtime.store.messages.history(a.customer_id)]
    assert REFUND not in [m.text for m in await runtime.store.messages.history(b.customer_id)]
    assert (await runtime.store.drafts.get(a.draft_id)).status == DraftStatus.SUPERSEDED
    assert (await runtime.store.drafts.get(b.draft_id)).status == DraftStatus.PENDING


async def test_the_other_customers_next_prompt_and_export_never_carry_the_reps_words(
    runtime, drafter
):
    """Bob's next draft is written from a prompt without the refund note, and his export
    has none of it."""
    _, b = await _thread_of_two(runtime)
    await runtime.engine.handle(rep(REFUND, message_id="r1", minutes=2))
    await runtime.engine.handle(bob("Also, which card did you refund?", message_id="b2", minutes=3))
    request = drafter.requests[-1]
    assert "4242" not in json.dumps(request.prompt)
    assert all("4242" not in item.text for item in request.recalled)
    export = await CustomerDirectory(runtime.store.sessions).export(b.customer_id)
    assert "4242" not in json.dumps(export, default=str)


async def test_forgetting_the_customer_takes_the_reps_reply_to_her_with_her(runtime):
    """Forgetting Alice deletes what the rep wrote to her; nothing of it stays under Bob."""
    a, b = await _thread_of_two(runtime)
    await runtime.engine.handle(rep(REFUND, message_id="r1", minutes=2))
    await CustomerDirectory(runtime.store.sessions).forget(a.customer_id, actor="test")
    assert [m.text for m in await runtime.store.messages.history(b.customer_id)] == [
        "Same here, any news?"
    ]
    assert await runtime.store.messages.count() == 1


async def test_a_rep_mentioning_a_customer_answers_that_customer(runtime):
    """A rep who @-mentions Bob in Alice's thread is answering Bob."""
    a, b = await _thread_of_two(runtime)
    stored = await runtime.engine.handle(
        rep("<@u-bob> yours is refunded too", message_id="r1", minutes=2, mentions=("u-bob",))
    )
    assert stored.customer_id == b.customer_id
    assert (await runtime.store.drafts.get(b.draft_id)).status == DraftStatus.SUPERSEDED
    assert (await runtime.store.drafts.get(a.draft_id)).status == DraftStatus.PENDING


async def _alice_writes_last(runtime) -> Ingested:
    """Alice, Bob, then Alice again: Bob is neither the starter nor the last writer."""
    _, b = await _thread_of_two(runtime)
    await runtime.engine.handle(alice("Hello? Anyone?", message_id="a2", minutes=1.5))
    return b


async def test_a_rep_replying_to_a_customers_message_answers_that_customer(runtime):
    """A rep using Reply on Bob's message answers Bob, whoever started the thread or
    wrote last."""
    b = await _alice_writes_last(runtime)
    stored = await runtime.engine.handle(
        rep("Refunded, sorry about that", message_id="r1", minutes=2, reply_to="b1")
    )
    assert stored.customer_id == b.customer_id


async def test_a_rep_naming_one_customer_answers_that_customer(runtime):
    """A rep who writes "Bob, …" in Alice's thread answers Bob, though Alice wrote last."""
    b = await _alice_writes_last(runtime)
    stored = await runtime.engine.handle(
        rep("Bob, I see the second charge and reversed it.", message_id="r1", minutes=2)
    )
    assert stored.customer_id == b.customer_id


async def test_an_unaddressed_rep_message_in_a_shared_channel_is_stored_under_no_one(runtime):
    """In a channel shared by many customers (no thread), a rep message that replies to,
    mentions and names no one is not guessed into anyone's history."""
    a = await runtime.engine.handle(alice("Is the shop open Sunday?", thread=None, message_id="a1"))
    b = await runtime.engine.handle(bob("Do you ship to Oslo?", thread=None, message_id="b1"))
    result = await runtime.engine.handle(rep("Yes!", thread=None, message_id="r1", minutes=2))
    assert isinstance(result, Ignored)
    assert await runtime.store.messages.count() == 2
    for ingested in (a, b):
        assert (await runtime.store.drafts.get(ingested.draft_id)).status == DraftStatus.PENDING
