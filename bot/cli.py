"""The ``rapport`` command: settings, database and customer commands.

The commands that start platforms or the web surface (``demo``, ``run``,
``slack``, ``discord``) are added in ``handlers/cli.py``, the console entry
point, so nothing in ``bot/`` imports an adapter.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from bot.bench import bench_cli
from bot.checkins_cli import checkins_cli  # imports bot.cli helpers lazily: no cycle
from bot.config import Settings
from bot.observability import configure_logging
from bot.users_cli import users_cli  # imports bot.cli helpers lazily: no cycle

T = TypeVar("T")

app = typer.Typer(
    help="Rapport: treat customers like friends in Slack and Discord.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
customers_cli = typer.Typer(
    help="Customers: list, show, export, link, forget.", no_args_is_help=True
)
app.add_typer(db_cli, name="db")
app.add_typer(customers_cli, name="customers")
app.add_typer(checkins_cli, name="checkins")
app.add_typer(users_cli, name="users")
app.add_typer(bench_cli, name="bench")


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        typer.echo(f"rapport: invalid settings: {problems}", err=True)
        raise typer.Exit(2) from exc
    from bot.embedders import embedding_problem

    problem = embedding_problem(settings)
    if problem is not None:
        typer.echo(f"rapport: {problem}", err=True)
        raise typer.Exit(2)
    configure_logging(settings.log_level, settings.log_format, secrets=settings.secret_values())
    return settings


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def migrate_or_exit(settings: Settings) -> None:
    from memory.database import DatabaseURLError, upgrade

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


HostOpt = Annotated[str | None, typer.Option(help="Interface to listen on [RAPPORT_HOST].")]
PortOpt = Annotated[int | None, typer.Option(help="Port to listen on [RAPPORT_PORT].")]
DbOpt = Annotated[str | None, typer.Option("--database-url", help="[DATABASE_URL]")]


@db_cli.command("upgrade")
def db_upgrade(database_url: DbOpt = None) -> None:
    """Apply every migration (also done on start)."""
    settings = settings_or_exit(database_url=database_url)
    migrate_or_exit(settings)
    typer.echo(f"database at {settings.database_label} is up to date")


def _directory(settings: Settings) -> Any:
    from memory.customers import CustomerDirectory
    from memory.database import create_engine, session_factory

    engine = create_engine(settings.database_url)
    return engine, CustomerDirectory(session_factory(engine))


def _customer_command(settings: Settings, work: Any) -> Any:
    from memory.customers import CustomerNotFound

    async def go() -> Any:
        engine, directory = _directory(settings)
        try:
            return await work(directory)
        finally:
            await engine.dispose()

    migrate_or_exit(settings)
    try:
        return run_async(go())
    except CustomerNotFound as exc:
        typer.echo(f"rapport: {exc}", err=True)
        raise typer.Exit(1) from exc


@customers_cli.command("list")
def customers_list(
    search: Annotated[str | None, typer.Option(help="Match name or platform user id.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    database_url: DbOpt = None,
) -> None:
    """Customers, most recently seen first."""
    settings = settings_or_exit(database_url=database_url)
    rows = _customer_command(settings, lambda d: d.summaries(search, limit=1000))
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "name": r.display_name,
                        "identities": r.identities,
                        "messages": r.messages,
                        "opted_out": r.opted_out,
                        "last_seen_at": r.last_seen_at.isoformat() if r.last_seen_at else None,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    for r in rows:
        seen = r.last_seen_at.strftime("%Y-%m-%d %H:%M") if r.last_seen_at else "-"
        typer.echo(
            f"{r.id:>6}  {r.display_name:<28} {r.messages:>6} msgs  last seen {seen}  "
            f"{', '.join(r.identities)}"
        )


@customers_cli.command("show")
def customers_show(customer_id: int, database_url: DbOpt = None) -> None:
    """One customer: identities, facts, recent history."""
    settings = settings_or_exit(database_url=database_url)
    data = _customer_command(settings, lambda d: d.export(customer_id))
    c = data["customer"]
    typer.echo(f"{c['display_name']} (customer {c['id']})")
    for i in data["identities"]:
        typer.echo(f"  identity  {i['platform']}:{i['workspace']}:{i['user_id']}")
    for f in data["facts"]:
        typer.echo(f"  fact      {f['statement']}")
    for m in data["messages"][-10:]:
        typer.echo(f"  {m['sent_at'][:16]}  {m['author_name']}: {m['text'][:120]}")


@customers_cli.command("export")
def customers_export(
    customer_id: int,
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
    database_url: DbOpt = None,
) -> None:
    """All of one customer's data as JSON."""
    settings = settings_or_exit(database_url=database_url)
    data = _customer_command(settings, lambda d: d.export(customer_id))
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote customer {customer_id} to {out}", err=True)
    else:
        sys.stdout.write(text + "\n")


@customers_cli.command("forget")
def customers_forget(
    customer_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    database_url: DbOpt = None,
) -> None:
    """Delete one customer's data (messages, facts, drafts, check-ins) and nothing else."""
    settings = settings_or_exit(database_url=database_url)
    if not yes and not typer.confirm(
        f"Delete everything Rapport holds about customer {customer_id}?"
    ):
        raise typer.Exit(1)
    counts = _customer_command(settings, lambda d: d.forget(customer_id, actor="cli"))
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    typer.echo(f"forgot customer {customer_id}: {summary}")


@customers_cli.command("link")
def customers_link(
    customer_id: int,
    platform: Annotated[str, typer.Option(help="slack, discord or web")],
    user: Annotated[str, typer.Option(help="The platform user id")],
    workspace: Annotated[str, typer.Option(help="Slack team id or Discord guild id")],
    database_url: DbOpt = None,
) -> None:
    """Link a platform identity to a customer (merging that identity's own history)."""
    settings = settings_or_exit(database_url=database_url)
    merged = _customer_command(
        settings,
        lambda d: d.link(customer_id, platform, workspace, user, actor="cli"),
    )
    note = f"; merged customer {merged} into it" if merged else ""
    typer.echo(f"linked {platform}:{workspace}:{user} to customer {customer_id}{note}")


def main() -> None:  # pragma: no cover - console entry point
    app()
