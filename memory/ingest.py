"""Storing an inbound message: one transaction, before anything else happens.

Plain functions of one blocking connection, run by
:meth:`memory.database.Database.transaction`: on SQLite in a worker thread,
on PostgreSQL through the async driver. A customer's message is stored with
its queued draft; a rep's message goes to the customer it answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from memory.domain import (
    OPEN_STATUSES,
    AuthorRole,
    DraftKind,
    DraftStatus,
    InboundMessage,
    ReplyTarget,
    conversation_key,
    first_name,
    storable,
)
from memory.rows import customers as _customers
from memory.rows import drafts as _drafts
from memory.rows import identities as _identities
from memory.rows import insert_row as _insert
from memory.rows import messages as _messages
from memory.schema import utcnow

NAME_CHARS = 200  # the name columns' size


FOLDED = "folded"  # decided_action of a draft a newer message from the customer replaced


@dataclass(frozen=True, slots=True)
class Ingested:
    """What storing one inbound message did."""

    message_id: int
    customer_id: int
    draft_id: int | None  # the draft to write, for a customer's message
    duplicate: bool = False  # already stored earlier: nothing new was written
    superseded: tuple[int, ...] = ()  # drafts a rep's own reply made moot
    # Read with the account anyway; fact extraction needs it, so it costs no look-up.
    customer_timezone: str | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    """A message that belongs to no customer (a rep talking outside any customer thread)."""

    reason: str


_ACCOUNT = (
    select(_identities.c.id, _identities.c.display_name, _customers.c.id, _customers.c.timezone)
    .join_from(_identities, _customers, _customers.c.id == _identities.c.customer_id)
    .where(
        _identities.c.platform == bindparam("platform"),
        _identities.c.workspace == bindparam("workspace"),
        _identities.c.user_id == bindparam("user_id"),
    )
)
_RENAME_ACCOUNT = (
    update(_identities)
    .where(_identities.c.id == bindparam("identity"))
    .values(display_name=bindparam("name"))
)
_SEEN = (
    update(_customers)
    .where(_customers.c.id == bindparam("customer"))
    .values(last_seen_at=bindparam("seen", type_=_customers.c.last_seen_at.type))
)


def store_inbound(
    conn: Connection,
    *,
    msg: InboundMessage,
    target: ReplyTarget,
    queue_draft: bool,
    look_first: bool,
) -> Ingested | Ignored:
    if look_first:
        existing = _find_existing(conn, msg)
        if existing is not None:
            return existing
    if msg.author_role is AuthorRole.REP:
        return _store_rep_reply(conn, msg)
    return _store_customer_message(conn, msg, target, queue_draft=queue_draft)


def _find_existing(conn: Connection, msg: InboundMessage) -> Ingested | None:
    row = conn.execute(
        select(_messages.c.id, _messages.c.customer_id, _drafts.c.id)
        .outerjoin_from(_messages, _drafts, _drafts.c.message_id == _messages.c.id)
        .where(
            _messages.c.platform == msg.platform,
            _messages.c.workspace == msg.workspace,
            _messages.c.platform_message_id == msg.message_id,
        )
    ).first()
    if row is None:
        return None
    return Ingested(message_id=row[0], customer_id=row[1], draft_id=row[2], duplicate=True)


def _store_customer_message(
    conn: Connection, msg: InboundMessage, target: ReplyTarget, *, queue_draft: bool
) -> Ingested:
    customer_id, timezone = _resolve_customer(conn, msg)
    conn.execute(_SEEN, {"customer": customer_id, "seen": msg.sent_at})
    message_id = _insert_message(conn, msg, customer_id, direction="in", author_kind="customer")
    draft_id = None
    folded: list[int] = []
    if queue_draft and msg.text.strip():
        # Consecutive messages before anyone answered are one conversation turn: the
        # newer draft answers them all (recall pins the earlier ones), the older
        # drafts' cards say so. A blank message (a file alone) folds nothing.
        folded = _supersede(
            conn,
            customer_id,
            msg.conversation_key,
            decided_by="rapport",
            decided_at=msg.sent_at,
            decided_action=FOLDED,
        )
    if queue_draft:
        draft_id = _insert(
            conn,
            _drafts,
            customer_id=customer_id,
            message_id=message_id,
            kind=DraftKind.REPLY,
            status=DraftStatus.QUEUED,
            target=target_dict(target),
        )
    return Ingested(
        message_id=message_id,
        customer_id=customer_id,
        draft_id=draft_id,
        customer_timezone=timezone,
        superseded=tuple(folded),
    )


def _supersede(conn: Connection, customer_id: int, conversation: str, **decided: Any) -> list[int]:
    """Mark this customer's open reply drafts in ``conversation`` superseded; their ids."""
    return list(
        conn.execute(
            update(_drafts)
            .where(
                _drafts.c.customer_id == customer_id,
                _drafts.c.status.in_(OPEN_STATUSES),
                _drafts.c.message_id.in_(
                    select(_messages.c.id).where(
                        _messages.c.customer_id == customer_id,
                        _messages.c.conversation_key == conversation,
                        _messages.c.direction == "in",
                    )
                ),
            )
            .values(
                status=DraftStatus.SUPERSEDED,
                updated_at=utcnow(),
                revision=_drafts.c.revision + 1,
                **decided,
            )
            .returning(_drafts.c.id)
        )
        .scalars()
        .all()
    )


def _store_rep_reply(conn: Connection, msg: InboundMessage) -> Ingested | Ignored:
    customer_id = _answered_customer(conn, msg)
    if customer_id is None:
        return Ignored(
            "a rep wrote where no customer could be told apart: outside any customer "
            "conversation, or in one shared by several without replying to, mentioning "
            "or naming one"
        )
    message_id = _insert_message(conn, msg, customer_id, direction="out", author_kind="rep")
    # Only this customer's drafts: another customer in the same thread still
    # waits for their own answer.
    superseded = _supersede(
        conn,
        customer_id,
        msg.conversation_key,
        decided_by=f"{_name(msg)[:150]} ({msg.platform})",
        decided_at=msg.sent_at,
        decided_action="answered",
    )
    return Ingested(
        message_id=message_id,
        customer_id=customer_id,
        draft_id=None,
        superseded=tuple(superseded),
    )


def _answered_customer(conn: Connection, msg: InboundMessage) -> int | None:
    """The customer a rep's message answers, or None when it cannot be told.

    A rep's words go into one customer's history, prompts and export, so a
    wrong guess leaks them to someone else. Only customers who wrote in this
    conversation qualify, in this order: the one whose message the rep replied
    to, the first one the rep mentions, the only one the rep names, the only
    one there is, and in a thread the one who started it. Whoever wrote last
    is never a reason.
    """
    # One row per customer, first to write first: a busy channel has many
    # messages but far fewer customers.
    first = func.min(_messages.c.id)
    speakers = conn.execute(
        select(_messages.c.customer_id, first, func.max(_messages.c.author_name))
        .where(_messages.c.conversation_key == msg.conversation_key, _messages.c.direction == "in")
        .group_by(_messages.c.customer_id)
        .order_by(first)
    ).all()
    if not speakers:
        return None
    present: set[int] = {int(row[0]) for row in speakers}
    if msg.reply_to:
        replied = conn.execute(
            select(_messages.c.customer_id).where(
                _messages.c.platform == msg.platform,
                _messages.c.workspace == msg.workspace,
                _messages.c.platform_message_id == msg.reply_to,
            )
        ).scalar_one_or_none()
        if replied is not None and int(replied) in present:
            return int(replied)
    if msg.mentions:
        mentioned = dict(
            conn.execute(
                select(_identities.c.user_id, _identities.c.customer_id).where(
                    _identities.c.platform == msg.platform,
                    _identities.c.workspace == msg.workspace,
                    _identities.c.user_id.in_(msg.mentions),
                )
            ).all()
        )
        for user_id in msg.mentions:
            if mentioned.get(user_id) in present:
                return int(mentioned[user_id])
    named = {
        int(customer_id)
        for customer_id, _, name in speakers
        if name and _addresses(msg.text, first_name(name))
    }
    if len(named) == 1:
        return named.pop()
    if len(present) == 1 or msg.in_thread:
        return int(speakers[0][0])  # the only customer, or the thread's starter
    return None


def _addresses(text: str, name: str) -> bool:
    """Whether ``name`` appears in ``text`` as a word of its own, as the rep wrote it."""
    if len(name) < 2:
        return False
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def _resolve_customer(conn: Connection, msg: InboundMessage) -> tuple[int, str | None]:
    """The customer id and time zone behind the message's account, created on first sight."""
    # One statement for the account and its customer: this runs for every message.
    found = conn.execute(
        _ACCOUNT, {"platform": msg.platform, "workspace": msg.workspace, "user_id": msg.user_id}
    ).one_or_none()
    if found is not None:
        identity_id, identity_name, customer_id, timezone = found
        if msg.display_name and identity_name != _name(msg):
            conn.execute(_RENAME_ACCOUNT, {"identity": identity_id, "name": _name(msg)})
        return customer_id, timezone
    name = _name(msg)
    customer_id = _insert(conn, _customers, display_name=name)
    _insert(
        conn,
        _identities,
        customer_id=customer_id,
        platform=msg.platform,
        workspace=msg.workspace,
        user_id=msg.user_id,
        display_name=name,
    )
    return customer_id, None


def _name(msg: InboundMessage) -> str:
    """The author's name as every database keeps it: cleaned, and within the column's 200."""
    return storable(msg.display_name or msg.user_id)[:NAME_CHARS]


def _insert_message(
    conn: Connection, msg: InboundMessage, customer_id: int, *, direction: str, author_kind: str
) -> int:
    return _insert(
        conn,
        _messages,
        customer_id=customer_id,
        platform=msg.platform,
        workspace=msg.workspace,
        channel=msg.channel,
        thread=msg.thread,
        conversation_key=msg.conversation_key,
        platform_message_id=msg.message_id,
        direction=direction,
        author_kind=author_kind,
        author_id=msg.user_id,
        author_name=_name(msg),
        text=storable(msg.text),
        is_direct=msg.is_direct,
        permalink=msg.permalink,
        sent_at=msg.sent_at,
    )


def target_dict(target: ReplyTarget) -> dict[str, Any]:
    return {
        "platform": target.platform,
        "workspace": target.workspace,
        "channel": target.channel,
        "thread": target.thread,
        "reply_to": target.reply_to,
        "is_direct": target.is_direct,
        "conversation_key": conversation_key(
            target.platform, target.workspace, target.channel, target.thread
        ),
    }
