"""The offline drafter: warm, deterministic, and never inventive."""

from __future__ import annotations

from bot.drafters import DraftRequest, OfflineDrafter
from memory.domain import RecallItem


def request(text: str, recalled: list[RecallItem] | None = None) -> DraftRequest:
    return DraftRequest(
        kind="reply",
        customer_name="Dana Whitfield",
        first_name="Dana",
        message_text=text,
        recalled=recalled or [],
        message_id=99,
    )


async def test_greets_by_name_and_acknowledges_the_topic():
    """The reply opens with the customer's name and names what they wrote about."""
    text = await OfflineDrafter().draft(request("Where can I find my invoice?"))
    assert text.startswith("Hi Dana")
    assert "your invoice" in text


async def test_apologises_when_something_went_wrong():
    """An unhappy message gets a plain apology first."""
    text = await OfflineDrafter().draft(request("My order is late and the box was damaged"))
    assert "sorry" in text.lower()
    assert "your order" in text


async def test_mentions_a_remembered_fact_from_an_earlier_message():
    """A pet they told us about before is asked after, warmly."""
    fact = RecallItem("fact", "Has a cat named Milo.", "profile fact", 2.0, message_id=5)
    text = await OfflineDrafter().draft(request("Quick question about the app", [fact]))
    assert "Milo" in text


async def test_does_not_parrot_a_fact_from_the_same_message():
    """A fact just stated in this very message is not 'remembered' back at them."""
    fact = RecallItem("fact", "Has a cat named Milo.", "profile fact", 2.0, message_id=99)
    text = await OfflineDrafter().draft(request("My cat Milo says hi", [fact]))
    assert "How is Milo" not in text


async def test_is_deterministic_and_makes_no_promises():
    """The same input gives the same reply, with no refunds or guarantees invented."""
    drafter = OfflineDrafter()
    one = await drafter.draft(request("I want a refund, the kettle broke"))
    two = await drafter.draft(request("I want a refund, the kettle broke"))
    assert one == two
    for promise in ("we will refund", "guarantee", "refund has been", "for free"):
        assert promise not in one.lower()
