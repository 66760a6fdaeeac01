"""What reps see on a card, per draft state."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from handlers.slack.cards import card_message, edit_modal
from memory.domain import DraftCard, DraftStatus, RecallItem

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _card(status: DraftStatus, **extra: object) -> DraftCard:
    values: dict[str, object] = {
        "draft_id": 7,
        "kind": "reply",
        "status": status,
        "customer_id": 1,
        "customer_name": "Dana <Whitfield>",
        "platform": "slack",
        "inbound_text": "My cat Miso is sick & I need to reschedule",
        "inbound_at": NOW,
        "permalink": "https://acme.slack.com/archives/C1/p1",
        "recalled": [RecallItem("fact", "Has a cat named Miso", "a fact about them", 1.0, 3)],
        "text": "So sorry about Miso!",
        "final_text": None,
        "error": None,
        "decided_by": None,
        "decided_at": None,
        "created_at": NOW,
        **extra,
    }
    return DraftCard(**values)  # type: ignore[arg-type]


def _buttons(blocks: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_pending_card_shows_message_memory_draft_and_four_buttons() -> None:
    """A pending card: who wrote, what, what was remembered and why, the draft, four buttons."""
    _text, blocks = card_message(_card(DraftStatus.PENDING))
    body = json.dumps(blocks)
    assert "Dana &lt;Whitfield&gt;" in body  # escaped, not a link
    assert "sick &amp; I need" in body
    assert "Has a cat named Miso" in body and "a fact about them" in body
    assert "<https://acme.slack.com/archives/C1/p1|open in Slack>" in body
    assert _buttons(blocks) == ["Approve", "Edit", "Reject", "Regenerate"]


def test_sent_card_shows_who_when_and_the_final_text_without_buttons() -> None:
    """Once sent, the card names the rep and time, shows what was sent, offers nothing."""
    card = _card(
        DraftStatus.SENT, final_text="Edited words", decided_by="Riley (slack)", decided_at=NOW
    )
    _text, blocks = card_message(card)
    body = json.dumps(blocks)
    assert "Sent" in body and "Riley (slack)" in body and "Edited words" in body
    assert "<!date^" in body
    assert _buttons(blocks) == []


def test_failed_draft_shows_the_error_and_offers_a_way_forward() -> None:
    """A failed draft says why and offers Edit, Reject and Regenerate, in every surface's order."""
    _text, blocks = card_message(_card(DraftStatus.FAILED, text=None, error="the model timed out"))
    assert "the model timed out" in json.dumps(blocks)
    assert _buttons(blocks) == ["Edit", "Reject", "Regenerate"]


def test_long_draft_is_split_to_fit_slack_sections() -> None:
    """A 3,500-character draft still fits Slack's 3,000-character section limit."""
    _text, blocks = card_message(
        _card(DraftStatus.PENDING, text="word & " * 500, inbound_text="hi")
    )
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    assert sum(s.count("&amp;") for s in sections) == 500


def test_edit_modal_is_prefilled_and_carries_the_draft_id() -> None:
    """The Edit modal opens with the draft text and knows which draft it edits."""
    view = edit_modal(_card(DraftStatus.PENDING))
    assert view["private_metadata"] == "7"
    assert view["blocks"][1]["element"]["initial_value"] == "So sorry about Miso!"
    assert len(view["title"]["text"]) <= 24
