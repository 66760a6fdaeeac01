"""Who may decide: the one answer to "is this Slack user a rep?".

``RAPPORT_SLACK_REPS`` lists member IDs and user-group IDs; a group's members
come from ``usergroups.users.list`` and are cached for a few minutes, so
adding someone to the group in Slack takes effect without a restart.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = structlog.get_logger(__name__)

GROUP_TTL = 300.0
FAILED_GROUP_TTL = 30.0  # retry a failed lookup soon, without asking Slack on every click


class RepDirectory:
    def __init__(
        self,
        client: AsyncWebClient,
        users: frozenset[str],
        groups: frozenset[str],
        ttl: float = GROUP_TTL,
    ) -> None:
        self.client = client
        self.users = users
        self.groups = groups
        self.ttl = ttl
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = asyncio.Lock()

    async def is_rep(self, user_id: str) -> bool:
        if user_id in self.users:
            return True
        for group in sorted(self.groups):
            if user_id in await self._group_members(group):
                return True
        return False

    async def _group_members(self, group: str) -> frozenset[str]:
        cached = self._members.get(group)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        async with self._lock:  # one lookup per group, however many clicks arrive at once
            cached = self._members.get(group)
            if cached and cached[0] > time.monotonic():
                return cached[1]
            try:
                response = await self.client.usergroups_users_list(usergroup=group)
            except (SlackApiError, OSError, TimeoutError) as exc:
                # Fail closed: nobody is a rep through a group we cannot read.
                log.warning(
                    "slack_usergroup_lookup_failed",
                    usergroup=group,
                    error=str(exc),
                    hint="the app needs the usergroups:read scope; reinstall it after adding it",
                )
                members = cached[1] if cached else frozenset()
                self._members[group] = (time.monotonic() + FAILED_GROUP_TTL, members)
                return members
            members = frozenset(response.get("users") or ())
            self._members[group] = (time.monotonic() + self.ttl, members)
            return members
