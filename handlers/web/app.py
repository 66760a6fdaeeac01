"""The web surface: the local demo and the reps' console, one FastAPI app.

Server-rendered pages (Jinja2, autoescaped), plain forms, and a little
JavaScript that refreshes the queue when something changed. Each page family
is its own router: ``review`` (queue and decisions), ``customers``,
``templates_admin`` (admins), ``activity`` and ``metrics``; ``auth`` and
``csrf`` guard all of them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.runtime import Runtime
from handlers.web import activity, auth, customers, metrics, review, templates_admin
from handlers.web.auth import LoginRequired, login_redirect, wants_html
from handlers.web.context import HERE, Console, make_templates
from handlers.web.surface import WebPlatform
from memory.customers import CustomerDirectory
from memory.prompt_versions import PromptVersions
from memory.users import UserDirectory

SESSION_COOKIE = "rapport_session"
SESSION_MAX_AGE = 12 * 3600  # a working day; then sign in again


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    runtime: Runtime,
    web: WebPlatform,
    *,
    routers: Sequence[APIRouter] = (),
    lifespan: Lifespan | None = None,
    console: bool = True,
    secret_key: str | None = None,
    auto_login: bool | None = None,
    users: UserDirectory | None = None,
) -> FastAPI:
    """Build the app; it serves, and starts nothing itself.

    ``web`` is the console as a platform (the demo's chat when ``web.demo``);
    ``routers`` are other platforms' endpoints (Slack's HTTP mode);
    ``lifespan`` is what the process starts and stops around serving (see
    :mod:`handlers.composition`). ``console`` adds the review pages.
    ``secret_key`` signs session cookies (a random one, valid until restart,
    when not given). ``auto_login`` signs every visitor in as a demo admin;
    it defaults to ``web.demo`` and must stay off anywhere but loopback.
    ``users`` replaces the login directory (tests pass one with a cheaper hasher).
    """
    demo = web.demo
    app = FastAPI(title="Rapport", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    app.state.console = Console(
        runtime=runtime,
        surface=web,
        templates=make_templates(),
        directory=CustomerDirectory(runtime.store.sessions),
        users=users or UserDirectory(runtime.store.sessions),
        prompts=PromptVersions(runtime.store.sessions),
        demo=demo,
        auto_login=demo if auto_login is None else auto_login,
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in routers:
        app.include_router(router)

    app.add_middleware(SameOriginPosts)
    # Added last, so it wraps everything above: every route sees the session.
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or secrets.token_urlsafe(32),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        async with runtime.store.sessions() as session:
            await session.execute(select(1))
        return {"status": "ok"}

    app.include_router(metrics.router)
    if not console:
        return app

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if wants_html(request):
            return login_redirect(request)
        return JSONResponse({"error": "sign in first: POST /login"}, status_code=401)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if "text/html" in request.headers.get("accept", "") and "/api/" not in request.url.path:
            await auth.current_login(request)
            return app.state.console.page(  # type: ignore[no-any-return]
                request,
                "error.html",
                {"status": exc.status_code, "detail": exc.detail},
                status_code=exc.status_code,
            )
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    for module in (auth, review, customers, templates_admin, activity):
        app.include_router(module.router)
    if demo:
        app.include_router(review.demo_router)
    return app


class SameOriginPosts:
    """Refuse a POST whose Origin (or Referer) is another site, before any route runs.

    Forms are only accepted from our own pages: a page on another site cannot
    make a rep's browser approve a draft. (The CSRF token is the second lock;
    platform webhooks under /slack/ carry their own signatures.) Plain ASGI, so
    long polls still notice a closed tab.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            request = Request(scope)
            origin = request.headers.get("origin") or request.headers.get("referer")
            cross_site = origin and urlsplit(origin).netloc != request.url.netloc
            if cross_site and not request.url.path.startswith("/slack/"):
                refused = JSONResponse({"error": "cross-site form refused"}, status_code=403)
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def serve(app: FastAPI, host: str, port: int) -> None:
    """Run uvicorn inside the current event loop (shared with Discord and the scheduler)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        # Open pages hold a long poll (/api/changes) for up to 25 s; do not wait it out.
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    await server.serve()


__all__ = ["HTTPException", "create_app", "serve"]
