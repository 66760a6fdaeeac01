"""Prompt templates, for admins: edit, preview on a real customer, save, roll back.

Saving validates first (see :mod:`handlers.web.preview`); a refused template
is shown with its line and reason, and the running version stays. Every
save is a new version; rolling back activates an older one. After each
change the engine's renderer is reloaded, so the next draft uses it.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.runtime import Runtime
from handlers.web import preview as previews
from handlers.web.auth import AdminLogin
from handlers.web.context import Console, ConsoleDep, flash
from handlers.web.csrf import require_csrf
from memory.customers import CustomerNotFound
from memory.drafts import TemplateFailures
from memory.messages import stored_customer
from memory.prompt_versions import PromptVersions, VersionNotFound, label
from memory.schema import PromptVersion
from prompts.renderer import TEMPLATES, TemplateRejected, default_source

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/templates", dependencies=[Depends(require_csrf)])

FILE = "file"


def _known(name: str) -> str:
    if name not in TEMPLATES:
        raise HTTPException(404, f"no template named {name!r}; known: {', '.join(TEMPLATES)}")
    return name


@router.get("", response_class=HTMLResponse)
async def index(request: Request, console: ConsoleDep, login: AdminLogin) -> Response:
    active = await console.prompts.active()
    failing = await _failing(console)
    rows = [
        {
            "name": name,
            "purpose": purpose,
            "variables": sorted(variables),
            "running": console.runtime.engine.renderer.source(name).version,
            "saved": active.get(name),
            "failing": failing.get(name),
        }
        for name, (purpose, variables) in TEMPLATES.items()
    ]
    return console.page(request, "templates.html", {"rows": rows})


@router.get("/{name}", response_class=HTMLResponse)
async def editor(request: Request, console: ConsoleDep, login: AdminLogin, name: str) -> Response:
    _known(name)
    return await _editor(request, console, name, {})


@router.post("/{name}/preview", response_class=HTMLResponse)
async def preview(
    request: Request,
    console: ConsoleDep,
    login: AdminLogin,
    name: str,
    source: Annotated[str, Form()],
    message_id: Annotated[str, Form()] = "",
    message_text: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    full: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """Render the candidate (and, on request, draft with it) without storing anything."""
    _known(name)
    source = _normalise(source)
    state: dict[str, Any] = {
        "source": source,
        "comment": comment,
        "chosen_message": message_id,
        "message_text": message_text,
        "reason": reason,
    }
    messages = console.runtime.store.messages
    chosen = await messages.get(int(message_id)) if message_id.isdigit() else None
    if chosen is None or chosen.direction != "in":
        state["error"] = "Pick a customer's message to preview with."
        return await _editor(request, console, name, state, status_code=422)
    try:
        customer = stored_customer(await console.directory.get(chosen.customer_id))
    except CustomerNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    message = (
        previews.transient_message(customer, message_text.strip(), chosen)
        if message_text.strip()
        else chosen
    )
    try:
        state["preview"] = await previews.preview(
            console.runtime.engine,
            name,
            source,
            customer,
            message,
            reason=reason.strip(),
            full=bool(full),
        )
    except TemplateRejected as exc:
        state["rejected"] = exc
        return await _editor(request, console, name, state, status_code=422)
    state["preview_customer"] = customer
    state["preview_message"] = message
    return await _editor(request, console, name, state)


@router.post("/{name}/save")
async def save(
    request: Request,
    console: ConsoleDep,
    login: AdminLogin,
    name: str,
    source: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
    message_id: Annotated[str, Form()] = "",
) -> Response:
    _known(name)
    source = _normalise(source)
    try:
        await previews.check(console.runtime.engine, name, source)
    except TemplateRejected as exc:
        state = {
            "source": source,
            "comment": comment,
            "rejected": exc,
            "chosen_message": message_id,
        }
        return await _editor(request, console, name, state, status_code=422)
    if source == console.runtime.engine.renderer.source(name).source:
        flash(request, "Nothing changed: the running version is exactly this text.", "info")
        return RedirectResponse(f"/templates/{name}", status_code=303)
    row = await console.prompts.save(name, source, author=login.username, comment=comment)
    await _reload(console)
    flash(request, f"Saved {name} as version {row.version}; new drafts use it now.")
    return RedirectResponse(f"/templates/{name}", status_code=303)


@router.post("/{name}/activate")
async def activate(
    request: Request,
    console: ConsoleDep,
    login: AdminLogin,
    name: str,
    version: Annotated[str, Form()],
) -> Response:
    """Roll back (or forward) to any saved version, or to the shipped file."""
    _known(name)
    number = None if version == FILE else _version_number(version)
    try:
        source = (
            default_source(name)
            if number is None
            else (await console.prompts.get(name, number)).source
        )
        await previews.check(console.runtime.engine, name, source)
        await console.prompts.activate(name, number, actor=login.username)
    except VersionNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except TemplateRejected as exc:
        flash(request, f"Cannot use {label(number)}: {exc.reason}", "error")
        return RedirectResponse(f"/templates/{name}", status_code=303)
    await _reload(console)
    which = f"version {number}" if number is not None else "the shipped file"
    flash(request, f"{name} now runs {which}.")
    return RedirectResponse(f"/templates/{name}", status_code=303)


async def load_prompt_versions(runtime: Runtime, prompts: PromptVersions) -> None:
    """Make the engine's renderer run the active versions (at start and after each change)."""
    for refused in await prompts.load_into(runtime.engine.renderer):
        log.warning(
            "prompt_version_refused",
            template=refused.name,
            reason=refused.reason,
            line=refused.line,
        )


async def _reload(console: Console) -> None:
    await load_prompt_versions(console.runtime, console.prompts)


async def _failing(console: Console) -> dict[str, TemplateFailures]:
    """Running templates that failed on real data in the last day (drafts left failed)."""
    return await console.runtime.store.drafts.template_failures(
        datetime.now(UTC) - timedelta(days=1)
    )


async def _editor(
    request: Request,
    console: Console,
    name: str,
    state: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    running = console.runtime.engine.renderer.source(name)
    history = await console.prompts.history(name)
    source = state.get("source", running.source)
    choices = await console.runtime.store.messages.choices()
    purpose, variables = TEMPLATES[name]
    context = {
        "name": name,
        "purpose": purpose,
        "variables": sorted(variables),
        "running": running,
        "source": source,
        "changes": _diff(running.source, source, "running", "your edit"),
        "history": _history(history, running.version),
        "file_source": default_source(name),
        "choices": choices,
        "chosen_message": state.get("chosen_message") or (str(choices[0].id) if choices else ""),
        "error": None,
        "failing": (await _failing(console)).get(name),
        "rejected": None,
        "preview": None,
        **state,
    }
    return console.page(request, "template_edit.html", context, status_code=status_code)


def _history(rows: list[PromptVersion], running: str) -> list[dict[str, Any]]:
    """Each version with what it changed from the one before (the oldest: from the file)."""
    items = []
    for index, row in enumerate(rows):
        before = rows[index + 1] if index + 1 < len(rows) else None
        older = before.source if before else default_source(row.name)
        items.append(
            {
                "row": row,
                "label": label(row.version),
                "running": label(row.version) == running,
                "diff": _diff(
                    older, row.source, label(before.version) if before else FILE, label(row.version)
                ),
            }
        )
    return items


def _diff(old: str, new: str, old_label: str, new_label: str) -> list[tuple[str, str]]:
    """A unified diff as (css class, line) pairs, for a readable coloured view."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, lineterm="", n=2
    )
    out = []
    for line in lines:
        kind = "ctx"
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        out.append((kind, line))
    return out


def _normalise(source: str) -> str:
    # Browsers send CRLF from a textarea; templates are stored with plain newlines.
    return source.replace("\r\n", "\n").replace("\r", "\n")


def _version_number(version: str) -> int:
    try:
        return int(version.removeprefix("v"))
    except ValueError as exc:
        raise HTTPException(422, f"{version!r} is not a version number") from exc
