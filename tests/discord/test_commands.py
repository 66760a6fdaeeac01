"""``/rapport customer`` and ``/rapport forget``: reps asking Rapport about a customer."""

from __future__ import annotations

from memory.customers import CustomerDirectory
from tests.discord.conftest import first_card

DEFER_WITH_MESSAGE, MESSAGE = 5, 4
EPHEMERAL = 64


async def test_customer_shows_remembered_facts_and_history_privately(fake, service, runtime):
    """/rapport customer @Dana shows, only to the rep, what Rapport knows about Dana."""
    rep, dana = fake.member("Ana", rep=True), fake.member("Dana")
    await fake.say(dana, "My dog is called Biscuit and my order is late")
    await first_card(fake)
    await runtime.engine.wait_idle()
    interaction = await fake.slash(rep, "customer", dana)
    shown = (await fake.wait_for(lambda: fake.find("POST", f"/webhooks/{fake.app_id}/")))[0]
    deferred = fake.callbacks(interaction)[0].body
    assert deferred["type"] == DEFER_WITH_MESSAGE and deferred["data"]["flags"] & EPHEMERAL
    text = str(shown.body["embeds"])
    assert "Biscuit" in text
    assert "my order is late" in text


async def test_forget_deletes_the_customer_after_confirmation(fake, service, runtime):
    """/rapport forget asks first; confirming deletes the customer's data and redacts her card."""
    rep, dana = fake.member("Ana", rep=True), fake.member("Dana")
    await fake.say(dana, "Please forget me afterwards")
    card = await first_card(fake)
    await runtime.engine.wait_idle()
    await fake.slash(rep, "forget", dana)
    ask = (await fake.wait_for(lambda: fake.find("POST", f"/webhooks/{fake.app_id}/")))[0]
    assert "cannot be undone" in ask.body["content"]
    directory = CustomerDirectory(runtime.store.sessions)
    assert await directory.find_by_identity("discord", fake.guild_id, dana["id"]) is not None
    confirm = ask.body["components"][0]["components"][0]
    assert confirm["label"] == "Delete everything"
    fake.messages[ask.response["id"]] = ask.response
    await fake.click(rep, ask.response["id"], confirm["custom_id"])
    done = await fake.wait_for(
        lambda: [c for c in fake.find("PATCH", "/webhooks/") if "Forgotten" in str(c.body)]
    )
    assert "1 messages" in done[0].body["content"]
    assert await directory.find_by_identity("discord", fake.guild_id, dana["id"]) is None
    redacted = fake.messages[card.response["id"]]  # the card says so, with nothing of hers
    assert "forget me" not in str(redacted) and redacted["components"] == []


async def test_commands_are_refused_to_non_reps(fake, service, runtime):
    """Someone who is not a rep cannot look customers up; they are told so privately."""
    outsider, dana = fake.member("Curious"), fake.member("Dana")
    interaction = await fake.slash(outsider, "customer", dana)
    answer = (await fake.wait_for(lambda: fake.callbacks(interaction)))[0].body
    assert answer["type"] == MESSAGE
    assert answer["data"]["flags"] & EPHEMERAL
    assert "Only Rapport reps" in answer["data"]["content"]
