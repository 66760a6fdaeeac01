"""The ``rapport`` console entry point.

``bot.cli`` holds the core commands; here the commands that start the web
surface and the platform adapters are added, so the core never imports them.
"""

from __future__ import annotations

import typer

from bot.cli import DbOpt, HostOpt, PortOpt, app, migrate_or_exit, run_async, settings_or_exit
from bot.config import Settings
from handlers.discord.cli import discord_cli
from handlers.slack.cli import slack_cli

app.add_typer(slack_cli, name="slack")
app.add_typer(discord_cli, name="discord")


@app.command()
def demo(host: HostOpt = None, port: PortOpt = None, database_url: DbOpt = None) -> None:
    """The local demo: a community chat, the review queue and the customer's memory."""
    settings = settings_or_exit(host=host, port=port, database_url=database_url)
    migrate_or_exit(settings)
    run_async(_demo(settings))


async def _demo(settings: Settings) -> None:
    from bot.runtime import build_runtime
    from bot.seed import seed_demo
    from bot.users_cli import is_loopback
    from handlers.platforms import checkin_scheduler
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
        app = create_app(
            runtime,
            demo=True,
            services=[checkin_scheduler(settings, runtime), *runtime.services()],
            secret_key=settings.secret_key.get_secret_value() if settings.secret_key else None,
            # Signed in as a demo admin only where nobody else can reach the page.
            auto_login=is_loopback(settings.host),
        )
        await serve(app, settings.host, settings.port)
    finally:
        await runtime.close()


@app.command()
def run(host: HostOpt = None, port: PortOpt = None, database_url: DbOpt = None) -> None:
    """Production: the configured platforms, the web console, on one event loop."""
    settings = settings_or_exit(host=host, port=port, database_url=database_url)
    problems = configuration_problems(settings)
    if problems:
        typer.echo("rapport run: cannot start:\n  - " + "\n  - ".join(problems), err=True)
        raise typer.Exit(2)
    migrate_or_exit(settings)
    run_async(_serve_production(settings))


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
        if not problems:
            from handlers.slack import SlackConfig, SlackConfigError

            try:
                SlackConfig.from_settings(settings)
            except SlackConfigError as exc:
                problems.append(str(exc))
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
    from bot.runtime import build_runtime
    from bot.users_cli import console_problems
    from handlers.platforms import build_platforms
    from handlers.web.app import create_app, serve
    from memory.users import UserDirectory

    runtime = build_runtime(settings)
    # Beyond loopback the console needs a stable cookie key and someone who can sign in.
    problems = console_problems(
        settings, await UserDirectory(runtime.store.sessions).count_admins()
    )
    if problems:
        await runtime.close()
        typer.echo("rapport run: cannot start:\n  - " + "\n  - ".join(problems), err=True)
        raise typer.Exit(2)
    routers, services = build_platforms(settings, runtime)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    app = create_app(runtime, demo=False, routers=routers, services=services, secret_key=secret)
    try:
        await serve(app, settings.host, settings.port)
    finally:
        await runtime.close()
