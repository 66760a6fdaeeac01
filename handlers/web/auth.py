"""Logins, roles and who is asking.

Two roles: a rep reviews drafts and looks after customers; an admin may also
shape the voice (prompt templates). The session cookie is signed (Starlette's
``SessionMiddleware``) and holds the username and the login's session version
at sign-in; both are checked against the database on every request, so
signing out, a new password, removing a login or demoting an admin takes
effect at once, for copies of the cookie too. Failed sign-ins are throttled
per login and per address (:class:`memory.users.SignInThrottle`).
``rapport demo`` on loopback signs everyone in as a demo admin.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from handlers.web.context import Console, ConsoleDep, get_console
from handlers.web.csrf import require_csrf, rotate
from memory.domain import Actor
from memory.users import Login, Role, SignInThrottled

DEMO_LOGIN = Login("demo", Role.ADMIN)
_USER_KEY = "user"
_VERSION_KEY = "session_version"

router = APIRouter(dependencies=[Depends(require_csrf)])


class LoginRequired(Exception):
    """Raised by a route dependency; answered with the login page or a 401."""


class AdminsOnly(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            403, "Only admins can change prompt templates; ask an admin if the voice needs work."
        )


async def current_login(request: Request) -> Login | None:
    """Who is signed in on this request (cached on the request), or None."""
    if hasattr(request.state, "login"):
        cached: Login | None = request.state.login
        return cached
    console = get_console(request)
    request.state.version = console.surface.version
    username = request.session.get(_USER_KEY)
    version = request.session.get(_VERSION_KEY)
    login = None
    if isinstance(username, str) and isinstance(version, int):
        login = await console.users.login(username, version)
    if login is None and isinstance(username, str):
        # Signed out elsewhere, password changed or login removed since: this session is over.
        request.session.pop(_USER_KEY, None)
        request.session.pop(_VERSION_KEY, None)
    if login is None and console.auto_login:
        login = DEMO_LOGIN
    request.state.login = login
    return login


async def require_rep(request: Request) -> Login:
    login = await current_login(request)
    if login is None:
        raise LoginRequired()
    return login


async def require_admin(request: Request) -> Login:
    login = await require_rep(request)
    if not login.is_admin:
        raise AdminsOnly()
    return login


RepLogin = Annotated[Login, Depends(require_rep)]
AdminLogin = Annotated[Login, Depends(require_admin)]


def actor(login: Login) -> Actor:
    """Decisions record the signed-in person."""
    return Actor("web", login.username, login.username)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only paths on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return fallback


@router.get("/login")
async def login_page(request: Request, console: ConsoleDep, next: str = "/") -> Response:
    await current_login(request)
    return console.page(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
async def login_submit(
    request: Request,
    console: ConsoleDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = request.client.host if request.client else None
    try:
        login = await console.users.authenticate(username, password, source=address)
    except SignInThrottled as throttled:
        return _sign_in_refused(request, console, next, str(throttled), 429, throttled.retry_after)
    if login is None:
        return _sign_in_refused(
            request, console, next, "That username and password do not match.", 401
        )
    request.session.clear()
    request.session[_USER_KEY] = login.username
    request.session[_VERSION_KEY] = login.session_version
    rotate(request)
    return RedirectResponse(safe_next(next), status_code=303)


def _sign_in_refused(
    request: Request,
    console: Console,
    next: str,
    error: str,
    status_code: int,
    retry_after: int | None = None,
) -> Response:
    request.state.login = None
    page = console.page(
        request, "login.html", {"next": safe_next(next), "error": error}, status_code=status_code
    )
    if retry_after is not None:
        page.headers["Retry-After"] = str(retry_after)
    return page


@router.post("/logout")
async def logout(request: Request, console: ConsoleDep) -> Response:
    """Sign out here and everywhere else this login is signed in (copied cookies included)."""
    login = await current_login(request)
    if login is not None and login is not DEMO_LOGIN:
        await console.users.end_sessions(login.username)
    request.session.clear()
    rotate(request)
    return RedirectResponse("/login", status_code=303)


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "text/html" in accept and "/api/" not in request.url.path


__all__ = [
    "AdminLogin",
    "AdminsOnly",
    "Console",
    "LoginRequired",
    "RepLogin",
    "actor",
    "current_login",
    "login_redirect",
    "require_admin",
    "require_rep",
    "router",
]
