"""Settings, from the environment and an optional ``.env`` file.

Every variable is listed in ``.env.example`` and the README. Field names are
short; the environment names are the aliases. The core's section is here;
Slack's and Discord's live in their packages (``handlers/slack/config.py``,
``handlers/discord/config.py``), so the core knows no platform.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.redaction import without_credentials

EVERY_INTERFACE = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names to skip, not to bind


class SettingsSection(BaseSettings):
    """One section of the settings: the core's here, each platform's in its package.

    Every section reads the same environment and ``.env`` file.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        # `SLACK_BOT_TOKEN=` (as in .env.example) means "not set", not "set to nothing".
        env_ignore_empty=True,
    )

    def secret_values(self) -> frozenset[str]:
        """Every configured secret, for the logs to mask: tokens, keys, and the passwords
        inside URLs (as written and percent-decoded)."""
        found: set[str] = set()
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                found.add(value.get_secret_value())
            elif isinstance(value, str) and "://" in value:
                password = _password(value)
                found.update((password, unquote(password)))
        found.discard("")
        return frozenset(found)


class Settings(SettingsSection):
    """The core's settings: storage, drafting, recall, voice, check-ins, console, logs."""

    # Store
    database_url: str = Field("sqlite:///rapport.db", validation_alias="DATABASE_URL")

    # Drafting
    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    model: str = Field("gpt-4o-mini", validation_alias="RAPPORT_MODEL")
    llm_timeout: float = Field(30.0, validation_alias="RAPPORT_LLM_TIMEOUT")
    llm_retries: int = Field(3, validation_alias="RAPPORT_LLM_RETRIES")
    llm_concurrency: int = Field(4, validation_alias="RAPPORT_LLM_CONCURRENCY")
    recall_budget_tokens: int = Field(800, validation_alias="RAPPORT_RECALL_BUDGET_TOKENS")

    # Knowledge (bot/knowledge): how much of a question the best passage must cover
    # before a draft answers from it (else it says a teammate will check).
    knowledge_min_confidence: float = Field(
        0.35, validation_alias="RAPPORT_KNOWLEDGE_MIN_CONFIDENCE", ge=0, le=1
    )

    # Drafting workers (bot/workers.py): drafts written at once per process (0:
    # twice RAPPORT_LLM_CONCURRENCY), how long a claim lasts without a heartbeat,
    # and how often an idle worker looks for work nobody woke it for.
    worker_slots: int = Field(0, validation_alias="RAPPORT_WORKER_SLOTS", ge=0)
    draft_lease_seconds: float = Field(15.0, validation_alias="RAPPORT_DRAFT_LEASE_SECONDS", gt=0)
    worker_poll_seconds: float = Field(1.0, validation_alias="RAPPORT_WORKER_POLL_SECONDS", gt=0)

    # Recall by meaning (optional): off | local | openai
    embeddings: str = Field("off", validation_alias="RAPPORT_EMBEDDINGS")
    embedding_model: str = Field(
        "text-embedding-3-small", validation_alias="RAPPORT_EMBEDDING_MODEL"
    )
    embeddings_base_url: str | None = Field(None, validation_alias="RAPPORT_EMBEDDINGS_BASE_URL")
    embeddings_api_key: SecretStr | None = Field(
        None, validation_alias="RAPPORT_EMBEDDINGS_API_KEY"
    )
    # How long a draft's recall waits for the new message's vector before going without it.
    embedding_budget_ms: int = Field(250, validation_alias="RAPPORT_EMBEDDING_BUDGET_MS", ge=1)

    # Voice
    company: str = Field("our team", validation_alias="RAPPORT_COMPANY")
    bot_name: str = Field("Rapport", validation_alias="RAPPORT_BOT_NAME")
    timezone: str = Field("UTC", validation_alias="RAPPORT_TIMEZONE")

    # Check-ins (bot/checkins.py reads and validates these)
    followup_days: str = Field("3", validation_alias="RAPPORT_FOLLOWUP_DAYS")
    quiet_days: str = Field("30", validation_alias="RAPPORT_QUIET_DAYS")
    checkin_min_days: str = Field("7", validation_alias="RAPPORT_CHECKIN_MIN_DAYS")
    checkin_day_start: str = Field("09:00", validation_alias="RAPPORT_CHECKIN_DAY_START")
    checkin_day_end: str = Field("18:00", validation_alias="RAPPORT_CHECKIN_DAY_END")

    # Retention: messages older than this many days are purged (unset: kept)
    retention_days: int | None = Field(None, validation_alias="RAPPORT_RETENTION_DAYS", ge=1)

    # Web console
    host: str = Field("127.0.0.1", validation_alias="RAPPORT_HOST")
    port: int = Field(8000, validation_alias="RAPPORT_PORT")
    secret_key: SecretStr | None = Field(None, validation_alias="RAPPORT_SECRET_KEY")
    # The names browsers and Slack use to reach the console besides RAPPORT_HOST and loopback
    # (the public name behind a proxy): a request addressed to any other name is refused.
    allowed_hosts: str = Field("", validation_alias="RAPPORT_ALLOWED_HOSTS")

    # Logging
    log_level: str = Field("info", validation_alias="RAPPORT_LOG_LEVEL")
    log_format: str = Field("console", validation_alias="RAPPORT_LOG_FORMAT")

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in ("console", "json"):
            raise ValueError("RAPPORT_LOG_FORMAT must be 'console' or 'json'")
        return value

    @field_validator("embeddings")
    @classmethod
    def _known_embeddings(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("off", "local", "openai"):
            raise ValueError("RAPPORT_EMBEDDINGS must be 'off', 'local' or 'openai'")
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: str) -> str:
        for name in split_ids(value):
            bare = name.removeprefix("*.")  # *.example.com: every name under example.com
            # One colon is a port (a Host header's port is not part of the name); IPv6 has more.
            if "/" in bare or "*" in bare or bare.count(":") == 1:
                raise ValueError(
                    f"RAPPORT_ALLOWED_HOSTS: {name!r} is not a host name; list names only, "
                    "comma-separated, like rapport.example.com or *.example.com "
                    "(no scheme, port or path)"
                )
        return value

    @field_validator("llm_concurrency", "port")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be 1 or more")
        return value

    @property
    def uses_llm(self) -> bool:
        return self.openai_api_key is not None and bool(self.openai_api_key.get_secret_value())

    @property
    def web_host_names(self) -> frozenset[str]:
        """The names the console answers to besides loopback: RAPPORT_ALLOWED_HOSTS, and
        RAPPORT_HOST unless it means every interface (0.0.0.0 is nobody's name)."""
        names = set(split_ids(self.allowed_hosts))
        if self.host not in EVERY_INTERFACE:
            names.add(self.host)
        return frozenset(names)

    @property
    def database_label(self) -> str:
        return without_credentials(self.database_url)


def _password(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host; it will fail loudly elsewhere
        return ""


def split_ids(value: str) -> frozenset[str]:
    """``"U1, U2 ,"`` → ``{"U1", "U2"}``: how every ID list setting is read."""
    return frozenset(part.strip() for part in value.split(",") if part.strip())
