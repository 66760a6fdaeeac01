"""Structured fact extraction with an LLM, when one is configured.

Runs in the background after the offline rules, never on the reply path. The
model's answer is validated, and a fact is kept only when the model quotes the
customer's own words for it (``evidence``) and that quote is really in the
message: the model may read, it may not invent. Facts are repeated to the
model in every later prompt, so one it made up (or was talked into) would
otherwise become a standing "fact" about the customer.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError

from bot.drafters.base import DraftError
from bot.drafters.openai_chat import OpenAIDrafter
from memory.domain import FactCandidate
from prompts.renderer import PromptRenderer

FactKind = Literal["name", "pet", "family", "product", "location", "birthday", "event"]


class _Fact(BaseModel):
    kind: FactKind
    key: str = Field(min_length=1, max_length=200)
    value: str = Field(min_length=1, max_length=300)
    statement: str = Field(min_length=1, max_length=500)
    date: str | None = None
    # The customer's words the fact rests on, quoted from their message.
    evidence: str = Field(default="", max_length=500)


class _Answer(BaseModel):
    facts: list[_Fact] = Field(default_factory=list, max_length=20)


class LLMFactExtractor:
    def __init__(self, client: OpenAIDrafter, renderer: PromptRenderer) -> None:
        self.client = client
        self.renderer = renderer

    async def extract(self, text: str, said_at: datetime, tz: ZoneInfo) -> list[FactCandidate]:
        prompt = self.renderer.render(
            "extract_facts",
            {
                "text": text[:4000],
                "sent_on": said_at.astimezone(tz).date().isoformat(),
                "timezone": str(tz),
            },
        )
        try:
            raw = await self.client.complete(
                [
                    {"role": "system", "content": "You extract facts and answer with JSON only."},
                    {"role": "user", "content": prompt},
                ],
                json_mode=True,
            )
            answer = _Answer.model_validate(json.loads(raw))
        except (DraftError, ValueError, ValidationError):
            return []  # the offline rules already ran; a bad answer adds nothing
        return [c for fact in answer.facts if (c := _candidate(fact, text, tz)) is not None]


def _candidate(fact: _Fact, text: str, tz: ZoneInfo) -> FactCandidate | None:
    when: datetime | None = None
    if fact.date:
        try:
            when = datetime.combine(date.fromisoformat(fact.date), time(12), tzinfo=tz).astimezone(
                UTC
            )
        except ValueError:
            return None
    dated = fact.kind in ("event", "birthday")
    if dated and when is None:
        return None
    if not _quotes(fact.evidence, text):
        return None  # no words of the customer's behind it: the model guessed, or was told to
    if not dated and not _quotes(fact.value.split()[-1], fact.evidence):
        return None  # the quote is real but is not about this value
    return FactCandidate(
        kind=fact.kind,
        key=fact.key.lower().strip(),
        value=fact.value.strip(),
        statement=fact.statement.strip(),
        event_date=when,
    )


def _quotes(quote: str, text: str) -> bool:
    """Whether ``quote`` is in ``text`` as whole words, ignoring case, spacing and punctuation."""
    needle = _words(quote)
    return bool(needle) and f" {needle} " in f" {_words(text)} "


def _words(text: str) -> str:
    return " ".join(re.split(r"\W+", text.casefold())).strip()
