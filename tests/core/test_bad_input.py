"""Bad input: every odd message is stored and ends in a sensible draft or a clear skip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.drafters import OfflineDrafter
from bot.runtime import build_runtime
from memory.domain import DraftStatus, storable
from tests.helpers import message

CORPUS = json.loads((Path(__file__).parents[1] / "data" / "bad_inputs.json").read_text("utf-8"))
CASES = [*CORPUS, {"name": "40,000 characters", "text": "My order is late. " * 2223}]
MASS_MENTION = re.compile(r"<!(channel|here|everyone)|<!subteam|<@&\d+>|@(everyone|here)\b")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
async def test_bad_input_is_stored_and_handled(case, database_url):
    """Odd or hostile text is stored as sent and gets a draft without mass mentions, or a skip."""
    rt = build_runtime(Settings(database_url=database_url), drafter=OfflineDrafter())
    try:
        result = await rt.engine.handle(message(case["text"]))
        stored = await rt.store.messages.get(result.message_id)
        assert stored.text == storable(case["text"])
        draft = await rt.store.drafts.get(result.draft_id)
        assert draft.status in (DraftStatus.PENDING, DraftStatus.SKIPPED), draft.error
        if draft.status == DraftStatus.PENDING:
            assert draft.text.startswith("Hi Dana")
            assert not MASS_MENTION.search(draft.text)
            assert len(draft.text) < 4000
    finally:
        await rt.close()
