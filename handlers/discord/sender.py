"""Delivery to Discord: the approved text as a reply to the customer's message."""

from __future__ import annotations

import discord

from bot.delivery import DeliveryError
from handlers.discord.config import PLATFORM
from memory.domain import ReplyTarget

MESSAGE_LIMIT = 2000

# Whatever the customer or the model wrote: no @everyone/@here, no role pings, no
# user pings from the text; the customer is notified through the reply itself.
REPLY_MENTIONS = discord.AllowedMentions(
    everyone=False, roles=False, users=False, replied_user=True
)


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut at paragraph, line or word boundaries so each piece fits one Discord message."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _reason(exc: discord.HTTPException, target: ReplyTarget) -> str:
    where = "the customer's DM" if target.is_direct else f"channel {target.channel}"
    if isinstance(exc, discord.Forbidden):
        if target.is_direct:
            return "Discord refused the DM: the customer may have closed DMs or left the server"
        return (
            f"Discord refused to post in {where}: give the bot View Channel, Send Messages "
            "(and Send Messages in Threads) there"
        )
    if isinstance(exc, discord.NotFound):
        return f"{where} no longer exists or the bot can no longer see it"
    return f"Discord returned {exc.status} for {where}: {exc.text or exc}"


class DiscordSender:
    name = PLATFORM

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def send_reply(self, target: ReplyTarget, text: str) -> str | None:
        if self.client.is_closed() or self.client.user is None:
            raise DeliveryError("the Discord connection is not running; try again when it is")
        channel = self.client.get_partial_messageable(
            int(target.channel),
            type=discord.ChannelType.private if target.is_direct else None,
        )
        reference: discord.MessageReference | None = None
        if target.reply_to:
            # If the customer deleted their message, post without the reply link.
            reference = discord.MessageReference(
                message_id=int(target.reply_to), channel_id=channel.id, fail_if_not_exists=False
            )
        first: discord.Message | None = None
        pieces = split_message(text)
        try:
            for piece in pieces:
                if first is None and reference is not None:
                    sent = await channel.send(
                        piece, reference=reference, allowed_mentions=REPLY_MENTIONS
                    )
                else:
                    sent = await channel.send(piece, allowed_mentions=REPLY_MENTIONS)
                first = first or sent
        except discord.HTTPException as exc:
            partly = " (the first part was already sent)" if first is not None else ""
            raise DeliveryError(_reason(exc, target) + partly) from exc
        except (OSError, TimeoutError) as exc:
            raise DeliveryError(f"could not reach Discord: {exc}") from exc
        return str(first.id) if first else None
