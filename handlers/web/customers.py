"""Customers: find one, see everything Rapport holds about them, correct it, export, forget."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.checkin_service import CheckinError, CheckinService
from bot.checkins import CheckinSettings
from handlers.forgetting import cards_left_note, forget_customer
from handlers.web.auth import RepLogin, actor
from handlers.web.context import ConsoleDep, flash
from handlers.web.csrf import require_csrf
from memory.checkins import CheckinRepository
from memory.customers import CustomerNotFound
from memory.facts import FactNotFound
from memory.schema import Customer

router = APIRouter(prefix="/customers", dependencies=[Depends(require_csrf)])

PLATFORMS = ("slack", "discord", "web")


async def _customer(console: ConsoleDep, customer_id: int) -> Customer:
    try:
        return await console.directory.get(customer_id)
    except CustomerNotFound as exc:
        raise HTTPException(404, f"{exc}; it may have been forgotten") from exc


@router.get("", response_class=HTMLResponse)
async def index(
    request: Request, console: ConsoleDep, login: RepLogin, q: str | None = None
) -> Response:
    query = (q or "").strip()
    rows = await console.directory.summaries(query or None, limit=200)
    return console.page(request, "customers.html", {"rows": rows, "q": query})


@router.get("/{customer_id}", response_class=HTMLResponse)
async def detail(
    request: Request, console: ConsoleDep, login: RepLogin, customer_id: int
) -> Response:
    customer = await _customer(console, customer_id)
    store = console.runtime.store
    context = {
        "customer": customer,
        "identities": await console.directory.identities(customer_id),
        "facts": await store.facts.of(customer_id),
        "history": await store.messages.history(customer_id, limit=200),
        "checkins": await CheckinRepository(store.sessions).of_customer(customer_id),
        "open_drafts": await store.drafts.open_for(customer_id),
        "platforms": PLATFORMS,
    }
    return console.page(request, "customer.html", context)


@router.post("/{customer_id}/facts/{fact_id}")
async def edit_fact(
    request: Request,
    console: ConsoleDep,
    login: RepLogin,
    customer_id: int,
    fact_id: int,
    statement: Annotated[str, Form()],
    value: Annotated[str, Form()] = "",
) -> Response:
    try:
        await console.runtime.store.facts.edit(
            customer_id, fact_id, statement=statement, value=value, actor=actor(login).label
        )
    except FactNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    flash(request, "Fact updated; the next draft remembers it this way.")
    return RedirectResponse(f"/customers/{customer_id}#facts", status_code=303)


@router.post("/{customer_id}/facts/{fact_id}/delete")
async def delete_fact(
    request: Request, console: ConsoleDep, login: RepLogin, customer_id: int, fact_id: int
) -> Response:
    try:
        await console.runtime.store.facts.delete(customer_id, fact_id, actor=actor(login).label)
    except FactNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    flash(request, "Fact deleted; Rapport will not bring it up again.")
    return RedirectResponse(f"/customers/{customer_id}#facts", status_code=303)


@router.post("/{customer_id}/link")
async def link(
    request: Request,
    console: ConsoleDep,
    login: RepLogin,
    customer_id: int,
    platform: Annotated[str, Form()],
    workspace: Annotated[str, Form()],
    user_id: Annotated[str, Form()],
) -> Response:
    """Say that a platform account is this customer (merging that account's own history)."""
    await _customer(console, customer_id)
    platform, workspace, user_id = platform.strip(), workspace.strip(), user_id.strip()
    if platform not in PLATFORMS or not workspace or not user_id:
        flash(request, "To link an account, give its platform, workspace and user ID.", "error")
        return RedirectResponse(f"/customers/{customer_id}#identities", status_code=303)
    merged = await console.directory.link(
        customer_id, platform, workspace, user_id, actor=actor(login).label
    )
    note = f" and merged customer {merged}'s history into this one" if merged else ""
    flash(request, f"Linked {platform}:{workspace}:{user_id}{note}.")
    return RedirectResponse(f"/customers/{customer_id}#identities", status_code=303)


def _checkins(console: ConsoleDep) -> CheckinService:
    settings = console.runtime.settings
    return CheckinService(console.runtime.engine, CheckinSettings.from_settings(settings))


@router.post("/{customer_id}/checkins")
async def request_checkin(
    request: Request,
    console: ConsoleDep,
    login: RepLogin,
    customer_id: int,
    on: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """A rep's "remind me to check in with this customer on <date>"."""
    await _customer(console, customer_id)
    try:
        row, created = await _checkins(console).request(
            customer_id, on.strip(), note.strip() or None, actor(login).label
        )
    except CheckinError as exc:
        flash(request, str(exc), "error")
    else:
        when = row.due_at.strftime("%a %d %b %Y %H:%M UTC")
        flash(request, f"Check-in {'scheduled' if created else 'already scheduled'} for {when}.")
    return RedirectResponse(f"/customers/{customer_id}#checkins", status_code=303)


@router.post("/{customer_id}/checkins/{choice}")
async def consent(
    request: Request, console: ConsoleDep, login: RepLogin, customer_id: int, choice: str
) -> Response:
    """Record the customer's wish: no more check-ins, or check-ins again."""
    await _customer(console, customer_id)
    service = _checkins(console)
    if choice == "opt-out":
        cancelled = await service.opt_out(customer_id, actor(login).label)
        flash(request, f"Opted out of check-ins; {cancelled} pending check-in(s) cancelled.")
    elif choice == "opt-in":
        await service.opt_in(customer_id, actor(login).label)
        flash(request, "Check-ins are welcome again.")
    else:
        raise HTTPException(404, f"unknown choice {choice!r}")
    return RedirectResponse(f"/customers/{customer_id}#checkins", status_code=303)


@router.get("/{customer_id}/export")
async def export(console: ConsoleDep, login: RepLogin, customer_id: int) -> Response:
    """Everything held about the customer, as a JSON download."""
    try:
        data = await console.directory.export(customer_id)
    except CustomerNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    await console.runtime.store.audit.record(
        actor(login).label, "customer.export", customer_id=customer_id
    )
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@router.get("/{customer_id}/forget", response_class=HTMLResponse)
async def forget_confirm(
    request: Request, console: ConsoleDep, login: RepLogin, customer_id: int
) -> Response:
    customer = await _customer(console, customer_id)
    data = await console.directory.export(customer_id)
    counts = {key: len(rows) for key, rows in data.items() if isinstance(rows, list)}
    return console.page(request, "forget.html", {"customer": customer, "counts": counts})


@router.post("/{customer_id}/forget")
async def forget(
    request: Request,
    console: ConsoleDep,
    login: RepLogin,
    customer_id: int,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    customer = await _customer(console, customer_id)
    if confirm != "yes":
        flash(request, "Tick the box to confirm; nothing was deleted.", "error")
        return RedirectResponse(f"/customers/{customer_id}/forget", status_code=303)
    try:
        forgotten = await forget_customer(console.runtime.engine, customer_id, actor(login).label)
    except CustomerNotFound as exc:  # another rep forgot them a moment ago
        raise HTTPException(404, f"{exc}; it may have been forgotten") from exc
    console.surface.bump()
    counts = forgotten.counts
    summary = ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in counts.items() if n)
    flash(request, f"Forgot {customer.display_name}: deleted {summary or 'the profile'}.")
    if forgotten.cards_left:
        flash(request, cards_left_note(forgotten.cards_left), "error")
    return RedirectResponse("/customers", status_code=303)
