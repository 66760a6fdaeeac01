"""``rapport users``: console logins.

Registered with the ``rapport`` app as ``app.add_typer(users_cli, name="users")``.
Also holds the rule for where the console may listen (:func:`console_problems`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from bot.config import Settings
from memory.users import Role, UserDirectory, UserError

T = TypeVar("T")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

users_cli = typer.Typer(help="Console logins: add, list, password, remove.", no_args_is_help=True)

DbOpt = Annotated[str | None, typer.Option("--database-url", help="[DATABASE_URL]")]
PasswordOpt = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Asked for when not given; at least 10 characters.",
    ),
]


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


def _directory_run(database_url: str | None, work: Callable[[UserDirectory], Awaitable[T]]) -> T:
    from bot.cli import migrate_or_exit, settings_or_exit
    from memory.database import create_engine, session_factory

    settings = settings_or_exit(database_url=database_url)
    migrate_or_exit(settings)

    async def go() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(UserDirectory(session_factory(engine)))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except UserError as exc:
        typer.echo(f"rapport: {exc}", err=True)
        raise typer.Exit(1) from exc


@users_cli.command("add")
def add(
    name: str,
    role: Annotated[Role, typer.Option(help="rep: review and customers; admin: also templates.")],
    password: PasswordOpt,
    database_url: DbOpt = None,
) -> None:
    """Create a console login."""
    login = _directory_run(database_url, lambda d: d.add(name, password, role, actor="cli"))
    typer.echo(f"created {login.role.value} login {login.username!r}")


@users_cli.command("list")
def list_users(database_url: DbOpt = None) -> None:
    """Every console login and its role."""
    for user in _directory_run(database_url, lambda d: d.all()):
        typer.echo(f"{user.username:<24} {user.role:<6} since {user.created_at:%Y-%m-%d}")


@users_cli.command("password")
def password(name: str, password: PasswordOpt, database_url: DbOpt = None) -> None:
    """Set a new password for a login."""
    _directory_run(database_url, lambda d: d.set_password(name, password, actor="cli"))
    typer.echo(f"password changed for {name!r}")


@users_cli.command("remove")
def remove(name: str, database_url: DbOpt = None) -> None:
    """Delete a login; a signed-in session of it stops working at once."""
    _directory_run(database_url, lambda d: d.remove(name, actor="cli"))
    typer.echo(f"removed login {name!r}")


__all__ = ["console_problems", "is_loopback", "users_cli"]
