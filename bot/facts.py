"""Reading facts out of a customer's message, offline, with plain rules.

Each rule is narrow on purpose: a fact Rapport repeats to a customer must be
something they said, so a missed fact is better than an invented one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from memory.domain import FactCandidate
from memory.domain.dates import DATE_PATTERN, resolve

_NAME = r"([A-Z][a-z\u00c0-\u024f'-]{1,30})"
_PETS = (
    "cat|dog|puppy|kitten|parrot|rabbit|bunny|hamster|horse|pony|bird|fish|turtle|tortoise"
    "|guinea pig|ferret|lizard|snake|pup"
)
_FAMILY = (
    "wife|husband|partner|son|daughter|mom|mum|mother|dad|father|sister|brother|boyfriend"
    "|girlfriend|grandma|grandmother|grandpa|grandfather|fiancée|fiancee|fiancé|fiance|baby|kid"
    "|niece|nephew|aunt|uncle|cousin"
)
_CALLED = r"(?:'s name is|\s+is called|\s+called|\s+named|,|\s+is)?\s+"
_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "And",
        "But",
        "So",
        "Is",
        "Was",
        "Has",
        "Had",
        "Just",
        "Not",
        "Very",
        "Still",
        "Sick",
        "Ill",
        "Fine",
        "Ok",
        "Okay",
        "Home",
        "Here",
        "There",
        "Now",
        "Also",
        "Always",
        "Never",
        "Being",
        "Getting",
        "Going",
        "Doing",
        "Really",
        "Super",
        "So",
    ]
)

NAME_RULE = re.compile(r"\b(?:[Mm]y name is|[Mm]y name's|[Cc]all me)\s+" + _NAME)
PET_RULE = re.compile(r"\b(?:[Mm]y|[Oo]ur)\s+(" + _PETS + r")" + _CALLED + _NAME)
PET_AFTER_RULE = re.compile(_NAME + r",?\s+(?:my|our)\s+(" + _PETS + r")\b")
FAMILY_RULE = re.compile(r"\b(?:[Mm]y|[Oo]ur)\s+(" + _FAMILY + r")" + _CALLED + _NAME)
PRODUCT_RULE = re.compile(
    r"\b(?:[Ii]|[Ww]e)\s+(?:just\s+)?(?:bought|ordered|purchased|use|have|got|own|upgraded to"
    r"|subscribed to|am using|'m using|are using)\s+(?:a|an|the|our|my|two|some)?\s*"
    r"((?:[A-Z][\w+-]*|\d[\w+-]*)(?:\s+(?:[A-Z][\w+-]*|\d[\w+-]*|[a-z]+(?=\s+[A-Z0-9]))){0,4})"
)
_ADVERB = r"(?:(?:just|finally|recently|now|have|'ve|actually|officially|still)\s+)*"
LOCATION_RULE = re.compile(
    r"\b(?:I|[Ww]e)\s+" + _ADVERB + r"(?:live|am based|'m based|are based|moved|relocated)"
    r"\s+(?:in|to)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)
JOB_RULE = re.compile(
    r"\b(?:I\s+" + _ADVERB + r"work(?:ing)?\s+as|[Mm]y\s+(?:new\s+)?job\s+as|I\s+started\s+"
    r"(?:my\s+)?(?:a\s+)?(?:new\s+)?(?:job|role|position)\s+as|I(?:'m| am)\s+now)\s+"
    r"((?:an?|the)\s+[\w' -]{2,60}?)(?=[,.;!?]|\s+(?:at|for|in|so|and|but|this|since)\b|$)"
)
PLAN_RULE = re.compile(
    r"\b(?:(?:I(?:'m| am)|[Ww]e(?:'re| are))\s+(?:now\s+)?on|(?:I|[Ww]e)\s+"
    + _ADVERB
    + r"(?:switched|moved)\s+to)\s+(?:the\s+)?([A-Z][\w+-]*)\s+(?:plan|tier|subscription)\b"
    r"|\b(?:I|[Ww]e)\s+"
    + _ADVERB
    + r"(?:upgraded|downgraded)\s+(?:us\s+)?to\s+(?:the\s+)?([A-Z][\w+-]*)"
)
BIRTHDAY_RULE = re.compile(r"\b[Mm]y birthday(?:'s| is)\s+(?:on\s+)?(.{3,30})")
EVENT_WORDS = re.compile(
    r"\b(trip|vacation|holiday|holidays|wedding|birthday|party|launch|appointment|surgery"
    r"|operation|interview|move|moving|exam|conference|visit|vet|flight|meeting|concert|race"
    r"|marathon|demo|presentation|recital|graduation|away|off|travelling|traveling|leave"
    r"|checkup|check-up|dentist|doctor|event|release|deadline|opening|ceremony|tournament|game)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


class FactExtractor(Protocol):
    """Reads facts from one message said at ``said_at`` in time zone ``tz``."""

    def extract(self, text: str, said_at: datetime, tz: ZoneInfo) -> list[FactCandidate]: ...


class RuleFactExtractor:
    """The offline extractor: names, pets, family, products, places, dated events."""

    def extract(self, text: str, said_at: datetime, tz: ZoneInfo) -> list[FactCandidate]:
        found: dict[tuple[str, str], FactCandidate] = {}
        for fact in self._all(text[:5000], said_at, tz):
            found.setdefault((fact.kind, fact.key), fact)
        return list(found.values())

    def _all(self, text: str, said_at: datetime, tz: ZoneInfo) -> Iterator[FactCandidate]:
        for m in NAME_RULE.finditer(text):
            if m.group(1) not in _NOT_NAMES:
                yield FactCandidate("name", "name", m.group(1), f"Goes by {m.group(1)}.")
        for kind, name in _pets(text):
            yield FactCandidate(
                "pet", name.lower(), f"{kind} {name}", f"Has a {kind} named {name}."
            )
        for m in FAMILY_RULE.finditer(text):
            relation, name = m.group(1).lower(), m.group(2)
            if name not in _NOT_NAMES:
                yield FactCandidate(
                    "family",
                    f"{relation}:{name.lower()}",
                    f"{relation} {name}",
                    f"Has a {relation} named {name}.",
                )
        for m in PRODUCT_RULE.finditer(text):
            product = m.group(1).strip()
            if product.split()[0] not in _NOT_NAMES:
                yield FactCandidate("product", product.lower(), product, f"Uses {product}.")
        for m in LOCATION_RULE.finditer(text):
            yield FactCandidate("location", "location", m.group(1), f"Lives in {m.group(1)}.")
        for m in JOB_RULE.finditer(text):
            job = " ".join(m.group(1).split())
            yield FactCandidate("job", "job", job, f"Works as {job}.")
        for m in PLAN_RULE.finditer(text):
            plan = m.group(1) or m.group(2)
            if plan not in _NOT_NAMES:
                yield FactCandidate("plan", "plan", plan, f"Is on the {plan} plan.")
        yield from _birthday(text, said_at, tz)
        yield from _events(text, said_at, tz)


def _pets(text: str) -> Iterator[tuple[str, str]]:
    for m in PET_RULE.finditer(text):
        if m.group(2) not in _NOT_NAMES:
            yield m.group(1).lower(), m.group(2)
    for m in PET_AFTER_RULE.finditer(text):
        if m.group(1) not in _NOT_NAMES:
            yield m.group(2).lower(), m.group(1)


def _birthday(text: str, said_at: datetime, tz: ZoneInfo) -> Iterator[FactCandidate]:
    m = BIRTHDAY_RULE.search(text)
    if not m:
        return
    date_match = DATE_PATTERN.search(m.group(1))
    if not date_match:
        return
    day = resolve(date_match.group("expr"), said_at, tz)
    if day is None:
        return
    yield FactCandidate(
        "birthday",
        "birthday",
        day.strftime("%d %B"),
        f"Birthday is on {day:%d %B}.",
        event_date=datetime.combine(day, time(12), tzinfo=tz).astimezone(UTC),
    )


def _events(text: str, said_at: datetime, tz: ZoneInfo) -> Iterator[FactCandidate]:
    for sentence in _SENTENCE.split(text):
        if re.search(r"\bbirthday (?:is|'s)\b", sentence, re.IGNORECASE):
            continue  # handled as a birthday, not an event
        event = EVENT_WORDS.search(sentence)
        when = DATE_PATTERN.search(sentence)
        if not (event and when):
            continue
        day = resolve(when.group("expr"), said_at, tz)
        if day is None or day < said_at.astimezone(tz).date():
            continue
        snippet = " ".join(sentence.split())
        if len(snippet) > 160:
            snippet = snippet[:159].rstrip() + "…"
        word = event.group(1).lower()
        yield FactCandidate(
            "event",
            word,
            snippet,
            f"Mentioned on {said_at.astimezone(tz):%d %b %Y}: “{snippet}” ({day:%A %d %B %Y}).",
            event_date=datetime.combine(day, time(12), tzinfo=tz).astimezone(UTC),
        )
