"""Recall by meaning: vectors written in the background, fused with full-text recall.

The embedder is the real ``openai`` client talking to the fake server in
tests/fakes/openai_server.py, whose toy "model" gives words of one topic
(cat, kitten, vet…) the same direction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from memory.customers import CustomerDirectory
from memory.schema import MessageEmbedding
from memory.vectors import VectorIndex, pack
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.openai_server import FakeOpenAI, Scripted
from tests.helpers import T0, message


def embedding_settings(database_url: str, llm: FakeOpenAI, **extra: object) -> Settings:
    return Settings.model_validate(
        {
            "database_url": database_url,
            "embeddings": "openai",
            "embedding_model": "fake-embedding",
            "embeddings_base_url": llm.base_url,
            "embeddings_api_key": "sk-embeddings",
            "llm_retries": 0,
            **extra,
        }
    )


@pytest.fixture
async def meaning(database_url: str, llm: FakeOpenAI) -> AsyncIterator[Runtime]:
    """A runtime with embeddings on (the drafter is scripted: only embeddings hit the fake)."""
    rt = build_runtime(embedding_settings(database_url, llm), drafter=ScriptedDrafter())
    yield rt
    await rt.close()


KEY = message("-").conversation_key


async def customer_of(rt: Runtime, message_id: int) -> int:
    row = await rt.store.messages.get(message_id)
    assert row is not None
    return row.customer_id


async def stored(rt: Runtime, *texts: str, user: str = "u-dana", name: str = "Dana") -> list[int]:
    ids = []
    for i, text in enumerate(texts):
        result = await rt.engine.ingest(message(text, user=user, name=name, minutes=i))
        ids.append(result.message_id)  # type: ignore[union-attr]
    return ids


async def test_recall_finds_a_message_that_shares_no_word_with_the_question(meaning):
    """ "How is the feline?" brings back "the kitten keeps sneezing" once vectors exist."""
    kitten, _, _ = await stored(
        meaning,
        "Our kitten keeps sneezing since Tuesday",
        "The router in the office needs a restart",
        "Thanks for the quick answer on the invoice",
    )
    recaller = meaning.engine.recaller
    question = "is the feline any better?"
    now = T0 + timedelta(days=1)
    customer = await customer_of(meaning, kitten)
    before = await recaller.ranked(customer, KEY, question, now=now)
    assert kitten not in [i.message_id for i in before if i.kind != "fact"]

    assert await meaning.indexer.drain() == 3
    after = await recaller.ranked(customer, KEY, question, now=now)
    first = next(i for i in after if i.kind != "fact")
    assert first.message_id == kitten
    assert "similar in meaning" in first.reason


async def test_vectors_are_written_in_the_background_after_a_message_is_stored(meaning):
    """The running indexer embeds a new customer message without anyone asking it to."""
    await meaning.indexer.start()
    result = await meaning.engine.handle(message("My flight was cancelled"))
    await asyncio.wait_for(meaning.indexer.wait_idle(), 10)
    async with meaning.store.sessions() as session:
        row = await session.get(MessageEmbedding, result.message_id)
    assert row is not None
    assert row.model == "fake-embedding"
    assert row.dimensions == 32


async def test_recall_never_returns_another_customers_message_by_meaning(meaning):
    """Similarity scans only the asking customer's vectors, however close another's are."""
    (mine,) = await stored(meaning, "Our kitten keeps sneezing")
    (theirs,) = await stored(meaning, "My cat is sneezing too", user="u-lee", name="Lee")
    await meaning.indexer.drain()
    index = meaning.indexer.index
    customer = await customer_of(meaning, mine)
    vector = (await meaning.indexer.embedder.embed(["sneezing cat"]))[0]
    found = await index.nearest(customer, vector, limit=10)
    assert [m for m, _ in found] == [mine]
    recalled = await meaning.engine.recaller.ranked(
        customer, KEY, "how is the feline?", now=T0 + timedelta(days=1)
    )
    assert theirs not in [i.message_id for i in recalled]


async def test_a_failing_embeddings_endpoint_leaves_full_text_recall_working(meaning, llm):
    """HTTP 500 from the embeddings API: the draft is still written, from full-text recall."""
    await stored(meaning, "The invoice for March was charged twice")
    llm.embedding_script.extend([Scripted(status=500, body={"error": "down"})] * 10)
    result = await meaning.engine.handle(message("about that invoice", minutes=5))
    draft = await meaning.store.drafts.get(result.draft_id)
    assert draft.status == "pending"
    assert any("invoice" in item.text for item in draft.recall)


async def test_a_hanging_embeddings_endpoint_costs_a_draft_at_most_the_budget(database_url, llm):
    """An endpoint that answers after 3 s does not hold recall past the 200 ms budget."""
    rt = build_runtime(
        embedding_settings(database_url, llm, embedding_budget_ms=200),
        drafter=ScriptedDrafter(),
    )
    try:
        (invoice,) = await stored(rt, "The invoice for March was charged twice")
        llm.embedding_script.append(Scripted(delay=3))
        items = await asyncio.wait_for(
            rt.engine.recaller.ranked(
                await customer_of(rt, invoice), KEY, "that invoice again", now=T0 + timedelta(1)
            ),
            2,  # well before the endpoint answers
        )
        assert any("invoice" in i.text for i in items)
    finally:
        await rt.close()


async def test_the_indexer_catches_up_after_the_endpoint_recovers(meaning, llm):
    """Two failed embedding calls, then success: every stored message gets its vector."""
    meaning.indexer.max_backoff = 0.05
    llm.embedding_script.extend([Scripted(status=503, body={"error": "busy"})] * 2)
    ids = await stored(meaning, "first message", "second message")
    await meaning.indexer.start()
    await asyncio.wait_for(meaning.indexer.wait_idle(), 20)
    assert meaning.indexer.failures == 2
    async with meaning.store.sessions() as session:
        saved = set((await session.execute(select(MessageEmbedding.message_id))).scalars())
    assert saved == set(ids)


async def test_vectors_from_another_model_are_replaced(meaning):
    """After a model change every message is embedded again, by the new model."""
    ids = await stored(meaning, "Our kitten keeps sneezing", "My flight was cancelled")
    old = VectorIndex(meaning.store.sessions, "old-model")
    await old.store([(i, pack([1.0, 0.0])) for i in ids])
    assert {p.message_id for p in await meaning.indexer.index.pending(10)} == set(ids)
    await meaning.indexer.drain()
    async with meaning.store.sessions() as session:
        models = set((await session.execute(select(MessageEmbedding.model))).scalars())
    assert models == {"fake-embedding"}


async def test_forget_deletes_one_customers_vectors_and_no_one_elses(meaning):
    """With many customers embedded, forgetting one removes exactly their vectors."""
    firsts = []
    for n in range(12):
        ids = await stored(meaning, f"kitten news {n}", "a flight", user=f"u-{n}", name=f"C{n}")
        firsts.append(ids[0])
    await meaning.indexer.drain()
    victim = await customer_of(meaning, firsts[3])
    directory = CustomerDirectory(meaning.store.sessions)
    counts = await directory.forget(victim, actor="test")
    assert counts["embeddings"] == 2
    async with meaning.store.sessions() as session:
        left = await session.scalar(select(func.count()).select_from(MessageEmbedding))
    assert left == 22


async def test_retention_purge_deletes_the_vectors_of_purged_messages(meaning):
    """Messages past retention take their vectors with them; newer ones keep theirs."""
    _old, new = await stored(meaning, "an old kitten story", "a newer flight story")
    await meaning.indexer.drain()
    await meaning.store.messages.purge_before(T0 + timedelta(seconds=30))
    async with meaning.store.sessions() as session:
        left = set((await session.execute(select(MessageEmbedding.message_id))).scalars())
    assert left == {new}


async def test_export_lists_which_messages_have_vectors(meaning):
    """A customer's export names their embedded messages and the model, not the numbers."""
    ids = await stored(meaning, "Our kitten keeps sneezing")
    await meaning.indexer.drain()
    customer = await customer_of(meaning, ids[0])
    exported = await CustomerDirectory(meaning.store.sessions).export(customer)
    assert exported["embeddings"] == [{"message_id": ids[0], "model": "fake-embedding"}]


async def test_a_new_message_is_found_by_meaning_while_older_vectors_are_cached(meaning):
    """The customer's vectors are held in memory; a message embedded since still counts."""
    (kitten,) = await stored(meaning, "Our kitten keeps sneezing")
    await meaning.indexer.drain()
    customer = await customer_of(meaning, kitten)
    index = meaning.indexer.index
    query = (await meaning.indexer.embedder.embed(["the plane to Lisbon"]))[0]
    assert [m for m, _ in await index.nearest(customer, query, limit=1)] == [kitten]

    flight = await meaning.engine.ingest(message("Boarding at the airport now", minutes=9))
    await meaning.indexer.drain()
    found = await index.nearest(customer, query, limit=1)
    assert [m for m, _ in found] == [flight.message_id]


async def test_recall_by_meaning_looks_back_from_the_time_asked(meaning):
    """A message sent after the moment of the question is never recalled by meaning."""
    early, late = await stored(meaning, "Our kitten keeps sneezing", "The cat is purring again")
    await meaning.indexer.drain()
    customer = await customer_of(meaning, early)
    query = (await meaning.indexer.embedder.embed(["feline"]))[0]
    asked = T0 + timedelta(seconds=30)  # between the two messages
    found = await meaning.indexer.index.nearest(customer, query, limit=5, before=asked)
    assert [m for m, _ in found] == [early]
    assert late not in [m for m, _ in found]


async def test_a_question_about_last_week_is_not_answered_by_meaning_from_months_ago(meaning):
    """Recall by meaning keeps to the stretch of time a question names."""
    old = await meaning.engine.ingest(
        message("Our kitten keeps sneezing", at=T0 - timedelta(days=60))
    )
    await meaning.engine.ingest(message("The router needs a restart", at=T0 - timedelta(days=3)))
    await meaning.indexer.drain()
    customer = await customer_of(meaning, old.message_id)
    question = "how was the feline last week?"
    items = await meaning.engine.recaller.ranked(customer, KEY, question, now=T0)
    assert old.message_id not in [i.message_id for i in items if "meaning" in i.reason]

    anytime = await meaning.engine.recaller.ranked(customer, KEY, "how is the feline?", now=T0)
    assert old.message_id in [i.message_id for i in anytime if "meaning" in i.reason]


async def test_a_new_message_is_found_by_meaning_after_many_other_customers_wrote(meaning):
    """Hundreds of others' vectors since the last recall do not hide this customer's new one."""
    (kitten,) = await stored(meaning, "Our kitten keeps sneezing")
    await meaning.indexer.drain()
    customer = await customer_of(meaning, kitten)
    index = meaning.indexer.index
    query = (await meaning.indexer.embedder.embed(["the plane to Lisbon"]))[0]
    await index.nearest(customer, query, limit=1)  # this customer's vectors are now in memory
    for n in range(520):
        await meaning.engine.ingest(message(f"hello {n}", user=f"u-{n % 40}", name=f"C{n % 40}"))
    flight = await meaning.engine.ingest(message("Boarding at the airport now", minutes=9))
    await meaning.indexer.drain()
    found = await index.nearest(customer, query, limit=1)
    assert [m for m, _ in found] == [flight.message_id]
