"""Which platform adapters run, from the settings.

Imported only by ``rapport run``: the adapters live in ``handlers/`` and the
core never imports them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bot.config import Settings
from bot.runtime import Runtime


def build_platforms(settings: Settings, runtime: Runtime) -> tuple[list[APIRouter], list[Any]]:
    routers: list[APIRouter] = []
    services: list[Any] = []
    return routers, services
