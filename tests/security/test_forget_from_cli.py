"""`rapport customers forget` runs without the bot: it clears the Slack card over Slack's Web
API and names the Discord card it cannot reach (Security: forget must leave nothing behind)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from bot.config import Settings
from bot.runtime import build_runtime
from handlers.cli import app
from handlers.platform import FORGOTTEN_CARD
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.helpers import message

WORD = "Zqxwvortho"
REVIEW = "CREVIEW"
SLACK_CARD = "1800000001.000100"
DISCORD_CHANNEL, DISCORD_CARD = "700000000000000001", "700000000000000099"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack on its own thread's loop: the command runs its own with asyncio.run."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeSlack()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(5)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _customer_with_cards(database_url: str, slack: FakeSlack) -> int:
    """Dana wrote; her draft's card is in Slack's and in Discord's review channel."""

    async def seed() -> int:
        runtime = build_runtime(Settings(database_url=database_url))
        stored = await runtime.engine.handle(message(f"My hamster {WORD} is ill"))
        await runtime.store.cards.save(
            stored.draft_id, "slack", {"channel": REVIEW, "ts": SLACK_CARD}
        )
        await runtime.store.cards.save(
            stored.draft_id,
            "discord",
            {"channel_id": DISCORD_CHANNEL, "message_id": DISCORD_CARD},
        )
        await runtime.close()
        return stored.customer_id

    slack.messages[(REVIEW, SLACK_CARD)] = {"ts": SLACK_CARD, "text": f"Dana: {WORD}", "blocks": []}
    return asyncio.run(seed())


def _forget(customer_id: int, database_url: str, slack: FakeSlack, monkeypatch) -> object:
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "secret",
        "RAPPORT_SLACK_REVIEW_CHANNEL": REVIEW,
        "RAPPORT_SLACK_API_URL": slack.api_url,
        "RAPPORT_SLACK_REPS": "UREP1",
        "DISCORD_TOKEN": "discord-token",
        "RAPPORT_DISCORD_REVIEW_CHANNEL": DISCORD_CHANNEL,
        "RAPPORT_DISCORD_REP_ROLE": "700000000000000002",
    }.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(
        app, ["customers", "forget", str(customer_id), "--yes", "--database-url", database_url]
    )


def test_forgetting_from_the_command_line_clears_the_slack_card(sqlite_url, slack, monkeypatch):
    """With only the CLI (no `rapport run`), the customer's Slack card still loses her words."""
    customer_id = _customer_with_cards(sqlite_url, slack)
    result = _forget(customer_id, sqlite_url, slack, monkeypatch)
    assert result.exit_code == 0, result.output
    shown = json.dumps(slack.messages[(REVIEW, SLACK_CARD)])
    assert WORD not in shown and "Dana" not in shown
    assert FORGOTTEN_CARD in shown


def test_forgetting_from_the_command_line_names_the_discord_card_it_left(
    sqlite_url, slack, monkeypatch
):
    """The CLI cannot reach Discord without the bot's session, so it says which card still
    shows the customer and how to deal with it, instead of staying silent."""
    customer_id = _customer_with_cards(sqlite_url, slack)
    result = _forget(customer_id, sqlite_url, slack, monkeypatch)
    assert result.exit_code == 0, result.output
    assert f"message_id {DISCORD_CARD}" in result.output
    assert "by hand" in result.output and "rapport run" in result.output
