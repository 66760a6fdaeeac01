"""The ``rapport`` command."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from bot.config import Settings
from bot.observability import configure_logging

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


def _settings(**overrides: Any) -> Settings:
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        typer.echo(f"rapport: invalid settings: {problems}", err=True)
        raise typer.Exit(2) from exc
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _migrate(settings: Settings) -> None:
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


@app.command()
def demo(host: HostOpt = None, port: PortOpt = None, database_url: DbOpt = None) -> None:
    """The local demo: a community chat, the review queue and the customer's memory."""
    settings = _settings(host=host, port=port, database_url=database_url)
    _migrate(settings)
    _run(_demo(settings))


async def _demo(settings: Settings) -> None:
    from bot.runtime import build_runtime
    from bot.seed import seed_demo
    from handlers.web.app import create_app, serve

    runtime = build_runtime(settings)
    seeded = await seed_demo(runtime.engine)
    drafter = "LLM " + settings.model if settings.uses_llm else "offline drafter"
    typer.echo(
        f"Rapport demo on http://{settings.host}:{settings.port}  "
        f"(database {settings.database_label}, {drafter}"
        f"{f', seeded {seeded} messages' if seeded else ''})"
    )
    try:
        await serve(create_app(runtime, demo=True), settings.host, settings.port)
    finally:
        await runtime.close()


@app.command()
def run(host: HostOpt = None, port: PortOpt = None, database_url: DbOpt = None) -> None:
    """Production: the configured platforms, the web console, on one event loop."""
    settings = _settings(host=host, port=port, database_url=database_url)
    problems = configuration_problems(settings)
    if problems:
        typer.echo("rapport run: cannot start:\n  - " + "\n  - ".join(problems), err=True)
        raise typer.Exit(2)
    _migrate(settings)
    _run(_serve_production(settings))


def configuration_problems(settings: Settings) -> list[str]:
    """Every missing or conflicting setting, named, so one run tells the whole story."""
    problems: list[str] = []
    slack = settings.slack_bot_token is not None
    discord = settings.discord_token is not None
    if not (slack or discord):
        problems.append(
            "no platform configured: set SLACK_BOT_TOKEN (Slack) and/or DISCORD_TOKEN (Discord); "
            "to try Rapport without either, run `rapport demo`"
        )
    if slack:
        has_app, has_secret = (
            settings.slack_app_token is not None,
            (settings.slack_signing_secret is not None),
        )
        if not (has_app or has_secret):
            problems.append(
                "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
            )
        if has_app and has_secret:
            problems.append(
                "SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are both set: choose Socket Mode "
                "(keep SLACK_APP_TOKEN) or HTTP mode (keep SLACK_SIGNING_SECRET)"
            )
        if not settings.slack_review_channel:
            problems.append("Slack needs RAPPORT_SLACK_REVIEW_CHANNEL (the reps' channel ID)")
        if not settings.slack_reps.strip():
            problems.append("Slack needs RAPPORT_SLACK_REPS (who may approve drafts)")
    if discord:
        if not settings.discord_review_channel:
            problems.append("Discord needs RAPPORT_DISCORD_REVIEW_CHANNEL (the reps' channel ID)")
        if not (settings.discord_rep_role or settings.discord_reps.strip()):
            problems.append(
                "Discord needs RAPPORT_DISCORD_REP_ROLE and/or RAPPORT_DISCORD_REPS "
                "(who may approve drafts)"
            )
    return problems


async def _serve_production(settings: Settings) -> None:
    from bot.platforms import build_platforms
    from bot.runtime import build_runtime
    from handlers.web.app import create_app, serve

    runtime = build_runtime(settings)
    routers, services = build_platforms(settings, runtime)
    # Until console logins exist, review pages are served on loopback only.
    console = settings.host in ("127.0.0.1", "localhost", "::1")
    app = create_app(runtime, demo=False, routers=routers, services=services, console=console)
    try:
        await serve(app, settings.host, settings.port)
    finally:
        await runtime.close()


@db_cli.command("upgrade")
def db_upgrade(database_url: DbOpt = None) -> None:
    """Apply every migration (also done on start)."""
    settings = _settings(database_url=database_url)
    _migrate(settings)
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

    _migrate(settings)
    try:
        return _run(go())
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
    settings = _settings(database_url=database_url)
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
    settings = _settings(database_url=database_url)
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
    settings = _settings(database_url=database_url)
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
    settings = _settings(database_url=database_url)
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
    settings = _settings(database_url=database_url)
    merged = _customer_command(
        settings,
        lambda d: d.link(customer_id, platform, workspace, user, actor="cli"),
    )
    note = f"; merged customer {merged} into it" if merged else ""
    typer.echo(f"linked {platform}:{workspace}:{user} to customer {customer_id}{note}")


def main() -> None:  # pragma: no cover - console entry point
    app()
