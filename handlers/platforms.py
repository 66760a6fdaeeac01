"""Which platform adapters run, from the settings.

Imported by ``rapport run`` only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bot.config import Settings
from bot.runtime import Runtime


def build_platforms(settings: Settings, runtime: Runtime) -> tuple[list[APIRouter], list[Any]]:
    """Routers to mount on the web app, and services to start with it.

    The check-in scheduler always runs; the embedding indexer when embeddings
    are on; Slack and Discord when configured.
    """
    routers: list[APIRouter] = []
    services: list[Any] = [checkin_scheduler(settings, runtime), *runtime.services()]
    if settings.slack_bot_token is not None:
        from handlers.slack import SlackService

        slack = SlackService(settings, runtime)  # registers its review surface and sender
        services.append(slack)  # start(): token check, card catch-up, Socket Mode
        if slack.router is not None:  # HTTP mode: POST /slack/events
            routers.append(slack.router)
    if settings.discord_token is not None:
        from handlers.discord import DiscordService

        services.append(DiscordService(settings, runtime))
    return routers, services


def checkin_scheduler(settings: Settings, runtime: Runtime) -> Any:
    """The check-in service, listening to the engine, and its every-minute scheduler."""
    from datetime import timedelta

    from bot.checkin_service import CheckinService
    from bot.checkins import CheckinSettings
    from bot.scheduler import CheckinScheduler, MinuteRound

    service = CheckinService(runtime.engine, CheckinSettings.from_settings(settings))
    runtime.engine.observers.append(service)
    retention = timedelta(days=settings.retention_days) if settings.retention_days else None
    return CheckinScheduler(
        MinuteRound(runtime.engine, service, store=runtime.store, retention=retention)
    )
