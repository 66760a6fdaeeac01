"""Forgetting a customer in the console also clears their review cards in Slack and Discord
(Security: forget must leave nothing behind). Each runs a whole Rapport, the platform's fake
and the console, as `rapport run` does, on both databases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from handlers.platform import FORGOTTEN_CARD
from memory.domain import DraftStatus
from memory.users import Role, UserDirectory
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.platforms.conftest import DiscordHarness, Harness, SlackHarness
from tests.slack.conftest import CUSTOMER, REP, REP_GROUP, REVIEW
from tests.web.conftest import FAST_HASHER, PASSWORD, sign_in

WORD = "Zqxwvortho"
WORDS = f"My parcel to {WORD} Lane never came"
THEIRS = (WORD, "Dana", "Whitfield", "parcel")  # her words and her name


class ConsoleRep(Harness):
    """Rita can sign in to the console of the harness's Rapport and forget a customer there."""

    def app_options(self) -> dict[str, Any]:
        assert self.rapport is not None
        return {
            "auto_login": False,
            "users": UserDirectory(self.rapport.runtime.store.sessions, FAST_HASHER),
        }

    async def before_serving(self) -> None:
        assert self.rapport is not None
        users = UserDirectory(self.rapport.runtime.store.sessions, FAST_HASHER)
        if await users.get("rita") is None:
            await users.add("rita", PASSWORD, Role.REP, actor="test")

    async def forget_in_console(self) -> httpx.Response:
        """Rita forgets the customer who wrote the newest draft's message."""
        await self.settle()
        assert self.rapport is not None
        drafts = await self.rapport.runtime.store.drafts.in_statuses(list(DraftStatus))
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as rita:
            await sign_in(rita, "rita")
            forgot = await rita.post(
                f"/customers/{drafts[-1].customer_id}/forget", data={"confirm": "yes"}
            )
        await self.settle()
        return forgot


class SlackWithConsole(ConsoleRep, SlackHarness):
    pass


class DiscordWithConsole(ConsoleRep, DiscordHarness):
    pass


@pytest.fixture
async def slack(database_url, drafter) -> AsyncIterator[SlackWithConsole]:
    fake = FakeSlack()
    await fake.start()
    for user, name in ((CUSTOMER, "Dana Whitfield"), (REP, "Riley Rep")):
        fake.add_user(user, name)
    fake.groups[REP_GROUP] = []  # RAPPORT_SLACK_REPS names a group too
    harness = SlackWithConsole(database_url, drafter, fake)
    await harness.start()
    yield harness
    await harness.stop()
    await fake.stop()


@pytest.fixture
async def discord(database_url, drafter) -> AsyncIterator[DiscordWithConsole]:
    fake = FakeDiscord()
    await fake.start()
    harness = DiscordWithConsole(database_url, drafter, fake)
    await harness.start()
    yield harness
    await harness.stop()
    await fake.close()


async def test_a_forgotten_customers_slack_card_shows_none_of_their_words(slack):
    """After a rep forgets Dana in the console, her card in the Slack review channel says only
    that her data was deleted: not her words, not her name, no buttons."""
    await slack.customer_says(WORDS)
    await slack.settle()
    (card,) = [key for key in slack.fake.messages if key[0] == REVIEW]
    assert WORD in json.dumps(slack.fake.messages[card])
    assert (await slack.forget_in_console()).headers["location"] == "/customers"
    shown = json.dumps(slack.fake.messages[card])
    assert [word for word in THEIRS if word in shown] == []
    assert FORGOTTEN_CARD in shown
    assert '"actions"' not in shown


async def test_a_forgotten_customers_discord_card_shows_none_of_their_words(discord):
    """After a rep forgets Dana in the console, her card in the Discord review channel says only
    that her data was deleted: not her words, not her name, no buttons."""
    await discord.customer_says(WORDS)
    await discord.settle()
    card = discord.fake.cards()[-1].response["id"]
    assert WORD in json.dumps(discord.fake.messages[card])
    assert (await discord.forget_in_console()).headers["location"] == "/customers"
    shown = discord.fake.messages[card]
    assert [word for word in THEIRS if word in json.dumps(shown)] == []
    assert [embed.get("description") for embed in shown["embeds"]] == [FORGOTTEN_CARD]
    assert shown["components"] == []
