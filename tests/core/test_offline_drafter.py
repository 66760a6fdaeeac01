"""The offline drafter: warm, deterministic, and never inventive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.drafters import DraftRequest, OfflineDrafter
from bot.drafters.offline import is_negative
from memory.domain import DraftKind, RecallItem

PORTO = RecallItem(
    "fact",
    "Mentioned on 01 Dec 2026: “I'm off on a trip to Porto next Monday” (Monday 07 December 2026).",
    "upcoming event",
    1.0,
    message_id=4,
)
BISCUIT = RecallItem("fact", "Has a dog named Biscuit.", "profile fact", 1.0, message_id=3)


def request(text: str, recalled: list[RecallItem] | None = None) -> DraftRequest:
    return DraftRequest(
        kind=DraftKind.REPLY,
        customer_name="Dana Whitfield",
        first_name="Dana",
        message_text=text,
        recalled=recalled or [],
        message_id=99,
    )


def checkin(reason: str, recalled: list[RecallItem] | None = None) -> DraftRequest:
    return DraftRequest(
        kind=DraftKind.CHECKIN,
        customer_name="Dana Whitfield",
        first_name="Dana",
        message_text="",
        recalled=recalled or [],
        reason=reason,
    )


async def test_greets_by_name_and_acknowledges_the_topic():
    """The reply opens with the customer's name and names what they wrote about."""
    text = await OfflineDrafter().draft(request("Where can I find my invoice?"))
    assert text.startswith("Hi Dana")
    assert "your invoice" in text


async def test_apologises_first_when_something_went_wrong():
    """An unhappy message gets a plain apology in the first sentence, about its problem."""
    text = await OfflineDrafter().draft(request("My order is late and the box was damaged"))
    first = text.split(". ")[0].lower()
    assert "sorry" in first and "your order" in first
    assert "damage" in text


async def test_a_plain_refund_question_gets_no_apology():
    """Asking how refunds work is not a complaint: no "sorry", and a teammate will check."""
    text = await OfflineDrafter().draft(request("How do refunds work?"))
    assert "sorry" not in text.lower()
    assert "teammate" in text


async def test_distress_gets_sympathy_and_the_pet_not_the_trip():
    """The issue's example: a limping dog gets sympathy and a wish for Biscuit, and the
    unrelated trip to Porto stays out."""
    text = await OfflineDrafter().draft(
        request("Biscuit has been limping since yesterday, I'm worried", [PORTO, BISCUIT])
    )
    assert "sorry" in text.split(". ")[0].lower()
    assert "Biscuit" in text and "Porto" not in text
    assert "“" not in text and "Thanks for your message" not in text


async def test_the_pet_is_named_when_the_message_is_about_the_pet():
    """ "My dog is sick" with a remembered dog named Biscuit: the reply names Biscuit."""
    text = await OfflineDrafter().draft(request("My dog is sick and won't eat", [BISCUIT, PORTO]))
    assert "Biscuit" in text and "Porto" not in text


async def test_an_unrelated_pet_stays_out_of_a_billing_complaint():
    """A remembered pet is not mentioned when the message is about a double charge."""
    text = await OfflineDrafter().draft(request("I was charged twice this month", [BISCUIT]))
    assert "Biscuit" not in text
    assert "sorry" in text.lower()


async def test_a_remembered_fact_from_an_earlier_message_is_used_when_relevant():
    """A pet they told us about before is asked after when they write about pets."""
    fact = RecallItem("fact", "Has a cat named Milo.", "fact about cat", 2.0, message_id=5)
    text = await OfflineDrafter().draft(request("Do you sell food for older cats?", [fact]))
    assert "Milo" in text


async def test_does_not_parrot_a_fact_from_the_same_message():
    """A fact just stated in this very message is not 'remembered' back at them."""
    fact = RecallItem("fact", "Has a cat named Milo.", "profile fact", 2.0, message_id=99)
    text = await OfflineDrafter().draft(request("My cat Milo says hi", [fact]))
    assert "Milo" not in text


async def test_never_quotes_the_customer_back():
    """A long message is not quoted, cut mid-word or otherwise."""
    long = "I just wanted to say that the delivery driver was really lovely " * 4
    text = await OfflineDrafter().draft(request(long))
    assert "“" not in text and "delivery driver was really lovely" not in text


async def test_is_deterministic_and_makes_no_promises():
    """The same input gives the same reply, with no refunds or guarantees invented."""
    drafter = OfflineDrafter()
    one = await drafter.draft(request("I want a refund, the kettle broke"))
    two = await drafter.draft(request("I want a refund, the kettle broke"))
    assert one == two
    for promise in ("we will refund", "guarantee", "refund has been", "for free"):
        assert promise not in one.lower()


async def test_different_complaints_get_different_words():
    """Four unrelated problems get four different apologies."""
    drafter = OfflineDrafter()
    messages = [
        "My parcel is late",
        "I was charged twice",
        "The shoes are the wrong size",
        "My screen is blank",
    ]
    firsts = {(await drafter.draft(request(m))).split(". ")[0] for m in messages}
    assert len(firsts) == 4


async def test_asks_how_to_make_a_complaint_better():
    """A complaint ends by asking what would help put it right."""
    text = await OfflineDrafter().draft(request("The app keeps crashing, so frustrating"))
    assert text.rstrip().endswith("?")
    assert any(w in text for w in ("better", "right", "easier", "helpful"))


async def test_asking_for_a_teammate_gets_continuity_from_the_record():
    """ "Is Sam still there?" gets a handover that names what Sam did, from Sam's own turn,
    without claiming Sam left."""
    turn = RecallItem(
        "related",
        "I've sent you a new lid for the kettle.",
        "mentions kettle",
        1.0,
        message_id=7,
        at=datetime(2026, 10, 1, tzinfo=UTC),
        speaker="Sam Reed",
        role="rep",
    )
    text = await OfflineDrafter().draft(request("Is Sam still there?", [turn]))
    assert "Sam" in text and "sent you a new lid" in text
    assert "left" not in text and "teammate" not in text


async def test_a_long_gap_is_welcomed_back_when_the_message_time_is_known():
    """A request that carries the message's time (a proposed ``sent_at``) and a last turn
    two months before it gets a "welcome back"."""

    @dataclass(frozen=True, slots=True)
    class Timed(DraftRequest):
        sent_at: datetime | None = None

    old = RecallItem(
        "related",
        "Thanks, all good!",
        "related past message",
        0.5,
        message_id=2,
        at=datetime(2026, 9, 1, tzinfo=UTC),
        role="customer",
    )
    timed = Timed(
        kind=DraftKind.REPLY,
        customer_name="Dana Whitfield",
        first_name="Dana",
        message_text="Do you have the blue mug in stock?",
        recalled=[old],
        message_id=99,
        sent_at=datetime(2026, 11, 30, tzinfo=UTC),
    )
    text = await OfflineDrafter().draft(timed)
    assert "welcome back" in text.lower() or "again" in text


async def test_a_checkin_names_the_event_from_a_fact_and_never_shows_the_reason():
    """An event check-in asks about the trip in the customer's terms, with no quoted reason
    and no bracketed date."""
    text = await OfflineDrafter().draft(
        checkin(
            "you mentioned “I'm off on a trip to Porto next Monday” (Monday 7 December); "
            "asking how it went",
            [PORTO],
        )
    )
    assert text.startswith("Hi Dana")
    assert "trip to Porto" in text
    for leak in ("“", "(", "asking how it went", "December"):
        assert leak not in text


async def test_a_rep_note_checkin_stays_generic():
    """A check-in a rep asked for never repeats the rep's internal note."""
    text = await OfflineDrafter().draft(checkin("renewal is due (asked by Rita)"))
    assert "renewal" not in text and "Rita" not in text
    assert text.startswith("Hi Dana")


def test_is_negative_reads_plain_and_emotional_trouble():
    """Problems are recognised in plain and emotional wording; plain questions are not."""
    for text in (
        "Biscuit has been limping since yesterday, I'm worried",
        "my parcel never arrived",
        "I've been double charged",
        "the screen is just blank",
        "wrong size again :(",
        "this is ridiculous, I'm so fed up",
    ):
        assert is_negative(text), text
    for text in ("How do refunds work?", "Thanks, all working again!", "No problem at all"):
        assert not is_negative(text), text
