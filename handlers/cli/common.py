"""What every ``rapport`` command group shares: settings, the database, options.

Each option that more than one command takes is defined here once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from bot.config import Settings
from bot.observability import configure_logging
from handlers.discord.settings import DiscordSettings
from handlers.slack.settings import SlackSettings

T = TypeVar("T")

HostOpt = Annotated[str | None, typer.Option(help="Interface to listen on [RAPPORT_HOST].")]
PortOpt = Annotated[int | None, typer.Option(help="Port to listen on [RAPPORT_PORT].")]
DbOpt = Annotated[str | None, typer.Option("--database-url", help="[DATABASE_URL]")]


def settings_or_exit(**overrides: Any) -> Settings:
    """Settings from the environment and the options given; exit 2 naming what is wrong."""
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        typer.echo(f"rapport: invalid settings: {problems}", err=True)
        raise typer.Exit(2) from exc
    # Imported here, like the database below: SQLAlchemy loads only when a command
    # runs, so `rapport --help` stays fast.
    from bot.embedders import embedding_problem

    problem = embedding_problem(settings)
    if problem is not None:
        typer.echo(f"rapport: {problem}", err=True)
        raise typer.Exit(2)
    # Every section's secrets: the platforms' tokens are in theirs.
    secrets = settings.secret_values() | SlackSettings().secret_values()
    configure_logging(
        settings.log_level,
        settings.log_format,
        secrets=secrets | DiscordSettings().secret_values(),
    )
    return settings


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def run_or_exit(coro: Coroutine[Any, Any, T], *refusals: type[Exception]) -> T:
    """Run a command's work; a refusal (no such customer, a bad date…) is its message and exit 1."""
    try:
        return run_async(coro)
    except refusals as exc:
        typer.echo(f"rapport: {exc}", err=True)
        raise typer.Exit(1) from exc


def migrate_or_exit(settings: Settings) -> None:
    """Apply every migration; exit 2 for an unusable URL, 1 when the database fails."""
    from memory.database import DatabaseURLError, upgrade  # SQLAlchemy and Alembic: see above

    try:
        upgrade(settings.database_url)
    except DatabaseURLError as exc:
        typer.echo(f"rapport: {exc}", err=True)
        raise typer.Exit(2) from exc
    except Exception as exc:
        typer.echo(
            f"rapport: cannot prepare the database at {settings.database_label}: {exc}", err=True
        )
        raise typer.Exit(1) from exc
