"""Drafting: claim a queued draft, recall, ask the drafter, store the result, show the card.

Bounded twice: at most ``2 × llm_concurrency`` drafts are in progress (recall
and bookkeeping share the event loop with the adapters' acknowledgements; an
unbounded crowd of drafts under a burst would make every ack wait behind
them), and at most ``llm_concurrency`` of them are waiting on the model.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime

import structlog

from bot.cards import Cards, card_of
from bot.drafters.base import Drafter, DraftError, DraftRequest
from bot.prompting import Asked, Prompter
from bot.safety import clean_reply
from memory.domain import (
    DraftKind,
    DraftStatus,
    RecallItem,
    StoredCustomer,
    StoredDraft,
    StoredMessage,
    conversation_key,
)
from memory.recall import Recaller
from memory.store import MemoryStore, recall_records
from prompts.renderer import TemplateRejected

log = structlog.get_logger(__name__)

DEFAULT_CHECKIN_REASON = "it has been a while"


class DraftWriter:
    def __init__(
        self,
        store: MemoryStore,
        recaller: Recaller,
        prompter: Prompter,
        drafter: Drafter,
        cards: Cards,
        *,
        llm_concurrency: int,
        recall_budget_tokens: int,
    ) -> None:
        self.store = store
        self.recaller = recaller
        self.prompter = prompter
        self.drafter = drafter
        self.cards = cards
        self.recall_budget_tokens = recall_budget_tokens
        self._llm_slots = asyncio.Semaphore(llm_concurrency)
        self._draft_slots = asyncio.Semaphore(2 * llm_concurrency)

    async def write(self, draft_id: int) -> None:
        """Draft (or redraft) one reply; the draft ends ``pending`` or ``failed``.

        Every caller (a new message, regenerate, resume, a due check-in) takes
        one of the bounded drafting places.
        """
        async with self._draft_slots:
            await self._write(draft_id)

    async def _write(self, draft_id: int) -> None:
        claimed = await self.store.drafts.claim_for_drafting(draft_id)
        if claimed is None:
            return  # another worker has it, or a rep already decided
        draft, customer, message = claimed
        try:
            recalled, request = await self._request(draft, customer, message)
        except TemplateRejected as exc:
            # An admin's template that only fails on real data: the rep sees why and
            # can write the reply; an admin can fix the template or roll it back.
            await self._fail(draft, f"the prompt could not be written: {exc}", [])
            await self.cards.publish(draft_id)
            return
        started = time.perf_counter()
        try:
            async with self._llm_slots:
                text = clean_reply(await self.drafter.draft(request))
            if not text:
                raise DraftError("the drafter returned only whitespace")
        except DraftError as exc:
            await self._fail(draft, str(exc), recalled)
        except Exception as exc:  # a bug in a drafter must still leave a visible failure
            log.exception("drafter_crashed", draft_id=draft_id)
            await self._fail(draft, f"drafter error: {type(exc).__name__}: {exc}", recalled)
        else:
            done = {
                "text": text,
                "recall": recall_records(recalled),
                "model": self.drafter.model,
                "latency_ms": int((time.perf_counter() - started) * 1000),
                "prompt_version": self.prompter.renderer.versions(),
                "attempts": draft.attempts + 1,
            }
            if not await self.store.drafts.transition(
                draft_id, [DraftStatus.DRAFTING], DraftStatus.PENDING, **done
            ):
                await self.cards.publish(draft_id)  # changed under us: show what is there
                return
            # The draft as just written: no need to read it back.
            written = replace(
                draft,
                status=DraftStatus.PENDING,
                text=text,
                recall=recalled,
                model=self.drafter.model,
                attempts=draft.attempts + 1,
            )
            log.info(
                "draft_ready",
                draft_id=draft_id,
                customer_id=customer.id,
                latency_ms=done["latency_ms"],
            )
            await self.cards.show(card_of(written, customer, message))
            return
        await self.cards.publish(draft_id)

    async def _request(
        self, draft: StoredDraft, customer: StoredCustomer, message: StoredMessage | None
    ) -> tuple[list[RecallItem], DraftRequest]:
        if draft.kind == DraftKind.CHECKIN:
            target = draft.target
            return await self.checkin_request(
                customer,
                draft.reason or DEFAULT_CHECKIN_REASON,
                conversation_key(target.platform, target.workspace, target.channel, target.thread),
            )
        assert message is not None
        return await self.reply_request(customer, message)

    async def _fail(self, draft: StoredDraft, reason: str, recalled: list[RecallItem]) -> None:
        await self.store.drafts.transition(
            draft.id,
            [DraftStatus.DRAFTING],
            DraftStatus.FAILED,
            error=reason,
            recall=recall_records(recalled),
            model=self.drafter.model,
            attempts=draft.attempts + 1,
        )
        log.warning("draft_failed", draft_id=draft.id, customer_id=draft.customer_id, reason=reason)

    async def reply_request(
        self, customer: StoredCustomer, message: StoredMessage, prompter: Prompter | None = None
    ) -> tuple[list[RecallItem], DraftRequest]:
        """What the customer's history brings back for ``message``, and the drafter's request.

        ``prompter`` replaces the running templates (the console's preview).
        """
        recalled = await self.recaller.recall(
            customer.id,
            message.conversation_key,
            message.text,
            now=message.sent_at,
            exclude_message_id=message.id,
            budget_tokens=self.recall_budget_tokens,
        )
        asked = Asked(message.text, message.platform, message.sent_at, message.id)
        request = (prompter or self.prompter).reply(customer.display_name, asked, recalled)
        return recalled, request

    async def checkin_request(
        self,
        customer: StoredCustomer,
        reason: str,
        conversation: str,
        prompter: Prompter | None = None,
    ) -> tuple[list[RecallItem], DraftRequest]:
        """Recall around a check-in's reason in its conversation, and the drafter's request."""
        recalled = await self.recaller.recall(
            customer.id,
            conversation,
            reason,
            now=datetime.now(UTC),
            budget_tokens=self.recall_budget_tokens,
        )
        request = (prompter or self.prompter).checkin(customer.display_name, reason, recalled)
        return recalled, request
