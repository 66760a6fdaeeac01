"""``rapport customers``: list, show, export, link and forget customers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.config import Settings
from handlers.cli.common import DbOpt, migrate_or_exit, run_async, settings_or_exit

customers_cli = typer.Typer(
    help="Customers: list, show, export, link, forget.", no_args_is_help=True
)


def _directory(settings: Settings) -> Any:
    # The database layer is imported when a command runs, so `rapport --help` stays fast.
    from memory.customers import CustomerDirectory
    from memory.database import create_engine, session_factory

    engine = create_engine(settings.database_url)
    return engine, CustomerDirectory(session_factory(engine))


def _customer_command(settings: Settings, work: Any) -> Any:
    from memory.customers import CustomerNotFound  # deferred, as in _directory

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
