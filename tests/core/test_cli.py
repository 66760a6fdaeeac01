"""The rapport command: clear refusals, and customer data commands."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from handlers.cli import app

runner = CliRunner()


def test_run_without_any_platform_names_the_missing_settings():
    """`rapport run` with nothing configured exits 2 and says which variables to set."""
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN" in result.output and "DISCORD_TOKEN" in result.output


def test_run_names_conflicting_slack_modes(monkeypatch):
    """Both Slack modes at once is refused with both variable names."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2
    assert "both set" in result.output and "RAPPORT_SLACK_REVIEW_CHANNEL" in result.output
    assert "xoxb-1" not in result.output  # secrets are never echoed


def test_export_and_forget_from_the_command_line(sqlite_url):
    """A customer can be exported as JSON and then forgotten from the CLI."""
    import asyncio

    from bot.config import Settings
    from bot.runtime import build_runtime
    from bot.seed import seed_demo

    async def seed() -> None:
        rt = build_runtime(Settings(database_url=sqlite_url))
        await seed_demo(rt.engine)
        await rt.close()

    asyncio.run(seed())
    listed = runner.invoke(app, ["customers", "list", "--json", "--database-url", sqlite_url])
    customers = json.loads(listed.output)
    dana = next(c for c in customers if c["name"] == "Dana Whitfield")
    exported = runner.invoke(
        app, ["customers", "export", str(dana["id"]), "--database-url", sqlite_url]
    )
    assert json.loads(exported.output)["customer"]["display_name"] == "Dana Whitfield"
    forgot = runner.invoke(
        app, ["customers", "forget", str(dana["id"]), "--yes", "--database-url", sqlite_url]
    )
    assert forgot.exit_code == 0 and "messages" in forgot.output
    again = runner.invoke(app, ["customers", "list", "--json", "--database-url", sqlite_url])
    assert [c["name"] for c in json.loads(again.output)] == ["Ravi Patel", "Mei Chen"]
