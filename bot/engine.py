"""The response engine: the one path every customer message takes.

adapter → :meth:`ResponseEngine.receive` (:mod:`bot.intake`: the message and
its queued draft stored in one transaction; the adapter acknowledges) → a
drafting worker (:mod:`bot.workers`, here or in another process) claims it →
facts → :mod:`bot.drafting` (recall → prompt → drafter) → :mod:`bot.cards`
(review surfaces; surfaces in other processes catch up from the database) →
:meth:`ResponseEngine.decide` (:mod:`bot.decisions`) → delivery. This module
puts the parts together behind a small public API and finishes deliveries a
crash left half-done (:meth:`ResponseEngine.resume`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
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
from bot.knowledge.answers import KnowledgeBase
from bot.prompting import Prompter, Voice
from bot.review import ReviewHub
from bot.safety import is_blank
from bot.tasks import Background
from bot.workers import DraftWorkers, WorkerSettings
from memory.domain import (
    Decision,
    DraftCard,
    DraftKind,
    DraftStatus,
    InboundMessage,
    ReplyTarget,
)
from memory.drafts import Bundle
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
    stale_after: timedelta = timedelta(minutes=10)  # a delivery left "sending" by a crash
    workers: WorkerSettings = field(default_factory=WorkerSettings)
    # False in a process that only listens: its drafts are written by workers elsewhere.
    drafts_here: bool = True
    # A draft whose worker died this often is failed for a rep, not tried for ever.
    max_claims: int = 3


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
        knowledge: KnowledgeBase | None = None,
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
            knowledge=knowledge,
        )
        self.decisions = Decisions(
            store,
            self.cards,
            self.background,
            bot_name=self.settings.bot_name,
            requeued=self.draft_soon,
            on_sent=self._reply_sent,
        )
        self.intake = Intake(
            store,
            extractor,
            self.cards,
            self.background,
            timezone=self.settings.timezone,
            llm_concurrency=self.settings.llm_concurrency,
            queued=self.draft_soon,
            notify=self._message_stored,
        )
        self.intake.llm_extractor = llm_extractor
        self.workers = DraftWorkers(store, self._work, self.settings.workers)
        # Told when a draft is queued here but drafted elsewhere (a worker thread).
        self.queued_hooks: list[Callable[[], None]] = []

    # -- the public API -------------------------------------------------------------

    async def receive(
        self, msg: InboundMessage, target: ReplyTarget | None = None
    ) -> Ingested | Ignored:
        """Store the message and queue its draft, in one transaction; a worker drafts it.

        Returns as soon as both are safely stored, so an adapter can
        acknowledge the platform; a crash after this point loses nothing: the
        queued draft waits in the database for any worker.
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

    async def draft_waiting(self) -> None:
        """Have the drafts stored so far written: here, if this process drafts, and
        wait for them; else wake nobody and return (workers elsewhere poll)."""
        if self.settings.drafts_here:
            self.draft_soon()
            await self.wait_idle()

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

    async def resume(self) -> int:
        """Finish deliveries a crash interrupted (approved, never marked sent).

        Run at start and every minute by the scheduler. Drafts left queued or
        drafting need nothing here: any live worker takes them, the latter
        once their dead worker's lease runs out.
        """
        cutoff = datetime.now(UTC) - self.settings.stale_after
        stuck = await self.store.drafts.stuck_sending(cutoff)
        for draft in stuck:
            self.background.spawn(self._deliver_quietly(draft.id))
        if stuck:
            log.info("resumed_deliveries", count=len(stuck))
        if self.settings.drafts_here:
            self.draft_soon()  # and whatever waits from before the restart
        return len(stuck)

    # -- drafting -------------------------------------------------------------------

    def draft_soon(self) -> None:
        """A draft waits: this process's workers look now (started on first need)."""
        for hook in self.queued_hooks:
            hook()
        if not self.settings.drafts_here:
            return
        if not self.workers.running:
            self.workers.start()
        self.workers.wake()

    def signalled(self, status: str) -> None:
        """Another process queued a draft (PostgreSQL's NOTIFY): look, if drafting here."""
        if status == DraftStatus.QUEUED.value and self.workers.running:
            self.workers.wake()

    async def _work(self, claimed: Bundle, worker: str) -> None:
        """One claimed draft, start to end: facts on first sight, then the reply."""
        draft, customer, message = claimed
        if customer is None:
            return  # forgotten between the claim and now
        if draft.claims > self.settings.max_claims:
            await self.writer.fail(
                draft,
                f"drafting stopped {draft.claims - 1} times before it finished "
                "(the worker was killed or crashed each time); Regenerate to try again",
                [],
                worker=worker,
            )
            await self.cards.publish(draft.id)
            return
        first = message if draft.kind == DraftKind.REPLY and draft.attempts == 0 else None
        if first is None:  # a check-in, or drafted before: its facts are known
            await self.writer.write(draft, customer, message, worker=worker)
            return
        assert first.id is not None
        if is_blank(first.text):
            await self.intake.skip_blank(draft.id, worker)
            return
        tz = await self.intake.remember(
            customer.id, first.id, first.text, first.sent_at, customer_timezone=customer.timezone
        )
        await self.writer.write(draft, customer, message, worker=worker)
        self.intake.read_with_llm(customer.id, first.id, first.text, first.sent_at, tz)

    async def _deliver_quietly(self, draft_id: int) -> None:
        await self.deliver(draft_id)

    async def wait_idle(self) -> None:
        """Until this process's workers find nothing to draft and every background task is done."""
        while True:
            await self.background.wait_idle()
            await self.workers.wait_idle()
            if not self.background.busy:
                return

    async def close(self) -> None:
        """Stop drafting here (drafts in hand finish; a kill is covered by their leases)."""
        await self.wait_idle()
        await self.workers.stop()


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
