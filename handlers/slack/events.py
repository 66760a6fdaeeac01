"""Slack message events in, Rapport's :class:`InboundMessage` out.

Pure functions: they take the event as Slack sent it and return our values,
so every rule about which messages count can be tested without a network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from handlers.slack.config import PLATFORM, SlackConfig
from memory.domain import AuthorRole, InboundMessage, ReplyTarget, storable

# A plain message, a thread reply also sent to the channel, a message with a file:
# each is something the customer said. Edits, deletions, joins and the like are not.
CUSTOMER_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
# A user mention as Slack writes it in message text: <@U123> or <@U123|name>.
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where a message belongs: its thread (None for a plain DM) and whether it is a DM."""

    channel: str
    thread: str | None
    is_direct: bool


def skip_reason(event: dict[str, Any], config: SlackConfig) -> str | None:
    """Why this message event is not a person's new message to serve, or None to serve it."""
    subtype = event.get("subtype")
    if subtype not in CUSTOMER_SUBTYPES:
        return f"subtype {subtype}"
    if event.get("bot_id") or event.get("bot_profile"):
        return "from a bot"
    if not event.get("user") or not event.get("ts") or not event.get("channel"):
        return "no author"
    malformed = _malformed(event)
    if malformed:
        return f"malformed event: {malformed}"
    if not config.serves(event["channel"], event.get("channel_type")):
        return "channel not served"
    return None


def malformed_request(body: bytes) -> str | None:
    """What is wrong with a request that Bolt's own middleware would choke on.

    Slack never sends these shapes; answering 400 instead of Bolt's 500 keeps
    Slack from retrying a poison request. Good requests pass, and so does what
    Bolt already answers without a 500 (a body that is not JSON at all).
    """
    if not body.startswith(b"payload="):
        return _malformed_callback(body)
    try:
        payload = json.loads(parse_qs(body.decode("utf-8", "replace")).get("payload", [""])[0])
    except ValueError:
        return "payload is not JSON"
    if not isinstance(payload, dict):
        return "payload is not an object"
    kind = payload.get("type")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return "block_actions without actions"
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or "type" not in view:
            return f"{kind} without a view"
    return None


def _malformed_callback(body: bytes) -> str | None:
    """What is wrong with an event callback's ``event``, which Bolt reads as an object."""
    try:
        callback = json.loads(body)
    except ValueError:
        return None
    if not isinstance(callback, dict) or "event" not in callback:
        return None
    event = callback["event"]
    if not isinstance(event, dict):
        return "event is not an object"
    if not isinstance(event.get("type"), str):
        return "event has no type"
    return None


def _malformed(event: dict[str, Any]) -> str | None:
    """What is wrong with a message event's fields, if anything (Slack never sends these)."""
    for key in ("user", "ts", "channel"):
        if not isinstance(event.get(key), str):
            return f"{key} is not a string"
    for key in ("user", "ts", "channel", "thread_ts"):
        # An id cannot be cleaned like a name: changed, it would name someone else.
        if isinstance(event.get(key), str) and storable(event[key]) != event[key]:
            return f"{key} has characters no database can store"
    if not isinstance(event.get("text") or "", str):
        return "text is not a string"
    try:
        float(event["ts"])
    except ValueError:
        return "ts is not a Slack timestamp"
    thread_ts = event.get("thread_ts")
    if thread_ts is not None and not isinstance(thread_ts, str):
        return "thread_ts is not a string"
    return None


def conversation(event: dict[str, Any]) -> Conversation:
    """In a channel the conversation is the thread (a top-level message starts one); in a DM
    it is the DM itself, unless the customer wrote in a thread there."""
    is_direct = event.get("channel_type") == "im"
    thread_ts = event.get("thread_ts")
    thread = thread_ts if is_direct else (thread_ts or event["ts"])
    return Conversation(channel=event["channel"], thread=thread, is_direct=is_direct)


def sent_at(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def message_id(channel: str, ts: str) -> str:
    """Slack's ts is unique within a channel; with the channel it is unique in the workspace."""
    return f"{channel}:{ts}"


def permalink(workspace_url: str | None, event: dict[str, Any]) -> str | None:
    """Slack's permalink format, built locally so storing a message costs no API call."""
    if not workspace_url:
        return None
    channel, ts = event["channel"], event["ts"]
    link = f"{workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
    thread_ts = event.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return link


def to_inbound(
    event: dict[str, Any],
    *,
    workspace: str,
    display_name: str,
    role: AuthorRole,
    workspace_url: str | None,
    names: Callable[[str], str | None] = lambda _id: None,
) -> tuple[InboundMessage, ReplyTarget]:
    """The message for the engine and where its reply goes (``names``: known user names)."""
    where = conversation(event)
    ts = event["ts"]
    msg = InboundMessage(
        platform=PLATFORM,
        workspace=workspace,
        channel=where.channel,
        thread=where.thread,
        user_id=event["user"],
        display_name=display_name,
        text=plain_text(event.get("text") or "", names),
        sent_at=sent_at(ts),
        message_id=message_id(where.channel, ts),
        author_role=role,
        is_direct=where.is_direct,
        permalink=permalink(workspace_url, event),
        mentions=mentions(event.get("text") or ""),
    )
    target = ReplyTarget(
        platform=PLATFORM,
        workspace=workspace,
        channel=where.channel,
        thread=where.thread,
        reply_to=ts,
        is_direct=where.is_direct,
    )
    return msg, target


# Slack's markup for links and references: <target> or <target|label>.
_ANGLED = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def plain_text(text: str, names: Callable[[str], str | None] = lambda _id: None) -> str:
    """The text as the customer wrote and saw it: Slack's markup turned back into words.

    ``<@U1>`` becomes ``@Name`` (from ``names``, which knows who has written;
    else ``@U1``), ``<#C1|general>`` ``#general``, ``<!here>`` ``@here``,
    ``<https://x|the docs>`` ``the docs (https://x)``, a bare link its URL, and
    ``&lt; &gt; &amp;`` the characters they stand for. This is what is stored,
    recalled, put in prompts and shown on cards (which escape it again, once).
    """

    def word(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "@" + (label or names(target[1:]) or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            special = target[1:].split("^", 1)[0]
            if special in ("here", "channel", "everyone"):
                return "@" + special
            return label or special  # a date's fallback text, a user group's @handle
        if label and label != target.removeprefix("mailto:"):
            return f"{label} ({target})"
        return target.removeprefix("mailto:")

    return unescape(_ANGLED.sub(word, text))


def unescape(text: str) -> str:
    """The text as the customer typed it: Slack escapes exactly these three characters.

    ``&amp;`` last, so a customer who typed ``&lt;`` (sent as ``&amp;lt;``) keeps it.
    """
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentions(text: str) -> tuple[str, ...]:
    """The user ids a message mentions, in order, each once."""
    return tuple(dict.fromkeys(USER_MENTION.findall(text)))


def profile_name(event: dict[str, Any]) -> str | None:
    """The author's name when Slack included their profile in the event (it usually does)."""
    profile = event.get("user_profile") or {}
    for key in ("display_name", "real_name", "name"):
        value = profile.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
