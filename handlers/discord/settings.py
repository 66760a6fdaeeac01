"""Discord's section of the settings: the environment variables that turn it on and set it up.

Only pydantic here: the CLI reads this section (to mask its secrets in logs, to
say what is missing) without loading the Discord client library.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from bot.config import SettingsSection


class DiscordSettings(SettingsSection):
    """Discord's section of the settings (README, "Running on Discord")."""

    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    discord_review_channel: str | None = Field(
        None, validation_alias="RAPPORT_DISCORD_REVIEW_CHANNEL"
    )
    discord_rep_role: str | None = Field(None, validation_alias="RAPPORT_DISCORD_REP_ROLE")
    discord_reps: str = Field("", validation_alias="RAPPORT_DISCORD_REPS")
    discord_channels: str = Field("", validation_alias="RAPPORT_DISCORD_CHANNELS")
    discord_api_url: str | None = Field(None, validation_alias="RAPPORT_DISCORD_API_URL")
    discord_application_id: str | None = Field(
        None, validation_alias="RAPPORT_DISCORD_APPLICATION_ID"
    )

    @property
    def configured(self) -> bool:
        """Discord runs when its bot token is set."""
        return self.discord_token is not None
