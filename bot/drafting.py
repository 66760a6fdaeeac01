"""Drafting: for a draft a worker claimed, recall, ask the drafter, store the result, show it.

How many drafts are written at once is the workers' business
(:mod:`bot.workers`); here at most ``llm_concurrency`` of them wait on the
model. Every way drafting can go wrong (the prompt, the model, a bug) ends in
a ``failed`` draft with a reason a rep can read, never one stuck drafting; a
worker that lost its lease meanwhile writes nothing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

import structlog

from bot.cards import Cards, card_of
from bot.drafters.base import Drafter, DraftError, DraftRequest
from bot.knowledge.answers import FLOOR, Grounding, KnowledgeBase, check_citations
from bot.prompting import Asked, Prompter, StyleExample
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
from memory.domain.knowledge import DraftSource, PassageKind
from memory.drafts import PROMPT_FAILED
from memory.recall import Recaller
from memory.store import MemoryStore, recall_records
from prompts.renderer import TemplateRejected

log = structlog.get_logger(__name__)


def sources_record(
    grounding: Grounding, sources: list[DraftSource], flags: list[str]
) -> dict[str, Any] | None:
    """What a draft stores about its sources, for its card; None when no knowledge exists."""
    if not grounding.searched:
        return None
    return {
        "searched": True,
        "confident": grounding.confident,
        "given": [asdict(source) for source in sources],
        "flags": flags,
    }


DEFAULT_CHECKIN_REASON = "it has been a while"
STYLE_EXAMPLES = 3  # past replies shown to the drafter for their tone, at most
_EXAMPLE_CANDIDATES = 12  # hits searched for them: docs often rank above past answers


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
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        self.store = store
        self.recaller = recaller
        self.prompter = prompter
        self.drafter = drafter
        self.cards = cards
        self.recall_budget_tokens = recall_budget_tokens
        self.knowledge = knowledge
        self._llm_slots = asyncio.Semaphore(llm_concurrency)

    async def write(
        self,
        draft: StoredDraft,
        customer: StoredCustomer,
        message: StoredMessage | None,
        *,
        worker: str,
    ) -> None:
        """Write a claimed draft: ``pending`` or ``failed``, if ``worker`` still holds it."""
        try:
            recalled, request = await self._request(draft, customer, message)
        except TemplateRejected as exc:
            # An admin's template that only fails on real data: the rep sees why and
            # can write the reply; an admin can fix the template or roll it back.
            await self.fail(draft, f"{PROMPT_FAILED}{exc}", [], worker=worker)
            await self.cards.publish(draft.id)
            return
        except Exception as exc:  # recall or prompt building: still a visible failure
            log.exception("prompt_building_crashed", draft_id=draft.id)
            reason = f"{PROMPT_FAILED}{type(exc).__name__}"
            await self.fail(draft, reason, [], worker=worker)
            await self.cards.publish(draft.id)
            return
        started = time.perf_counter()
        try:
            async with self._llm_slots:
                text = clean_reply(await self.drafter.draft(request))
            if not text:
                raise DraftError("the drafter returned only whitespace")
        except DraftError as exc:
            await self.fail(draft, str(exc), recalled, worker=worker)
        except Exception as exc:  # a bug in a drafter must still leave a visible failure
            log.exception("drafter_crashed", draft_id=draft.id)
            await self.fail(
                draft, f"drafter error: {type(exc).__name__}: {exc}", recalled, worker=worker
            )
        else:
            checked = check_citations(text, request.grounding)
            text = checked.text
            done = {
                "text": text,
                "sources": sources_record(request.grounding, checked.sources, checked.flags),
                "recall": recall_records(recalled),
                "model": self.drafter.model,
                "latency_ms": int((time.perf_counter() - started) * 1000),
                "prompt_version": self.prompter.renderer.versions(),
                "attempts": draft.attempts + 1,
                "lease_until": None,
            }
            if not await self.store.drafts.transition(
                draft.id, [DraftStatus.DRAFTING], DraftStatus.PENDING, claimed_by=worker, **done
            ):
                # Changed under us (a rep, or another worker after our lease ran out):
                # whoever changed it shows it.
                log.info("draft_taken_over", draft_id=draft.id, worker=worker)
                return
            # The draft as just written: no need to read it back.
            written = replace(
                draft,
                status=DraftStatus.PENDING,
                text=text,
                recall=recalled,
                model=self.drafter.model,
                attempts=draft.attempts + 1,
                revision=draft.revision + 1,
                sources=checked.sources,
                source_flags=tuple(checked.flags),
                knowledge_searched=request.grounding.searched,
            )
            log.info(
                "draft_ready",
                draft_id=draft.id,
                customer_id=customer.id,
                latency_ms=done["latency_ms"],
            )
            await self.cards.show(card_of(written, customer, message))
            return
        await self.cards.publish(draft.id)

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

    async def fail(
        self, draft: StoredDraft, reason: str, recalled: list[RecallItem], *, worker: str
    ) -> None:
        """Mark a claimed draft ``failed`` with ``reason``, if ``worker`` still holds it."""
        await self.store.drafts.transition(
            draft.id,
            [DraftStatus.DRAFTING],
            DraftStatus.FAILED,
            claimed_by=worker,
            error=reason,
            recall=recall_records(recalled),
            model=self.drafter.model,
            attempts=draft.attempts + 1,
            lease_until=None,
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
        grounding = await self.ground(message.text, recalled)
        examples = await self.style_examples(message.text)
        request = (prompter or self.prompter).reply(
            customer.display_name, asked, recalled, grounding, examples
        )
        return recalled, request

    async def style_examples(self, text: str) -> list[StyleExample]:
        """Up to three replies the team sent to messages like ``text``, for their tone.

        Only "answered before" passages: a question and the reply a rep sent, kept
        anonymised (:mod:`bot.knowledge.learning`), so no other customer's name or
        contact details reach this prompt (a passage does not record whose it was,
        and need not). Only those that cover enough of the message (the same floor
        as knowledge passages) count as similar.
        """
        if self.knowledge is None:
            return []
        index = await self.knowledge.index()
        if not len(index):
            return []
        examples: list[StyleExample] = []
        for hit in index.search(text, k=_EXAMPLE_CANDIDATES):
            passage = hit.passage
            if passage.kind is not PassageKind.ANSWER or index.confidence(hit, text) < FLOOR:
                continue
            examples.append(StyleExample(question=passage.heading, reply=passage.text))
            if len(examples) == STYLE_EXAMPLES:
                break
        return examples

    async def ground(self, text: str, recalled: list[RecallItem]) -> Grounding:
        """The team's passages for this message, read in its conversation (recent turns
        first resolve what it is about) and the customer's facts."""
        if self.knowledge is None:
            return Grounding()
        turns = sorted(
            (i for i in recalled if i.kind == "recent"),
            key=lambda i: i.at or datetime.min.replace(tzinfo=UTC),
        )
        facts = [i.text for i in recalled if i.kind == "fact"]
        return await self.knowledge.ground(text, [*facts, *(i.text for i in turns)])

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
