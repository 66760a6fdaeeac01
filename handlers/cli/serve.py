"""``rapport demo``, ``rapport run`` and ``rapport worker``: the commands that serve.

``rapport run`` is one process by default: the platforms and the console on
one event loop, drafting on a thread beside it. At scale, run listeners and
workers as separate processes on PostgreSQL (docs/deployment.md):
``rapport run --role listeners`` (as many as the load balancer spreads over)
and ``rapport worker`` (as many as the drafting needs).
"""

from __future__ import annotations

import asyncio
import signal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from bot.config import Settings
from bot.console import console_problems, is_loopback
from handlers.cli.common import (
    DbOpt,
    HostOpt,
    PortOpt,
    migrate_or_exit,
    run_async,
    settings_or_exit,
)
from handlers.discord.settings import DiscordSettings

if TYPE_CHECKING:
    from handlers.composition import Drafting
from handlers.slack.settings import SlackSettings

serve_cli = typer.Typer()


@serve_cli.command()
def demo(host: HostOpt = None, port: PortOpt = None, database_url: DbOpt = None) -> None:
    """The local demo: a community chat, the review queue and the customer's memory."""
    settings = settings_or_exit(host=host, port=port, database_url=database_url)
    migrate_or_exit(settings)
    run_async(_demo(settings))


async def _demo(settings: Settings) -> None:
    # The engine, the web app and the platforms load only when a command runs,
    # so `rapport --help` stays fast (here and in _serve_production).
    from bot.seed import seed_demo, seed_help_docs
    from handlers.composition import Rapport, serve

    rapport = Rapport.build(settings, demo=True, drafting="thread")
    seeded = await seed_demo(rapport.runtime.engine)
    await seed_help_docs(rapport.runtime.store)
    drafter = "LLM " + settings.model if settings.uses_llm else "offline drafter"
    typer.echo(
        f"Rapport demo on http://{settings.host}:{settings.port}  "
        f"(database {settings.database_label}, {drafter}"
        f"{f', seeded {seeded} messages' if seeded else ''})"
    )
    await serve(
        rapport,
        settings.host,
        settings.port,
        secret_key=settings.secret_key.get_secret_value() if settings.secret_key else None,
        # Signed in as a demo admin only where nobody else can reach the page.
        auto_login=is_loopback(settings.host),
        allowed_hosts=settings.web_host_names,
    )


class Role(StrEnum):
    all = "all"
    listeners = "listeners"
    workers = "workers"


RoleOpt = Annotated[
    Role,
    typer.Option(
        help="all: listeners and a drafting thread in one process; listeners: platforms, "
        "console, scheduler and card relay, drafts left to `rapport worker` processes; "
        "workers: drafting only (the same as `rapport worker`)."
    ),
]


@serve_cli.command()
def run(
    host: HostOpt = None,
    port: PortOpt = None,
    database_url: DbOpt = None,
    role: RoleOpt = Role.all,
) -> None:
    """Production: the configured platforms and the web console, and drafting."""
    settings = settings_or_exit(host=host, port=port, database_url=database_url)
    if role is Role.workers:
        migrate_or_exit(settings)
        run_async(_serve_workers(settings))
        return
    problems = configuration_problems(SlackSettings(), DiscordSettings())
    if problems:
        typer.echo("rapport run: cannot start:\n  - " + "\n  - ".join(problems), err=True)
        raise typer.Exit(2)
    migrate_or_exit(settings)
    run_async(_serve_production(settings, drafting="thread" if role is Role.all else "elsewhere"))


@serve_cli.command()
def worker(database_url: DbOpt = None) -> None:
    """Drafting only: claim queued drafts from the database and write them, until stopped.

    Run as many as the load needs, beside `rapport run --role listeners`; on
    PostgreSQL they are woken at once by NOTIFY, on SQLite they poll.
    """
    settings = settings_or_exit(database_url=database_url)
    migrate_or_exit(settings)
    run_async(_serve_workers(settings))


async def _serve_workers(settings: Settings) -> None:
    from bot.worker_process import serve_workers

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    typer.echo(f"rapport worker: drafting from {settings.database_label}")
    await serve_workers(settings, stop)


def configuration_problems(
    slack_settings: SlackSettings, discord_settings: DiscordSettings
) -> list[str]:
    """Every missing or conflicting platform setting, named, so one run tells the whole story."""
    problems: list[str] = []
    slack = slack_settings.configured
    discord = discord_settings.configured
    if not (slack or discord):
        problems.append(
            "no platform configured: set SLACK_BOT_TOKEN (Slack) and/or DISCORD_TOKEN (Discord); "
            "to try Rapport without either, run `rapport demo`"
        )
    if slack:
        has_app, has_secret = (
            slack_settings.slack_app_token is not None,
            (slack_settings.slack_signing_secret is not None),
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
        if not slack_settings.slack_review_channel:
            problems.append("Slack needs RAPPORT_SLACK_REVIEW_CHANNEL (the reps' channel ID)")
        if not slack_settings.slack_reps.strip():
            problems.append("Slack needs RAPPORT_SLACK_REPS (who may approve drafts)")
        if not problems:
            from handlers.slack.config import SlackConfig, SlackConfigError

            try:
                SlackConfig.from_settings(slack_settings)
            except SlackConfigError as exc:
                problems.append(str(exc))
    if discord:
        if not discord_settings.discord_review_channel:
            problems.append("Discord needs RAPPORT_DISCORD_REVIEW_CHANNEL (the reps' channel ID)")
        if not (discord_settings.discord_rep_role or discord_settings.discord_reps.strip()):
            problems.append(
                "Discord needs RAPPORT_DISCORD_REP_ROLE and/or RAPPORT_DISCORD_REPS "
                "(who may approve drafts)"
            )
    return problems


async def _serve_production(settings: Settings, *, drafting: Drafting) -> None:
    from handlers.composition import Rapport, serve
    from memory.users import UserDirectory

    rapport = Rapport.build(settings, drafting=drafting)
    # Beyond loopback the console needs a stable cookie key and someone who can sign in.
    admins = await UserDirectory(rapport.runtime.store.sessions).count_admins()
    problems = console_problems(settings, admins)
    if problems:
        await rapport.close()
        typer.echo("rapport run: cannot start:\n  - " + "\n  - ".join(problems), err=True)
        raise typer.Exit(2)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    await serve(
        rapport,
        settings.host,
        settings.port,
        secret_key=secret,
        allowed_hosts=settings.web_host_names,
    )
