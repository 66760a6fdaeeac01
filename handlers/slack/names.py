"""People's names from ``users.info``, cached: a name is looked up once, not per message."""

from __future__ import annotations

import asyncio
import time

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from memory.domain import storable

log = structlog.get_logger(__name__)

NAME_TTL = 6 * 3600.0  # people rename themselves rarely; a day-old name is fine
LOOKUP_TIMEOUT = 2.0  # the lookup sits in front of Slack's 3-second ack


class NameCache:
    def __init__(self, client: AsyncWebClient, ttl: float = NAME_TTL) -> None:
        self.client = client
        self.ttl = ttl
        self._names: dict[str, tuple[float, str]] = {}

    def remember(self, user_id: str, name: str) -> str:
        """Keep ``name`` for a while, as every database can store it.

        A profile in Slack's JSON can carry a NUL or half an emoji (a lone
        surrogate); stored as sent it would fail the message on every redelivery.
        """
        name = storable(name)
        self._names[user_id] = (time.monotonic() + self.ttl, name)
        return name

    def known(self, user_id: str) -> str | None:
        """The name already at hand, without asking Slack (for mentions, on the ack path)."""
        cached = self._names.get(user_id)
        return cached[1] if cached else None

    async def name(self, user_id: str, hint: str | None = None) -> str:
        """The person's display name; ``hint`` (the event's own profile) saves the lookup."""
        if hint:
            return self.remember(user_id, hint)
        cached = self._names.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = await asyncio.wait_for(self.client.users_info(user=user_id), LOOKUP_TIMEOUT)
        except (SlackApiError, TimeoutError, OSError) as exc:
            # A name is cosmetic: the message is stored under the ID rather than lost.
            log.warning("slack_name_lookup_failed", user_id=user_id, error=str(exc))
            return cached[1] if cached else user_id
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = next(
            (
                str(v).strip()
                for v in (
                    profile.get("display_name"),
                    profile.get("real_name"),
                    user.get("real_name"),
                    user.get("name"),
                )
                if v and str(v).strip()
            ),
            user_id,
        )
        return self.remember(user_id, name)
