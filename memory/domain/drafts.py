"""Drafts and the decisions reps make on them, and what recall offers the drafter.

Plain values that travel along the message path; the database rows they are
read from stay inside ``memory/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from memory.domain.knowledge import DraftSource
from memory.domain.messages import ReplyTarget


class DraftKind(StrEnum):
    REPLY = "reply"  # answers a customer's message
    CHECKIN = "checkin"  # Rapport reaching out first (see memory.domain.checkins)


class DraftStatus(StrEnum):
    QUEUED = "queued"  # stored with its message; drafting not started or interrupted
    DRAFTING = "drafting"
    PENDING = "pending"  # waiting for a rep's decision
    FAILED = "failed"  # the drafter (or the delivery) failed; a rep can act on it
    SENDING = "sending"  # a rep decided; delivery in progress
    SENT = "sent"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a human answered the customer directly
    SKIPPED = "skipped"  # nothing to answer (an empty message); kept for the record


OPEN_STATUSES = (DraftStatus.QUEUED, DraftStatus.DRAFTING, DraftStatus.PENDING, DraftStatus.FAILED)
DECIDABLE_STATUSES = (DraftStatus.PENDING, DraftStatus.FAILED)


class Action(StrEnum):
    # In the order every review surface shows them.
    APPROVE = "approve"
    EDIT = "edit"
    REJECT = "reject"
    REGENERATE = "regenerate"


ACTION_LABELS = {
    Action.APPROVE: "Approve",
    Action.EDIT: "Edit",
    Action.REJECT: "Reject",
    Action.REGENERATE: "Regenerate",
}


@dataclass(frozen=True, slots=True)
class CardAction:
    """One button on a draft's card; a surface that cannot grey one out leaves it off."""

    action: Action
    label: str
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a decision: a rep on some surface."""

    surface: str
    user_id: str
    display_name: str

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.surface})"


@dataclass(frozen=True, slots=True)
class Decision:
    draft_id: int
    action: Action
    actor: Actor
    text: str | None = None  # the edited text, for Action.EDIT


@dataclass(frozen=True, slots=True)
class RecallItem:
    """One remembered thing offered to the drafter, with why it was chosen."""

    kind: str  # "fact" | "recent" | "related"
    text: str
    reason: str
    score: float
    message_id: int | None  # the stored message this came from
    at: datetime | None = None
    speaker: str | None = None
    # Who said it: "customer", "rep" (a teammate) or "bot" (a reply Rapport sent).
    role: str | None = None


@dataclass(frozen=True, slots=True)
class FactCandidate:
    """A fact read from a message, before it is stored."""

    kind: str  # name, pet, family, product, event, birthday, location, timezone
    key: str  # what makes two facts the same fact (for updates)
    value: str
    statement: str  # readable sentence, third person
    event_date: datetime | None = None


@dataclass(slots=True)
class StoredDraft:
    """A draft as the database holds it: what the engine and the console work with."""

    id: int
    customer_id: int
    message_id: int | None  # the customer message it answers (None for a check-in)
    kind: DraftKind
    status: DraftStatus
    target: ReplyTarget  # where the reply goes
    reason: str | None  # why a check-in was scheduled
    text: str | None
    final_text: str | None
    error: str | None
    recall: list[RecallItem]
    prompt_version: str | None
    model: str | None
    latency_ms: int | None
    attempts: int
    decided_action: str | None
    decided_by: str | None
    decided_at: datetime | None
    sent_message_id: int | None
    created_at: datetime
    updated_at: datetime
    revision: int = 1  # up by one on every change a rep would see
    claims: int = 0  # how often a worker took it to draft
    sources: list[DraftSource] = field(default_factory=list)  # the passages it was given
    source_flags: tuple[str, ...] = ()  # e.g. a citation removed because it was not given
    knowledge_searched: bool = False  # the team has knowledge, and it was looked in


@dataclass(slots=True)
class DraftCard:
    """Everything a review surface shows about one draft."""

    draft_id: int
    kind: DraftKind
    status: DraftStatus
    customer_id: int
    customer_name: str
    platform: str
    inbound_text: str
    inbound_at: datetime | None
    permalink: str | None
    recalled: list[RecallItem]
    text: str | None
    final_text: str | None
    error: str | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime
    model: str | None = None
    reason: str | None = None  # why a check-in was scheduled
    attempts: int = 0
    extra: dict[str, str] = field(default_factory=dict)
    revision: int = 1  # the draft's, when this card was drawn
    # "folded": the customer wrote again before anyone replied; a newer draft answers all.
    decided_action: str | None = None
    sources: list[DraftSource] = field(default_factory=list)
    source_flags: tuple[str, ...] = ()
    knowledge_searched: bool = False

    @property
    def cited(self) -> list[DraftSource]:
        """The passages the draft's text answers from."""
        return [source for source in self.sources if source.cited]

    @property
    def no_source(self) -> bool:
        """The team has docs, yet this draft answers nothing from them: check it."""
        return self.knowledge_searched and bool(self.text) and not self.cited

    def actions(self) -> tuple[CardAction, ...]:
        """The buttons this card offers, the same on Slack, Discord and the console.

        Only while a rep can still decide; Approve needs draft text (a failed
        drafting has none, so Edit or Regenerate is the way forward).
        """
        if self.status not in DECIDABLE_STATUSES:
            return ()
        return tuple(
            CardAction(
                action, ACTION_LABELS[action], action is not Action.APPROVE or bool(self.text)
            )
            for action in Action
        )
