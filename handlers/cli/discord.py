"""``rapport discord``: setting up the Discord application."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from handlers.discord.settings import DiscordSettings

if TYPE_CHECKING:  # discord.py loads only when a command runs: `rapport --help` stays fast
    import discord

discord_cli = typer.Typer(help="Discord: set up the bot.", no_args_is_help=True)

SCOPES = ("bot", "applications.commands")


@discord_cli.callback()
def _group() -> None:
    """Discord: set up the bot."""  # keeps `discord` a group even with a single command


def bot_permissions() -> discord.Permissions:
    """Exactly what Rapport does in a server: read customers' channels, post replies and cards."""
    import discord  # deferred: see TYPE_CHECKING above

    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        read_message_history=True,  # reply to a message that arrived while offline
        embed_links=True,  # the review cards are embeds
        use_application_commands=True,  # /rapport
    )


def invite_url(application_id: int) -> str:
    import discord  # deferred: see TYPE_CHECKING above

    return discord.utils.oauth_url(application_id, permissions=bot_permissions(), scopes=SCOPES)


@discord_cli.command("invite-url")
def invite_url_command(
    application_id: Annotated[
        str | None,
        typer.Option(
            "--application-id", help="From the Developer Portal [RAPPORT_DISCORD_APPLICATION_ID]."
        ),
    ] = None,
) -> None:
    """Print the link that adds the bot to a server with the permissions it needs."""
    value = application_id or DiscordSettings().discord_application_id
    if not value or not value.strip().isdigit():
        typer.echo(
            "rapport: set RAPPORT_DISCORD_APPLICATION_ID (or pass --application-id) to the "
            "Application ID from the Developer Portal's General Information page",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(invite_url(int(value)))
