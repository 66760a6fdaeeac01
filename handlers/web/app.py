"""The web surface: the local demo and the reps' console, one FastAPI app.

Server-rendered pages (Jinja2, autoescaped), plain forms, and a few lines of
JavaScript that refresh the queue when something changed.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from bot.domain import OPEN_STATUSES, Action, Actor, Decision, DraftStatus, InboundMessage
from bot.runtime import Runtime
from bot.safety import preview
from handlers.web.surface import WebChatSender, WebReviewSurface
from memory.customers import CustomerDirectory, CustomerNotFound
from memory.schema import Draft, Identity

HERE = Path(__file__).parent
DEMO_WORKSPACE = "demo"
DEMO_CHANNEL = "community"
_USER_ID = re.compile(r"[^a-z0-9]+")


class Service(Protocol):
    """A long-running part started with the web app (a platform adapter, the scheduler)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def create_app(
    runtime: Runtime,
    *,
    demo: bool,
    routers: Sequence[APIRouter] = (),
    services: Sequence[Service] = (),
    console: bool = True,
) -> FastAPI:
    """Build the app. ``demo`` adds the community chat; ``console`` the review pages."""
    surface = WebReviewSurface()
    runtime.engine.review.add(surface)
    if demo:
        runtime.engine.add_sender(WebChatSender(surface))
    directory = CustomerDirectory(runtime.store.sessions)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["ago"] = _ago
    templates.env.filters["short"] = preview

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.engine.resume()
        for service in services:
            await service.start()
        yield
        for service in reversed(services):
            await service.stop()
        await runtime.engine.wait_idle()

    app = FastAPI(title="Rapport", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    app.state.surface = surface
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in routers:
        app.include_router(router)

    @app.middleware("http")
    async def same_origin_posts(request: Request, call_next: Any) -> Response:
        # Forms are only accepted from our own pages: a page on another site
        # cannot make a rep's browser approve a draft.
        if request.method == "POST" and not request.url.path.startswith("/slack/"):
            origin = request.headers.get("origin") or request.headers.get("referer")
            if origin and urlsplit(origin).netloc != request.url.netloc:
                return JSONResponse({"error": "cross-site form refused"}, status_code=403)
        response: Response = await call_next(request)
        return response

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        async with runtime.store.sessions() as session:
            await session.execute(select(1))
        return {"status": "ok"}

    if not console:
        return app

    actor = Actor("web", "console", "Console rep" if not demo else "Demo rep")

    async def page_context(request: Request, as_user: str | None) -> dict[str, Any]:
        customers = await directory.summaries(limit=50)
        current = None
        if as_user:
            current = await directory.find_by_identity("web", DEMO_WORKSPACE, as_user)
        elif customers and demo:
            current = await directory.get(customers[0].id)
        return {
            "request": request,
            "demo": demo,
            "customers": customers,
            "web_ids": {
                c.id: next((i.split(":")[-1] for i in c.identities if i.startswith("web:")), "")
                for c in customers
            },
            "current": current,
            "current_user": await _web_user(runtime, current.id) if current else None,
            "version": surface.version,
        }

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request, as_user: str | None = None) -> Response:
        context = await page_context(request, as_user)
        context.update(await _queue_context(runtime))
        if context["current"] is not None:
            context.update(await _memory_context(runtime, directory, context["current"].id))
        return templates.TemplateResponse(request, "home.html", context)

    @app.get("/fragments/queue", response_class=HTMLResponse)
    async def queue_fragment(request: Request) -> Response:
        context = {"request": request, **await _queue_context(runtime)}
        return templates.TemplateResponse(request, "_queue.html", context)

    @app.get("/fragments/memory/{customer_id}", response_class=HTMLResponse)
    async def memory_fragment(request: Request, customer_id: int) -> Response:
        try:
            context = await _memory_context(runtime, directory, customer_id)
        except CustomerNotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        context["request"] = request
        context["demo"] = demo
        return templates.TemplateResponse(request, "_memory.html", context)

    @app.get("/api/changes")
    async def changes(since: int = 0, wait: float = 0.0) -> dict[str, int]:
        version = await surface.wait(since, min(max(wait, 0.0), 25.0))
        return {"version": version}

    @app.get("/api/drafts")
    async def api_drafts(status: str | None = None) -> list[dict[str, Any]]:
        statuses = [DraftStatus(s) for s in status.split(",")] if status else list(DraftStatus)
        drafts = await runtime.store.drafts_in(statuses, limit=500)
        cards = [await runtime.engine.card(d.id) for d in drafts]
        return [_card_json(c) for c in cards if c is not None]

    @app.get("/api/customers/{customer_id}")
    async def api_customer(customer_id: int) -> dict[str, Any]:
        try:
            return await directory.export(customer_id)
        except CustomerNotFound as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.post("/drafts/{draft_id}/{action}")
    async def decide(
        request: Request,
        draft_id: int,
        action: str,
        text: str | None = Form(None),
        back: str = Form("/"),
    ) -> Response:
        try:
            chosen = Action(action)
        except ValueError as exc:
            raise HTTPException(404, f"unknown action {action!r}") from exc
        outcome = await runtime.engine.decide(Decision(draft_id, chosen, actor, text))
        if request.headers.get("accept", "").startswith("application/json"):
            code = 200 if outcome.applied else 409
            return JSONResponse(
                {
                    "applied": outcome.applied,
                    "status": outcome.status.value,
                    "message": outcome.message,
                },
                status_code=code,
            )
        return RedirectResponse(_safe_back(back), status_code=303)

    if demo:

        @app.post("/chat")
        async def chat(
            request: Request,
            text: str = Form(""),
            name: str = Form(""),
            user: str = Form(""),
        ) -> Response:
            user_id, display = _demo_identity(user, name)
            now = datetime.now(UTC)
            msg = InboundMessage(
                platform="web",
                workspace=DEMO_WORKSPACE,
                channel=DEMO_CHANNEL,
                thread=user_id,
                user_id=user_id,
                display_name=display,
                text=text,
                sent_at=now,
                message_id=f"web-{user_id}-{now.timestamp():.6f}",
            )
            result = await runtime.engine.receive(msg)
            surface.bump()
            if request.headers.get("accept", "").startswith("application/json"):
                return JSONResponse(
                    {
                        "message_id": getattr(result, "message_id", None),
                        "draft_id": getattr(result, "draft_id", None),
                        "customer_id": getattr(result, "customer_id", None),
                    }
                )
            return RedirectResponse(f"/?as_user={user_id}", status_code=303)

    return app


def _demo_identity(user: str, name: str) -> tuple[str, str]:
    name = " ".join(name.split())[:80]
    if user:
        return user[:64], name or user
    if not name:
        raise HTTPException(422, "pick a customer or type a name to chat as")
    return _USER_ID.sub("-", name.lower()).strip("-")[:64] or "guest", name


def _safe_back(back: str) -> str:
    # Only paths on this site: never an open redirect.
    return back if back.startswith("/") and not back.startswith("//") else "/"


async def _web_user(runtime: Runtime, customer_id: int) -> str | None:
    async with runtime.store.sessions() as session:
        return (
            await session.execute(
                select(Identity.user_id).where(
                    Identity.customer_id == customer_id, Identity.platform == "web"
                )
            )
        ).scalar_one_or_none()


async def _queue_context(runtime: Runtime) -> dict[str, Any]:
    open_drafts = await runtime.store.drafts_in([*OPEN_STATUSES], limit=200)
    async with runtime.store.sessions() as session:
        recent = (
            (
                await session.execute(
                    select(Draft)
                    .where(
                        Draft.status.in_(
                            [DraftStatus.SENT, DraftStatus.REJECTED, DraftStatus.SUPERSEDED]
                        )
                    )
                    .order_by(Draft.updated_at.desc())
                    .limit(8)
                )
            )
            .scalars()
            .all()
        )
    cards = [await runtime.engine.card(d.id) for d in reversed(open_drafts)]
    done = [await runtime.engine.card(d.id) for d in recent]
    return {"cards": [c for c in cards if c], "done": [c for c in done if c]}


async def _memory_context(
    runtime: Runtime, directory: CustomerDirectory, customer_id: int
) -> dict[str, Any]:
    customer = await directory.get(customer_id)
    return {
        "customer": customer,
        "identities": await directory.identities(customer_id),
        "facts": await runtime.store.facts(customer_id),
        "history": await runtime.store.history(customer_id, limit=40),
    }


def _card_json(card: Any) -> dict[str, Any]:
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


def _ago(when: datetime | None) -> str:
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


async def serve(app: FastAPI, host: str, port: int) -> None:
    """Run uvicorn inside the current event loop (shared with Discord and the scheduler)."""
    import uvicorn

    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    await server.serve()


__all__ = ["Service", "create_app", "serve"]
