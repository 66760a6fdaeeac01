"""The web surface: the local demo and the reps' console, one FastAPI app.

Server-rendered pages (Jinja2, autoescaped), plain forms, and a little
JavaScript that refreshes the queue when something changed. Each page family
is its own router: ``review`` (queue and decisions), ``customers``,
``templates_admin`` (admins), ``activity`` and ``metrics``; ``auth`` and
``csrf`` guard all of them. Around every route, outermost first: browser
security headers, our own host names only (DNS rebinding), the session cookie
(Secure over HTTPS) and same-origin form posts.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.runtime import Runtime
from handlers.web import activity, auth, customers, knowledge, metrics, review, templates_admin
from handlers.web.auth import LoginRequired, login_redirect, wants_html
from handlers.web.context import HERE, Console, make_templates
from handlers.web.surface import WebPlatform
from memory.customers import CustomerDirectory
from memory.prompt_versions import PromptVersions
from memory.users import UserDirectory

log = structlog.get_logger(__name__)

SESSION_COOKIE = "rapport_session"
SESSION_MAX_AGE = 12 * 3600  # a working day; then sign in again
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

# The console's pages load only their own script and stylesheet (nothing inline), post
# forms only to the console, and may not be framed: a framed Approve button can be clicked
# by a trick. X-Frame-Options says the same to browsers older than frame-ancestors.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    # A console address names a customer (/customers/12): it is not sent to other sites.
    "referrer-policy": "same-origin",
}


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
    allowed_hosts: Collection[str] = (),
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
    ``allowed_hosts`` are the host names it answers to besides loopback
    (:attr:`bot.config.Settings.web_host_names`); a request for any other gets a 400.
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

    # Each middleware added wraps those added before it: the outermost comes last.
    app.add_middleware(SameOriginPosts)
    app.add_middleware(
        SessionCookie,
        secret_key=secret_key or secrets.token_urlsafe(32),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
    )
    app.add_middleware(OwnHostsOnly, names=[*LOOPBACK_NAMES, *map(_as_host, allowed_hosts)])
    app.add_middleware(SecurityHeaders)

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

    for module in (auth, review, customers, knowledge, templates_admin, activity):
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


def _as_host(name: str) -> str:
    """A name as a Host header carries it: an IPv6 address in brackets."""
    return f"[{name}]" if ":" in name and not name.startswith("[") else name


HOST_REFUSED = (
    "Rapport does not answer to the name {host!r}: it answers only to 127.0.0.1, localhost "
    "and the names in RAPPORT_HOST and RAPPORT_ALLOWED_HOSTS. If this is the name people "
    "(or Slack) use to reach it, add it to RAPPORT_ALLOWED_HOSTS and restart Rapport.\n"
)
_HOST_ALLOWED = "rapport.host_allowed"


class OwnHostsOnly:
    """Refuse a request addressed to a name that is not ours, before anything else runs.

    DNS rebinding: a page on rebind.example whose name is made to resolve to
    127.0.0.1 is, to the browser, still its own origin; if the console answered
    any Host it could read every page, CSRF tokens included, and post any form.
    Starlette's TrustedHostMiddleware decides (ports, IPv6, ``*.`` wildcards);
    it answers only "Invalid host header", so the refusal here says what to do.
    """

    def __init__(self, app: ASGIApp, names: Sequence[str]) -> None:
        self.app = app
        self._check = TrustedHostMiddleware(_mark_allowed, allowed_hosts=names, www_redirect=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self._check(scope, receive, _discard)
        if scope.pop(_HOST_ALLOWED, False):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")[:100]
        log.warning("web_host_refused", host=host, path=scope["path"])
        refused = PlainTextResponse(HOST_REFUSED.format(host=host), status_code=400)
        await refused(scope, receive, send)


async def _mark_allowed(scope: Scope, _receive: Receive, _send: Send) -> None:
    scope[_HOST_ALLOWED] = True


async def _discard(_message: Message) -> None:
    """Where Starlette's own refusal goes: OwnHostsOnly sends its own."""


class SessionCookie:
    """Starlette's signed session cookie, marked Secure on a request that came over HTTPS.

    The scheme is the one uvicorn saw or, behind a proxy it trusts, the proxy's
    X-Forwarded-Proto (uvicorn trusts 127.0.0.1; ``FORWARDED_ALLOW_IPS`` names
    other proxies). Over plain HTTP, as the demo on loopback is served, the cookie
    is not Secure, or the browser would never send it back.
    """

    def __init__(self, app: ASGIApp, *, secret_key: str, session_cookie: str, max_age: int) -> None:
        def session(https_only: bool) -> SessionMiddleware:
            return SessionMiddleware(
                app,
                secret_key=secret_key,
                session_cookie=session_cookie,
                max_age=max_age,
                same_site="lax",
                https_only=https_only,
            )

        self._plain, self._secure = session(https_only=False), session(https_only=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        https = scope.get("scheme") in ("https", "wss")
        await (self._secure if https else self._plain)(scope, receive, send)


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
