"""Intake: a message in, stored with its queued draft, and nothing slower before the ack.

:meth:`Intake.receive` returns as soon as the message and its queued draft are
stored (one transaction), so an adapter can acknowledge its platform; the
facts and the draft are written by a drafting worker (:mod:`bot.workers`),
which calls :meth:`Intake.remember` first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import structlog

from bot.cards import Cards
from bot.facts import FactExtractor
from bot.tasks import Background
from memory.domain import DraftStatus, FactCandidate, InboundMessage, ReplyTarget
from memory.domain.dates import zone
from memory.store import Ignored, Ingested, MemoryStore

log = structlog.get_logger(__name__)


class AsyncFactExtractor(Protocol):
    async def extract(self, text: str, said_at: datetime, tz: ZoneInfo) -> list[FactCandidate]: ...


class Intake:
    def __init__(
        self,
        store: MemoryStore,
        extractor: FactExtractor,
        cards: Cards,
        background: Background,
        *,
        timezone: str,
        llm_concurrency: int,
        queued: Callable[[], None],
        notify: Callable[[InboundMessage, Ingested], Coroutine[Any, Any, None]],
    ) -> None:
        self.store = store
        self.extractor = extractor
        self.cards = cards
        self.background = background
        self.timezone = timezone
        self.queued = queued  # wakes this process's workers, if it has any
        self.notify = notify  # observers hear of each new message once
        self.llm_extractor: AsyncFactExtractor | None = None
        # Its own pool: extraction is bounded too, but never makes a reply
        # wait for a drafting slot.
        self._extraction_slots = asyncio.Semaphore(llm_concurrency)

    async def receive(self, msg: InboundMessage, target: ReplyTarget) -> Ingested | Ignored:
        """Store the message and queue its draft; everything else runs after."""
        result = await self.store.messages.ingest(msg, target)
        if isinstance(result, Ignored):
            return result
        log.info(
            "message_stored",
            customer_id=result.customer_id,
            message_id=result.message_id,
            platform=msg.platform,
            duplicate=result.duplicate,
            role=msg.author_role.value,
        )
        for draft_id in result.superseded:
            self.background.spawn(self.cards.publish(draft_id))
        if not result.duplicate:
            self.background.spawn(self.notify(msg, result), name="observers")
        if not result.duplicate and result.draft_id is not None:
            self.queued()
        return result

    async def ingest(self, msg: InboundMessage, target: ReplyTarget) -> Ingested | Ignored:
        """Store a message and remember its facts, drafting nothing (imports, benchmarks)."""
        result = await self.store.messages.ingest(msg, target, queue_draft=False)
        if isinstance(result, Ignored) or result.duplicate:
            return result
        await self._remember_facts(result, msg)
        return result

    async def _remember_facts(self, ingested: Ingested, msg: InboundMessage) -> ZoneInfo:
        return await self.remember(
            ingested.customer_id,
            ingested.message_id,
            msg.text,
            msg.sent_at,
            customer_timezone=ingested.customer_timezone,
        )

    async def remember(
        self,
        customer_id: int,
        message_id: int,
        text: str,
        sent_at: datetime,
        *,
        customer_timezone: str | None,
    ) -> ZoneInfo:
        """Read facts from a message with the offline rules; returns the zone used.

        Safe to repeat (a worker that died after this is followed by another):
        the same fact twice is one fact.
        """
        tz = zone(None, self.timezone)
        try:
            facts = self.extractor.extract(text, sent_at, tz)
            if facts:  # most messages state no fact: they cost no write at all
                if customer_timezone:
                    tz = zone(customer_timezone, self.timezone)
                    facts = self.extractor.extract(text, sent_at, tz)
                await self.store.facts.remember(customer_id, message_id, facts, at=sent_at)
        except Exception:
            # Facts are a bonus: a failure here must not cost the customer a reply.
            log.exception("fact_extraction_failed", message_id=message_id)
        return tz

    async def skip_blank(self, draft_id: int, worker: str) -> None:
        """A message with nothing to answer: its draft is kept for the record, for no rep."""
        await self.store.drafts.transition(
            draft_id,
            [DraftStatus.DRAFTING],
            DraftStatus.SKIPPED,
            claimed_by=worker,
            error="empty message: nothing to answer",
            decided_by="rapport",
            decided_at=datetime.now(UTC),
        )
        log.info("draft_skipped", draft_id=draft_id, reason="empty")

    def read_with_llm(
        self, customer_id: int, message_id: int, text: str, sent_at: datetime, tz: ZoneInfo
    ) -> None:
        """After the draft: the model's richer fact reading, in the background."""
        if self.llm_extractor is not None:
            # After the draft: the draft never uses these facts, so starting
            # earlier would only make the reply wait for CPU and an HTTP call.
            self.background.spawn(
                self._extract_with_llm(customer_id, message_id, text, sent_at, tz)
            )

    async def _extract_with_llm(
        self, customer_id: int, message_id: int, text: str, sent_at: datetime, tz: ZoneInfo
    ) -> None:
        """Slower, richer extraction in the background; the draft never waits for it."""
        assert self.llm_extractor is not None
        try:
            async with self._extraction_slots:
                facts = await self.llm_extractor.extract(text, sent_at, tz)
            await self.store.facts.remember(customer_id, message_id, facts, at=sent_at)
        except Exception:
            log.exception("llm_fact_extraction_failed", message_id=message_id)
