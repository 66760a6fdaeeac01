"""The ``rapport`` command: the root that adds every command group, and ``main``.

One module per group, each with its own Typer; nothing registers itself on
import. What the groups share (settings, the database, the options taken by
several commands) is in :mod:`handlers.cli.common`.
"""

from __future__ import annotations

import typer

from handlers.cli import bench, checkins, customers, db, discord, knowledge, serve, slack, users

app = typer.Typer(
    help="Rapport: treat customers like friends in Slack and Discord.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(serve.serve_cli)  # `rapport demo` and `rapport run`, at the top level
app.add_typer(db.db_cli, name="db")
app.add_typer(customers.customers_cli, name="customers")
app.add_typer(checkins.checkins_cli, name="checkins")
app.add_typer(knowledge.knowledge_cli, name="knowledge")
app.add_typer(users.users_cli, name="users")
app.add_typer(bench.bench_cli, name="bench")
app.add_typer(slack.slack_cli, name="slack")
app.add_typer(discord.discord_cli, name="discord")


def main() -> None:  # pragma: no cover - console entry point
    app()


__all__ = ["app", "main"]
