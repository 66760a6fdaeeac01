"""Discord messages in, :class:`~memory.domain.InboundMessage` out.

Conversation mapping (one rule, so a rep answering lands in the customer's
conversation): a conversation is the Discord channel the message was posted
in — a text channel, a thread (threads are channels with their own id) or a
DM channel. So ``channel`` is that channel's id and ``thread`` is always
``None``; ``workspace`` is the guild id, or ``"dm"`` for direct messages. A
rep writing in the same channel or thread therefore has the same
``conversation_key`` as the customer. Which customer a rep's message answers
(and whose open drafts it supersedes) is decided by the store from the message
it replies to, the users it mentions, and whether the channel is a thread.
"""

from __future__ import annotations

import discord
import structlog

from handlers.discord.config import DM_WORKSPACE, PLATFORM, DiscordConfig
from handlers.discord.context import DiscordContext
from memory.domain import AuthorRole, InboundMessage, ReplyTarget

log = structlog.get_logger(__name__)

# Ordinary messages; everything else (joins, pins, boosts, thread created…) is a system message.
_CHAT_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def ignore_reason(
    message: discord.Message, me: discord.ClientUser | None, config: DiscordConfig
) -> str | None:
    """Why Rapport stays out of this message, or ``None`` if it concerns us."""
    if me is not None and message.author.id == me.id:
        return "own message"
    if message.author.bot or message.webhook_id is not None:
        return "bot or webhook"
    if message.type not in _CHAT_TYPES:
        return "system message"
    if not config.serves(message.channel):
        return "not a customer channel"
    return None


def message_text(message: discord.Message) -> str:
    """Readable text: mentions as names, attachments named so a rep knows they exist."""
    parts = [message.clean_content]
    parts += [f"[attachment: {a.filename}]" for a in message.attachments]
    return "\n".join(p for p in parts if p)


def to_inbound(
    message: discord.Message, config: DiscordConfig
) -> tuple[InboundMessage, ReplyTarget]:
    is_direct = isinstance(message.channel, discord.DMChannel) or message.guild is None
    workspace = DM_WORKSPACE if is_direct or message.guild is None else str(message.guild.id)
    role = AuthorRole.REP if config.is_rep(message.author) else AuthorRole.CUSTOMER
    reference = message.reference
    replied = (
        str(reference.message_id)
        if reference is not None
        and reference.message_id is not None
        and reference.channel_id == message.channel.id
        else None
    )
    inbound = InboundMessage(
        platform=PLATFORM,
        workspace=workspace,
        channel=str(message.channel.id),
        thread=None,
        user_id=str(message.author.id),
        display_name=message.author.display_name,
        text=message_text(message),
        sent_at=message.created_at,
        message_id=str(message.id),
        author_role=role,
        is_direct=is_direct,
        permalink=message.jump_url,
        reply_to=replied,
        mentions=tuple(dict.fromkeys(str(user.id) for user in message.mentions)),
        in_thread_channel=isinstance(message.channel, discord.Thread),
    )
    target = ReplyTarget(
        platform=PLATFORM,
        workspace=workspace,
        channel=str(message.channel.id),
        thread=None,
        reply_to=str(message.id),
        is_direct=is_direct,
    )
    return inbound, target


async def handle_message(
    context: DiscordContext, message: discord.Message, me: discord.ClientUser | None
) -> None:
    """The adapter's one inbound path: filter, translate, hand to the engine."""
    reason = ignore_reason(message, me, context.config)
    if reason is not None:
        return
    inbound, target = to_inbound(message, context.config)
    # receive() returns once the message is stored; drafting runs in the background,
    # and a redelivered MESSAGE_CREATE is recognised by its id and changes nothing.
    result = await context.track(context.engine.receive(inbound, target))
    log.debug("discord_message", message_id=message.id, result=type(result).__name__)
