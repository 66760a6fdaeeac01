"""Text safety: what a reply may never do, whatever the customer or the model wrote."""

from __future__ import annotations

import re
import unicodedata

ZWSP = "\u200b"

# Slack's special mentions: <!channel>, <!here>, <!everyone>, <!subteam^S123|@team>.
_SLACK_BROADCAST = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>", re.IGNORECASE)
_SLACK_GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(\|([^>]*))?>", re.IGNORECASE)
# Discord's role mentions: <@&123>.
_DISCORD_ROLE = re.compile(r"<@&(\d+)>")
# Plain @everyone / @here, which Discord (and Slack with parse=full) would ping.
_PLAIN_BROADCAST = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)

MAX_REPLY_CHARS = 3500  # fits Slack's and Discord's (2000 after splitting) limits comfortably


def neutralize_mentions(text: str) -> str:
    """Make every mass or group mention inert, keeping it readable.

    ``@everyone`` becomes ``@\u200beveryone``: people read the same word, no
    platform pings anyone.
    """
    text = _SLACK_BROADCAST.sub(lambda m: f"@{ZWSP}{m.group(1).lower()}", text)
    text = _SLACK_GROUP.sub(lambda m: f"@{ZWSP}{(m.group(2) or 'group').lstrip('@')}", text)
    text = _DISCORD_ROLE.sub(lambda m: f"@{ZWSP}role", text)
    return _PLAIN_BROADCAST.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)


def clean_reply(text: str) -> str:
    """The final form of any text Rapport posts to a customer."""
    text = neutralize_mentions(text.strip())
    if len(text) > MAX_REPLY_CHARS:
        text = text[: MAX_REPLY_CHARS - 1].rstrip() + "…"
    return text


_INVISIBLE = {"Cf", "Cc", "Co", "Cs"}


def visible_text(text: str) -> str:
    """The text with control, format (zero-width) and unassigned characters removed."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _INVISIBLE)


def is_blank(text: str) -> bool:
    """True when nothing a person could read is left."""
    return not visible_text(text).strip()


def preview(text: str, limit: int = 280) -> str:
    """A short one-line version for cards and lists."""
    flat = " ".join(visible_text(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
