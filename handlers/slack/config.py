"""The Slack adapter's settings: its section of the environment, read once and checked.

Which channels are served and who counts as a rep are answered here, so every
listener asks the same question the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import SecretStr

from bot.config import split_ids
from handlers.slack.settings import SlackSettings

PLATFORM = "slack"
DEFAULT_API_URL = "https://slack.com/api/"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class SlackConfigError(ValueError):
    """A Slack setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class SlackConfig:
    bot_token: str
    app_token: str | None  # set: Socket Mode
    signing_secret: str | None  # set: HTTP mode, POST /slack/events
    review_channel: str
    rep_users: frozenset[str]
    rep_groups: frozenset[str]  # user-group IDs (S…); their members are reps
    channels: frozenset[str]  # empty: every channel the bot is in, except the review channel
    api_url: str = DEFAULT_API_URL

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    def serves(self, channel: str, channel_type: str | None) -> bool:
        """Is a message in this channel a customer's? DMs always are."""
        if channel_type == "im":
            return True
        if channel == self.review_channel:
            return False
        return not self.channels or channel in self.channels

    @classmethod
    def from_settings(cls, settings: SlackSettings) -> SlackConfig:
        bot_token = _secret(settings.slack_bot_token)
        if not bot_token:
            raise SlackConfigError(
                "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from "
                "OAuth & Permissions in your Slack app's settings"
            )
        app_token = _secret(settings.slack_app_token) or None
        signing_secret = _secret(settings.slack_signing_secret) or None
        if app_token and signing_secret:
            raise SlackConfigError(
                "SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are both set: keep SLACK_APP_TOKEN "
                "for Socket Mode or SLACK_SIGNING_SECRET for HTTP mode"
            )
        if not (app_token or signing_secret):
            raise SlackConfigError(
                "set SLACK_APP_TOKEN (xapp-…, Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode, "
                "from Basic Information in your Slack app's settings)"
            )
        if app_token and not app_token.startswith("xapp-"):
            raise SlackConfigError(
                "SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic "
                "Information → App-Level Tokens, scope connections:write)"
            )
        review = (settings.slack_review_channel or "").strip()
        if not _CHANNEL_ID.match(review):
            raise SlackConfigError(
                f"RAPPORT_SLACK_REVIEW_CHANNEL={review!r} is not a channel ID: open the "
                "channel's details in Slack and copy the ID at the bottom (C…)"
            )
        reps = split_ids(settings.slack_reps)
        unknown = sorted(r for r in reps if not (_USER_ID.match(r) or _GROUP_ID.match(r)))
        if unknown:
            raise SlackConfigError(
                f"RAPPORT_SLACK_REPS has {', '.join(unknown)}: list member IDs (U…, from a "
                "profile's ⋮ → Copy member ID) or user-group IDs (S…), separated by commas"
            )
        if not reps:
            raise SlackConfigError("RAPPORT_SLACK_REPS is empty: nobody could approve a draft")
        channels = split_ids(settings.slack_channels)
        bad = sorted(c for c in channels if not _CHANNEL_ID.match(c))
        if bad:
            raise SlackConfigError(
                f"RAPPORT_SLACK_CHANNELS has {', '.join(bad)}: list channel IDs (C…), not names"
            )
        api_url = (settings.slack_api_url or DEFAULT_API_URL).strip()
        return cls(
            bot_token=bot_token,
            app_token=app_token,
            signing_secret=signing_secret,
            review_channel=review,
            rep_users=frozenset(r for r in reps if not _GROUP_ID.match(r)),
            rep_groups=frozenset(r for r in reps if _GROUP_ID.match(r)),
            channels=channels - {review},
            api_url=api_url if api_url.endswith("/") else api_url + "/",
        )


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value().strip() if value is not None else ""
