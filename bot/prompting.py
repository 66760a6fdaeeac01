"""What the drafter is asked: the rendered prompt and the request around it.

Pure: from the customer's name, what recall brought back and the message (or
the check-in's reason) to a :class:`~bot.drafters.base.DraftRequest`, through
the (admin-editable) templates. The engine drafts with it; the console's
template preview builds the very same request with a candidate template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.drafters.base import DraftRequest
from bot.knowledge.answers import Grounding
from memory.domain import DraftKind, RecallItem, first_name
from prompts.renderer import PromptRenderer

MAX_PROMPT_MESSAGE_CHARS = 4000
MAX_RECALLED_CHARS = 800
MAX_PASSAGE_CHARS = 1500
MAX_EXAMPLE_CHARS = 600
ROLES = {"customer": "the customer", "rep": "our teammate", "bot": "us (sent by Rapport)"}


@dataclass(frozen=True, slots=True)
class Voice:
    """Who speaks, and how much: the system prompt's variables."""

    company: str = "our team"
    bot_name: str = "Rapport"
    max_sentences: int = 4


@dataclass(frozen=True, slots=True)
class Asked:
    """The customer message a reply answers, as the prompt shows it."""

    text: str
    platform: str
    sent_at: datetime
    message_id: int | None = None  # None for a message typed into a preview


@dataclass(frozen=True, slots=True)
class StyleExample:
    """A past reply the team sent to a similar message: shown for its tone, not its facts.

    Both texts come from "answered before" passages, which were anonymised when they
    were kept (the customer's names, e-mail addresses, phone and long numbers taken
    out, :mod:`bot.knowledge.learning`): that is what keeps another customer's private
    details out of this prompt, since a passage does not say whose it was.
    """

    question: str
    reply: str


class Prompter:
    def __init__(self, renderer: PromptRenderer, voice: Voice) -> None:
        self.renderer = renderer
        self.voice = voice

    def with_renderer(self, renderer: PromptRenderer) -> Prompter:
        """The same voice through other templates (a preview of an unsaved edit)."""
        return Prompter(renderer, self.voice)

    def persona(self) -> dict[str, Any]:
        return {
            "company": self.voice.company,
            "bot_name": self.voice.bot_name,
            "max_sentences": self.voice.max_sentences,
        }

    def reply(
        self,
        customer_name: str,
        asked: Asked,
        recalled: list[RecallItem],
        grounding: Grounding | None = None,
        examples: Sequence[StyleExample] = (),
    ) -> DraftRequest:
        grounding = grounding or Grounding()
        variables = self.template_variables(customer_name, recalled)
        variables["message"] = {
            "text": _cap(asked.text),
            "platform": asked.platform,
            "sent_at": asked.sent_at.isoformat(timespec="minutes"),
        }
        variables["knowledge"] = [
            {
                "key": given.key,
                "title": given.title,
                "url": given.hit.passage.url or "",
                "text": _cap(given.hit.passage.text, MAX_PASSAGE_CHARS),
            }
            for given in grounding.given
        ]
        variables["examples"] = [
            {
                "question": _cap(example.question, MAX_EXAMPLE_CHARS),
                "reply": _cap(example.reply, MAX_EXAMPLE_CHARS),
            }
            for example in examples
        ]
        return DraftRequest(
            kind=DraftKind.REPLY,
            customer_name=customer_name,
            first_name=first_name(customer_name),
            message_text=asked.text,
            recalled=recalled,
            prompt=self._chat("reply", variables),
            message_id=asked.message_id,
            sent_at=asked.sent_at,
            grounding=grounding,
        )

    def checkin(self, customer_name: str, reason: str, recalled: list[RecallItem]) -> DraftRequest:
        variables = self.template_variables(customer_name, recalled)
        variables["reason"] = reason
        return DraftRequest(
            kind=DraftKind.CHECKIN,
            customer_name=customer_name,
            first_name=first_name(customer_name),
            message_text="",
            recalled=recalled,
            prompt=self._chat("checkin", variables),
            reason=reason,
        )

    def _chat(self, template: str, variables: dict[str, Any]) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.renderer.render("system", self.persona())},
            {"role": "user", "content": self.renderer.render(template, variables)},
        ]

    def template_variables(self, customer_name: str, recalled: list[RecallItem]) -> dict[str, Any]:
        """What the reply and check-in templates see besides the message or reason."""
        facts = [i.text for i in recalled if i.kind == "fact"]
        turns = sorted(
            (i for i in recalled if i.kind != "fact"),
            key=lambda i: i.at or datetime.min.replace(tzinfo=UTC),
        )
        return {
            "customer": {
                "name": customer_name,
                "first_name": first_name(customer_name),
                "facts": facts,
            },
            "recalled": [
                {
                    "text": _cap(i.text, MAX_RECALLED_CHARS),
                    "reason": i.reason,
                    "speaker": i.speaker or "",
                    # Staff turns are labelled as teammates, so a new rep's draft can say
                    # "I have Sam's notes" instead of speaking as Sam.
                    "role": ROLES.get(i.role or "", "someone"),
                    "at": i.at.isoformat(timespec="minutes") if i.at else "",
                }
                for i in turns
            ],
            "now": datetime.now(UTC).isoformat(timespec="minutes"),
        }


def _cap(text: str, limit: int = MAX_PROMPT_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + " …(message truncated)"
