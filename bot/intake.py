"""Intake: a message in, stored first, then remembered and answered in the background.

:meth:`Intake.receive` returns as soon as the message is safely stored, so an
adapter can acknowledge its platform; everything slower (facts, the draft,
the model's richer fact reading) runs after, in the engine's background.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import structlog

from bot.cards import Cards
from bot.facts import FactExtractor
from bot.safety import is_blank
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
        write_draft: Callable[[int], Awaitable[None]],
        notify: Callable[[InboundMessage, Ingested], Awaitable[None]],
    ) -> None:
        self.store = store
        self.extractor = extractor
        self.cards = cards
        self.background = background
        self.timezone = timezone
        self.write_draft = write_draft
        self.notify = notify  # observers hear of each new message once
        self.llm_extractor: AsyncFactExtractor | None = None
        # Its own pool: extraction is bounded too, but never makes a reply
        # wait for a drafting slot.
        self._extraction_slots = asyncio.Semaphore(llm_concurrency)

    async def receive(self, msg: InboundMessage, target: ReplyTarget) -> Ingested | Ignored:
        """Store the message, then draft in the background."""
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
            await self.notify(msg, result)
        if not result.duplicate and result.draft_id is not None:
            self.background.spawn(self._answer(result, msg))
        return result

    async def ingest(self, msg: InboundMessage, target: ReplyTarget) -> Ingested | Ignored:
        """Store a message and remember its facts, drafting nothing (imports, benchmarks)."""
        result = await self.store.messages.ingest(msg, target, queue_draft=False)
        if isinstance(result, Ignored) or result.duplicate:
            return result
        await self._remember_facts(result, msg)
        return result

    async def _remember_facts(self, ingested: Ingested, msg: InboundMessage) -> ZoneInfo:
        """Read facts from the message with the offline rules; returns the zone used."""
        tz = zone(None, self.timezone)
        try:
            facts = self.extractor.extract(msg.text, msg.sent_at, tz)
            if facts:  # most messages state no fact: they cost no write at all
                if ingested.customer_timezone:
                    tz = zone(ingested.customer_timezone, self.timezone)
                    facts = self.extractor.extract(msg.text, msg.sent_at, tz)
                await self.store.facts.remember(
                    ingested.customer_id, ingested.message_id, facts, at=msg.sent_at
                )
        except Exception:
            # Facts are a bonus: a failure here must not cost the customer a reply.
            log.exception("fact_extraction_failed", message_id=ingested.message_id)
        return tz

    async def _answer(self, ingested: Ingested, msg: InboundMessage) -> None:
        assert ingested.draft_id is not None
        if is_blank(msg.text):
            await self.store.drafts.transition(
                ingested.draft_id,
                [DraftStatus.QUEUED],
                DraftStatus.SKIPPED,
                error="empty message: nothing to answer",
                decided_by="rapport",
                decided_at=datetime.now(UTC),
            )
            log.info("draft_skipped", draft_id=ingested.draft_id, reason="empty")
            return
        tz = await self._remember_facts(ingested, msg)
        await self.write_draft(ingested.draft_id)
        if self.llm_extractor is not None:
            # After the draft: the draft never uses these facts, so starting
            # earlier would only make the reply wait for CPU and an HTTP call.
            self.background.spawn(self._extract_with_llm(ingested, msg, tz))

    async def _extract_with_llm(
        self, ingested: Ingested, msg: InboundMessage, tz: ZoneInfo
    ) -> None:
        """Slower, richer extraction in the background; the draft never waits for it."""
        assert self.llm_extractor is not None
        try:
            async with self._extraction_slots:
                facts = await self.llm_extractor.extract(msg.text, msg.sent_at, tz)
            await self.store.facts.remember(
                ingested.customer_id, ingested.message_id, facts, at=msg.sent_at
            )
        except Exception:
            log.exception("llm_fact_extraction_failed", message_id=ingested.message_id)
