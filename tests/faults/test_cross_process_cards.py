"""Cards for drafts written or decided in another process reach the chat review channels.

The listener is a Rapport running Slack (against FakeSlack) and Discord (against
the fake Discord) on this event loop, drafting nothing itself, as
``rapport run --role listeners`` does. The drafts come from elsewhere:
``rapport checkins run-due`` as a real subprocess, or a second runtime with its
own connection pool standing for another process. On SQLite the listener finds
them by polling; on PostgreSQL NOTIFY wakes it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.checkin_service import CheckinService
from bot.config import Settings
from bot.runtime import build_runtime
from handlers.composition import Rapport
from handlers.discord.service import DiscordService
from memory.domain import Action, Actor, Decision, DraftStatus
from memory.store import Ingested
from tests.discord.conftest import discord_settings
from tests.fakes.discord_server import Call, FakeDiscord
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.faults.processes import discord_card_draft, eventually, run_cli, slack_card_draft
from tests.helpers import message
from tests.slack.conftest import CUSTOMER, REVIEW, SUPPORT, slack_settings

WITHIN = 10.0  # seconds for a card to reach a review channel: the requirement
SETTLE = 3.0  # then three relay rounds more, in which no second card may appear
RIVAL = Actor("web", "rep-9", "Robin Elsewhere")


@dataclass
class Listener:
    fake_slack: FakeSlack
    fake_discord: FakeDiscord
    rapport: Rapport
    discord_member: dict[str, Any]

    def slack_cards(self) -> list[int | None]:
        """The draft of every card posted to Slack's review channel, in order."""
        return [slack_card_draft(args) for args in self.fake_slack.posted(REVIEW)]

    def slack_updates(self, ts: str) -> list[dict[str, Any]]:
        return [
            c.args
            for c in self.fake_slack.calls_to("chat.update")
            if c.ok and c.args.get("channel") == REVIEW and c.args.get("ts") == ts
        ]

    def discord_cards(self) -> list[int | None]:
        """The draft of every card posted to Discord's review channel, in order."""
        return [discord_card_draft(call.body or {}) for call in self.fake_discord.cards()]

    def discord_edits(self, card: Call) -> list[Call]:
        channel = self.fake_discord.review_channel_id
        return self.fake_discord.find(
            "PATCH", f"/channels/{channel}/messages/{card.response['id']}"
        )


@pytest.fixture
async def listener(database_url: str) -> AsyncIterator[Listener]:
    fake_slack, fake_discord = FakeSlack(), FakeDiscord()
    await fake_slack.start()
    await fake_discord.start()
    fake_slack.add_user(CUSTOMER, "Dana Whitfield")
    member = fake_discord.member("Kai Discord")
    rapport = Rapport.build(
        Settings(database_url=database_url),
        drafter=ScriptedDrafter(),
        slack=slack_settings(fake_slack),
        discord=discord_settings(fake_discord),
        drafting="elsewhere",
    )
    try:
        await rapport.start()
        [discord] = [p for p in rapport.platforms if isinstance(p, DiscordService)]
        await discord.wait_ready()
        yield Listener(fake_slack, fake_discord, rapport, member)
    finally:
        try:
            await rapport.stop()
        finally:
            await rapport.close()
            await fake_discord.close()
            await fake_slack.stop()


def slack_message(text: str, **kw: Any) -> Any:
    return message(
        text, platform="slack", workspace=TEAM_ID, channel=SUPPORT, thread=None, user=CUSTOMER, **kw
    )


def discord_message(listener: Listener, text: str, **kw: Any) -> Any:
    fake = listener.fake_discord
    return message(
        text,
        platform="discord",
        workspace=fake.guild_id,
        channel=fake.support_channel_id,
        thread=None,
        user=listener.discord_member["id"],
        name="Kai Discord",
        **kw,
    )


async def test_checkin_drafted_by_the_cli_reaches_slack_and_discord_review_channels(
    listener: Listener, database_url: str, tmp_path: Path
) -> None:
    """A check-in drafted by `rapport checkins run-due` in another process while the server
    runs shows up in the Slack and the Discord review channel within 10 s, once each."""
    now = datetime.now(UTC)
    day = (now + timedelta(days=3)).date()
    elsewhere = build_runtime(
        Settings(database_url=database_url), drafter=ScriptedDrafter(), drafts_here=False
    )
    try:
        customers = {}
        for platform, msg in (
            ("slack", slack_message("My parcel never came.", at=now, message_id="s-1")),
            ("discord", discord_message(listener, "Still no parcel here.", at=now)),
        ):
            stored = await elsewhere.engine.ingest(msg)  # stored, drafting nothing
            assert isinstance(stored, Ingested)
            await CheckinService(elsewhere.engine).request(
                stored.customer_id, day, "ask whether the parcel came", "Riley Rep (test)"
            )
            customers[stored.customer_id] = platform

        code, output = await run_cli(
            "checkins",
            "run-due",
            "--now",
            f"{day.isoformat()}T12:00:00+00:00",
            database_url=database_url,
            cwd=tmp_path,
        )
        assert code == 0, output
        drafted = [int(d) for d in re.findall(r"drafted as draft (\d+)", output)]
        assert len(drafted) == 2, output
        by_platform = {}
        for draft_id in drafted:
            draft = await elsewhere.store.drafts.get(draft_id)
            assert draft is not None and draft.status is DraftStatus.PENDING
            by_platform[customers[draft.customer_id]] = draft_id
    finally:
        await elsewhere.close()

    async def shown() -> bool:
        return (
            by_platform["slack"] in listener.slack_cards()
            and by_platform["discord"] in listener.discord_cards()
        )

    await eventually(shown, WITHIN, "the check-in cards on Slack and Discord")
    await asyncio.sleep(SETTLE)
    assert listener.slack_cards() == [by_platform["slack"]]
    assert listener.discord_cards() == [by_platform["discord"]]


async def test_decision_in_another_process_updates_the_card_in_place(
    listener: Listener, database_url: str
) -> None:
    """A draft rejected in another process redraws its existing card on Slack and on
    Discord (chat.update, a message edit) instead of posting a second card."""
    elsewhere = build_runtime(
        Settings(database_url=database_url), drafter=ScriptedDrafter(), drafts_here=True
    )
    try:
        on_slack = await elsewhere.engine.handle(slack_message("Can I change my address?"))
        on_discord = await elsewhere.engine.handle(
            discord_message(listener, "Can I change my address too?")
        )
        assert isinstance(on_slack, Ingested) and isinstance(on_discord, Ingested)
        ids = {"slack": on_slack.draft_id, "discord": on_discord.draft_id}

        async def posted() -> bool:
            on_slack = listener.slack_cards() == [ids["slack"]]
            return on_slack and listener.discord_cards() == [ids["discord"]]

        await eventually(posted, WITHIN, "the drafts' cards on Slack and Discord")
        [slack_card] = listener.fake_slack.posted(REVIEW)
        ts = slack_card_ts(listener, slack_card)
        [discord_card] = listener.fake_discord.cards()
        assert listener.slack_updates(ts) == [] and listener.discord_edits(discord_card) == []

        for draft_id in ids.values():
            assert draft_id is not None
            outcome = await elsewhere.engine.decide(Decision(draft_id, Action.REJECT, RIVAL))
            assert outcome.applied
    finally:
        await elsewhere.close()

    async def redrawn() -> bool:
        return bool(listener.slack_updates(ts)) and bool(listener.discord_edits(discord_card))

    await eventually(redrawn, WITHIN, "the rejection drawn on both existing cards")
    await asyncio.sleep(SETTLE)
    assert "Rejected" in json.dumps(listener.slack_updates(ts)[-1].get("blocks"))
    assert "Rejected" in json.dumps(listener.discord_edits(discord_card)[-1].body)
    assert listener.slack_cards() == [ids["slack"]], "a second card was posted on Slack"
    assert listener.discord_cards() == [ids["discord"]], "a second card was posted on Discord"


def slack_card_ts(listener: Listener, card: dict[str, Any]) -> str:
    """The ``ts`` FakeSlack gave the card ``chat.postMessage`` posted."""
    for (channel, ts), stored in listener.fake_slack.messages.items():
        if channel == REVIEW and stored.get("blocks") == card.get("blocks"):
            return ts
    raise AssertionError("the card is not among FakeSlack's messages")
