"""``SlackService``: the Slack adapter as one thing ``rapport run`` starts and stops."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.tasks import Background
from handlers.platform import settle
from handlers.slack.app import build_app
from handlers.slack.config import PLATFORM, SlackConfig
from handlers.slack.context import SlackContext
from handlers.slack.events import malformed_request
from handlers.slack.names import NameCache
from handlers.slack.reps import RepDirectory
from handlers.slack.sender import SlackSender
from handlers.slack.settings import SlackSettings
from handlers.slack.surface import SlackReviewSurface
from memory.domain import DraftCard, ReplyTarget

log = structlog.get_logger(__name__)

EVENTS_PATH = "/slack/events"
API_TIMEOUT = 15
STOP_GRACE = 10.0  # let a decision in flight finish its delivery before we go


def make_client(config: SlackConfig) -> AsyncWebClient:
    """The Web API client every part shares; HTTP 429 is retried after Retry-After."""
    return AsyncWebClient(
        token=config.bot_token,
        base_url=config.api_url,
        timeout=API_TIMEOUT,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


class SlackService:
    """Slack as a :class:`~handlers.platform.Platform`: one workspace, on the running loop.

    In HTTP mode :meth:`routers` serves ``POST /slack/events`` (events, button
    clicks and the Edit modal all arrive there); in Socket Mode :meth:`start`
    opens the WebSocket. :meth:`start` also checks the bot token (a bad one
    fails here, loudly) and posts the cards a crash left unposted.
    """

    name = PLATFORM

    def __init__(self, settings: SlackSettings, runtime: Runtime) -> None:
        self.config = SlackConfig.from_settings(settings)
        self.runtime = runtime
        self.client = make_client(self.config)
        self.surface = SlackReviewSurface(
            self.client, runtime.store, self.config.review_channel, runtime.engine.card
        )
        self.sender = SlackSender(self.client)
        self.context = SlackContext(
            config=self.config,
            client=self.client,
            engine=runtime.engine,
            names=NameCache(self.client),
            reps=RepDirectory(self.client, self.config.rep_users, self.config.rep_groups),
            background=Background(PLATFORM),
        )
        self.app = build_app(self.context)
        self.router: APIRouter | None = None if self.config.socket_mode else self._router()
        self._socket: AsyncSocketModeHandler | None = None

    def _router(self) -> APIRouter:
        handler = AsyncSlackRequestHandler(self.app)
        router = APIRouter()

        @router.post(EVENTS_PATH, include_in_schema=False)
        async def slack_events(request: Request) -> Response:
            problem = malformed_request(await request.body())
            if problem:
                log.warning("slack_request_malformed", problem=problem)
                return JSONResponse({"error": f"malformed Slack request: {problem}"}, 400)
            try:
                return await handler.handle(request)
            except (ValueError, TypeError, AttributeError, KeyError) as exc:
                # A body Bolt cannot parse: a 400, so nobody retries a poison request.
                log.warning("slack_request_malformed", error=type(exc).__name__)
                return JSONResponse({"error": "malformed Slack request"}, status_code=400)

        return router

    def routers(self) -> list[APIRouter]:
        """``POST /slack/events`` in HTTP mode; nothing in Socket Mode."""
        return [self.router] if self.router is not None else []

    async def publish(self, card: DraftCard) -> None:
        await self.surface.publish(card)

    async def send_reply(self, target: ReplyTarget, text: str) -> str | None:
        return await self.sender.send_reply(target, text)

    async def start(self) -> None:
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise RuntimeError(
                f"Slack rejected SLACK_BOT_TOKEN ({exc.response.get('error')}): copy the Bot "
                "User OAuth Token (xoxb-…) from OAuth & Permissions and set it again"
            ) from exc
        self.context.workspace_url = auth.get("url")
        log.info(
            "slack_connected",
            team=auth.get("team"),
            bot_user=auth.get("user_id"),
            mode="socket" if self.config.socket_mode else "http",
        )
        self.context.background.spawn(self._catch_up(), name="slack-catch-up")
        if self.config.socket_mode:
            await self._connect_socket()

    async def _catch_up(self) -> None:
        await self.surface.catch_up()

    async def _connect_socket(self) -> None:
        assert self.config.app_token is not None
        handler = AsyncSocketModeHandler(self.app, self.config.app_token)
        try:
            # Ask for the WebSocket URL ourselves: the SDK would retry a bad token forever.
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except SlackApiError as exc:
            await handler.close_async()  # type: ignore[no-untyped-call]  # unannotated in Bolt
            raise RuntimeError(
                f"Slack refused Socket Mode ({exc.response.get('error')}): check SLACK_APP_TOKEN "
                "(xapp-…, scope connections:write) and that Socket Mode is on in the app settings"
            ) from exc
        await handler.connect_async()  # type: ignore[no-untyped-call]  # unannotated in Bolt
        self._socket = handler

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]  # unannotated in Bolt
            self._socket = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.context.background.wait_idle(), STOP_GRACE)

    async def wait_idle(self) -> None:
        """Until every acknowledged request's work is done: decisions, drafts, cards."""
        await settle(self.context.background, self.runtime.engine)
