"""``/rapport customer`` and ``/rapport forget``: what reps can ask of Rapport in Discord.

Both answer ephemerally (only the rep sees them) and both pass the same rep
check as the card buttons.
"""

from __future__ import annotations

from typing import Any

import discord
import structlog
from discord import app_commands

from bot.safety import preview
from handlers.discord.config import DM_WORKSPACE, PLATFORM
from handlers.discord.context import DiscordContext, context_of
from handlers.discord.views import actor_of, refuse_non_rep
from handlers.forgetting import cards_left_note, forget_customer
from memory.card_refs import PostedCard
from memory.customers import CustomerNotFound
from memory.schema import Customer

log = structlog.get_logger(__name__)

HISTORY_SHOWN = 10
FACTS_SHOWN = 15
CONFIRM_SECONDS = 120


async def find_customers(
    context: DiscordContext, guild_id: int | None, user: discord.abc.User
) -> list[Customer]:
    """The customer records of one Discord user: in this server and in DMs with the bot."""
    workspaces = ([str(guild_id)] if guild_id else []) + [DM_WORKSPACE]
    found: dict[int, Customer] = {}
    for workspace in workspaces:
        customer = await context.directory.find_by_identity(PLATFORM, workspace, str(user.id))
        if customer is not None:
            found[customer.id] = customer
    return list(found.values())


async def describe(context: DiscordContext, customer: Customer) -> discord.Embed:
    facts = await context.store.facts.of(customer.id)
    history = await context.store.messages.history(customer.id, limit=HISTORY_SHOWN)
    embed = discord.Embed(title=f"{customer.display_name} (customer {customer.id})")
    fact_lines = [f"• {preview(f.statement, 150)}" for f in facts[:FACTS_SHOWN]]
    embed.add_field(
        name="Remembered facts", value="\n".join(fact_lines)[:1000] or "None yet.", inline=False
    )
    turns = [
        f"{discord.utils.format_dt(m.sent_at, 'd')} **{preview(m.author_name, 40)}**: "
        f"{preview(m.text, 120)}"
        for m in history
    ]
    embed.add_field(
        name=f"Last {len(turns)} messages", value="\n".join(turns)[:1000] or "None.", inline=False
    )
    if customer.last_seen_at:
        embed.set_footer(text=f"last seen {customer.last_seen_at:%Y-%m-%d %H:%M} UTC")
    return embed


class ForgetConfirm(discord.ui.View):
    """A short-lived confirmation: only the rep who asked can press it."""

    def __init__(self, requester_id: int, customers: list[Customer]) -> None:
        super().__init__(timeout=CONFIRM_SECONDS)
        self.requester_id = requester_id
        self.customers = customers

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.requester_id:
            return True
        await interaction.response.send_message(
            "Only the rep who asked can confirm this.", ephemeral=True
        )
        return False

    @discord.ui.button(label="Delete everything", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()
        context = context_of(interaction.client)
        actor = actor_of(interaction.user).label
        totals: dict[str, int] = {}
        left: list[PostedCard] = []
        for customer in self.customers:
            try:
                # Their cards, here and on Slack, become a notice with no buttons.
                forgotten = await context.track(forget_customer(context.engine, customer.id, actor))
            except CustomerNotFound:
                continue
            for key, value in forgotten.counts.items():
                totals[key] = totals.get(key, 0) + value
            left += forgotten.cards_left
        summary = ", ".join(f"{n} {key}" for key, n in totals.items() if n) or "nothing left"
        note = f"\n{cards_left_note(left)}" if left else ""
        self.stop()
        await interaction.edit_original_response(
            content=f"Forgotten: deleted {summary}.{note}", view=None
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(content="Nothing was deleted.", view=None)


class RapportCommands(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(name="rapport", description="What Rapport remembers about customers")

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await refuse_non_rep(interaction)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            return  # already refused, ephemerally
        log.error("discord_command_failed", command=interaction.command, error=repr(error))
        message = "Something went wrong; the error is in Rapport's log."
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)

    async def _customers_of(
        self, interaction: discord.Interaction[Any], user: discord.User
    ) -> tuple[Any, list[Any]]:
        """Defer at once (3-second rule), then find the user's customers; say so if none."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        context = context_of(interaction.client)
        customers = await find_customers(context, interaction.guild_id, user)
        if not customers:
            await interaction.followup.send(
                f"Rapport has nothing stored about {user.display_name}.", ephemeral=True
            )
        return context, customers

    @app_commands.command(description="Show what Rapport remembers about a customer")
    @app_commands.describe(user="The customer")
    async def customer(self, interaction: discord.Interaction[Any], user: discord.User) -> None:
        context, customers = await self._customers_of(interaction, user)
        if not customers:
            return
        embeds = [await describe(context, c) for c in customers]
        await interaction.followup.send(embeds=embeds, ephemeral=True)

    @app_commands.command(description="Delete everything Rapport stores about a customer")
    @app_commands.describe(user="The customer to forget")
    async def forget(self, interaction: discord.Interaction[Any], user: discord.User) -> None:
        _context, customers = await self._customers_of(interaction, user)
        if not customers:
            return
        names = ", ".join(f"{c.display_name} (customer {c.id})" for c in customers)
        await interaction.followup.send(
            f"Delete every message, fact and draft Rapport keeps about {names}? "
            "This cannot be undone.",
            view=ForgetConfirm(interaction.user.id, customers),
            ephemeral=True,
        )
