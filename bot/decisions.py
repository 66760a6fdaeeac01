"""Decisions and delivery: a rep's Approve, Edit, Reject or Regenerate, applied exactly once.

Every decision is a compare-and-set on the draft, so two reps clicking at once
(or one clicking twice) change it once; an approved reply is delivered by its
platform's sender and stored in the customer's history in one transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

from bot.cards import Cards
from bot.delivery import DeliveryError, ReplySender
from bot.safety import clean_reply
from bot.tasks import Background
from memory.domain import DECIDABLE_STATUSES, Action, Decision, DraftStatus
from memory.store import MemoryStore

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a decision did, in words a rep can be shown."""

    applied: bool
    status: DraftStatus
    message: str


class Decisions:
    def __init__(
        self,
        store: MemoryStore,
        cards: Cards,
        background: Background,
        *,
        bot_name: str,
        requeued: Callable[[], None],
        on_sent: Callable[[int], Awaitable[None]],
    ) -> None:
        self.store = store
        self.cards = cards
        self.background = background
        self.bot_name = bot_name
        self.requeued = requeued  # Regenerate: the draft waits for a worker again
        self.on_sent = on_sent  # once per delivered reply (check-ins listen)
        self.senders: dict[str, ReplySender] = {}

    def add_sender(self, sender: ReplySender) -> None:
        self.senders[sender.name] = sender

    async def decide(self, decision: Decision) -> Outcome:
        """Apply a rep's decision exactly once, whoever clicks and however often."""
        draft = await self.store.drafts.get(decision.draft_id)
        if draft is None:
            return Outcome(False, DraftStatus.FAILED, f"draft {decision.draft_id} does not exist")
        now = datetime.now(UTC)
        who: dict[str, Any] = {
            "decided_by": decision.actor.label,
            "decided_at": now,
            "decided_action": decision.action.value,
        }
        action = decision.action
        if action is Action.APPROVE:
            if not draft.text:
                return Outcome(
                    False,
                    DraftStatus(draft.status),
                    "there is no draft text to approve; edit or regenerate instead",
                )
            # From failed too: a draft whose delivery failed can be approved again.
            won = await self.store.drafts.approve(draft.id, DECIDABLE_STATUSES, **who)
        elif action is Action.EDIT:
            text = clean_reply(decision.text or "")
            if not text:
                return Outcome(False, DraftStatus(draft.status), "the edited reply is empty")
            won = await self.store.drafts.transition(
                draft.id, DECIDABLE_STATUSES, DraftStatus.SENDING, final_text=text, **who
            )
        elif action is Action.REJECT:
            won = await self.store.drafts.transition(
                draft.id, DECIDABLE_STATUSES, DraftStatus.REJECTED, **who
            )
        else:
            won = await self.store.drafts.transition(
                draft.id, DECIDABLE_STATUSES, DraftStatus.QUEUED, text=None, error=None, claims=0
            )
        if not won:
            current = await self.store.drafts.get(draft.id)
            status = DraftStatus(current.status) if current else DraftStatus.FAILED
            return Outcome(
                False,
                status,
                f"already {status.value}"
                + (f" by {current.decided_by}" if current and current.decided_by else ""),
            )
        await self.store.audit.record(
            decision.actor.label,
            f"draft.{action.value}",
            customer_id=draft.customer_id,
            draft_id=draft.id,
        )
        log.info(
            "draft_decided", draft_id=draft.id, action=action.value, actor=decision.actor.label
        )
        if action is Action.REGENERATE:
            await self.cards.publish(draft.id)
            self.requeued()
            return Outcome(True, DraftStatus.QUEUED, "regenerating")
        if action is Action.REJECT:
            await self.cards.publish(draft.id)
            return Outcome(True, DraftStatus.REJECTED, "rejected")
        return await self.deliver(draft.id)

    async def deliver(self, draft_id: int) -> Outcome:
        """Send a decided draft; on failure it becomes ``failed`` with the reason."""
        draft = await self.store.drafts.get(draft_id)
        if draft is None or draft.status != DraftStatus.SENDING or not draft.final_text:
            return Outcome(False, DraftStatus.FAILED, "nothing to send")
        target = draft.target
        sender = self.senders.get(target.platform)
        if sender is None:
            reason = f"delivery failed: no {target.platform} connection is running"
            await self.store.drafts.transition(
                draft_id, [DraftStatus.SENDING], DraftStatus.FAILED, error=reason
            )
            await self.cards.publish(draft_id)
            return Outcome(False, DraftStatus.FAILED, reason)
        try:
            platform_id = await sender.send_reply(target, draft.final_text)
        except DeliveryError as exc:
            reason = f"delivery failed: {exc}"
            await self.store.drafts.transition(
                draft_id, [DraftStatus.SENDING], DraftStatus.FAILED, error=reason
            )
            log.warning("delivery_failed", draft_id=draft_id, reason=str(exc))
            await self.cards.publish(draft_id)
            return Outcome(False, DraftStatus.FAILED, reason)
        sent_message_id = await self.store.drafts.record_sent(
            draft_id, draft.final_text, platform_id, datetime.now(UTC), self.bot_name
        )
        log.info(
            "reply_sent", draft_id=draft_id, customer_id=draft.customer_id, platform=target.platform
        )
        await self.cards.publish(draft_id)
        if sent_message_id is not None:  # observers hear of each sent reply once
            await self.on_sent(draft_id)
        return Outcome(True, DraftStatus.SENT, "sent")
