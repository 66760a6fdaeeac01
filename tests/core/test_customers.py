"""Customers: forget one and only one, export everything, link identities."""

from __future__ import annotations

from sqlalchemy import func, select

from memory.customers import CustomerDirectory
from memory.schema import Draft, Fact, Message
from tests.helpers import message

PETS = ["Rex", "Bella", "Max", "Luna", "Coco", "Milo"]


async def _populate(runtime, customers: int = 6) -> list[int]:
    ids = []
    for n in range(customers):
        dog = PETS[n]
        r = await runtime.engine.handle(
            message(f"My dog {dog} is great, I use the Kettle Pro", user=f"u{n}", name=f"C{n}")
        )
        await runtime.engine.handle(message("Another note", user=f"u{n}", name=f"C{n}", minutes=5))
        ids.append(r.customer_id)
    return ids


async def _count(runtime, model, customer_id=None):
    async with runtime.store.sessions() as s:
        q = select(func.count()).select_from(model)
        if customer_id is not None:
            q = q.where(model.customer_id == customer_id)
        return (await s.execute(q)).scalar_one()


async def test_forget_deletes_one_customer_and_nothing_else(runtime):
    """Forgetting a customer removes all of their data and leaves every other customer intact."""
    ids = await _populate(runtime)
    directory = CustomerDirectory(runtime.store.sessions)
    before = {m: await _count(runtime, m) for m in (Message, Fact, Draft)}
    victim = ids[2]
    own = {m: await _count(runtime, m, victim) for m in (Message, Fact, Draft)}
    counts = await directory.forget(victim, actor="test")
    assert counts["messages"] == own[Message] == 2
    for model in (Message, Fact, Draft):
        assert await _count(runtime, model, victim) == 0
        assert await _count(runtime, model) == before[model] - own[model]
    assert [c.id for c in await directory.summaries()] and victim not in [
        c.id for c in await directory.summaries()
    ]


async def test_export_holds_all_of_one_customers_data(runtime):
    """Export contains the customer's messages, facts and drafts, and nobody else's."""
    ids = await _populate(runtime, customers=2)
    data = await CustomerDirectory(runtime.store.sessions).export(ids[0])
    assert {m["customer_id"] for m in data["messages"]} == {ids[0]}
    assert len(data["messages"]) == 2
    assert any("Rex" in f["statement"] for f in data["facts"])
    assert data["identities"][0]["user_id"] == "u0"


async def test_linking_identities_merges_history_across_platforms(runtime, drafter):
    """After a rep links a Discord user to a Slack customer, recall spans both platforms."""
    slack = await runtime.engine.handle(
        message("My cat Milo broke the lamp", platform="slack", workspace="T1", user="U1")
    )
    discord = await runtime.engine.handle(
        message("hello from discord", platform="discord", workspace="G1", user="D1", minutes=5)
    )
    assert slack.customer_id != discord.customer_id
    directory = CustomerDirectory(runtime.store.sessions)
    merged = await directory.link(slack.customer_id, "discord", "G1", "D1", actor="test")
    assert merged == discord.customer_id
    await runtime.engine.handle(
        message(
            "How is the lamp thing going?",
            platform="discord",
            workspace="G1",
            user="D1",
            minutes=10,
        )
    )
    assert any("Milo" in i.text for i in drafter.requests[-1].recalled)
    assert len(await runtime.store.messages.history(slack.customer_id)) == 3
