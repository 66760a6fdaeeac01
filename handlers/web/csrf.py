"""Cross-site request forgery protection for every console form.

Each session holds a random token; every page puts it in a hidden field (and
in a ``<meta>`` tag for the page's own ``fetch`` calls, sent as a header). A
POST without the matching token is refused before its handler runs, so a page
on another site cannot make a rep's browser approve, edit or forget anything.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request

FIELD = "csrf_token"
HEADER = "x-csrf-token"
_KEY = "csrf"


def csrf_token(request: Request) -> str:
    """This session's token, created on first use."""
    token = request.session.get(_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_KEY] = token
    return token


def rotate(request: Request) -> None:
    """A new token (at login and logout), so a token seen before is worthless after."""
    request.session[_KEY] = secrets.token_urlsafe(32)


class CSRFRefused(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            403,
            "This form expired or did not come from Rapport's own page; "
            "reload the page and try again.",
        )


async def require_csrf(request: Request) -> None:
    """Route dependency: a state-changing request must carry this session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get(_KEY)
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CSRFRefused()
