"""What Slack sends to an app: event and interaction payloads, and their signatures.

``SignedSlack`` posts them to ``/slack/events`` the way Slack does (signed with
the signing secret, JSON for events, ``payload=`` form for interactions).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.fakes.slack_api import TEAM_ID

SIGNING_SECRET = "test-signing-secret"
_ts = itertools.count(1)
_events = itertools.count(1)


def next_ts() -> str:
    return f"{1_700_000_000 + next(_ts)}.000200"


def message(
    text: str,
    *,
    user: str,
    channel: str,
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    name: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``message`` event as Slack sends it (with the author's profile when ``name`` is set)."""
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts or next_ts(),
        "channel": channel,
        "channel_type": channel_type,
        "team": TEAM_ID,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if name:
        event["user_profile"] = {"display_name": name, "real_name": name, "name": name.lower()}
    return event


def event_callback(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_events):08d}",
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}],
    }


def button(
    action_id: str, draft_id: int, *, user: str, channel: str, card_ts: str = "1.0"
) -> dict[str, Any]:
    """A click on a card's button (``block_actions``)."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A1",
        "token": "legacy-unused",
        "trigger_id": f"trigger-{next(_events)}",
        "container": {"type": "message", "message_ts": card_ts, "channel_id": channel},
        "channel": {"id": channel, "name": "review"},
        "message": {"ts": card_ts, "type": "message"},
        "response_url": "https://hooks.invalid/never-used",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": f"rapport_draft_{draft_id}",
                "value": str(draft_id),
                "action_ts": str(time.time()),
            }
        ],
    }


def edit_submission(draft_id: int, text: str, *, user: str) -> dict[str, Any]:
    """The Edit modal submitted (``view_submission``)."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A1",
        "token": "legacy-unused",
        "trigger_id": f"trigger-{next(_events)}",
        "view": {
            "id": "VEDIT",
            "type": "modal",
            "callback_id": "rapport_edit_view",
            "private_metadata": str(draft_id),
            "state": {"values": {"reply": {"text": {"type": "plain_text_input", "value": text}}}},
        },
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SignedSlack:
    """Posts to the app's events URL as Slack would."""

    def __init__(self, url: str, secret: str = SIGNING_SECRET) -> None:
        self.url = url
        self.secret = secret
        self.http = httpx.AsyncClient(timeout=10)

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(secret or self.secret, stamp, body),
            **(headers or {}),
        }
        return await self.http.post(self.url, content=body, headers=sent)

    async def event(
        self,
        event: dict[str, Any],
        *,
        retry: int | None = None,
        event_id: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        body = json.dumps(event_callback(event, event_id)).encode()
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else None
        )
        return await self.post(body, "application/json", headers=headers, **kwargs)

    async def interaction(self, payload: dict[str, Any], **kwargs: Any) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    async def close(self) -> None:
        await self.http.aclose()
