"""``rapport users``: console logins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer

from handlers.cli.common import DbOpt, migrate_or_exit, run_or_exit, settings_or_exit
from memory.users import Role, UserDirectory, UserError

T = TypeVar("T")

users_cli = typer.Typer(help="Console logins: add, list, password, remove.", no_args_is_help=True)

PasswordOpt = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Asked for when not given; at least 10 characters.",
    ),
]


def _directory_run(database_url: str | None, work: Callable[[UserDirectory], Awaitable[T]]) -> T:
    # The database layer is imported when a command runs, so `rapport --help` stays fast.
    from memory.database import create_engine, session_factory

    settings = settings_or_exit(database_url=database_url)
    migrate_or_exit(settings)

    async def go() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(UserDirectory(session_factory(engine)))
        finally:
            await engine.dispose()

    return run_or_exit(go(), UserError)


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
