"""BEFORE MEASUREMENT ONLY: the offline drafter as it was before the rewrite, copied verbatim
from bot/drafters/offline.py so the warmth suite can score it (tests/warmth/report.py).
Not used by the bot.

The original docstring: the offline drafter: warm, deterministic, and honest, with no model at all.

It only ever says what it can stand behind: the customer's name, what they
said, what they told us before. It apologises when the message is unhappy,
and it never invents a fact, a policy or a promise.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.drafters.base import DraftRequest
from bot.knowledge.index import terms
from bot.safety import preview, visible_text
from memory.domain import DraftKind, RecallItem

_NEGATIVE = re.compile(
    r"\b(broken|broke|breaks|not working|doesn'?t work|didn'?t work|won'?t|can'?t|cannot|crash\w*"
    r"|bug\w*|error\w*|fail\w*|issue\w*|problem\w*|trouble|late|delay\w*|missing|lost|wrong"
    r"|refund|angry|upset|frustrat\w*|disappoint\w*|terrible|awful|horrible|worst|annoy\w*"
    r"|useless|damaged|stuck|still waiting|never arrived|charged twice|overcharged|sick|ill"
    r"|sad|unhappy|ridiculous|unacceptable|complain\w*|cancel\w*|leak\w*|noise|noisy|slow|freez\w*"
    r"|dropp\w*|disconnect\w*|overheat\w*|stopped|dead|faulty|defective|scratch\w*|crack\w*)\b",
    re.IGNORECASE,
)
_THANKS = re.compile(r"\b(thanks|thank you|thx|cheers|appreciate)\b", re.IGNORECASE)
_TOPIC = re.compile(
    r"\b(my|our|the)\s+((?:[A-Za-z][\w'-]*\s){0,2}?(?:order|package|parcel|delivery|account|"
    r"subscription|plan|invoice|bill|payment|card|app|device|kettle|phone|laptop|router|login|"
    r"password|booking|reservation|ticket|refund|item|product|shipment|upgrade|download|update"
    r"|screen|battery|charger|headphones|keyboard|printer|camera|license|key|setup|install\w*))\b",
    re.IGNORECASE,
)


_SAD_FACES = re.compile(r"(:-?\(|:'\(|😞|😡|😠|😢|😭|☹|🙁|😤|👎)")


def is_negative(text: str) -> bool:
    return bool(_NEGATIVE.search(text) or _SAD_FACES.search(text))


class OfflineDrafter:
    model = "offline"

    async def draft(self, request: DraftRequest) -> str:
        if request.kind is DraftKind.CHECKIN:
            return self._checkin(request)
        return self._reply(request)

    def _reply(self, request: DraftRequest) -> str:
        text = visible_text(request.message_text)
        negative = is_negative(text)
        topic = _topic(text)
        parts = [f"Hi {request.first_name}!" if not negative else f"Hi {request.first_name},"]
        if negative:
            about = f"the trouble with {topic}" if topic else "what happened"
            parts.append(f"I'm really sorry about {about}; thank you for telling us.")
        elif _THANKS.search(text):
            parts.append("Thank you, that's lovely to hear.")
        elif topic:
            parts.append(f"Thanks for your message about {topic}.")
        else:
            parts.append(f"Thanks for your message: “{preview(text, 80)}”")
        memory = _remembered(request.recalled, request.message_id, negative)
        if memory:
            parts.append(memory)
        answer = _answer(request, text)
        if answer:
            parts.append(answer)
            parts.append("Does that help?" if not negative else "I hope that helps put it right.")
            return " ".join(parts)
        if negative:
            parts.append(
                "Could you tell me a little more, so we can look into it and help make this better?"
            )
        elif "?" in text:
            parts.append(
                "I'll check this with a teammate and come back to you; is there anything else "
                "I should know to help?"
            )
        else:
            parts.append("Is there anything I can help with?")
        return " ".join(parts)

    def _checkin(self, request: DraftRequest) -> str:
        parts = [f"Hi {request.first_name}, just checking in."]
        if request.reason:
            parts.append(
                f"Last time, {request.reason[0].lower()}{request.reason[1:]}".rstrip(".") + "."
            )
        parts.append("How are things going? If anything still isn't right, we're here to help.")
        return " ".join(parts)


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")
MAX_ANSWER_CHARS = 320


def _answer(request: DraftRequest, text: str) -> str | None:
    """The best passage's own sentences that answer the message, cited, with its link.

    Only when retrieval is confident: otherwise the reply says a teammate will
    check, never a guess.
    """
    grounding = request.grounding
    if not grounding.confident or not grounding.given:
        return None
    best = grounding.given[0]
    sentences = [s.strip() for s in _SENTENCE.split(best.hit.passage.text) if s.strip()]
    if not sentences:
        return None
    asked = set(terms(text))
    ranked = sorted(
        range(len(sentences)), key=lambda i: (-len(asked & set(terms(sentences[i]))), i)
    )
    chosen = [ranked[0]]
    for i in ranked[1:]:
        if len(" ".join(sentences[j] for j in [*chosen, i])) > MAX_ANSWER_CHARS:
            break
        if asked & set(terms(sentences[i])):
            chosen.append(i)
    said = " ".join(sentences[i] for i in sorted(chosen))
    if len(said) > MAX_ANSWER_CHARS:
        said = said[:MAX_ANSWER_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    url = best.hit.passage.url
    link = f" There's more on our help page: {url}" if url else ""
    return f"{said} [{best.key}]{link}"


def _topic(text: str) -> str | None:
    m = _TOPIC.search(text)
    if not m:
        return None
    owner = m.group(1).lower()
    noun = " ".join(m.group(2).split()).lower()
    return f"your {noun}" if owner in ("my", "our") else f"the {noun}"


def _remembered(
    items: list[RecallItem], current_message_id: int | None, negative: bool
) -> str | None:
    """One sentence about a fact they told us earlier, if one is relevant now."""
    now = datetime.now(UTC)
    for item in items:
        if item.kind != "fact" or (current_message_id and item.message_id == current_message_id):
            continue
        if negative and not item.reason.startswith("fact mentioning"):
            continue  # when something went wrong, only what bears on it
        sentence = _fact_sentence(item, now, negative)
        if sentence:
            return sentence
    return None


def _fact_sentence(item: RecallItem, now: datetime, negative: bool) -> str | None:
    text = item.text
    pet = re.match(r"Has a ([\w ]+) named (\S+?)\.$", text)
    if pet and pet.group(1) not in _FAMILY_WORDS:
        return None if negative else f"How is {pet.group(2)} doing?"
    event = re.match(r"Mentioned on .*?: “(.+)” \((.+)\)\.$", text)
    if event:
        said = preview(event.group(1), 90).rstrip(".!")
        day = " ".join(event.group(2).split()[:3])  # "Friday 27 November"
        if item.reason == "upcoming event":
            return f"Good luck with “{said}” on {day}!"
        if item.reason == "recent event" and not negative:
            return f"I hope it all went well (“{said}”)."
        return None
    product = re.match(r"Uses (.+)\.$", text)
    if product and item.reason.startswith("fact mentioning"):
        return f"I see you're using {product.group(1)}."
    return None


_FAMILY_WORDS = frozenset(
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
        "baby",
        "kid",
        "niece",
        "nephew",
        "aunt",
        "uncle",
        "cousin",
    ]
)
