from datetime import UTC, datetime

from bot.domain import InboundMessage


async def test_message_is_stored_and_drafted(runtime):
    """A customer's message is stored and gets a pending draft."""
    msg = InboundMessage("web", "demo", "c", None, "u1", "Dana", "hello", datetime.now(UTC), "m1")
    result = await runtime.engine.handle(msg)
    draft = await runtime.store.draft(result.draft_id)
    assert draft.status == "pending"
