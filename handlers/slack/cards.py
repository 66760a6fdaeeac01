"""Block Kit for the review channel: the draft card and the Edit modal.

Everything a customer or the model wrote is escaped before it enters mrkdwn,
so a card can never ping the review channel or fake a link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.safety import neutralize_mentions, preview
from memory.domain import Action, DraftCard, DraftKind, DraftStatus, RecallItem

Block = dict[str, Any]

ACTION_IDS: dict[Action, str] = {
    Action.APPROVE: "rapport_approve",
    Action.EDIT: "rapport_edit",
    Action.REJECT: "rapport_reject",
    Action.REGENERATE: "rapport_regenerate",
}
ACTIONS_BY_ID = {action_id: action for action, action_id in ACTION_IDS.items()}
EDIT_VIEW = "rapport_edit_view"
EDIT_BLOCK = "reply"
EDIT_INPUT = "text"

SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section
MODAL_TEXT_LIMIT = 3000  # plain_text_input's maximum
MAX_RECALLED = 8


def escape(text: str) -> str:
    """Slack's three control characters, as Slack asks: nothing inside <…> stays live."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shown(text: str) -> str:
    """Someone else's words as a card shows them: escaped, and no @channel even in plain text."""
    return escape(neutralize_mentions(text))


def slack_date(when: datetime | None) -> str:
    """A date each reader sees in their own time zone."""
    if when is None:
        return "an unknown time"
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    escaped = shown(text)
    pieces: list[str] = []
    while len(escaped) > limit:
        cut = escaped.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = escaped.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        amp = escaped.rfind("&", cut - 5, cut)  # never split an &amp; in two
        if amp != -1 and ";" not in escaped[amp:cut]:
            cut = amp
        pieces.append(escaped[:cut])
        escaped = escaped[cut:].lstrip()
    return [*pieces, escaped] if escaped else pieces


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _quote(text: str, limit: int = 1200) -> str:
    short = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return "\n".join("> " + line for line in shown(short).splitlines() or [""])


def _who(card: DraftCard) -> str:
    return f"*{shown(card.decided_by or 'someone')}* {slack_date(card.decided_at)}"


def _recalled(items: list[RecallItem]) -> list[Block]:
    if not items:
        return [_context("Nothing remembered about this customer yet.")]
    lines = [
        f"• {shown(preview(item.text, 200))} — _{shown(preview(item.reason, 120))}_"
        for item in items[:MAX_RECALLED]
    ]
    more = len(items) - MAX_RECALLED
    if more > 0:
        lines.append(f"_…and {more} more_")
    return [_section("*What Rapport remembered*\n" + "\n".join(lines))]


def _draft_blocks(card: DraftCard) -> list[Block]:
    status = card.status
    if status in (DraftStatus.QUEUED, DraftStatus.DRAFTING):
        return [_section(":hourglass_flowing_sand: _Writing a draft…_")]
    if status is DraftStatus.FAILED:
        blocks = [_section(f":warning: *This draft needs you:* {shown(card.error or 'failed')}")]
        if card.text:
            blocks += [_section(piece) for piece in _chunks(card.text)]
        return blocks
    if status is DraftStatus.PENDING:
        pieces = _chunks(card.text or "")
        return [_section("*Draft reply*\n" + pieces[0])] + [_section(p) for p in pieces[1:]]
    final = card.final_text or card.text or ""
    if status is DraftStatus.SENDING:
        head = f":outbox_tray: *Sending* — decided by {_who(card)}"
    elif status is DraftStatus.SENT:
        head = f":white_check_mark: *Sent* by {_who(card)}"
    elif status is DraftStatus.REJECTED:
        head = f":no_entry_sign: *Rejected* by {_who(card)} — nothing was sent"
        final = card.text or ""
    elif status is DraftStatus.SUPERSEDED and card.decided_action == "folded":
        return [
            _section(
                ":arrows_counterclockwise: *Folded into a newer draft:* they wrote again "
                "before anyone replied; the newer card answers both."
            )
        ]
    elif status is DraftStatus.SUPERSEDED:
        return [_section(f":speech_balloon: *Answered directly* by {_who(card)}")]
    else:
        return [_section(f"_{status.value}_")]
    return [_section(head)] + [_section(piece) for piece in _chunks(final)]


def _sources(card: DraftCard) -> list[Block]:
    """Which of the team's passages the draft answers from, or a flag that it has none."""
    if card.status not in (DraftStatus.PENDING, DraftStatus.FAILED) or not card.text:
        return []
    blocks: list[Block] = []
    if card.cited:
        links = [f"<{s.url}|{shown(s.title)}>" if s.url else shown(s.title) for s in card.cited]
        blocks.append(_context(":books: *Sources:* " + " · ".join(links)))
    elif card.no_source:
        blocks.append(
            _section(
                ":warning: *No source found:* this draft answers nothing from your docs; "
                "check what it says before sending."
            )
        )
    blocks += [_context(f":warning: {shown(flag)}") for flag in card.source_flags]
    return blocks


# Slack has no greyed-out button: an action the card model disables is left off.
_STYLES = {Action.APPROVE: "primary", Action.REJECT: "danger"}


def _buttons(card: DraftCard) -> list[Block]:
    elements: list[Block] = []
    for button in card.actions():
        if not button.enabled:
            continue
        element: Block = {
            "type": "button",
            "action_id": ACTION_IDS[button.action],
            "text": {"type": "plain_text", "text": button.label},
            "value": str(card.draft_id),
        }
        if button.action in _STYLES:
            element["style"] = _STYLES[button.action]
        elements.append(element)
    if not elements:
        return []
    return [{"type": "actions", "block_id": f"rapport_draft_{card.draft_id}", "elements": elements}]


def card_message(card: DraftCard) -> tuple[str, list[Block]]:
    """The notification text and the blocks of one draft's card."""
    name = shown(card.customer_name)
    if card.kind is DraftKind.CHECKIN:
        title = f":wave: Check-in for *{name}*: {shown(card.reason or '')}"
        inbound: list[Block] = []
    else:
        link = f" · <{card.permalink}|open in Slack>" if card.permalink else ""
        title = f":speech_balloon: *{name}* wrote {slack_date(card.inbound_at)}{link}"
        inbound = [_section(_quote(card.inbound_text or " "))]
    blocks = [
        _section(title),
        *inbound,
        *_recalled(card.recalled),
        {"type": "divider"},
        *_draft_blocks(card),
        *_sources(card),
        *_buttons(card),
        _context(f"Draft #{card.draft_id} · {escape(card.model or 'no model yet')}"),
    ]
    return f"Draft for {name}: {card.status.value}", blocks


def edit_modal(card: DraftCard) -> dict[str, Any]:
    """The Edit dialog, prefilled with the draft; its metadata carries the draft id."""
    initial = (card.text or card.final_text or "")[:MODAL_TEXT_LIMIT]
    about = preview(card.inbound_text or card.reason or "", 400)
    element: Block = {
        "type": "plain_text_input",
        "action_id": EDIT_INPUT,
        "multiline": True,
        "max_length": MODAL_TEXT_LIMIT,
    }
    if initial:
        element["initial_value"] = initial
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": str(card.draft_id),
        "title": {"type": "plain_text", "text": "Edit reply"},
        "submit": {"type": "plain_text", "text": "Send reply"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {"type": "plain_text", "text": f"{card.customer_name}: {about}"[:2000]}
                ],
            },
            {
                "type": "input",
                "block_id": EDIT_BLOCK,
                "label": {"type": "plain_text", "text": "Reply to send"},
                "element": element,
            },
        ],
    }
