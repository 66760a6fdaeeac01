"""What every console page shares: the runtime, the repositories, the page renderer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from bot.runtime import Runtime
from bot.safety import preview
from handlers.web.csrf import FIELD, csrf_token
from handlers.web.surface import WebPlatform
from memory.customers import CustomerDirectory
from memory.prompt_versions import PromptVersions
from memory.users import UserDirectory

HERE = Path(__file__).parent


@dataclass
class Console:
    """The console's parts, built once per app and reached from every route."""

    runtime: Runtime
    surface: WebPlatform  # the console as a platform: what changed, for open pages
    templates: Jinja2Templates
    directory: CustomerDirectory
    users: UserDirectory
    prompts: PromptVersions
    demo: bool
    auto_login: bool

    def page(
        self, request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> Response:
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)


def get_console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


ConsoleDep = Annotated[Console, Depends(get_console)]


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A one-line notice shown on the next page (after a redirect)."""
    notes: list[dict[str, str]] = request.session.setdefault("flash", [])
    notes.append({"text": text, "kind": kind})
    request.session["flash"] = notes


def _page_globals(request: Request) -> dict[str, Any]:
    console: Console | None = getattr(request.app.state, "console", None)

    def flashes() -> list[dict[str, str]]:
        notes: list[dict[str, str]] = request.session.pop("flash", [])
        return notes

    token = csrf_token(request)
    return {
        "login": getattr(request.state, "login", None),
        "demo": console.demo if console else False,
        "csrf_token": token,
        "csrf_field": Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token),
        "flashes": flashes,
        "path": request.url.path,
        # Read when the request began (see auth.current_login), before the page's
        # queries: a change that lands mid-render is then still picked up by the poll.
        "version": getattr(request.state, "version", console.surface.version if console else 0),
    }


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(
        directory=str(HERE / "templates"), context_processors=[_page_globals]
    )
    templates.env.filters["ago"] = ago
    templates.env.filters["short"] = preview
    templates.env.filters["stamp"] = stamp
    return templates


def ago(when: datetime | None) -> str:
    if when is None:
        return ""
    seconds = (datetime.now(UTC) - when).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return ""


def stamp(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else ""


def duration(seconds: float | None) -> str:
    """``95`` → ``1 min 35 s``: durations as people say them."""
    if seconds is None:
        return "–"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days {hours % 24} h"
