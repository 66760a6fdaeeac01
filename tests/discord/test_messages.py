"""Which Discord messages reach Rapport, and how they map to conversations."""

from __future__ import annotations

from memory.domain import DraftStatus, conversation_key
from tests.discord.conftest import button, card_edits, eventually, first_card

MEMBER_JOIN = 7


async def test_a_dm_is_answered_in_the_dm(fake, service, runtime):
    """A customer who DMs the bot gets the approved reply in the same DM."""
    rep = fake.member("Ana", rep=True)
    dana = fake.member("Dana")
    said = await fake.say(dana, "Psst, a private question", dm=True)
    card = await first_card(fake)
    await fake.click(rep, card.response["id"], button(card, "Approve"))
    reply = (await fake.wait_for(lambda: fake.replies(said["channel_id"])))[0]
    assert str(reply.body["message_reference"]["message_id"]) == said["id"]
    message = await runtime.store.messages.get(1)
    assert (message.workspace, message.is_direct) == ("dm", True)


async def test_a_thread_message_is_answered_in_the_thread(fake, service, runtime):
    """A customer writing in a thread is answered in that thread."""
    rep = fake.member("Ana", rep=True)
    await fake.say(fake.member("Dana"), "Following up here", channel_id=fake.thread_id)
    card = await first_card(fake)
    await fake.click(rep, card.response["id"], button(card, "Approve"))
    assert await fake.wait_for(lambda: fake.replies(fake.thread_id))
    message = await runtime.store.messages.get(1)
    assert message.conversation_key == conversation_key(
        "discord", fake.guild_id, fake.thread_id, None
    )


async def test_bots_system_messages_edits_and_the_review_channel_are_ignored(
    fake, service, runtime
):
    """Bots, join notices, edited messages and reps' chat in the review channel never get drafts."""
    dana = fake.member("Dana")
    other_bot = fake.user("Other Bot", bot=True)
    await fake.say(other_bot, "I am a bot")
    await fake.say(dana, "", message_type=MEMBER_JOIN)
    original = await fake.say(dana, "first version")
    await eventually(runtime.store.messages.count)  # people edit after the message has landed
    await fake.dispatch("MESSAGE_UPDATE", dict(original, content="edited version"))
    await fake.say(fake.member("Ana", rep=True), "chatting", channel_id=fake.review_channel_id)
    await fake.say(dana, "last message")
    await fake.wait_for(lambda: len(fake.cards()) >= 2)
    await runtime.engine.wait_idle()
    assert await runtime.store.messages.count() == 2  # "first version" and "last message"
    assert (await runtime.store.messages.get(1)).text == "first version"
    assert len(fake.cards()) == 2  # and the bot's own echoed cards made no drafts


async def test_a_rep_answering_in_the_channel_supersedes_the_draft(fake, service, runtime):
    """When a rep answers the customer themselves, the draft is marked answered, buttons gone."""
    await fake.say(fake.member("Dana"), "Is the shop open Sunday?")
    card = await first_card(fake)
    await fake.say(fake.member("Ana Rep", rep=True), "Yes, 10 to 4!")
    edit = (
        await fake.wait_for(
            lambda: [e for e in card_edits(fake, card) if "Answered directly" in str(e.body)]
        )
    )[-1]
    assert edit.body["components"] == []
    assert "Ana Rep" in str(edit.body["embeds"])
    draft = await eventually(lambda: runtime.store.drafts.get(1))
    assert draft.status == DraftStatus.SUPERSEDED
    history = await runtime.store.messages.history(draft.customer_id)
    assert [m.author_kind for m in history] == ["customer", "rep"]


async def test_only_configured_channels_are_served(fake, start_service, runtime):
    """With RAPPORT_DISCORD_CHANNELS set, messages elsewhere are left alone (DMs still count)."""
    await start_service(runtime, discord_channels=fake.thread_id)
    dana = fake.member("Dana")
    await fake.say(dana, "in the main support channel")
    await fake.say(dana, "in the thread", channel_id=fake.thread_id)
    await fake.say(dana, "in a DM", dm=True)
    await fake.wait_for(lambda: len(fake.cards()) >= 2)
    await runtime.engine.wait_idle()
    texts = [m.text for m in await runtime.store.messages.history(1)] + [
        m.text for m in await runtime.store.messages.history(2)
    ]
    assert sorted(texts) == ["in a DM", "in the thread"]
