"""The Slack app manifest: everything Rapport needs from Slack, in one paste.

Create the app at https://api.slack.com/apps → Create New App → From a manifest.
"""

from __future__ import annotations

from typing import Any

from handlers.slack.service import EVENTS_PATH

BOT_SCOPES = (
    "channels:history",  # read customers' messages in public channels
    "groups:history",  # … in private channels the bot is invited to
    "im:history",  # … in DMs with the bot
    "mpim:history",  # … in group DMs the bot is in
    "chat:write",  # replies to customers, cards in the review channel, notes to reps
    "users:read",  # customers' and reps' names (users.info)
    "usergroups:read",  # reps listed as a user group (usergroups.users.list)
)
BOT_EVENTS = ("message.channels", "message.groups", "message.im", "message.mpim")
DESCRIPTION = "Remembers your customers and drafts warm replies that a rep approves."


class ManifestError(ValueError):
    """The options cannot make a working app; the message says what to pass."""


def manifest(
    *, name: str = "Rapport", socket_mode: bool = True, url: str | None = None
) -> dict[str, Any]:
    """The manifest for Socket Mode (no public URL needed) or HTTP mode (``url`` required)."""
    name = name.strip() or "Rapport"
    if len(name) > 35:
        raise ManifestError(f"the app name {name!r} is longer than Slack's 35 characters")
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if not socket_mode:
        if not url or not url.startswith("https://"):
            raise ManifestError(
                "HTTP mode needs --url with the public https:// address of `rapport run` "
                "(for example https://rapport.example.com); or use --socket, which needs none"
            )
        request_url = url.rstrip("/")
        if not request_url.endswith(EVENTS_PATH):
            request_url += EVENTS_PATH
        settings["event_subscriptions"]["request_url"] = request_url
        settings["interactivity"]["request_url"] = request_url
    return {
        "display_information": {"name": name, "description": DESCRIPTION},
        "features": {
            # The Messages tab lets customers DM the bot.
            "app_home": {
                "home_tab_enabled": False,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }
