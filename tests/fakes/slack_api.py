"""A fake Slack on 127.0.0.1: the Web API methods Rapport calls, and a Socket Mode WebSocket.

It records every call (method, arguments, token) for assertions, keeps the
messages posted so ``chat.update`` can refuse an unknown ``ts`` the way Slack
does, and can be scripted to fail a method (an error, or HTTP 429 with
Retry-After). ``apps.connections.open`` hands out the WebSocket address;
``send_envelope`` pushes an event or interaction down it and returns the ack.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-test-token"
TEAM_ID = "T0ACME"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
WORKSPACE_URL = "https://acme.slack.com/"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)
    ok: bool = True  # False when the fake answered with an error


@dataclass
class Failure:
    error: str = "internal_error"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, list[str]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.failures: dict[str, deque[Failure]] = defaultdict(deque)
        self.acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.api_url = ""
        self.delay = 0.0  # seconds every Web API answer waits: a slow Slack
        self._ts = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._connected = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # -- scripting -----------------------------------------------------------------

    def add_user(self, user_id: str, name: str) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "profile": {"display_name": name, "real_name": name},
        }

    def fail(
        self,
        method: str,
        error: str = "internal_error",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self.failures[method].append(Failure(error, status, headers or {}))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """What ``chat.postMessage`` posted, in order (optionally in one channel)."""
        return [
            c.args
            for c in self.calls_to("chat.postMessage")
            if c.ok and (channel is None or c.args.get("channel") == channel)
        ]

    # -- Web API -------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else args.get("token")
        call = Call(method, args, token)
        self.calls.append(call)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures[method]:
            failure = self.failures[method].popleft()
            call.ok = False
            return web.json_response(
                {"ok": False, "error": failure.error},
                status=failure.status,
                headers=failure.headers,
            )
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        result: dict[str, Any] = handler(args)
        call.ok = bool(result.get("ok"))
        return web.json_response(result)

    def _next_ts(self) -> str:
        return f"{1_800_000_000 + next(self._ts)}.000100"

    def _auth_test(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": WORKSPACE_URL,
            "team": "Acme",
            "user": "rapport",
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        message = {
            "ts": ts,
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "thread_ts": args.get("thread_ts"),
        }
        self.messages[(args["channel"], ts)] = message
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args["channel"], args["ts"])
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key].update(text=args.get("text"), blocks=args.get("blocks"))
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    def _chat_postEphemeral(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return {"ok": True, "view": {"id": "V" + uuid.uuid4().hex[:8].upper(), **args["view"]}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        members = self.groups.get(args.get("usergroup", ""))
        if members is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": members}

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args["message_ts"]).replace(".", "")
        return {"ok": True, "permalink": f"{WORKSPACE_URL}archives/{args['channel']}/p{ts}"}

    def _apps_connections_open(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": self.api_url.replace("http://", "ws://").replace("/api/", "/socket"),
        }

    # -- Socket Mode -----------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fake"},
                "connection_info": {"app_id": "A1"},
            }
        )
        self._connected.set()
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                data = json.loads(msg.data)
                future = self.acks.get(data.get("envelope_id", ""))
                if future is not None and not future.done():
                    future.set_result(data)
        self._sockets.remove(ws)
        return ws

    async def wait_connected(self, within: float = 5.0) -> None:
        await asyncio.wait_for(self._connected.wait(), within)

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], within: float = 5.0
    ) -> dict[str, Any]:
        """Push ``events_api`` or ``interactive`` down the socket; return the app's ack."""
        envelope_id = str(uuid.uuid4())
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[envelope_id] = future
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return await asyncio.wait_for(future, within)

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.api_url = f"http://127.0.0.1:{port}/api/"
        return self.api_url

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()
