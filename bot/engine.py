"""The response engine: the one path every customer message takes.

adapter → :meth:`ResponseEngine.receive` (:mod:`bot.intake`: store first) →
facts → :mod:`bot.drafting` (recall → prompt → drafter) → :mod:`bot.cards`
(review surfaces) → :meth:`ResponseEngine.decide` (:mod:`bot.decisions`) →
delivery. This module puts the parts together behind a small public API and
finishes what a crash left half-done (:meth:`ResponseEngine.resume`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import structlog

from bot.cards import Cards
from bot.decisions import Decisions, Outcome
from bot.delivery import ReplySender
from bot.drafters.base import Drafter
from bot.drafting import DraftWriter
from bot.facts import FactExtractor
from bot.intake import AsyncFactExtractor, Intake
from bot.prompting import Prompter, Voice
from bot.review import ReviewHub
from bot.tasks import Background
from memory.domain import Decision, DraftCard, DraftStatus, InboundMessage, ReplyTarget
from memory.recall import Recaller
from memory.store import Ignored, Ingested, MemoryStore
from prompts.renderer import PromptRenderer

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    company: str = "our team"
    bot_name: str = "Rapport"
    timezone: str = "UTC"
    llm_concurrency: int = 4
    recall_budget_tokens: int = 800
    stale_after: timedelta = timedelta(minutes=10)


class EngineObserver(Protocol):
    """Something that reacts to the message path (check-ins, the embedding indexer).

    Observers run after the fact and must not raise: an observer's failure is
    logged and never costs a customer their reply.
    """

    async def message_stored(self, msg: InboundMessage, ingested: Ingested) -> None: ...

    async def reply_sent(self, draft_id: int) -> None: ...


class ResponseEngine:
    def __init__(
        self,
        store: MemoryStore,
        recaller: Recaller,
        renderer: PromptRenderer,
        drafter: Drafter,
        extractor: FactExtractor,
        review: ReviewHub | None = None,
        settings: EngineSettings | None = None,
        llm_extractor: AsyncFactExtractor | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or EngineSettings()
        self.review = review or ReviewHub()
        self.observers: list[EngineObserver] = []
        self.background = Background("engine")
        self.prompter = Prompter(
            renderer, Voice(company=self.settings.company, bot_name=self.settings.bot_name)
        )
        self.cards = Cards(store, self.review)
        self.writer = DraftWriter(
            store,
            recaller,
            self.prompter,
            drafter,
            self.cards,
            llm_concurrency=self.settings.llm_concurrency,
            recall_budget_tokens=self.settings.recall_budget_tokens,
        )
        self.decisions = Decisions(
            store,
            self.cards,
            self.background,
            bot_name=self.settings.bot_name,
            redraft=self.writer.write,
            on_sent=self._reply_sent,
        )
        self.intake = Intake(
            store,
            extractor,
            self.cards,
            self.background,
            timezone=self.settings.timezone,
            llm_concurrency=self.settings.llm_concurrency,
            write_draft=self.writer.write,
            notify=self._message_stored,
        )
        self.intake.llm_extractor = llm_extractor

    # -- the public API -------------------------------------------------------------

    async def receive(
        self, msg: InboundMessage, target: ReplyTarget | None = None
    ) -> Ingested | Ignored:
        """Store the message, then draft in the background.

        Returns as soon as the message is safely stored, so an adapter can
        acknowledge the platform; a crash after this point is repaired by
        :meth:`resume`.
        """
        return await self.intake.receive(msg, target or default_target(msg))

    async def handle(
        self, msg: InboundMessage, target: ReplyTarget | None = None
    ) -> Ingested | Ignored:
        """Like :meth:`receive`, but returns only when the draft is written (tests, benchmarks)."""
        result = await self.receive(msg, target)
        await self.wait_idle()
        return result

    async def ingest(
        self, msg: InboundMessage, target: ReplyTarget | None = None
    ) -> Ingested | Ignored:
        """Store a message and remember its facts, drafting nothing (imports, benchmarks)."""
        return await self.intake.ingest(msg, target or default_target(msg))

    async def write_draft(self, draft_id: int) -> None:
        """Draft (or redraft) one queued draft; it ends ``pending`` or ``failed``."""
        await self.writer.write(draft_id)

    async def decide(self, decision: Decision) -> Outcome:
        """Apply a rep's decision exactly once, whoever clicks and however often."""
        return await self.decisions.decide(decision)

    async def deliver(self, draft_id: int) -> Outcome:
        """Send a decided draft; on failure it becomes ``failed`` with the reason."""
        return await self.decisions.deliver(draft_id)

    async def card(self, draft_id: int) -> DraftCard | None:
        return await self.cards.card(draft_id)

    async def publish(self, draft_id: int) -> None:
        await self.cards.publish(draft_id)

    def add_sender(self, sender: ReplySender) -> None:
        self.decisions.add_sender(sender)

    # -- parts others build on --------------------------------------------------------

    @property
    def renderer(self) -> PromptRenderer:
        return self.prompter.renderer

    @property
    def recaller(self) -> Recaller:
        return self.writer.recaller

    @property
    def drafter(self) -> Drafter:
        return self.writer.drafter

    @property
    def extractor(self) -> FactExtractor:
        return self.intake.extractor

    # -- observers ----------------------------------------------------------------

    async def _message_stored(self, msg: InboundMessage, ingested: Ingested) -> None:
        await self._tell("message_stored", lambda observer: observer.message_stored(msg, ingested))

    async def _reply_sent(self, draft_id: int) -> None:
        await self._tell("reply_sent", lambda observer: observer.reply_sent(draft_id))

    async def _tell(self, event: str, call: Callable[[EngineObserver], Awaitable[None]]) -> None:
        for observer in self.observers:
            try:
                await call(observer)
            except Exception:
                log.exception("observer_failed", observer=type(observer).__name__, event_name=event)

    # -- lifecycle ------------------------------------------------------------------

    async def resume(self, *, periodic: bool = False) -> int:
        """Finish what a crash interrupted: queued drafts, stuck drafting, stuck sending.

        Run at start (everything queued is orphaned) and every minute by the
        scheduler (``periodic``: only queued drafts older than a minute, so a
        worker's own fresh messages are left to it; stuck ones after
        ``stale_after``), so a crashed worker's drafts are finished by the others.
        """
        now = datetime.now(UTC)
        cutoff = now - self.settings.stale_after
        queued_before = now - timedelta(minutes=1) if periodic else None
        stale = await self.store.drafts.stale(cutoff, queued_before=queued_before)
        for draft in stale:
            if draft.status == DraftStatus.SENDING:
                self.background.spawn(self._deliver_quietly(draft.id))
                continue
            if draft.status == DraftStatus.DRAFTING:
                await self.store.drafts.transition(
                    draft.id, [DraftStatus.DRAFTING], DraftStatus.QUEUED
                )
            self.background.spawn(self.writer.write(draft.id))
        if stale:
            log.info("resumed_drafts", count=len(stale))
        return len(stale)

    async def _deliver_quietly(self, draft_id: int) -> None:
        await self.deliver(draft_id)

    async def wait_idle(self) -> None:
        """Wait until every background draft and delivery has finished."""
        await self.background.wait_idle()


def default_target(msg: InboundMessage) -> ReplyTarget:
    """Reply in the customer's thread; a top-level message starts one."""
    return ReplyTarget(
        platform=msg.platform,
        workspace=msg.workspace,
        channel=msg.channel,
        thread=msg.thread,
        reply_to=msg.message_id,
        is_direct=msg.is_direct,
    )


__all__ = ["EngineSettings", "Outcome", "ResponseEngine", "default_target"]
