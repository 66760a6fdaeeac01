"""Platform-neutral values that travel along the message path.

Adapters in ``handlers/`` translate platform events into these dataclasses and
back; nothing here knows Slack or Discord.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class AuthorRole(StrEnum):
    CUSTOMER = "customer"
    REP = "rep"


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
    APPROVE = "approve"
    EDIT = "edit"
    REJECT = "reject"
    REGENERATE = "regenerate"


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One chat message as every adapter hands it to the engine."""

    platform: str
    workspace: str
    channel: str
    thread: str | None
    user_id: str
    display_name: str
    text: str
    sent_at: datetime
    message_id: str
    author_role: AuthorRole = AuthorRole.CUSTOMER
    is_direct: bool = False
    permalink: str | None = None
    # Who a rep's message is for, as the platform says it: the message it
    # replies to (a platform message id) and the users it mentions.
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()
    # The channel is itself a thread (a Discord thread): its first customer
    # message started it, as a Slack message with ``thread`` set.
    in_thread_channel: bool = False

    @property
    def conversation_key(self) -> str:
        return conversation_key(self.platform, self.workspace, self.channel, self.thread)

    @property
    def in_thread(self) -> bool:
        """The conversation is a thread, so the customer who started it is known."""
        return self.thread is not None or self.in_thread_channel


def first_name(display_name: str) -> str:
    """How a rep addresses someone: the first word of their name ("there" when blank)."""
    name = display_name.strip().split()[0] if display_name.strip() else "there"
    return name.strip(",.@") or "there"


def conversation_key(platform: str, workspace: str, channel: str, thread: str | None) -> str:
    return f"{platform}:{workspace}:{channel}:{thread or ''}"


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """Where a reply to a customer goes, in the platform's own ids."""

    platform: str
    workspace: str
    channel: str
    thread: str | None
    reply_to: str | None
    is_direct: bool


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


@dataclass(frozen=True, slots=True)
class FactCandidate:
    """A fact read from a message, before it is stored."""

    kind: str  # name, pet, family, product, event, birthday, location, timezone
    key: str  # what makes two facts the same fact (for updates)
    value: str
    statement: str  # readable sentence, third person
    event_date: datetime | None = None


@dataclass(slots=True)
class DraftCard:
    """Everything a review surface shows about one draft."""

    draft_id: int
    kind: str  # "reply" | "checkin"
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
