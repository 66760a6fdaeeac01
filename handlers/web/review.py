"""The review queue: drafts waiting for a rep, and the decisions on them.

Decisions made here, in Slack or in Discord all go through
:meth:`bot.engine.ResponseEngine.decide`, and every change bumps the web
surface's counter; pages long-poll ``/api/changes`` and refresh the queue
without a reload, leaving alone a card the rep is editing.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bot import seed
from bot.runtime import Runtime
from bot.seed import demo_message
from handlers.web.auth import RepLogin, actor, safe_next
from handlers.web.context import Console, ConsoleDep
from handlers.web.csrf import require_csrf
from memory.customers import CustomerNotFound
from memory.domain import OPEN_STATUSES, Action, Decision, DraftCard, DraftStatus

DEMO_WORKSPACE = seed.WORKSPACE
_USER_ID = re.compile(r"[^a-z0-9]+")

router = APIRouter(dependencies=[Depends(require_csrf)])
demo_router = APIRouter(dependencies=[Depends(require_csrf)])


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request, console: ConsoleDep, login: RepLogin, as_user: str | None = None
) -> Response:
    """The demo's three panels (chat, queue, memory); outside the demo, the queue."""
    if not console.demo:
        return RedirectResponse("/queue", status_code=303)
    directory = console.directory
    customers = await directory.summaries(limit=50)
    current = None
    if as_user:
        current = await directory.find_by_identity("web", DEMO_WORKSPACE, as_user)
    elif customers:
        current = await directory.get(customers[0].id)
    context: dict[str, Any] = {
        "customers": customers,
        "web_ids": {
            c.id: next((i.split(":")[-1] for i in c.identities if i.startswith("web:")), "")
            for c in customers
        },
        "current": current,
        "current_user": await _web_user(console, current.id) if current else None,
    }
    context.update(await queue_context(console.runtime))
    if current is not None:
        context.update(await memory_context(console, current.id))
    return console.page(request, "home.html", context)


@router.get("/queue", response_class=HTMLResponse)
async def queue_page(request: Request, console: ConsoleDep, login: RepLogin) -> Response:
    context = await queue_context(console.runtime)
    return console.page(request, "queue.html", context)


@router.get("/fragments/queue", response_class=HTMLResponse)
async def queue_fragment(request: Request, console: ConsoleDep, login: RepLogin) -> Response:
    return console.page(request, "_queue.html", await queue_context(console.runtime))


@router.get("/fragments/drafts/{draft_id}", response_class=HTMLResponse)
async def card_fragment(
    request: Request, console: ConsoleDep, login: RepLogin, draft_id: int
) -> Response:
    card = await console.runtime.engine.card(draft_id)
    if card is None:
        raise HTTPException(404, f"draft {draft_id} does not exist")
    return console.page(request, "_card.html", {"card": card})


@router.get("/fragments/memory/{customer_id}", response_class=HTMLResponse)
async def memory_fragment(
    request: Request, console: ConsoleDep, login: RepLogin, customer_id: int
) -> Response:
    try:
        context = await memory_context(console, customer_id)
    except CustomerNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return console.page(request, "_memory.html", context)


@router.get("/api/changes")
async def changes(
    request: Request, console: ConsoleDep, login: RepLogin, since: int = 0, wait: float = 0.0
) -> dict[str, int]:
    """The change counter, as soon as it passes ``since`` (a long poll of up to 25 s)."""
    deadline = time.monotonic() + min(max(wait, 0.0), 25.0)
    while True:
        # In one-second slices, so a closed tab does not hold the request (or a shutdown).
        left = deadline - time.monotonic()
        version = await console.surface.wait(since, max(0.0, min(left, 1.0)))
        if version > since or left <= 1.0 or await request.is_disconnected():
            return {"version": version}


@router.get("/api/drafts")
async def api_drafts(
    console: ConsoleDep, login: RepLogin, status: str | None = None
) -> list[dict[str, Any]]:
    try:
        statuses = [DraftStatus(s) for s in status.split(",")] if status else list(DraftStatus)
    except ValueError as exc:
        raise HTTPException(422, f"unknown status in {status!r}") from exc
    drafts = await console.runtime.store.drafts.in_statuses(statuses, limit=500)
    cards = [await console.runtime.engine.card(d.id) for d in drafts]
    return [card_json(c) for c in cards if c is not None]


@router.get("/api/customers/{customer_id}")
async def api_customer(console: ConsoleDep, login: RepLogin, customer_id: int) -> dict[str, Any]:
    try:
        return await console.directory.export(customer_id)
    except CustomerNotFound as exc:
        raise HTTPException(404, str(exc)) from exc


@router.post("/drafts/{draft_id}/{action}")
async def decide(
    request: Request,
    console: ConsoleDep,
    login: RepLogin,
    draft_id: int,
    action: str,
    text: Annotated[str | None, Form()] = None,
    back: Annotated[str, Form()] = "/queue",
) -> Response:
    try:
        chosen = Action(action)
    except ValueError as exc:
        raise HTTPException(404, f"unknown action {action!r}") from exc
    outcome = await console.runtime.engine.decide(Decision(draft_id, chosen, actor(login), text))
    if request.headers.get("accept", "").startswith("application/json"):
        return JSONResponse(
            {
                "applied": outcome.applied,
                "status": outcome.status.value,
                "message": outcome.message,
            },
            status_code=200 if outcome.applied else 409,
        )
    return RedirectResponse(safe_next(back, "/queue"), status_code=303)


@demo_router.post("/chat")
async def chat(
    request: Request,
    console: ConsoleDep,
    login: RepLogin,
    text: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    user: Annotated[str, Form()] = "",
) -> Response:
    """The demo's community chat: type as a customer."""
    user_id, display = _demo_identity(user, name)
    now = datetime.now(UTC)
    msg = demo_message(user_id, display, text, now, f"web-{user_id}-{now.timestamp():.6f}")
    result = await console.runtime.engine.receive(msg)
    console.surface.bump()
    if request.headers.get("accept", "").startswith("application/json"):
        return JSONResponse(
            {
                "message_id": getattr(result, "message_id", None),
                "draft_id": getattr(result, "draft_id", None),
                "customer_id": getattr(result, "customer_id", None),
            }
        )
    return RedirectResponse(f"/?as_user={user_id}", status_code=303)


def _demo_identity(user: str, name: str) -> tuple[str, str]:
    name = " ".join(name.split())[:80]
    if user:
        return user[:64], name or user
    if not name:
        raise HTTPException(422, "pick a customer or type a name to chat as")
    return _USER_ID.sub("-", name.lower()).strip("-")[:64] or "guest", name


async def _web_user(console: Console, customer_id: int) -> str | None:
    identities = await console.directory.identities(customer_id)
    return next((i.user_id for i in identities if i.platform == "web"), None)


async def queue_context(runtime: Runtime) -> dict[str, Any]:
    """Open drafts newest first, and the last few decided ones."""
    open_drafts = await runtime.store.drafts.in_statuses([*OPEN_STATUSES], limit=200)
    recent = await runtime.store.drafts.recently_decided(limit=8)
    cards = [await runtime.engine.card(d.id) for d in reversed(open_drafts)]
    done = [await runtime.engine.card(draft_id) for draft_id in recent]
    return {"cards": [c for c in cards if c], "done": [c for c in done if c]}


async def memory_context(console: Console, customer_id: int) -> dict[str, Any]:
    customer = await console.directory.get(customer_id)
    return {
        "customer": customer,
        "identities": await console.directory.identities(customer_id),
        "facts": await console.runtime.store.facts.of(customer_id),
        "history": await console.runtime.store.messages.history(customer_id, limit=40),
    }


def card_json(card: DraftCard) -> dict[str, Any]:
    return {
        "id": card.draft_id,
        "kind": card.kind,
        "status": card.status.value,
        "customer_id": card.customer_id,
        "customer": card.customer_name,
        "platform": card.platform,
        "message": card.inbound_text,
        "text": card.text,
        "final_text": card.final_text,
        "error": card.error,
        "decided_by": card.decided_by,
        "recalled": [
            {"kind": i.kind, "text": i.text, "reason": i.reason, "message_id": i.message_id}
            for i in card.recalled
        ],
    }
