"""``rapport discord invite-url``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import discord
from typer.testing import CliRunner

from handlers.cli.discord import discord_cli


def test_invite_url_asks_for_exactly_the_needed_scopes_and_permissions(monkeypatch):
    """The invite link adds the bot with slash commands and only the permissions Rapport uses."""
    monkeypatch.setenv("RAPPORT_DISCORD_APPLICATION_ID", "123456789012345678")
    result = CliRunner().invoke(discord_cli, ["invite-url"])
    assert result.exit_code == 0, result.output
    query = parse_qs(urlparse(result.output.strip()).query)
    assert query["client_id"] == ["123456789012345678"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert {name for name, on in granted if on} == {
        "read_messages",  # View Channels
        "send_messages",
        "send_messages_in_threads",
        "read_message_history",
        "embed_links",
        "use_application_commands",
    }


def test_invite_url_without_an_application_id_says_where_to_find_it():
    """Without the application ID the command explains where to copy it from."""
    result = CliRunner().invoke(discord_cli, ["invite-url"])
    assert result.exit_code == 2
    assert "Application ID" in result.output
