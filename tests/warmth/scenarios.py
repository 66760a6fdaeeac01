"""Scripted conversations across weeks: dated history, then a new message (or a check-in).

Each scenario says what a good draft must do: whether an apology is due,
whether it is a complaint (so the draft asks what would make it better), which
remembered facts exist, which of them bear on the message, and what the
intent calls for (a welcome, "a teammate will check", the docs' answer…).
History is stored through the real engine, so facts are extracted and recall
ranks them exactly as in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

# The new message's time. Fixed, and in the past, so check-in recall (which
# reads "now" from the wall clock) sees the whole history.
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
TEAMMATE = r"teammate"
WELCOME = r"\bwelcome\b|lovely to meet you"
WELCOME_BACK = r"welcome back|from you again"


@dataclass(frozen=True, slots=True)
class Turn:
    text: str
    days_ago: float
    by: str = "customer"  # or a teammate's display name


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    intent: str
    message: str
    history: tuple[Turn, ...] = ()
    customer: str = "Dana Whitfield"
    apology_due: bool = False
    complaint: bool = False
    category: str = ""  # what went wrong, so unrelated complaints must differ
    remembered: tuple[str, ...] = ()  # markers of every fact the customer told us
    relevant: tuple[str, ...] = ()  # the markers that may be used for this message
    expect_memory: bool = False  # a relevant fact must be used
    unrelated: tuple[str, ...] = ()  # must never appear
    expects: tuple[str, ...] = ()  # regexes the draft must match
    refuses: tuple[str, ...] = ()  # regexes it must not match
    knowledge: bool = False  # the team's help docs are indexed
    knowledge_text: tuple[str, ...] = field(default_factory=tuple)
    checkin_reason: str | None = None


MILO = (
    Turn("Hi! My name is Dana. I just bought the Kettle Pro for my kitchen.", 60),
    Turn("My cat Milo knocked a mug off the counter, he is fine though.", 45),
)
RAVI = (
    Turn("My dog Biscuit turned three today!", 40),
    Turn("We're on the Family plan for both of us.", 30),
    Turn("I'm off on a trip to Porto next Monday, so ship before then please.", 3),
)
MEI = (
    Turn("My daughter Emma has her piano recital on Friday, so exciting!", 3),
    Turn("The speaker we bought sounds great.", 20),
)
SHIPPING_TEXT = (
    "Orders ship within two working days. Delivery in the UK takes three to five working days "
    "after that.",
    "Open Account, choose Pets, then Add a pet. A second pet on the same plan costs half price.",
    "Go to Account, then Billing, and choose Replace card.",
)

SCENARIOS: tuple[Scenario, ...] = (
    # -- problems: distress, worry, delay, billing, damage, broken, in plain and emotional words
    Scenario(
        "distress/pet named",
        "problem",
        "Biscuit has been limping since yesterday, I'm worried",
        RAVI,
        customer="Ravi Patel",
        apology_due=True,
        complaint=True,
        category="health",
        remembered=("Biscuit", "Porto", "Family"),
        relevant=("Biscuit",),
        unrelated=("Porto", "Family plan"),
    ),
    Scenario(
        "distress/pet unnamed",
        "problem",
        "My dog won't eat and keeps being sick, I'm really scared",
        RAVI,
        customer="Ravi Patel",
        apology_due=True,
        complaint=True,
        category="health",
        remembered=("Biscuit", "Porto", "Family"),
        relevant=("Biscuit",),
        expect_memory=True,
        unrelated=("Porto",),
    ),
    Scenario(
        "distress/bereavement",
        "problem",
        "Our cat passed away on Sunday. Please cancel everything for him.",
        MILO,
        apology_due=True,
        complaint=True,
        category="loss",
        remembered=("Milo", "Kettle Pro"),
        relevant=("Milo",),
        unrelated=("Kettle",),
    ),
    Scenario(
        "delay/plain",
        "problem",
        "My parcel still hasn't arrived and it's been two weeks.",
        MILO,
        apology_due=True,
        complaint=True,
        category="delay",
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo", "Kettle"),
    ),
    Scenario(
        "delay/emotional",
        "problem",
        "Honestly this is ridiculous!! I've been waiting ages for my order and nobody tells me "
        "anything.",
        MILO,
        apology_due=True,
        complaint=True,
        category="delay",
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo",),
    ),
    Scenario(
        "delay/worried before a trip",
        "problem",
        "My order hasn't come yet and I'm worried it won't be here before I fly to Porto.",
        RAVI,
        customer="Ravi Patel",
        apology_due=True,
        complaint=True,
        category="delay",
        remembered=("Biscuit", "Porto", "Family"),
        relevant=("Porto",),
        unrelated=("Biscuit",),
    ),
    Scenario(
        "billing/double charge",
        "problem",
        "I've been charged twice for my subscription this month.",
        RAVI,
        customer="Ravi Patel",
        apology_due=True,
        complaint=True,
        category="billing",
        remembered=("Biscuit", "Porto", "Family"),
        relevant=("Family",),
        unrelated=("Biscuit", "Porto"),
    ),
    Scenario(
        "billing/issue example",
        "problem",
        "I was charged twice for November. Can you check the invoice?",
        RAVI,
        customer="Ravi Patel",
        apology_due=True,
        complaint=True,
        category="billing",
        remembered=("Biscuit", "Porto", "Family"),
        unrelated=("Biscuit", "Porto"),
        expects=(TEAMMATE,),
    ),
    Scenario(
        "billing/emotional",
        "problem",
        "I'm furious. You've taken money from my account after I cancelled!",
        MILO,
        apology_due=True,
        complaint=True,
        category="billing",
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo", "Kettle"),
    ),
    Scenario(
        "damage/smashed",
        "problem",
        "The mug arrived smashed to pieces.",
        MEI,
        customer="Mei Chen",
        apology_due=True,
        complaint=True,
        category="damage",
        remembered=("Emma", "recital"),
        unrelated=("Emma", "recital"),
    ),
    Scenario(
        "damage/and late",
        "problem",
        "My order is late and the box was damaged when it finally came",
        MILO,
        apology_due=True,
        complaint=True,
        category="delay",
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo",),
        expects=(r"damage",),
    ),
    Scenario(
        "wrong item/size",
        "problem",
        "The boots came in the wrong size, they're far too small.",
        MEI,
        customer="Mei Chen",
        apology_due=True,
        complaint=True,
        category="wrong item",
        remembered=("Emma",),
        unrelated=("Emma",),
    ),
    Scenario(
        "broken/blank screen",
        "problem",
        "My tablet just shows a blank screen when I switch it on.",
        MILO,
        apology_due=True,
        complaint=True,
        category="broken",
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo", "Kettle"),
    ),
    Scenario(
        "broken/remembered product",
        "problem",
        "My kettle won't turn on anymore.",
        MILO,
        apology_due=True,
        complaint=True,
        category="broken",
        remembered=("Milo", "Pro"),
        relevant=("Pro",),
        expect_memory=True,
        unrelated=("Milo",),
    ),
    Scenario(
        "broken/sad face",
        "problem",
        "The app logged me out again :(",
        MEI,
        customer="Mei Chen",
        apology_due=True,
        complaint=True,
        category="general",
        remembered=("Emma",),
        unrelated=("Emma",),
    ),
    Scenario(
        "broken/router family unrelated",
        "problem",
        "The router keeps dropping the connection every evening.",
        MEI,
        customer="Mei Chen",
        apology_due=True,
        complaint=True,
        category="broken",
        remembered=("Emma", "recital"),
        unrelated=("Emma", "recital"),
    ),
    Scenario(
        "access/locked out",
        "problem",
        "I can't log in to my account, it says my password is wrong every time.",
        MILO,
        apology_due=True,
        complaint=True,
        category="access",
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo", "Kettle"),
    ),
    Scenario(
        "missing/part",
        "problem",
        "The charger is missing from the box.",
        MILO,
        apology_due=True,
        complaint=True,
        category="missing",
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo",),
    ),
    Scenario(
        "service/ignored",
        "problem",
        "I've emailed three times and nobody has replied.",
        MEI,
        customer="Mei Chen",
        apology_due=True,
        complaint=True,
        category="service",
        remembered=("Emma",),
        unrelated=("Emma",),
    ),
    # -- questions ------------------------------------------------------------------------
    Scenario(
        "question/refund, nothing wrong",
        "question",
        "How do refunds work if I change my mind?",
        MILO,
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo", "Kettle"),
        expects=(TEAMMATE,),
    ),
    Scenario(
        "question/answered from docs",
        "question",
        "How do I add a second pet to my plan?",
        MILO,
        remembered=("Milo", "Kettle Pro"),
        relevant=("Milo",),
        unrelated=("Kettle",),
        expects=(r"Add a pet",),
        refuses=(TEAMMATE,),
        knowledge=True,
        knowledge_text=SHIPPING_TEXT,
    ),
    Scenario(
        "question/delivery from docs",
        "question",
        "How long does delivery take?",
        RAVI,
        customer="Ravi Patel",
        remembered=("Biscuit", "Porto", "Family"),
        relevant=("Porto",),
        unrelated=("Biscuit", "Family"),
        expects=(r"working days",),
        knowledge=True,
        knowledge_text=SHIPPING_TEXT,
    ),
    Scenario(
        "question/not in docs",
        "question",
        "Do you sell gift vouchers?",
        MILO,
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo", "Kettle"),
        expects=(TEAMMATE,),
        knowledge=True,
        knowledge_text=SHIPPING_TEXT,
    ),
    Scenario(
        "question/account, pet unrelated",
        "question",
        "Can I change the email address on my account?",
        MILO,
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo", "Kettle"),
        expects=(TEAMMATE,),
    ),
    Scenario(
        "question/about the pet",
        "question",
        "Is the senior food you sell okay for an older cat?",
        MILO,
        remembered=("Milo", "Kettle Pro"),
        relevant=("Milo",),
        expect_memory=True,
        unrelated=("Kettle",),
        expects=(TEAMMATE,),
    ),
    Scenario(
        "question/family event",
        "question",
        "Could the tripod get here before my daughter's recital?",
        MEI,
        customer="Mei Chen",
        remembered=("Emma",),
        relevant=("Emma",),
        expect_memory=True,
        expects=(TEAMMATE,),
    ),
    # -- thanks, feedback, suggestions --------------------------------------------------------
    Scenario(
        "thanks/after help",
        "thanks",
        "Thank you so much for your help, the new lid fits perfectly!",
        MILO,
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo",),
        expects=(r"welcome|thank|glad",),
    ),
    Scenario(
        "feedback/praise",
        "feedback",
        "Just wanted to say the speaker is brilliant, we use it every day.",
        MEI,
        customer="Mei Chen",
        remembered=("Emma",),
        unrelated=("Emma",),
        expects=(r"wonderful|glad|thank|made our day",),
    ),
    Scenario(
        "suggestion/statement",
        "suggestion",
        "It would be great if the app had a dark mode.",
        MILO,
        remembered=("Milo", "Kettle Pro"),
        unrelated=("Milo", "Kettle"),
        expects=(r"idea|suggestion",),
    ),
    Scenario(
        "suggestion/question",
        "suggestion",
        "Could you add a way to pause my subscription for a month?",
        RAVI,
        customer="Ravi Patel",
        remembered=("Biscuit", "Porto", "Family"),
        relevant=("Family",),
        unrelated=("Biscuit", "Porto"),
        expects=(TEAMMATE,),
    ),
    # -- greetings, first contact, returning customers ---------------------------------------
    Scenario(
        "first contact/greeting",
        "greeting",
        "Hi! I just signed up today.",
        customer="Tom Baker",
        expects=(WELCOME, r"help|what can I do"),
    ),
    Scenario(
        "first contact/question",
        "greeting",
        "Hello, do you deliver to Ireland?",
        customer="Aoife Byrne",
        expects=(WELCOME, TEAMMATE),
    ),
    Scenario(
        "returning/says so",
        "returning",
        "Hi again, it's been a while! How do I update my card details?",
        (Turn("My kettle lid won't close.", 75), Turn("All good now, thanks!", 70)),
        expects=(WELCOME_BACK, TEAMMATE),
    ),
    Scenario(
        "returning/with a problem",
        "returning",
        "Hello again, long time no see. My printer keeps jamming and now it won't print at all.",
        (Turn("Do you stock ink for the P100?", 90),),
        apology_due=True,
        complaint=True,
        category="broken",
    ),
    # -- continuity: asking for someone who helped before --------------------------------------
    Scenario(
        "continuity/known teammate",
        "asks for rep",
        "Is Sam still there? He sorted my kettle lid last time.",
        (
            Turn("My kettle lid won't close since my cat knocked it over.", 50),
            Turn("Sorry about that! I've sent you a new lid for the kettle.", 50, by="Sam Reed"),
        ),
        expects=(r"\bSam\b", r"sent you a new lid|notes|history"),
        refuses=(r"Sam (?:has left|left the company|no longer works|quit)",),
    ),
    Scenario(
        "continuity/unknown teammate",
        "asks for rep",
        "Where's Priya? I usually talk to her about my orders.",
        MEI,
        customer="Mei Chen",
        remembered=("Emma",),
        unrelated=("Emma",),
        expects=(r"picking this up|with me",),
        refuses=(r"Priya (?:has left|left|no longer)",),
    ),
    # -- check-ins -------------------------------------------------------------------------
    Scenario(
        "check-in/event",
        "check-in",
        "",
        (Turn("Taking Milo to the vet next Friday for a check-up.", 10), *MILO),
        remembered=("Milo", "Kettle Pro"),
        relevant=("Milo",),
        expect_memory=True,
        unrelated=("Kettle",),
        expects=(r"vet visit",),
        checkin_reason="you mentioned “Taking Milo to the vet next Friday for a check-up” "
        "(Friday 27 November); asking how it went",
    ),
    Scenario(
        "check-in/follow-up",
        "check-in",
        "",
        (
            Turn("My kettle lid won't close.", 6),
            Turn("Sorry! Try pressing it down firmly.", 6, by="Sam"),
        ),
        expects=(r"kettle",),
        checkin_reason="you told us “My kettle lid won't close” and we replied on Tuesday 24 "
        "November; asking whether it is solved",
    ),
    Scenario(
        "check-in/quiet",
        "check-in",
        "",
        MILO,
        remembered=("Milo", "Kettle Pro"),
        relevant=("Milo",),
        unrelated=("Kettle",),
        expects=(r"while|hello|check in",),
        checkin_reason="it has been 30 days since you last wrote (Friday 16 October 2026)",
    ),
    Scenario(
        "check-in/rep's note",
        "check-in",
        "",
        RAVI,
        customer="Ravi Patel",
        remembered=("Biscuit", "Porto", "Family"),
        unrelated=("renewal", "Rita", "Family", "Porto"),
        checkin_reason="renewal due, ask about moving them to annual billing (asked by Rita)",
    ),
)
