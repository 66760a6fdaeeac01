"""`rapport slack manifest`: one paste creates a working app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from handlers.cli.slack import slack_cli


def test_socket_mode_manifest_needs_no_url() -> None:
    """The default manifest turns Socket Mode on and asks for every scope Rapport uses."""
    result = CliRunner().invoke(slack_cli, ["manifest", "--name", "Acme Helper"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in data["settings"]["event_subscriptions"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["features"]["bot_user"]["display_name"] == "Acme Helper"
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "channels:history", "im:history", "users:read", "usergroups:read"} <= (
        scopes
    )
    assert "message.im" in data["settings"]["event_subscriptions"]["bot_events"]


def test_http_manifest_points_events_and_buttons_at_one_url() -> None:
    """HTTP mode sends events and button clicks to /slack/events on the given host."""
    result = CliRunner().invoke(
        slack_cli, ["manifest", "--http", "--url", "https://rapport.example.com/"]
    )
    data = json.loads(result.output)
    url = "https://rapport.example.com/slack/events"
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["settings"]["event_subscriptions"]["request_url"] == url
    assert data["settings"]["interactivity"]["request_url"] == url


def test_http_manifest_without_url_explains_what_to_pass() -> None:
    """Asking for HTTP mode without --url fails with a hint, not a broken manifest."""
    result = CliRunner().invoke(slack_cli, ["manifest", "--http"])
    assert result.exit_code == 2
    assert "--url" in result.output
