"""Console pages tell the browser how to protect them, and the session cookie stays on HTTPS
(Security).

The console runs on a real socket as `rapport run` serves it (uvicorn with its
default proxy settings: the proxy on 127.0.0.1 is trusted, ``FORWARDED_ALLOW_IPS``
names others).
"""

from __future__ import annotations

import httpx

from handlers.web.app import SESSION_COOKIE
from tests.web.conftest import PASSWORD, LiveConsole, csrf_of


async def test_console_pages_carry_the_browser_security_headers(console: LiveConsole) -> None:
    """Every console page forbids framing by other sites (no clickjacking of Approve), runs
    only the console's own scripts and styles, is not MIME-sniffed and does not send its
    address (a customer's id) to other sites."""
    async with console.client() as browser:
        pages = [await browser.get(path) for path in ("/login", "/static/app.js", "/nowhere")]

    for page in pages:
        headers = page.headers
        policy = headers.get("content-security-policy", "")
        directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part}
        assert directives.get("default-src") == ["'self'"], page.url
        assert directives.get("frame-ancestors") == ["'none'"], page.url
        assert directives.get("object-src") == ["'none'"], page.url
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
        assert headers.get("x-frame-options") == "DENY", page.url
        assert headers.get("x-content-type-options") == "nosniff", page.url
        assert headers.get("referrer-policy") == "same-origin", page.url


async def sign_in_cookie(console: LiveConsole, headers: dict[str, str]) -> str:
    """The Set-Cookie header of a successful sign-in made with ``headers``."""
    async with httpx.AsyncClient(base_url=console.url, headers=headers, timeout=10) as browser:
        form = await browser.get("/login")
        # The test talks plain HTTP to the proxy's side of the console, where a Secure cookie
        # is not sent back on its own; the browser on the HTTPS side would send it.
        cookie = f"{SESSION_COOKIE}={form.cookies[SESSION_COOKIE]}"
        answer = await browser.post(
            "/login",
            data={"username": "rita", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
            headers={"Cookie": cookie},
        )
    assert answer.status_code == 303, answer.text
    return next(v for v in answer.headers.get_list("set-cookie") if SESSION_COOKIE in v)


async def test_the_session_cookie_is_secure_behind_an_https_proxy(console: LiveConsole) -> None:
    """Behind a trusted proxy that terminates HTTPS (X-Forwarded-Proto: https), the session
    cookie is marked Secure, so the browser never sends it over plain HTTP."""
    cookie = await sign_in_cookie(console, {"X-Forwarded-Proto": "https"})

    flags = [flag.strip().lower() for flag in cookie.split(";")]
    assert "secure" in flags and "httponly" in flags


async def test_the_session_cookie_works_over_plain_http_on_loopback(
    console: LiveConsole,
) -> None:
    """Over plain HTTP (the demo on 127.0.0.1) the cookie is not Secure, or no browser would
    send it back and nobody could stay signed in."""
    cookie = await sign_in_cookie(console, {})

    flags = [flag.strip().lower() for flag in cookie.split(";")]
    assert "secure" not in flags and "httponly" in flags
