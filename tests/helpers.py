"""Small builders shared by tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from memory.domain import AuthorRole, InboundMessage

_ids = itertools.count(1)
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday


def message(
    text: str,
    *,
    user: str = "u-dana",
    name: str = "Dana Whitfield",
    platform: str = "web",
    workspace: str = "demo",
    channel: str = "community",
    thread: str | None = "t1",
    at: datetime | None = None,
    message_id: str | None = None,
    role: AuthorRole = AuthorRole.CUSTOMER,
    minutes: float = 0,
    mentions: tuple[str, ...] = (),
    reply_to: str | None = None,
) -> InboundMessage:
    return InboundMessage(
        platform=platform,
        workspace=workspace,
        channel=channel,
        thread=thread,
        user_id=user,
        display_name=name,
        text=text,
        sent_at=(at or T0) + timedelta(minutes=minutes),
        message_id=message_id or f"m{next(_ids)}",
        author_role=role,
        mentions=mentions,
        reply_to=reply_to,
    )
