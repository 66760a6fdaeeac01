"""Crashes lose nothing and duplicate nothing: after a restart every open draft has one card."""

from __future__ import annotations

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from handlers.slack.events import to_inbound
from memory.domain import AuthorRole, DraftStatus
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.fakes.slack_events import message
from tests.slack.conftest import CUSTOMER, SUPPORT, serve_http, shut


def _slack_message(text: str) -> tuple:  # type: ignore[type-arg]
    return to_inbound(
        message(text, user=CUSTOMER, channel=SUPPORT),
        workspace=TEAM_ID,
        display_name="Dana Whitfield",
        role=AuthorRole.CUSTOMER,
        workspace_url=None,
    )


async def test_stored_but_undrafted_message_gets_one_card_after_restart(
    fake_slack: FakeSlack, runtime: Runtime
) -> None:
    """A message stored just before a crash is drafted after restart and shown exactly once."""
    before = build_runtime(Settings(database_url=runtime.settings.database_url))
    await before.store.messages.ingest(*_slack_message("Did my refund go through?"))  # then: crash
    await before.db.dispose()

    harness, server, task = await serve_http(fake_slack, runtime)  # resume() + start()
    try:
        await harness.settle()
        [card] = harness.cards()
        assert "Did my refund go through?" in str(card["blocks"])
        draft = await runtime.store.drafts.get(await harness.draft_id())
        assert draft is not None and draft.status == DraftStatus.PENDING
    finally:
        await shut(harness, server, task)
    assert len(harness.cards()) == 1


async def test_drafted_but_unposted_card_is_posted_once_at_start(
    fake_slack: FakeSlack, runtime: Runtime
) -> None:
    """A draft written while Slack was unreachable gets its card when the service starts."""
    before = build_runtime(
        Settings(database_url=runtime.settings.database_url), drafter=ScriptedDrafter()
    )
    await before.engine.handle(*_slack_message("Is the blue one back in stock?"))
    await before.db.dispose()

    harness, server, task = await serve_http(fake_slack, runtime)
    try:
        await harness.settle()
        assert len(harness.cards()) == 1
    finally:
        await shut(harness, server, task)


async def test_restarting_twice_never_duplicates_a_card(
    fake_slack: FakeSlack, runtime: Runtime
) -> None:
    """A second restart updates nothing twice: the card already posted is not posted again."""
    before = build_runtime(Settings(database_url=runtime.settings.database_url))
    await before.store.messages.ingest(*_slack_message("Hello again"))
    await before.db.dispose()
    for _ in range(2):
        harness, server, task = await serve_http(fake_slack, runtime)
        await shut(harness, server, task)
    assert len(fake_slack.posted()) == 1
