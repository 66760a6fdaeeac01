"""What every Slack listener shares, and the background work they start after ``ack()``."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.engine import ResponseEngine
from bot.tasks import Background
from handlers.slack.config import SlackConfig
from handlers.slack.names import NameCache
from handlers.slack.reps import RepDirectory


@dataclass(slots=True)
class SlackContext:
    config: SlackConfig
    client: AsyncWebClient
    engine: ResponseEngine
    names: NameCache
    reps: RepDirectory
    background: Background
    workspace_url: str | None = None  # https://acme.slack.com/, from auth.test at start
