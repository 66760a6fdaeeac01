"""Delivery to Slack: the approved text in the customer's thread, or their DM."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import DeliveryError
from handlers.slack.cards import escape
from handlers.slack.config import PLATFORM
from memory.domain import ReplyTarget

_REASONS = {
    "not_in_channel": "the bot is not in channel {channel}: type /invite @Rapport there",
    "channel_not_found": "channel {channel} no longer exists or the bot cannot see it",
    "is_archived": "channel {channel} is archived",
    "msg_too_long": "the reply is too long for Slack; edit it shorter",
    "ratelimited": "Slack is rate-limiting the bot; approve again in a minute",
    "invalid_auth": "Slack rejected SLACK_BOT_TOKEN; reinstall the app and set the new token",
    "token_revoked": "the bot's token was revoked; reinstall the app and set the new token",
    "account_inactive": "the bot's token was revoked; reinstall the app and set the new token",
    "missing_scope": "the app lacks a scope it needs (chat:write); reinstall it from the manifest",
    "cannot_dm_bot": "the customer is a bot; Slack does not allow the DM",
}


def delivery_reason(error: str, target: ReplyTarget) -> str:
    template = _REASONS.get(error, "Slack refused the reply in channel {channel}: " + error)
    return template.format(channel=target.channel)


class SlackSender:
    name = PLATFORM

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send_reply(self, target: ReplyTarget, text: str) -> str | None:
        try:
            response = await self.client.chat_postMessage(
                channel=target.channel,
                # The conversation's thread; None in a plain DM, which is its own thread.
                thread_ts=target.thread,
                # Escaped, unparsed, no name linking: whatever the text says, it is
                # shown as written and can never become @channel or a group ping.
                text=escape(text),
                parse="none",
                link_names=False,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise DeliveryError(delivery_reason(str(exc.response.get("error")), target)) from exc
        except (OSError, TimeoutError) as exc:
            raise DeliveryError(f"could not reach Slack: {exc or type(exc).__name__}") from exc
        ts = response.get("ts")
        return str(ts) if ts else None
