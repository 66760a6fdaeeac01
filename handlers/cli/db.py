"""``rapport db``: the database schema."""

from __future__ import annotations

import typer

from handlers.cli.common import DbOpt, migrate_or_exit, settings_or_exit

db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_cli.command("upgrade")
def db_upgrade(database_url: DbOpt = None) -> None:
    """Apply every migration (also done on start)."""
    settings = settings_or_exit(database_url=database_url)
    migrate_or_exit(settings)
    typer.echo(f"database at {settings.database_label} is up to date")
