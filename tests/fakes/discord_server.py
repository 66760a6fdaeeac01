"""A fake Discord on 127.0.0.1: REST v10 and a gateway speaking the real payloads.

The real discord.py client connects to it. Tests build a small world (one
guild with a support channel, a thread and the review channel; a rep role;
customers), push gateway events as users would cause them, and assert on the
REST calls the bot made — the same calls Discord would receive.

Only what Rapport uses is implemented; an unknown route answers 404 and is
recorded, so a test sees what the bot tried.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1420070400000
API = "/api/v10"

# Gateway opcodes
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0,
    1,
    2,
    6,
    7,
    9,
    10,
    11,
)

# Interaction types
APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT = 2, 3, 5


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str
    body: Any
    query: dict[str, str]
    at: float = field(default_factory=time.perf_counter)
    response: Any = None


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py decodes a body only when Content-Type is exactly application/json.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class FakeDiscord:
    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self.calls: list[Call] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.interactions: dict[str, float] = {}  # interaction id → when it was dispatched
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._events: list[dict[str, Any]] = []  # every dispatch, for RESUME replay
        self._changed = asyncio.Condition()
        self.identifies = 0
        self.resumes = 0
        self.session_id = "session-1"
        self.app_id = self.snowflake()
        self.bot = self.user("Rapport", bot=True, user_id=self.app_id)
        self.guild_id = self.snowflake()
        self.rep_role_id = self.snowflake()
        self.support_channel_id = self.snowflake()
        self.review_channel_id = self.snowflake()
        self.thread_id = self.snowflake()
        self.members: dict[str, list[str]] = {self.bot["id"]: []}
        self.dm_channels: dict[str, str] = {}  # user id → DM channel id
        self._background: set[asyncio.Task[Any]] = set()

    # -- world ---------------------------------------------------------------------

    def snowflake(self) -> str:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (next(self._counter) & 0x3FFFFF))

    def user(self, name: str, *, bot: bool = False, user_id: str | None = None) -> dict[str, Any]:
        return {
            "id": user_id or self.snowflake(),
            "username": name.lower().replace(" ", "_"),
            "global_name": name,
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
        }

    def member(self, name: str, *, rep: bool = False) -> dict[str, Any]:
        """A guild member; ``rep=True`` gives them the rep role."""
        user = self.user(name)
        self.members[user["id"]] = [self.rep_role_id] if rep else []
        return user

    def _member_payload(self, user: dict[str, Any]) -> dict[str, Any]:
        return {
            "user": user,
            "roles": self.members.get(user["id"], []),
            "joined_at": _now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "permissions": "2147483647" if self.members.get(user["id"]) else "1024",
        }

    def _channel(self, channel_id: str, name: str, position: int) -> dict[str, Any]:
        return {
            "id": channel_id,
            "type": 0,
            "guild_id": self.guild_id,
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _thread(self) -> dict[str, Any]:
        return {
            "id": self.thread_id,
            "type": 11,
            "guild_id": self.guild_id,
            "parent_id": self.support_channel_id,
            "owner_id": self.bot["id"],
            "name": "order help",
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": _now_iso(),
                "locked": False,
            },
        }

    def guild_payload(self) -> dict[str, Any]:
        everyone = {
            "id": self.guild_id,
            "name": "@everyone",
            "permissions": "1024",
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        reps = dict(everyone, id=self.rep_role_id, name="reps", position=1)
        return {
            "id": self.guild_id,
            "name": "Acme Community",
            "icon": None,
            "owner_id": self.snowflake(),
            "unavailable": False,
            "large": False,
            "member_count": len(self.members),
            "roles": [everyone, reps],
            "channels": [
                self._channel(self.support_channel_id, "support", 0),
                self._channel(self.review_channel_id, "rapport-review", 1),
            ],
            "threads": [self._thread()],
            "members": [self._member_payload(self.bot)],
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": _now_iso(),
            "mfa_level": 0,
            "verification_level": 0,
            "explicit_content_filter": 0,
            "default_message_notifications": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "nsfw_level": 0,
        }

    # -- server lifecycle ------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.api_url

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- REST ------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        call = Call(request.method, path, body, dict(request.query))
        self.calls.append(call)
        try:
            result = self._route(request.method, path.split("/")[1:], body)
            call.response = result
        finally:
            await self._notify()
        if result is None:
            return _json({"message": "404: Not Found", "code": 0}, status=404)
        if result == 204:
            return web.Response(status=204)
        return _json(result)

    def _route(self, method: str, parts: list[str], body: Any) -> Any:
        match method, parts:
            case "GET", ["gateway", "bot"]:
                return {
                    "url": f"ws://127.0.0.1:{self.port}/gateway",
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            case "GET", ["users", "@me"]:
                return self.bot
            case "GET", ["oauth2", "applications", "@me"]:
                return {
                    "id": self.app_id,
                    "name": "Rapport",
                    "icon": None,
                    "description": "",
                    "bot_public": False,
                    "bot_require_code_grant": False,
                    "owner": self.user("Owner"),
                    "verify_key": "0" * 64,
                    "flags": 1 << 19,  # message content intent (limited)
                    "interactions_endpoint_url": None,
                }
            case "PUT", ["applications", _app, "commands"]:
                return [
                    dict(command, id=self.snowflake(), application_id=self.app_id, version="1")
                    for command in body
                ]
            case "POST", ["channels", channel_id, "messages"]:
                return self._post_message(channel_id, body)
            case "PATCH", ["channels", channel_id, "messages", message_id]:
                return self._edit_message(message_id, body)
            case "DELETE", ["channels", _channel, "messages", message_id]:
                self.messages.pop(message_id, None)
                return 204
            case "POST", ["users", "@me", "channels"]:
                return self._dm_channel(body["recipient_id"])
            case "POST", ["interactions", interaction_id, _token, "callback"]:
                return self._callback(interaction_id, body)
            case "PATCH", ["webhooks", _app, _token, "messages", "@original"]:
                return self._message(None, self.bot, body or {}, ephemeral=True)
            case "POST", ["webhooks", _app, _token]:
                return self._message(None, self.bot, body or {}, ephemeral=True)
        return None

    def _message(
        self,
        channel_id: str | None,
        author: dict[str, Any],
        body: dict[str, Any],
        *,
        ephemeral: bool = False,
    ) -> dict[str, Any]:
        message_id = self.snowflake()
        payload = {
            "id": message_id,
            "channel_id": channel_id or self.review_channel_id,
            "author": author,
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 19 if body.get("message_reference") else 0,
            "flags": 64 if ephemeral else 0,
        }
        if body.get("message_reference"):
            payload["message_reference"] = body["message_reference"]
        return payload

    def _post_message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        message = self._message(channel_id, self.bot, body)
        if channel_id not in self.dm_channels.values():
            message["guild_id"] = self.guild_id
        self.messages[message["id"]] = message
        # Discord echoes the bot's own messages on the gateway; the bot must ignore them.
        self._later(self.dispatch("MESSAGE_CREATE", message))
        return message

    def _edit_message(self, message_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
        message = self.messages.get(message_id)
        if message is None:
            return None
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key]
        message["edited_timestamp"] = _now_iso()
        self._later(self.dispatch("MESSAGE_UPDATE", message))
        return message

    def _dm_channel(self, user_id: str) -> dict[str, Any]:
        channel_id = self.dm_channels.setdefault(user_id, self.snowflake())
        return {"id": channel_id, "type": 1, "recipients": [{"id": user_id}]}

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind = body["type"]
        data = body.get("data") or {}
        ephemeral = bool(data.get("flags", 0) & 64)
        result: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": MESSAGE_COMPONENT,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": ephemeral,
            }
        }
        if kind == 4:  # a message in answer
            message = self._message(None, self.bot, data, ephemeral=ephemeral)
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"] = {"type": kind, "message": message}
        return result

    def _later(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- gateway ---------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": HELLO, "d": {"heartbeat_interval": 41250}})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                break
            packet = json.loads(msg.data)
            op = packet["op"]
            if op == HEARTBEAT:
                await ws.send_json({"op": HEARTBEAT_ACK})
            elif op == IDENTIFY:
                self.identifies += 1
                self.identify = packet["d"]
                self._ws = ws
                self.session_id = f"session-{self.identifies}"
                await self._send_ready(ws)
            elif op == RESUME:
                self.resumes += 1
                self._ws = ws
                missed = [e for e in self._events if e["s"] > (packet["d"]["seq"] or 0)]
                for event in missed:
                    await ws.send_json(event)
                await self._emit(ws, "RESUMED", {})
                await self._notify()
        return ws

    async def _send_ready(self, ws: web.WebSocketResponse) -> None:
        await self._emit(
            ws,
            "READY",
            {
                "v": 10,
                "user": self.bot,
                "guilds": [{"id": self.guild_id, "unavailable": True}],
                "session_id": self.session_id,
                "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                "application": {"id": self.app_id, "flags": 1 << 19},
                "private_channels": [],
                "relationships": [],
            },
        )
        await self._emit(ws, "GUILD_CREATE", self.guild_payload())
        await self._notify()

    async def _emit(self, ws: web.WebSocketResponse, event: str, data: Any) -> int:
        self._seq += 1
        packet = {"op": DISPATCH, "t": event, "s": self._seq, "d": data}
        self._events.append(packet)
        if not ws.closed:
            await ws.send_json(packet)
        return self._seq

    async def dispatch(self, event: str, data: Any) -> int:
        """Send one gateway event to the connected bot (kept for RESUME replay)."""
        if self._ws is None:
            raise RuntimeError("no bot is connected to the fake gateway")
        return await self._emit(self._ws, event, data)

    async def reconnect(self) -> None:
        """Discord's op 7: the bot must reconnect and RESUME."""
        assert self._ws is not None
        await self._ws.send_json({"op": RECONNECT, "d": None})

    async def drop(self, code: int = 4000) -> None:
        """Close the socket from Discord's side, as a gateway restart does."""
        assert self._ws is not None
        await self._ws.close(code=code)

    # -- what users do ---------------------------------------------------------------

    async def say(
        self,
        author: dict[str, Any],
        content: str,
        *,
        channel_id: str | None = None,
        dm: bool = False,
        message_type: int = 0,
        mentions: Sequence[dict[str, Any]] = (),
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``author`` posts ``content`` (in the support channel unless told otherwise).

        ``mentions`` are users the message @-mentions; ``reply_to`` is a message
        it answers with Discord's Reply.
        """
        message = self._message(channel_id or self.support_channel_id, author, {"content": content})
        message["type"] = 19 if reply_to else message_type
        message["mentions"] = [dict(user) for user in mentions]
        if reply_to:
            message["message_reference"] = {
                "message_id": reply_to["id"],
                "channel_id": reply_to["channel_id"],
                "guild_id": self.guild_id,
            }
            message["referenced_message"] = reply_to
        if dm:
            message["channel_id"] = self.dm_channels.setdefault(author["id"], self.snowflake())
        else:
            message["guild_id"] = self.guild_id
            member = self._member_payload(author)
            member.pop("user")
            message["member"] = member
        self.messages[message["id"]] = message
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    def _interaction(self, kind: int, user: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        interaction_id = self.snowflake()
        self.interactions[interaction_id] = time.perf_counter()
        return {
            "id": interaction_id,
            "application_id": self.app_id,
            "type": kind,
            "data": data,
            "guild_id": self.guild_id,
            "channel_id": self.review_channel_id,
            "channel": self._channel(self.review_channel_id, "rapport-review", 1),
            "member": self._member_payload(user),
            "token": f"token-{interaction_id}",
            "version": 1,
            "app_permissions": "2147483647",
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
            "attachment_size_limit": 10485760,
        }

    async def click(self, user: dict[str, Any], message_id: str, custom_id: str) -> str:
        """``user`` presses the button ``custom_id`` on message ``message_id``."""
        payload = self._interaction(
            MESSAGE_COMPONENT, user, {"custom_id": custom_id, "component_type": 2}
        )
        payload["message"] = self.messages[message_id]
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def submit_modal(self, user: dict[str, Any], modal: dict[str, Any], **values: str) -> str:
        """Submit a modal the bot opened (the ``data`` of its type-9 callback)."""
        rows = [
            {
                "type": 1,
                "components": [
                    {"type": 4, "custom_id": c["custom_id"], "value": values[c["custom_id"]]}
                    for c in row["components"]
                ],
            }
            for row in modal["components"]
        ]
        payload = self._interaction(
            MODAL_SUBMIT, user, {"custom_id": modal["custom_id"], "components": rows}
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    async def slash(self, user: dict[str, Any], subcommand: str, target: dict[str, Any]) -> str:
        """``user`` runs ``/rapport <subcommand> user:<target>``."""
        data = {
            "id": self.snowflake(),
            "name": "rapport",
            "type": 1,
            "options": [
                {
                    "type": 1,
                    "name": subcommand,
                    "options": [{"type": 6, "name": "user", "value": target["id"]}],
                }
            ],
            "resolved": {"users": {target["id"]: target}},
        }
        payload = self._interaction(APPLICATION_COMMAND, user, data)
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["id"])

    # -- waiting and asserting ------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], seconds: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked after every request)."""

        async def check() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    # Woken by every request; the short timeout also catches changes
                    # made elsewhere (the database, the client's cache).
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.02)
                return result

        return await asyncio.wait_for(check(), seconds)

    def find(self, method: str, path_prefix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(path_prefix)]

    def callbacks(self, interaction_id: str) -> list[Call]:
        return self.find("POST", f"/interactions/{interaction_id}/")

    def cards(self) -> list[Call]:
        """Messages the bot posted in the review channel."""
        return self.find("POST", f"/channels/{self.review_channel_id}/messages")

    def replies(self, channel_id: str | None = None) -> list[Call]:
        """Messages the bot posted anywhere except the review channel."""
        return [
            c
            for c in self.find("POST", "/channels/")
            if c.path.endswith("/messages")
            and not c.path.startswith(f"/channels/{self.review_channel_id}/")
            and (channel_id is None or c.path == f"/channels/{channel_id}/messages")
        ]
