"""Recall: what comes back from a customer's history when they write."""

from __future__ import annotations

from datetime import timedelta

from bot.runtime import Runtime
from tests.memory.helpers import START, feed, said


async def test_relevant_old_message_beats_irrelevant_recent_one(runtime: Runtime) -> None:
    """A months-old message about the asked-about thing outranks yesterday's small talk."""
    old, *_ = await feed(
        runtime.engine,
        said("The Atlas drive isn't showing up on my Mac at all", days=0),
        *[said(f"haha the weather is grim again, day {i}", days=100 + i) for i in range(5)],
    )
    customer = (await runtime.store.messages.get(old)).customer_id  # type: ignore[union-attr]
    items = await runtime.engine.recaller.ranked(
        customer,
        "slack:T1:C1:",
        "is my external drive recognised by the mac now?",
        now=START + timedelta(days=106),
    )
    assert items[0].message_id == old
    assert "mentions" in items[0].reason


async def test_synonyms_find_messages_that_share_no_word(runtime: Runtime) -> None:
    """Asking about the "vet visit" finds the message about the "checkup at the clinic"."""
    ids = await feed(
        runtime.engine,
        said("Milo has his yearly checkup at the clinic on Thursday", days=0),
        said("my sourdough starter died, so sad", days=1),
        said("the router firmware update went fine", days=2),
    )
    customer = (await runtime.store.messages.get(ids[0])).customer_id  # type: ignore[union-attr]
    items = await runtime.engine.recaller.ranked(
        customer, "slack:T1:C1:", "how did the vet visit go?", now=START + timedelta(days=9)
    )
    assert items[0].message_id == ids[0]


async def test_facts_come_with_their_source_message(runtime: Runtime) -> None:
    """A fact the customer told us is recalled with the id of the message that said it."""
    ids = await feed(
        runtime.engine,
        said("sorry for the delay, my cat Milo is sitting on my keyboard", days=0),
        *[said(f"ok thanks, noted number {i}", days=1 + i) for i in range(5)],
    )
    customer = (await runtime.store.messages.get(ids[0])).customer_id  # type: ignore[union-attr]
    items = await runtime.engine.recaller.ranked(
        customer, "slack:T1:C1:", "what's my kitty called?", now=START + timedelta(days=10)
    )
    facts = [i for i in items if i.kind == "fact"]
    assert facts and facts[0].text == "Has a cat named Milo."
    assert facts[0].message_id == ids[0]
    assert items[0].message_id == ids[0]


async def test_my_cat_also_means_the_cat_by_name(runtime: Runtime) -> None:
    """Once we know Milo is the cat, "my cat" finds messages that only say "Milo"."""
    ids = await feed(
        runtime.engine,
        said("my cat Milo says hi", days=0),
        said("Milo knocked the router off the shelf and now nothing works", days=20),
        said("the office printer is broken again", days=21),
    )
    customer = (await runtime.store.messages.get(ids[0])).customer_id  # type: ignore[union-attr]
    items = await runtime.engine.recaller.ranked(
        customer, "slack:T1:C1:", "did my cat break something?", now=START + timedelta(days=30)
    )
    top_turns = [i.message_id for i in items if i.kind != "fact"][:2]
    assert ids[1] in top_turns


async def test_newest_statement_wins_when_asking_how_things_are_now(runtime: Runtime) -> None:
    """After a move, "where do I live these days?" puts the move before the old address."""
    old, new = await feed(
        runtime.engine,
        said("I live in Portland, it's been raining all week", days=0),
        said("we finally moved to Denver! boxes everywhere", days=90),
    )
    customer = (await runtime.store.messages.get(old)).customer_id  # type: ignore[union-attr]
    items = await runtime.engine.recaller.ranked(
        customer,
        "slack:T1:C1:",
        "which city do I live in these days?",
        now=START + timedelta(days=120),
    )
    order = [i.message_id for i in items]
    assert new in order
    assert order.index(new) < order.index(old)


async def test_reply_to_a_matching_question_is_recalled(runtime: Runtime) -> None:
    """The answer to a question comes back with it, though it shares no word with the query."""
    ids = await feed(
        runtime.engine,
        said("what have you been painting lately?", days=0),
        said("a sunset over the lake, with purple clouds", days=0.01),
        *[said(f"lunch was good today {i}", days=5 + i) for i in range(4)],
    )
    customer = (await runtime.store.messages.get(ids[1])).customer_id  # type: ignore[union-attr]
    items = await runtime.engine.recaller.ranked(
        customer, "slack:T1:C1:", "what did I paint?", now=START + timedelta(days=20)
    )
    assert ids[1] in [i.message_id for i in items[:3]]


async def test_named_time_favours_messages_from_then(runtime: Runtime) -> None:
    """ "What did I tell you last month?" brings last month's message first."""
    ids = await feed(
        runtime.engine,
        said("my trail camera records empty clips all night", days=0),
        said("the trail camera fills the card with blank clips again", days=35),
        said("thanks, all good now", days=62),
    )
    customer = (await runtime.store.messages.get(ids[0])).customer_id  # type: ignore[union-attr]
    now = START + timedelta(days=63)  # 4 May: "last month" is April
    items = await runtime.engine.recaller.ranked(
        customer, "slack:T1:C1:", "what was wrong with my camera last month?", now=now
    )
    assert items[0].message_id == ids[1]
    assert "last month" in items[0].reason


async def test_recall_never_returns_another_customers_messages(runtime: Runtime) -> None:
    """Two customers talk about the same thing: each one's recall holds only their own."""
    mine = await feed(runtime.engine, said("my Orbit headset won't pair", days=0, user="U1"))
    theirs = await feed(
        runtime.engine,
        said("my Orbit headset won't pair either", days=0, user="U9", name="Other"),
        said("Orbit headset pairing is broken for me", days=1, user="U9", name="Other"),
    )
    customer = (await runtime.store.messages.get(mine[0])).customer_id  # type: ignore[union-attr]
    items = await runtime.engine.recaller.ranked(
        customer, "slack:T1:C1:", "orbit headset pairing", now=START + timedelta(days=2)
    )
    recalled = {i.message_id for i in items}
    assert mine[0] in recalled
    assert not recalled & set(theirs)


async def test_recall_fits_the_token_budget(runtime: Runtime) -> None:
    """Recall for a draft stays within its token budget however long the history."""
    ids = await feed(
        runtime.engine,
        *[
            said(f"the router dropped again, attempt {i}: " + "details " * 40, days=i)
            for i in range(30)
        ],
    )
    customer = (await runtime.store.messages.get(ids[0])).customer_id  # type: ignore[union-attr]
    items = await runtime.engine.recaller.recall(
        customer,
        "slack:T1:C1:",
        "router dropping",
        now=START + timedelta(days=31),
        budget_tokens=200,
    )
    assert items
    assert sum(len(i.text) for i in items) <= 200 * 4


async def test_draft_recall_pins_the_live_conversation(runtime: Runtime) -> None:
    """A draft always sees the last turns of the conversation it answers."""
    ids = await feed(
        runtime.engine,
        said("the Nimbus router keeps dropping", days=0),
        said("it happens every evening", days=0.001),
    )
    customer = (await runtime.store.messages.get(ids[0])).customer_id  # type: ignore[union-attr]
    items = await runtime.engine.recaller.recall(
        customer, "slack:T1:C1:", "any news?", now=START + timedelta(hours=1)
    )
    assert [i.message_id for i in items[:2]] == [ids[1], ids[0]]
    assert items[0].reason == "earlier in this conversation"
