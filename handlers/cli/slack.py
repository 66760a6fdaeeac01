"""``rapport slack``: setting up the Slack app."""

from __future__ import annotations

import json
from typing import Annotated

import typer

slack_cli = typer.Typer(help="Slack: set up the app.", no_args_is_help=True)


@slack_cli.callback()
def slack_group() -> None:
    """Slack: set up the app."""
    # A callback keeps this a group even with one command: `rapport slack manifest`.


@slack_cli.command("manifest")
def manifest_command(
    socket: Annotated[
        bool,
        typer.Option(
            "--socket/--http",
            help="Socket Mode (no public URL needed) or HTTP mode (Slack posts to --url).",
        ),
    ] = True,
    url: Annotated[
        str | None,
        typer.Option(help="HTTP mode: the public https:// address where `rapport run` listens."),
    ] = None,
    name: Annotated[str, typer.Option(help="The app's and the bot's name in Slack.")] = "Rapport",
) -> None:
    """Print the app manifest: paste it at api.slack.com/apps → Create New App → From a manifest."""
    # Importing handlers.slack loads the whole adapter (slack_bolt, the engine):
    # only when the command runs, so `rapport --help` stays fast.
    from handlers.slack.manifest import ManifestError, manifest

    try:
        data = manifest(name=name, socket_mode=socket, url=url)
    except ManifestError as exc:
        typer.echo(f"rapport slack manifest: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(data, indent=2))
