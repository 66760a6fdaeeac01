"""Where the web console may listen: the settings-level rule checked before it starts.

``rapport demo`` signs visitors in as a demo admin only on loopback, and
``rapport run`` refuses to serve the console anywhere else until it can be
signed in to safely (:func:`console_problems`).
"""

from __future__ import annotations

from bot.config import Settings

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def console_problems(settings: Settings, admins: int) -> list[str]:
    """Why the console may not listen on ``settings.host``, if it may not.

    On loopback only the machine's own users can reach it; anywhere else it
    needs a stable secret for session cookies and at least one admin login.
    """
    if is_loopback(settings.host):
        return []
    problems = []
    if settings.secret_key is None or not settings.secret_key.get_secret_value().strip():
        problems.append(
            f"RAPPORT_SECRET_KEY is not set: the console on {settings.host} needs it to sign "
            "logins; generate one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    if admins == 0:
        problems.append(
            f"no admin login exists, so nobody could sign in to the console on {settings.host}: "
            "create one with `rapport users add NAME --role admin` (or listen on 127.0.0.1)"
        )
    return problems
