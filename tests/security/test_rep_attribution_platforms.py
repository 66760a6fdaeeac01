"""On Slack and Discord, a rep's message in a shared thread or channel goes to the customer it
answers: the thread's starter, the one mentioned, the one replied to (Security, High)."""

from __future__ import annotations

from memory.domain import DraftStatus
from tests.discord.conftest import eventually, first_card
from tests.fakes.slack_events import message
from tests.slack.conftest import REP, STRANGER, SUPPORT, SlackHarness

ALICE = "UCUSTOMER"  # "Dana Whitfield" in the fake workspace; she starts the thread
BOB = STRANGER  # "Sam Stranger", who joins her thread


async def _slack_thread_of_two(h: SlackHarness) -> str:
    assert h.slack is not None
    first = message("I was charged twice", user=ALICE, channel=SUPPORT, name="Dana Whitfield")
    await h.slack.event(first)
    await h.slack.event(
        message("Me too!", user=BOB, channel=SUPPORT, thread_ts=first["ts"], name="Sam Stranger")
    )
    await h.settle()
    return str(first["ts"])


async def _histories(h: SlackHarness) -> dict[int, list[str]]:
    drafts = await h.runtime.store.drafts.in_statuses(list(DraftStatus))
    return {
        d.customer_id: [m.text for m in await h.runtime.store.messages.history(d.customer_id)]
        for d in drafts
    }


async def test_slack_rep_in_a_shared_thread_answers_its_starter(http_slack: SlackHarness):
    """Sam wrote last in Dana's thread; the rep's unaddressed reply there is Dana's alone, and
    Sam's card keeps its buttons."""
    assert http_slack.slack is not None
    thread = await _slack_thread_of_two(http_slack)
    note = "Refunded to your card ending 4242."
    await http_slack.slack.event(message(note, user=REP, channel=SUPPORT, thread_ts=thread))
    await http_slack.settle()
    dana, sam = await http_slack.runtime.store.drafts.in_statuses(list(DraftStatus))
    histories = await _histories(http_slack)
    assert note in histories[dana.customer_id]
    assert note not in histories[sam.customer_id]
    assert (await http_slack.runtime.store.drafts.get(dana.id)).status == DraftStatus.SUPERSEDED
    assert (await http_slack.runtime.store.drafts.get(sam.id)).status == DraftStatus.PENDING


async def test_slack_rep_mentioning_a_customer_answers_that_customer(http_slack: SlackHarness):
    """A rep's `<@U…>` mention in the thread decides whose history the reply joins."""
    assert http_slack.slack is not None
    thread = await _slack_thread_of_two(http_slack)
    note = f"<@{BOB}> yours is refunded too."
    await http_slack.slack.event(message(note, user=REP, channel=SUPPORT, thread_ts=thread))
    await http_slack.settle()
    dana, sam = await http_slack.runtime.store.drafts.in_statuses(list(DraftStatus))
    histories = await _histories(http_slack)
    stored = "@Sam Stranger yours is refunded too."  # the mention, as the rep saw it
    assert stored in histories[sam.customer_id]
    assert stored not in histories[dana.customer_id]
    assert (await http_slack.runtime.store.drafts.get(dana.id)).status == DraftStatus.PENDING


async def test_discord_rep_replying_in_a_shared_channel_answers_the_replied_customer(
    fake, service, runtime
):
    """In a busy channel, a rep's Reply to Bob's message goes to Bob, though Alice wrote last;
    Alice's card (her two messages, folded into one draft) keeps its buttons."""
    alice, bob = fake.member("Alice"), fake.member("Bob")
    await fake.say(alice, "Do you ship to Oslo?")
    asked = await fake.say(bob, "Is the shop open Sunday?")
    await fake.say(alice, "Hello?")
    await first_card(fake, 3)
    await fake.say(fake.member("Ana Rep", rep=True), "Yes, 10 to 4!", reply_to=asked)
    bobs = await _draft_of(runtime, "Is the shop open Sunday?")
    await eventually(lambda: _status(runtime, bobs.id, DraftStatus.SUPERSEDED))
    history = [m.text for m in await runtime.store.messages.history(bobs.customer_id)]
    assert history == ["Is the shop open Sunday?", "Yes, 10 to 4!"]
    alices = [await _draft_of(runtime, t) for t in ("Do you ship to Oslo?", "Hello?")]
    assert sorted((d.status.value, d.decided_action or "") for d in alices) == [
        ("pending", ""),
        ("superseded", "folded"),
    ]


async def test_discord_rep_mentioning_a_customer_answers_that_customer(fake, service, runtime):
    """A rep's @mention of Bob in the channel puts the reply in Bob's history only."""
    alice, bob = fake.member("Alice"), fake.member("Bob")
    await fake.say(alice, "Do you ship to Oslo?")
    await fake.say(bob, "Is the shop open Sunday?")
    await first_card(fake, 2)
    await fake.say(fake.member("Ana Rep", rep=True), "Yes, 10 to 4!", mentions=[bob])
    bobs = await _draft_of(runtime, "Is the shop open Sunday?")
    await eventually(lambda: _status(runtime, bobs.id, DraftStatus.SUPERSEDED))
    history = [m.text for m in await runtime.store.messages.history(bobs.customer_id)]
    assert history[-1] == "Yes, 10 to 4!"
    alices = await _draft_of(runtime, "Do you ship to Oslo?")
    assert alices.status == DraftStatus.PENDING
    assert len(await runtime.store.messages.history(alices.customer_id)) == 1


async def _draft_of(runtime, text: str):
    """The draft answering the customer message ``text`` (ids follow arrival, not posting)."""
    for draft in await runtime.store.drafts.in_statuses(list(DraftStatus)):
        message = await runtime.store.messages.get(draft.message_id)
        if message is not None and message.text == text:
            return draft
    raise AssertionError(f"no draft answers {text!r}")


async def _status(runtime, draft_id: int, status: DraftStatus):
    draft = await runtime.store.drafts.get(draft_id)
    return draft if draft is not None and draft.status == status else None
