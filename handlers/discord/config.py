"""The Discord adapter's settings: its section of the environment, read once and checked.

Authorisation lives here and only here: :meth:`DiscordConfig.is_rep` is the
one answer to "may this person approve drafts or use ``/rapport``?".
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.config import split_ids
from handlers.discord.settings import DiscordSettings

PLATFORM = "discord"
DM_WORKSPACE = "dm"


class DiscordConfigError(ValueError):
    """A Discord setting is missing or malformed; the message names the variable."""


def _snowflake(name: str, value: str) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise DiscordConfigError(
            f"{name}={value!r} is not a Discord ID; copy the numeric ID with Developer Mode on "
            "(right-click → Copy ID)"
        ) from None
    if number <= 0:
        raise DiscordConfigError(f"{name}={value!r} is not a Discord ID")
    return number


def _snowflakes(name: str, value: str) -> frozenset[int]:
    return frozenset(_snowflake(name, part) for part in split_ids(value))


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    token: str
    review_channel_id: int
    rep_role_id: int | None
    rep_ids: frozenset[int]
    channel_ids: frozenset[int]  # empty: every readable channel except the review channel
    api_url: str | None = None  # REST base for a fake Discord (tests)
    application_id: int | None = None

    @classmethod
    def from_settings(cls, settings: DiscordSettings) -> DiscordConfig:
        token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
        if not token:
            raise DiscordConfigError("DISCORD_TOKEN is not set: copy the bot token from the portal")
        if not settings.discord_review_channel:
            raise DiscordConfigError(
                "RAPPORT_DISCORD_REVIEW_CHANNEL is not set: the ID of the reps' channel"
            )
        rep_role = settings.discord_rep_role
        rep_ids = _snowflakes("RAPPORT_DISCORD_REPS", settings.discord_reps)
        if not rep_role and not rep_ids:
            raise DiscordConfigError(
                "set RAPPORT_DISCORD_REP_ROLE and/or RAPPORT_DISCORD_REPS: who may approve drafts"
            )
        app_id = settings.discord_application_id
        return cls(
            token=token,
            review_channel_id=_snowflake(
                "RAPPORT_DISCORD_REVIEW_CHANNEL", settings.discord_review_channel
            ),
            rep_role_id=_snowflake("RAPPORT_DISCORD_REP_ROLE", rep_role) if rep_role else None,
            rep_ids=rep_ids,
            channel_ids=_snowflakes("RAPPORT_DISCORD_CHANNELS", settings.discord_channels),
            api_url=settings.discord_api_url.rstrip("/") if settings.discord_api_url else None,
            application_id=_snowflake("RAPPORT_DISCORD_APPLICATION_ID", app_id) if app_id else None,
        )

    def is_rep(self, user: discord.User | discord.Member) -> bool:
        """A rep is listed by ID, or holds the rep role in the guild they act in."""
        if user.id in self.rep_ids:
            return True
        if self.rep_role_id is None or not isinstance(user, discord.Member):
            return False
        return any(role.id == self.rep_role_id for role in user.roles)

    def serves(self, channel: object) -> bool:
        """Is this a customer channel? DMs always are; the review channel never is."""
        if isinstance(channel, discord.DMChannel):
            return True
        channel_id = getattr(channel, "id", None)
        parent_id = getattr(channel, "parent_id", None)  # a thread's channel
        if self.review_channel_id in (channel_id, parent_id):
            return False
        if not self.channel_ids:
            return True
        return channel_id in self.channel_ids or parent_id in self.channel_ids
