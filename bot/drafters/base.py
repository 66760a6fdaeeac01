"""What every drafter takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.knowledge.answers import Grounding
from memory.domain import DraftKind, RecallItem


class DraftError(Exception):
    """The drafter could not write a reply; the text is shown to reps as the reason."""


@dataclass(frozen=True, slots=True)
class DraftRequest:
    kind: DraftKind
    customer_name: str
    first_name: str
    message_text: str  # the customer's newest message ("" for a check-in)
    recalled: list[RecallItem] = field(default_factory=list)
    prompt: list[dict[str, str]] = field(default_factory=list)  # rendered chat messages
    reason: str | None = None  # why a check-in was scheduled
    message_id: int | None = None  # the stored message being answered
    sent_at: datetime | None = None  # when the customer sent it (a long gap reads differently)
    # The team's passages that may answer it (K1, K2…), and whether they do.
    grounding: Grounding = field(default_factory=Grounding)


class Drafter(Protocol):
    """Writes one reply. ``model`` names what wrote it, for the record."""

    model: str

    async def draft(self, request: DraftRequest) -> str: ...
