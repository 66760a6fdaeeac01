"""A chat message as every adapter hands it to the engine, and where its reply goes.

Platform-neutral values: adapters in ``handlers/`` translate platform events
into these and back; nothing here knows Slack, Discord or a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AuthorRole(StrEnum):
    CUSTOMER = "customer"
    REP = "rep"


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


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as the database holds it, either way (``direction`` "in" or "out")."""

    id: int | None  # None for a message typed into a preview, never stored
    customer_id: int
    platform: str
    workspace: str
    channel: str
    thread: str | None
    conversation_key: str
    direction: str  # "in" | "out"
    author_kind: str  # "customer" | "rep" | "bot"
    author_name: str
    text: str
    sent_at: datetime
    permalink: str | None = None
    is_direct: bool = False


@dataclass(frozen=True, slots=True)
class StoredCustomer:
    """Who a customer is to the engine: an id, a name, a time zone."""

    id: int
    display_name: str
    timezone: str | None = None


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


def storable(text: str) -> str:
    """The text as every database can keep it.

    PostgreSQL refuses NUL characters, and no database can encode a lone
    surrogate (what a broken ``"\\ud83d"`` escape in a JSON payload decodes
    to). Both become U+FFFD, so the message is stored instead of failing on
    every redelivery.
    """
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Pairs stay pairs (one character); lone halves become U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text
