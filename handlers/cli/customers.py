"""``rapport customers``: list, show, export, link and forget customers."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.config import Settings
from handlers.cli.common import DbOpt, migrate_or_exit, run_or_exit, settings_or_exit
from handlers.discord.settings import DiscordSettings
from handlers.slack.settings import SlackSettings

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
    return run_or_exit(go(), CustomerNotFound)


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
    if out and out.is_symlink():
        typer.echo(
            f"rapport: {out} is a symbolic link; an export is never written through one "
            "(it could put a customer's data anywhere): name a new file or a plain one",
            err=True,
        )
        raise typer.Exit(1)
    data = _customer_command(settings, lambda d: d.export(customer_id))
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if not out:
        sys.stdout.write(text)
        return
    try:
        _write_private(out, text)
    except OSError as exc:
        typer.echo(f"rapport: could not write {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"wrote customer {customer_id} to {out} (readable by you only)", err=True)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as a file only its owner can read (0600).

    The text goes to a new 0600 file beside ``path``, renamed over it at the end:
    a rename replaces whatever is at ``path`` (a symbolic link that appeared since
    the command checked, a file hard-linked elsewhere) instead of writing through
    it, and never leaves a half-written export.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise


@customers_cli.command("forget")
def customers_forget(
    customer_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    database_url: DbOpt = None,
) -> None:
    """Delete one customer's data (messages, facts, drafts, check-ins) and nothing else.

    Their review cards become a "data deleted" notice on Slack, whose Web API
    needs no running bot. Discord's need the bot's gateway session, which only
    `rapport run` holds: the command names the Discord cards it had to leave.
    """
    settings = settings_or_exit(database_url=database_url)
    if not yes and not typer.confirm(
        f"Delete everything Rapport holds about customer {customer_id}?"
    ):
        raise typer.Exit(1)
    slack, discord = SlackSettings(), DiscordSettings()
    if slack.configured or discord.configured:
        from handlers.cli.serve import configuration_problems

        # The platforms are built to clear cards; settings `rapport run` refuses stop us
        # here, before anything is deleted.
        problems = configuration_problems(slack, discord)
        if problems:
            typer.echo(
                "rapport: cannot reach the platforms:\n  - " + "\n  - ".join(problems), err=True
            )
            raise typer.Exit(2)
    # Deferred like the database layer in _directory.
    from bot.runtime import build_runtime
    from handlers.composition import Rapport, chat_platforms
    from handlers.forgetting import Forgotten, cards_left_note
    from handlers.web.surface import WebPlatform
    from memory.customers import CustomerNotFound

    async def go() -> Forgotten:
        runtime = build_runtime(settings)
        # The configured platforms, built but not started: nothing connects or catches up.
        platforms = chat_platforms(runtime, slack, discord)
        rapport = Rapport(runtime, web=WebPlatform(demo=False), platforms=platforms)
        try:
            return await rapport.forget(customer_id, actor="cli")
        finally:
            await rapport.close()

    migrate_or_exit(settings)
    forgotten = run_or_exit(go(), CustomerNotFound)
    summary = ", ".join(f"{n} {k}" for k, n in forgotten.counts.items())
    typer.echo(f"forgot customer {customer_id}: {summary}")
    if forgotten.cards_left:
        typer.echo(f"rapport: {cards_left_note(forgotten.cards_left)}", err=True)


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
