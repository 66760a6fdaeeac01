"""The Bolt app: Slack requests in, each acknowledged at once, our message path after.

Three kinds of request arrive, over HTTP or Socket Mode alike:

* ``message`` events: a customer's (or a rep's) message, stored before the
  acknowledgement (``process_before_response``), so Slack only hears "got it"
  for a message that is safe in the database; drafting runs in the background.
* button clicks on a review card: acknowledged first, then the rep is checked
  and the decision applied in the background (the Edit button opens its modal
  straight away, while Slack's trigger id is still valid).
* the Edit modal's submission: checked, acknowledged, then sent.

Bolt's own middleware verifies signatures and drops the bot's own messages. A
listener that fails is logged by ids and sizes (:mod:`handlers.slack.logs`), and
Slack gets a 500, so it delivers the request again later.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError

from bot.safety import is_blank
from handlers.slack.cards import (
    ACTION_IDS,
    ACTIONS_BY_ID,
    EDIT_BLOCK,
    EDIT_INPUT,
    EDIT_VIEW,
    edit_modal,
)
from handlers.slack.config import PLATFORM
from handlers.slack.context import SlackContext
from handlers.slack.events import profile_name, skip_reason, to_inbound
from handlers.slack.logs import bolt_logger, error_fields, request_fields
from memory.domain import DECIDABLE_STATUSES, Action, Actor, AuthorRole, Decision, DraftStatus

log = structlog.get_logger(__name__)

NOT_A_REP = (
    "Only reps can approve drafts. Ask whoever runs Rapport to add your member ID ({user}) "
    "to RAPPORT_SLACK_REPS."
)
ANY_EVENT = re.compile(r".*")


def build_app(ctx: SlackContext) -> AsyncApp:
    app = AsyncApp(
        client=ctx.client,
        # Socket Mode requests are not signed; Bolt skips the check for them.
        signing_secret=ctx.config.signing_secret or "",
        process_before_response=True,
        name="rapport",
        logger=bolt_logger(),
    )
    handlers = SlackListeners(ctx)
    app.error(handlers.on_error)
    app.event("message")(handlers.on_message)
    app.event(ANY_EVENT)(handlers.on_other_event)
    for action in (Action.APPROVE, Action.REJECT, Action.REGENERATE):
        app.action(ACTION_IDS[action])(handlers.on_decision)
    app.action(ACTION_IDS[Action.EDIT])(handlers.on_edit)
    app.view(EDIT_VIEW)(handlers.on_edit_submit)
    return app


def _draft_id(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


class SlackListeners:
    def __init__(self, ctx: SlackContext) -> None:
        self.ctx = ctx

    # -- messages ----------------------------------------------------------------

    async def on_message(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        reason = skip_reason(event, self.ctx.config)
        if reason is not None:
            log.debug("slack_message_skipped", reason=reason, channel=event.get("channel"))
            return
        user = event["user"]
        role = AuthorRole.REP if await self.ctx.reps.is_rep(user) else AuthorRole.CUSTOMER
        msg, target = to_inbound(
            event,
            workspace=str(body.get("team_id") or context.team_id or event.get("team") or ""),
            display_name=await self.ctx.names.name(user, profile_name(event)),
            role=role,
            workspace_url=self.ctx.workspace_url,
            names=self.ctx.names.known,
        )
        # Only stores and queues: Slack's acknowledgement waits for this, nothing slower.
        await self.ctx.engine.receive(msg, target)

    async def on_other_event(self) -> None:
        """Events the manifest did not ask for: acknowledged so Slack does not retry them."""

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        """A listener or middleware failed; Bolt answers 500 and Slack will try again.

        Bolt's own report would quote the exception, and a database error quotes
        the values it was given: the customer's words and name among them.
        """
        log.error("slack_listener_failed", **request_fields(body), **error_fields(error))

    # -- buttons -----------------------------------------------------------------

    async def on_decision(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        draft_id = _draft_id(action.get("value"))
        decided = ACTIONS_BY_ID.get(str(action.get("action_id")))
        if draft_id is None or decided is None:
            return
        user, channel = body["user"]["id"], _channel(body, self.ctx)

        async def decide(actor: Actor) -> None:
            await self._decide(Decision(draft_id, decided, actor), channel)

        self.ctx.background.spawn(self._as_rep(user, channel, decide), name=f"slack-{decided}")

    async def on_edit(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        draft_id = _draft_id(action.get("value"))
        if draft_id is None:
            return
        user, channel = body["user"]["id"], _channel(body, self.ctx)

        async def open_editor(_actor: Actor) -> None:
            await self._open_editor(draft_id, body["trigger_id"], user, channel)

        self.ctx.background.spawn(self._as_rep(user, channel, open_editor), name="slack-edit")

    async def _as_rep(
        self, user: str, channel: str, work: Callable[[Actor], Awaitable[None]]
    ) -> None:
        """Run a click's work for a rep; anyone else is told so, only them, and nothing changes.

        After the acknowledgement: a user-group lookup must not delay Slack's 3 s.
        """
        if not await self.ctx.reps.is_rep(user):
            await self._tell(channel, user, NOT_A_REP.format(user=user))
            return
        await work(await self._actor(user))

    async def _open_editor(self, draft_id: int, trigger_id: str, user: str, channel: str) -> None:
        # Slack's trigger id expires 3 s after the click: nothing slow before views.open.
        card = await self.ctx.engine.card(draft_id)
        if card is None or card.status not in DECIDABLE_STATUSES:
            status = card.status.value if card else "gone"
            await self._tell(channel, user, f"This draft can no longer be edited: it is {status}.")
            return
        await self.ctx.client.views_open(trigger_id=trigger_id, view=edit_modal(card))

    async def on_edit_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        user = body["user"]["id"]
        draft_id = _draft_id(view.get("private_metadata"))
        field = view.get("state", {}).get("values", {}).get(EDIT_BLOCK, {}).get(EDIT_INPUT, {})
        text = str(field.get("value") or "")
        if not await self.ctx.reps.is_rep(user):
            await ack(response_action="errors", errors={EDIT_BLOCK: NOT_A_REP.format(user=user)})
            return
        if draft_id is None or is_blank(text):
            await ack(response_action="errors", errors={EDIT_BLOCK: "Write the reply to send."})
            return
        await ack()
        channel = self.ctx.config.review_channel
        self.ctx.background.spawn(self._edit(draft_id, text, user, channel), name="slack-edit-send")

    async def _edit(self, draft_id: int, text: str, user: str, channel: str) -> None:
        await self._decide(Decision(draft_id, Action.EDIT, await self._actor(user), text), channel)

    # -- shared ------------------------------------------------------------------

    async def _decide(self, decision: Decision, channel: str) -> None:
        outcome = await self.ctx.engine.decide(decision)
        user = decision.actor.user_id
        if outcome.status is DraftStatus.FAILED and outcome.message.startswith("delivery"):
            await self._tell(
                channel, user, f"The reply was not sent: {outcome.message}. Approve to try again."
            )
        elif not outcome.applied:
            await self._tell(channel, user, f"Nothing changed: {outcome.message}.")

    async def _actor(self, user: str) -> Actor:
        return Actor(PLATFORM, user, await self.ctx.names.name(user))

    async def _tell(self, channel: str, user: str, text: str) -> None:
        """A note only this rep sees; losing it must not fail the decision."""
        try:
            await self.ctx.client.chat_postEphemeral(channel=channel, user=user, text=text)
        except (SlackApiError, OSError, TimeoutError) as exc:
            log.warning("slack_ephemeral_failed", user=user, channel=channel, error=str(exc))


def _channel(body: dict[str, Any], ctx: SlackContext) -> str:
    return str((body.get("channel") or {}).get("id") or ctx.config.review_channel)
