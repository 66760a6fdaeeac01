"""Gateway trouble: reconnects and redelivered events never duplicate work."""

from __future__ import annotations

from sqlalchemy import func, select

from memory.schema import Draft
from tests.discord.conftest import first_card


async def _drafts(runtime) -> int:
    async with runtime.store.sessions() as session:
        return int((await session.execute(select(func.count(Draft.id)))).scalar_one())


async def test_reconnect_and_replayed_message_make_one_draft(fake, service, runtime):
    """After Discord asks the bot to reconnect and replays a message, there is still one card."""
    said = await fake.say(fake.member("Dana"), "Hello once")
    await first_card(fake)
    await fake.reconnect()
    await fake.wait_for(lambda: fake.resumes == 1)
    await fake.dispatch("MESSAGE_CREATE", said)  # Discord redelivers it on the new session
    await fake.say(fake.member("Eli"), "A new message after the resume")
    await first_card(fake, 2)
    await runtime.engine.wait_idle()
    assert await _drafts(runtime) == 2
    assert len(fake.cards()) == 2


async def test_dropped_socket_resumes_without_duplicates(fake, service, runtime):
    """When the connection drops, the bot resumes; a redelivered message is not redrafted."""
    said = await fake.say(fake.member("Dana"), "Hello once")
    await first_card(fake)
    await fake.drop()
    await fake.wait_for(lambda: fake.resumes == 1)
    await fake.dispatch("MESSAGE_CREATE", said)
    await fake.say(fake.member("Eli"), "Still listening?")
    await first_card(fake, 2)
    await runtime.engine.wait_idle()
    assert await _drafts(runtime) == 2
    assert fake.identifies == 1
