"""What the offline drafter may say from memory: one fact that bears on the message, the
people who helped before and what they did, and whether the customer has been away.

Facts arrive as the statements :mod:`bot.facts` writes ("Has a cat named Milo.",
"Mentioned on 02 Nov 2026: “…” (Friday 06 November 2026).") with recall's reason
("fact about …", "profile fact", "upcoming event", "their name"). The reason says
what recall matched, not what the reply should say, so relevance is decided
here, from the message's own words: a pet when the message is about the pet, a
family member when it names them, an event when the message touches it. A fact
that bears on nothing is never mentioned: an unrelated pet in a billing
complaint reads as a form letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.drafters.offline.reading import Reading, Topic
from memory.domain import RecallItem

_PET_KINDS = frozenset(
    [
        "cat",
        "dog",
        "puppy",
        "kitten",
        "parrot",
        "rabbit",
        "bunny",
        "hamster",
        "horse",
        "pony",
        "bird",
        "fish",
        "turtle",
        "tortoise",
        "guinea pig",
        "ferret",
        "lizard",
        "snake",
        "pup",
    ]
)
_PET_WORDS = re.compile(
    r"\b(?:pet|pets|vet|vets|vet's|paw|paws|fur|kibble|litter|lead|leash)\b", re.IGNORECASE
)
_RELATIONS = frozenset(
    [
        "wife",
        "husband",
        "partner",
        "son",
        "daughter",
        "mom",
        "mum",
        "mother",
        "dad",
        "father",
        "sister",
        "brother",
        "boyfriend",
        "girlfriend",
        "grandma",
        "grandmother",
        "grandpa",
        "grandfather",
        "fiancée",
        "fiancee",
        "fiancé",
        "fiance",
        "baby",
        "kid",
        "niece",
        "nephew",
        "aunt",
        "uncle",
        "cousin",
    ]
)
_HAS = re.compile(r"^Has an? ([\w ]+?) named (\S+?)\.$")
_EVENT = re.compile(r"^Mentioned on [^:]*: “(.+)” \((\w+ \d{1,2} \w+ \d{4})\)\.$")
_USES = re.compile(r"^Uses (.+)\.$")
_PLAN = re.compile(r"^Is on the (.+) plan\.$")
# Event words from bot.facts, the specific first: "off on a trip to Porto" is a trip.
_EVENT_NOUNS: tuple[tuple[str, str], ...] = (
    ("vet", "vet visit"),
    ("check-up", "check-up"),
    ("checkup", "check-up"),
    ("dentist", "dentist appointment"),
    ("doctor", "doctor's appointment"),
    ("surgery", "surgery"),
    ("operation", "operation"),
    ("wedding", "wedding"),
    ("recital", "recital"),
    ("graduation", "graduation"),
    ("interview", "interview"),
    ("exam", "exam"),
    ("marathon", "marathon"),
    ("race", "race"),
    ("concert", "concert"),
    ("tournament", "tournament"),
    ("ceremony", "ceremony"),
    ("presentation", "presentation"),
    ("conference", "conference"),
    ("launch", "launch"),
    ("release", "release"),
    ("opening", "opening"),
    ("demo", "demo"),
    ("party", "party"),
    ("birthday", "birthday"),
    ("trip", "trip"),
    ("vacation", "vacation"),
    ("holidays", "holiday"),
    ("holiday", "holiday"),
    ("flight", "flight"),
    ("moving", "move"),
    ("move", "move"),
    ("appointment", "appointment"),
    ("visit", "visit"),
    ("meeting", "meeting"),
    ("deadline", "deadline"),
    ("game", "game"),
    ("event", "event"),
    ("travelling", "travels"),
    ("traveling", "travels"),
    ("away", "time away"),
    ("leave", "time away"),
    ("off", "time away"),
)
# Words that tie an event to a message no better than chance.
_WEAK = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "next",
        "this",
        "last",
        "week",
        "weekend",
        "today",
        "tomorrow",
        "yesterday",
        "day",
        "days",
        "month",
        "morning",
        "evening",
        "night",
        "going",
        "get",
        "got",
        "off",
        "on",
        "away",
        "the",
        "and",
        "for",
        "with",
        "just",
        "really",
        "so",
    ]
)


@dataclass(frozen=True, slots=True)
class Pet:
    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Relative:
    relation: str
    name: str


@dataclass(frozen=True, slots=True)
class Event:
    said: str  # the customer's own sentence
    day: datetime | None
    upcoming: bool  # recall said so: within the next two weeks of the message
    noun: str  # "trip", "vet visit"
    phrase: str  # "your trip to Porto", "Milo's vet visit"


@dataclass(frozen=True, slots=True)
class Product:
    name: str


@dataclass(frozen=True, slots=True)
class PlanFact:
    name: str


Fact = Pet | Relative | Event | Product | PlanFact


def facts_of(items: list[RecallItem], current_message_id: int | None) -> list[Fact]:
    """The facts recall brought, typed; none said in the message being answered (that
    would be repeating them back, not remembering)."""
    raw = [
        i
        for i in items
        if i.kind == "fact" and not (current_message_id and i.message_id == current_message_id)
    ]
    companions = [_simple(i.text) for i in raw]
    names = {f.name: f for f in companions if isinstance(f, Pet | Relative)}
    out: list[Fact] = []
    for item, simple in zip(raw, companions, strict=True):
        if simple is not None:
            out.append(simple)
            continue
        event = _event(item, names)
        if event is not None:
            out.append(event)
    return out


def _simple(text: str) -> Fact | None:
    has = _HAS.match(text)
    if has:
        kind, name = has.group(1).lower(), has.group(2)
        if kind in _RELATIONS:
            return Relative(kind, name)
        if kind in _PET_KINDS:
            return Pet(kind, name)
        return None
    uses = _USES.match(text)
    if uses:
        return Product(uses.group(1))
    plan = _PLAN.match(text)
    if plan:
        return PlanFact(plan.group(1))
    return None


def _event(item: RecallItem, names: dict[str, Pet | Relative]) -> Event | None:
    m = _EVENT.match(item.text)
    if not m:
        return None
    said = m.group(1).rstrip("…").strip()
    try:
        day = datetime.strptime(m.group(2), "%A %d %B %Y")
    except ValueError:
        day = None
    noun = event_noun(said)
    if noun is None:
        return None
    return Event(said, day, item.reason == "upcoming event", noun, _phrase(said, noun, names))


def event_noun(said: str) -> str | None:
    lowered = said.lower()
    for word, noun in _EVENT_NOUNS:
        if re.search(rf"\b{re.escape(word)}\b", lowered):
            return noun
    return None


def _phrase(said: str, noun: str, names: dict[str, Pet | Relative]) -> str:
    """The event as the reply names it, from the customer's own words only."""
    for name in names:
        if re.search(rf"\b{re.escape(name)}\b", said):
            return f"{name}'s {noun}"
    place = re.search(r"\b(?:trip|flight|holiday|vacation|move|moving)\s+to\s+([A-Z][\w-]+)", said)
    if place:
        return f"your {noun} to {place.group(1)}"
    return f"your {noun}"


# -- which fact bears on the message --------------------------------------------------


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None


def relevant_fact(
    facts: list[Fact], text: str, reading: Reading, topic: Topic | None
) -> Fact | None:
    """At most one fact, and only one that bears on this message; else none."""
    pets = [f for f in facts if isinstance(f, Pet)]
    for fact in facts:  # named in the message: the surest sign
        if isinstance(fact, Pet | Relative) and re.search(rf"\b{re.escape(fact.name)}\b", text):
            return fact
    for fact in facts:  # an event the message touches names its people too ("Emma's recital")
        if isinstance(fact, Event) and _event_touches(fact, text):
            return fact
    for fact in facts:
        if isinstance(fact, Pet) and (
            _mentions(text, fact.kind)
            or _mentions(text, fact.kind + "s")
            or (len(pets) == 1 and _PET_WORDS.search(text))
        ):
            return fact
        if isinstance(fact, Relative) and re.search(
            rf"\b(?:my|our)\s+{re.escape(fact.relation)}\b", text, re.IGNORECASE
        ):
            return fact
    for fact in facts:
        if isinstance(fact, Product) and _product_touches(fact, text, topic):
            return fact
    if reading.problem is not None and str(reading.problem) == "billing":
        for fact in facts:
            if isinstance(fact, PlanFact) and re.search(r"\b(?:plan|subscription)\b", text, re.I):
                return fact
    return None


def _event_touches(event: Event, text: str) -> bool:
    words = {w for w in re.findall(r"[a-z][a-z'-]+", event.said.lower()) if len(w) > 3}
    shared = {w for w in words - _WEAK if _mentions(text, w)}
    return bool(shared) or _mentions(text, event.noun.split()[0])


def _product_touches(product: Product, text: str, topic: Topic | None) -> bool:
    for word in re.findall(r"[A-Za-z][\w-]+", product.name):
        if len(word) > 3 and word.lower() not in ("with", "from", "plus") and _mentions(text, word):
            return True
    return topic is not None and topic.noun in product.name.lower()


# -- who helped before, and what they did ---------------------------------------------

_STAFF_ROLES = frozenset(["rep", "bot"])
_DONE = (
    (
        re.compile(
            r"\b(?:I|[Ww]e)(?:'ve| have)?\s+(?:just\s+|already\s+)?(sent|re-?sent|refunded"
            r"|replaced|reset|fixed|updated|changed|cancell?ed|credited|issued|booked|arranged"
            r"|added|removed|upgraded|extended|shipped|applied|processed|swapped|unlocked|restored"
            r"|reversed|rebooked|moved)\b([^.,;!?\n]{0,70})"
        ),
        "{verb}{rest}",
    ),
    (
        re.compile(
            r"\b(?:I|[Ww]e)(?:'ll| will)\s+(send|replace|refund|reset|fix|arrange|book|credit"
            r"|ship|swap)\b([^.,;!?\n]{0,70})"
        ),
        "arranged to {verb}{rest}",
    ),
    (
        re.compile(r"\b[Pp]lease try\s+([^.;!?\n]{3,70})"),
        "suggested trying {verb}",
    ),
)
_PASSIVE = re.compile(
    r"\b([Tt]he [\w' -]{3,40}?|[Yy]our [\w' -]{3,40}?) (?:has|have) been (refunded|replaced"
    r"|fixed|sent|cancell?ed|credited|reset|updated|resolved|reversed|restored|shipped)\b"
)


@dataclass(frozen=True, slots=True)
class Helper:
    """A teammate who answered this customer before, and what the record says they did."""

    name: str  # as the customer would say it: the first name
    done: str | None  # "sent you a new lid", from their own words; None when unclear


def helpers(items: list[RecallItem]) -> list[Helper]:
    """Teammates seen in the recalled turns, the most recent first."""
    found: dict[str, list[str]] = {}
    turns = sorted(
        (i for i in items if i.kind != "fact" and i.role in _STAFF_ROLES),
        key=lambda i: i.at or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )
    for item in turns:
        if not item.speaker:
            continue
        name = item.speaker.split()[0]
        found.setdefault(name, [])
        done = _done(item.text)
        if done:
            found[name].append(done)
    return [Helper(name, acts[0] if acts else None) for name, acts in found.items()]


def _done(text: str) -> str | None:
    for rule, shape in _DONE:
        m = rule.search(text)
        if m:
            verb = m.group(1).lower()
            rest = m.group(2) if m.lastindex and m.lastindex >= 2 else ""
            if re.search(r"\b(?:I|me|my|mine)\b", rest):
                continue  # the teammate's own affairs, not something done for the customer
            return shape.format(verb=verb, rest=rest.rstrip(" ,")).strip()
    m = _PASSIVE.search(text)
    if m:
        thing = m.group(1)
        return f"made sure {thing[0].lower()}{thing[1:]} was {m.group(2)}"
    return None


# -- how long since we last heard from them --------------------------------------------

LONG_GAP = timedelta(days=30)  # as check-ins' quiet_days: "it has been a while"


def away_for(items: list[RecallItem], now: datetime | None) -> timedelta | None:
    """How long since the last earlier message, when the message's own time is known.

    The request carries no timestamp for the message (see the package docstring),
    so ``now`` is usually unknown and so is the gap; recall's pinned turns (within
    six hours) prove at least that there is none.
    """
    said = [i.at for i in items if i.at is not None and i.kind != "fact"]
    if any(i.reason == "earlier in this conversation" and i.kind == "recent" for i in items):
        return timedelta(0)
    if now is None or not said:
        return None
    return now - max(said)


def has_history(items: list[RecallItem], current_message_id: int | None) -> bool:
    """Have we heard from them before this message (any turn, or a fact from another one)?"""
    return any(
        i.kind != "fact" or (i.message_id is not None and i.message_id != current_message_id)
        for i in items
    )
