"""The offline drafter: a small composer that reads the message, then says only what it
can stand behind, in a few varied sentences.

A reply is built in this order:

1. the greeting, and when something went wrong, the apology, plainly and first,
   in words about that problem (a late parcel and a double charge get different
   sentences), with understanding when the customer is upset or worried;
2. continuity, when they ask for someone who helped before;
3. at most one remembered fact, and only one that bears on the message;
4. the answer from the team's docs, cited, when retrieval is confident; else,
   for a question, that a teammate will check;
5. the closing: on a complaint, a question about how to make it better.

It never quotes the customer back, never invents a fact, a price, a date or a
promise, and never markets. Wording is chosen with a stable hash of the
intent, the topic and the message (:mod:`bot.drafters.offline.wording`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.drafters.base import DraftRequest
from bot.drafters.offline import phrases as say
from bot.drafters.offline.knowledge import answer
from bot.drafters.offline.memory import (
    LONG_GAP,
    Event,
    Fact,
    Helper,
    Pet,
    PlanFact,
    Product,
    Relative,
    away_for,
    event_noun,
    facts_of,
    has_history,
    helpers,
    relevant_fact,
)
from bot.drafters.offline.reading import Problem, Reading, Topic, read, topic_of, wrong_what
from bot.drafters.offline.wording import pick, sentence
from bot.safety import visible_text
from memory.domain import DraftKind

_CARE_PROBLEMS = frozenset([Problem.HEALTH, Problem.BEREAVEMENT])


class OfflineDrafter:
    model = "offline"

    async def draft(self, request: DraftRequest) -> str:
        if request.kind is DraftKind.CHECKIN:
            return _checkin(request)
        return _Reply(request).compose()


class _Reply:
    """One reply being written: the message read once, the parts chosen in order."""

    def __init__(self, request: DraftRequest) -> None:
        self.request = request
        self.text = " ".join(visible_text(request.message_text).split())
        self.reading: Reading = read(self.text)
        self.facts = facts_of(request.recalled, request.message_id)
        topic = topic_of(self.text)
        self.fact = relevant_fact(self.facts, self.text, self.reading, topic)
        if isinstance(self.fact, Product) and topic is not None:
            # "my kettle" is the Kettle Pro they told us about: the apology names it.
            topic = Topic(f"your {self.fact.name}", topic.noun)
        self.topic = topic
        self.name = request.first_name

    def key(self, slot: str) -> tuple[str, ...]:
        return (slot, self.reading.intent, self.topic.phrase if self.topic else "", self.text)

    def pick(self, slot: str, options: tuple[str, ...], **values: str) -> str:
        return pick(options, *self.key(slot)).format(**values)

    def compose(self) -> str:
        r = self.reading
        parts = [self.opening()]
        if r.asks_for:
            parts.extend(self.continuity(r.asks_for))
        remembered = self.remembered()
        if remembered and r.complaint:  # what went wrong first, then what we know bears on it
            parts.append(remembered)
        found = answer(self.request, self.text)
        if found:
            parts.append(found)
        elif self.wants_teammate():
            parts.append(self.teammate())
        if remembered and not r.complaint:  # the answer first; the personal touch after
            parts.append(remembered)
        parts.append(self.closing(answered=found is not None))
        return " ".join(p for p in parts if p)

    def wants_teammate(self) -> bool:
        """A question the docs did not answer: a teammate will check (no guessing)."""
        r = self.reading
        if not r.question or (r.asks_for and not r.complaint):
            return False  # not asked, or "is Sam still there?", which the continuity answers
        return r.complaint or r.suggestion or not (r.thanks or r.praise)

    # -- the parts --------------------------------------------------------------------------

    def opening(self) -> str:
        r = self.reading
        name = self.name
        if r.problem is not None:
            first = self.apology(r.problem)
            lead = first if first.startswith("I") else first[:1].lower() + first[1:]
            opening = f"Hi {name}, {lead}"
            if r.also is not None:
                opening += " " + self.pick("also", say.ALSO[r.also])
            if r.upset and r.problem not in _CARE_PROBLEMS:
                opening += " " + self.pick("upset", say.UPSET)
            elif r.worried and r.problem not in _CARE_PROBLEMS and r.problem != Problem.GENERAL:
                opening += " " + self.pick("worried", say.WORRIED)
            return opening
        history = has_history(self.request.recalled, self.request.message_id)
        gap = away_for(self.request.recalled, self.request.sent_at)
        if r.back_again or (history and gap is not None and gap >= LONG_GAP):
            # They say it has been a while, or their last message was long ago.
            return self.pick("open", say.WELCOME_BACK, name=name)
        if r.new_here:
            return self.pick("open", say.WELCOME_NEW, name=name)
        if not history and (r.greeting or not (r.thanks or r.praise)):
            # Recall found nothing from them, which may also be an old customer whose
            # message shares no word with the past: welcome them without "nice to meet you".
            return self.pick("open", say.WELCOME, name=name)
        if r.suggestion:
            return self.pick("open", say.SUGGESTED, name=name)
        if r.praise and not re.search(r"\b(?:help|helping|sorting)\b", self.text, re.I):
            return self.pick("open", say.PRAISED, name=name)
        if r.thanks or r.praise:
            return self.pick("open", say.THANKED, name=name)
        if r.asks_for:
            return self.pick("open", say.CONTINUING, name=name)
        if r.question:
            return self.pick("open", say.ASKED, name=name)
        return self.pick("open", say.SAID, name=name)

    def apology(self, problem: Problem) -> str:
        if problem is Problem.HEALTH:
            who = self.who()
            if who is None:
                return self.pick("sorry", say.APOLOGY_NO_TOPIC[Problem.HEALTH])
            you = who == "you"
            return self.pick(
                "sorry",
                say.APOLOGY[Problem.HEALTH],
                who_isnt="you aren't" if you else f"{who} isn't",
                who_is="you're" if you else f"{who} is",
            )
        if problem is Problem.WRONG_ITEM:
            wrong = wrong_what(self.text)
            if wrong is None:
                what = self.topic.phrase if self.topic else "your order"
                return self.pick("sorry", (f"I'm sorry {what} isn't right for you.",))
            return self.pick("sorry", say.APOLOGY[problem], wrong=wrong)
        if problem is Problem.GENERAL and self.reading.worried and self.topic:
            return self.pick("sorry", say.WORRIED_ABOUT, **_agree(self.topic.phrase))
        if problem is Problem.MISSING and self.topic and self.topic.noun not in say.CONTAINERS:
            return self.pick("sorry", say.MISSING_THING, **_agree(self.topic.phrase))
        thing = self.topic.phrase if self.topic else say.DEFAULT_THING.get(problem)
        if thing is None:
            options = say.APOLOGY_NO_TOPIC.get(problem, say.APOLOGY[problem])
            if any("{thing}" in o for o in options):
                options = say.APOLOGY_NO_TOPIC[Problem.GENERAL]
            return self.pick("sorry", options)
        return self.pick("sorry", say.APOLOGY[problem], **_agree(thing))

    def who(self) -> str | None:
        """Who is unwell: a pet or relative by name when we know it, else "your dog", "you"."""
        if isinstance(self.fact, Pet | Relative):
            return self.fact.name
        for name in self.reading.names:
            if any(isinstance(f, Pet | Relative) and f.name == name for f in self.facts):
                return name
        m = re.search(
            r"\b(?:my|our)\s+(dog|cat|puppy|kitten|rabbit|horse|pony|bird|parrot|hamster|son"
            r"|daughter|wife|husband|partner|mum|mom|dad|mother|father|baby|kid)\b",
            self.text,
            re.I,
        )
        if m:
            return f"your {m.group(1).lower()}"
        if re.search(r"\b(?:I|I'm|I've|me)\b", self.text):
            return "you"
        return None

    def continuity(self, asked: str) -> list[str]:
        """The new voice takes over from the teammate they ask for, with what was done."""
        known: Helper | None = next(
            (h for h in helpers(self.request.recalled) if h.name.lower() == asked.lower()), None
        )
        if known is None:
            return [self.pick("continuity", say.UNKNOWN_HELPER)]
        parts = [self.pick("continuity", say.TAKING_OVER, rep=known.name)]
        if known.done:
            parts.append(self.pick("did", say.THEY_DID, rep=known.name, done=known.done))
        return parts

    def remembered(self) -> str | None:
        """One sentence from the one relevant fact, when it adds something."""
        fact, r = self.fact, self.reading
        options: tuple[str, ...]
        if fact is None or isinstance(fact, Product):
            return None  # a product is named in the apology or the teammate line instead
        if isinstance(fact, Pet):
            if r.problem is Problem.BEREAVEMENT:
                options = say.PET_LOSS
            elif r.problem is Problem.HEALTH:
                options = say.PET_UNWELL
            elif r.complaint:
                options = say.PET_PROBLEM
            else:
                options = say.PET_HELLO
            return self.pick("fact", options, name=fact.name)
        if isinstance(fact, Relative):
            if r.problem is Problem.BEREAVEMENT:
                return None
            if r.problem is Problem.HEALTH:
                options = say.RELATIVE_UNWELL
            elif r.complaint:
                options = say.RELATIVE_PROBLEM
            else:
                options = say.RELATIVE_HELLO
            return self.pick("fact", options, name=fact.name)
        if isinstance(fact, PlanFact):
            return self.pick("fact", say.PLAN_NOTE, plan=fact.name)
        return self.event_sentence(fact)

    def event_sentence(self, event: Event) -> str | None:
        tense = _tense(event, self.request)
        if tense is None:
            return None  # a wrong tense ("good luck" for last week) is worse than nothing
        if tense == "past":
            return self.pick("fact", say.EVENT_PAST, event=event.phrase)
        if self.reading.complaint:
            return self.pick("fact", say.EVENT_SOON_PROBLEM, event=event.phrase)
        options = say.EVENT_SOON_CARE if event.noun in say.CARE_EVENTS else say.EVENT_SOON
        return self.pick("fact", options, event=event.phrase)

    def teammate(self) -> str:
        if self.reading.suggestion and not self.reading.complaint:
            return self.pick("teammate", say.TEAMMATE_IDEA)
        if self.topic is not None:
            return self.pick("teammate", say.TEAMMATE_ON, thing=self.topic.phrase)
        return self.pick("teammate", say.TEAMMATE)

    def closing(self, *, answered: bool) -> str:
        r = self.reading
        if r.complaint:
            care = r.problem in _CARE_PROBLEMS
            return self.pick("close", say.MAKE_EASIER if care else say.MAKE_BETTER)
        if answered:
            return self.pick("close", say.ANSWERED)
        if r.suggestion:
            return self.pick("close", say.IDEA_FOLLOWUP)
        if r.question or r.asks_for:
            return ""  # the teammate line or the continuity already closes it
        if r.thanks or r.praise:
            return self.pick("close", say.ANYTHING_ELSE)
        if r.greeting or r.new_here or r.back_again:
            return self.pick("close", say.HOW_CAN_I_HELP)
        return self.pick("close", say.SAID_FOLLOWUP)


def _agree(thing: str) -> dict[str, str]:
    """Verb forms that agree with ``thing`` ("your order isn't", "your shoes aren't")."""
    last = thing.split()[-1].lower()
    plural = last.endswith("s") and not last.endswith(("ss", "us", "is"))
    return {
        "thing": thing,
        "is": "are" if plural else "is",
        "isnt": "aren't" if plural else "isn't",
        "has": "have" if plural else "has",
        "hasnt": "haven't" if plural else "hasn't",
    }


def _tense(event: Event, request: DraftRequest) -> str | None:
    """Is the event ahead ("future") or behind ("past"), as far as we can know?"""
    if event.upcoming:
        return "future"
    if event.day is None:
        return None
    known = [i.at for i in request.recalled if i.at is not None]
    sent = request.sent_at
    if isinstance(sent, datetime):
        known.append(sent)
    if not known:
        return None
    latest = max(known).astimezone(UTC).date()
    if event.day.date() < latest:
        return "past"
    return None


# -- check-ins --------------------------------------------------------------------------------

_EVENT_REASON = re.compile(r"^you mentioned “(.+?)” \(")
_FOLLOWUP_REASON = re.compile(r"^you told us “(.+?)” and we replied")
_QUIET_REASON = re.compile(r"^it has been \d+ days since you last wrote")


def _checkin(request: DraftRequest) -> str:
    """A short, warm check-in. The reason is internal: it is read, never shown.

    The event is named only from a fact the customer told us ("How did Milo's vet
    visit go?"), the problem only by its topic ("Is your kettle behaving itself now?").
    """
    reason = request.reason or ""
    key = (reason, request.first_name)
    parts = [pick(say.CHECKIN_HELLO, "hello", *key).format(name=request.first_name)]
    facts = facts_of(request.recalled, None)
    event_reason = _EVENT_REASON.search(reason)
    followup = _FOLLOWUP_REASON.search(reason)
    if event_reason:
        event = _event_fact(facts, event_reason.group(1))
        if event is not None:
            parts.append(pick(say.CHECKIN_EVENT, "event", *key).format(event=event.phrase))
        else:
            parts.append(pick(say.CHECKIN_EVENT_UNNAMED, "event", *key))
    elif followup:
        topic = topic_of(followup.group(1))
        if topic is not None:
            line = pick(say.CHECKIN_FOLLOWUP, "followup", *key).format(thing=topic.phrase)
            parts.append(sentence(line))
        else:
            parts.append(pick(say.CHECKIN_FOLLOWUP_UNNAMED, "followup", *key))
    elif _QUIET_REASON.search(reason):
        parts.append(pick(say.CHECKIN_QUIET, "quiet", *key))
        pet = next((f for f in facts if isinstance(f, Pet)), None)
        if pet is not None:  # a hello after a while may ask after the pet they told us about
            parts.append(pick(say.PET_HELLO, "pet", *key).format(name=pet.name))
    else:
        parts.append(pick(say.CHECKIN_GENERAL, "general", *key))
    parts.append(pick(say.CHECKIN_CLOSE, "close", *key))
    return " ".join(parts)


def _event_fact(facts: list[Fact], said: str) -> Event | None:
    """The event fact the check-in is about: the same words, or at least the same event."""
    events = [f for f in facts if isinstance(f, Event)]
    for event in events:
        if event.said.rstrip(".!") in said or said.rstrip("….!") in event.said:
            return event
    noun = event_noun(said)
    return next((e for e in events if noun is not None and e.noun == noun), None)
