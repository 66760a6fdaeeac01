"""How a draft looks in the Discord review channel: one embed per draft.

Pure functions from :class:`~memory.domain.DraftCard` to :class:`discord.Embed`,
so a card's look is testable without a connection.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.safety import preview
from memory.domain import DraftCard, DraftKind, DraftStatus, RecallItem

# Discord's limits: description 4096, field value 1024, whole embed 6000 characters.
DESCRIPTION_LIMIT = 3000
FIELD_LIMIT = 1000
MAX_RECALLED = 5

_COLOURS = {
    DraftStatus.QUEUED: discord.Colour.light_grey(),
    DraftStatus.DRAFTING: discord.Colour.light_grey(),
    DraftStatus.PENDING: discord.Colour.blurple(),
    DraftStatus.FAILED: discord.Colour.red(),
    DraftStatus.SENDING: discord.Colour.gold(),
    DraftStatus.SENT: discord.Colour.green(),
    DraftStatus.REJECTED: discord.Colour.dark_grey(),
    DraftStatus.SUPERSEDED: discord.Colour.dark_grey(),
    DraftStatus.SKIPPED: discord.Colour.dark_grey(),
}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when(at: datetime | None) -> str:
    return discord.utils.format_dt(at, "f") if at else "just now"


def status_line(card: DraftCard) -> str:
    """One sentence saying where the draft stands and who moved it there."""
    who = card.decided_by or "someone"
    match card.status:
        case DraftStatus.QUEUED | DraftStatus.DRAFTING:
            return "Drafting a reply…"
        case DraftStatus.PENDING:
            return "Waiting for a rep: Approve, Edit, Reject or Regenerate."
        case DraftStatus.FAILED:
            return f"Failed: {card.error or 'unknown error'}. Edit, Regenerate or Reject."
        case DraftStatus.SENDING:
            return f"Sending (approved by {who})…"
        case DraftStatus.SENT:
            return f"Sent by {who} at {_when(card.decided_at)}."
        case DraftStatus.REJECTED:
            return f"Rejected by {who} at {_when(card.decided_at)}."
        case DraftStatus.SUPERSEDED if card.decided_action == "folded":
            return "Folded into a newer draft: they wrote again before anyone replied."
        case DraftStatus.SUPERSEDED:
            return f"Answered directly by {who} at {_when(card.decided_at)}."
        case _:
            return f"Skipped: {card.error or 'nothing to answer'}."


def _recalled(items: list[RecallItem]) -> str:
    lines = [
        f"• {preview(item.text, 160)} — *{preview(item.reason, 80)}*"
        for item in items[:MAX_RECALLED]
    ]
    if len(items) > MAX_RECALLED:
        lines.append(f"…and {len(items) - MAX_RECALLED} more")
    return _cut("\n".join(lines), FIELD_LIMIT) if lines else "Nothing yet: a first conversation."


def _body(card: DraftCard) -> str:
    if card.status in (DraftStatus.SENT, DraftStatus.SENDING) and card.final_text:
        return card.final_text
    if card.text:
        return card.text
    if card.status is DraftStatus.FAILED:
        return f"⚠️ No draft: {card.error or 'the drafter failed'}"
    return "*Drafting…*"


def _sources(card: DraftCard) -> str:
    """Which of the team's passages the draft answers from, or a flag that it has none."""
    if card.status not in (DraftStatus.PENDING, DraftStatus.FAILED) or not card.text:
        return ""
    lines = [
        f"[{_cut(s.title, 200)}]({s.url})" if s.url else _cut(s.title, 200) for s in card.cited
    ]
    if card.no_source:
        lines.append(
            "⚠️ No source found: this draft answers nothing from your docs; check it first."
        )
    lines += [f"⚠️ {flag}" for flag in card.source_flags]
    return "\n".join(lines)


def card_embed(card: DraftCard) -> discord.Embed:
    title = "Check-in" if card.kind is DraftKind.CHECKIN else "Reply"
    embed = discord.Embed(
        title=f"{title} to {_cut(card.customer_name, 200)}",
        description=_cut(_body(card), DESCRIPTION_LIMIT),
        colour=_COLOURS.get(card.status, discord.Colour.default()),
    )
    if card.kind is DraftKind.CHECKIN:
        embed.add_field(
            name="Why now", value=_cut(card.reason or "a check-in", FIELD_LIMIT), inline=False
        )
    else:
        said = preview(card.inbound_text, 700) or "(no text)"
        link = f"\n[Jump to message]({card.permalink})" if card.permalink else ""
        embed.add_field(name="Their message", value=_cut(said + link, FIELD_LIMIT), inline=False)
    embed.add_field(name="Remembered", value=_recalled(card.recalled), inline=False)
    embed.add_field(name="Status", value=_cut(status_line(card), FIELD_LIMIT), inline=False)
    sources = _sources(card)
    if sources:
        embed.add_field(name="Sources", value=_cut(sources, FIELD_LIMIT), inline=False)
    footer = f"draft #{card.draft_id}"
    if card.model:
        footer += f" · {card.model}"
    embed.set_footer(text=footer)
    return embed
