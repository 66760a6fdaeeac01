"""The card's buttons and the Edit modal.

The buttons are :class:`discord.ui.DynamicItem` s: the action and the draft id
live in the ``custom_id``, so a click on a card posted before a restart is
understood by a fresh process. Authorisation happens in one hook,
:meth:`ReviewButton.interaction_check`, before any callback runs.
"""

from __future__ import annotations

import re
from typing import Any

import discord
import structlog

from handlers.discord.config import PLATFORM
from handlers.discord.context import context_of
from memory.domain import (
    ACTION_LABELS,
    DECIDABLE_STATUSES,
    Action,
    Actor,
    Decision,
    DraftCard,
    DraftStatus,
)

log = structlog.get_logger(__name__)

CUSTOM_ID = "rapport:{action}:{draft}"
TEMPLATE = r"rapport:(?P<action>approve|edit|reject|regenerate):(?P<draft>\d+)"
MODAL_ID = "rapport:edit-modal:{draft}"
REPLY_INPUT_LIMIT = 2000  # one Discord message

REFUSAL = "Only Rapport reps can decide on drafts. Ask an admin to add you to the rep role."

_STYLES = {
    Action.APPROVE: discord.ButtonStyle.success,
    Action.EDIT: discord.ButtonStyle.primary,
    Action.REJECT: discord.ButtonStyle.danger,
    Action.REGENERATE: discord.ButtonStyle.secondary,
}


def actor_of(user: discord.User | discord.Member) -> Actor:
    return Actor(PLATFORM, str(user.id), user.display_name)


async def refuse_non_rep(interaction: discord.Interaction[Any]) -> bool:
    """True for a rep; anyone else gets an ephemeral refusal and nothing changes."""
    if context_of(interaction.client).config.is_rep(interaction.user):
        return True
    log.info("discord_refused", user_id=interaction.user.id)
    await interaction.response.send_message(REFUSAL, ephemeral=True)
    return False


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """Approve / Edit / Reject / Regenerate for one draft."""

    def __init__(self, action: Action, draft_id: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=ACTION_LABELS[action],
                style=_STYLES[action],
                custom_id=CUSTOM_ID.format(action=action.value, draft=draft_id),
                disabled=disabled,
            )
        )
        self.action = action
        self.draft_id = draft_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReviewButton:
        return cls(Action(match["action"]), int(match["draft"]))

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await refuse_non_rep(interaction)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.action is Action.EDIT:
            await open_edit_modal(interaction, self.draft_id)
            return
        # Acknowledge first: Discord gives 3 seconds, delivery may take longer.
        await interaction.response.defer()
        decision = Decision(self.draft_id, self.action, actor_of(interaction.user))
        await decide(interaction, decision)


async def decide(interaction: discord.Interaction[Any], decision: Decision) -> None:
    """Hand a decision to the engine; the card updates itself through the review surface."""
    context = context_of(interaction.client)
    outcome = await context.track(context.engine.decide(decision))
    if not outcome.applied or outcome.status is DraftStatus.FAILED:
        await interaction.followup.send(
            f"Draft #{decision.draft_id}: {outcome.message}", ephemeral=True
        )


async def open_edit_modal(interaction: discord.Interaction[Any], draft_id: int) -> None:
    draft = await context_of(interaction.client).store.drafts.get(draft_id)
    if draft is None or draft.status not in DECIDABLE_STATUSES:
        state = f"already {draft.status}" if draft else "gone"
        by = f" by {draft.decided_by}" if draft and draft.decided_by else ""
        await interaction.response.send_message(
            f"Draft #{draft_id} is {state}{by}; nothing to edit.", ephemeral=True
        )
        return
    await interaction.response.send_modal(EditModal(draft_id, draft.text or ""))


class EditModal(discord.ui.Modal):
    """The draft in a text box; submitting sends the edited text to the customer."""

    def __init__(self, draft_id: int, text: str) -> None:
        super().__init__(title=f"Edit draft #{draft_id}", custom_id=MODAL_ID.format(draft=draft_id))
        self.draft_id = draft_id
        self.reply: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label="Reply to the customer",
            style=discord.TextStyle.paragraph,
            default=text[:REPLY_INPUT_LIMIT] or None,
            max_length=REPLY_INPUT_LIMIT,
            custom_id="reply",
        )
        self.add_item(self.reply)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await refuse_non_rep(interaction)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        await interaction.response.defer()
        decision = Decision(
            self.draft_id, Action.EDIT, actor_of(interaction.user), text=self.reply.value
        )
        await decide(interaction, decision)


def review_view(card: DraftCard) -> discord.ui.View | None:
    """The card model's buttons while a rep can still decide; none once the draft is settled."""
    actions = card.actions()
    if not actions:
        return None
    view = discord.ui.View(timeout=None)
    for button in actions:
        view.add_item(ReviewButton(button.action, card.draft_id, disabled=not button.enabled))
    return view
