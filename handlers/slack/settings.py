"""Slack's section of the settings: the environment variables that turn it on and set it up.

Only pydantic here: the CLI reads this section (to mask its secrets in logs, to
say what is missing) without loading the Slack client library.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from bot.config import SettingsSection


class SlackSettings(SettingsSection):
    """Slack's section of the settings (README, "Running on Slack")."""

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_review_channel: str | None = Field(None, validation_alias="RAPPORT_SLACK_REVIEW_CHANNEL")
    slack_reps: str = Field("", validation_alias="RAPPORT_SLACK_REPS")
    slack_channels: str = Field("", validation_alias="RAPPORT_SLACK_CHANNELS")
    slack_api_url: str | None = Field(None, validation_alias="RAPPORT_SLACK_API_URL")

    @property
    def configured(self) -> bool:
        """Slack runs when its bot token is set."""
        return self.slack_bot_token is not None
