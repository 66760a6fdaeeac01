"""The response engine: the one path every customer message takes.

adapter → :meth:`ResponseEngine.receive` (store first) → facts → recall →
prompt → drafter → review surfaces → :meth:`ResponseEngine.decide` → delivery.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import structlog

from bot.delivery import DeliveryError, ReplySender
from bot.drafters.base import Drafter, DraftError, DraftRequest
from bot.facts import FactExtractor
from bot.review import ReviewHub
from bot.safety import clean_reply, is_blank
from memory.domain import (
    DECIDABLE_STATUSES,
    Action,
    AuthorRole,
    Decision,
    DraftCard,
    DraftKind,
    DraftStatus,
    FactCandidate,
    InboundMessage,
    RecallItem,
    ReplyTarget,
    conversation_key,
    first_name,
)
from memory.domain.dates import zone
from memory.recall import Recaller
from memory.schema import Customer, Draft, Message
from memory.store import Ignored, Ingested, MemoryStore, target_from_dict
from prompts.renderer import PromptRenderer

log = structlog.get_logger(__name__)

MAX_PROMPT_MESSAGE_CHARS = 4000


@dataclass(frozen=True, slots=True)
class EngineSettings:
    company: str = "our team"
    bot_name: str = "Rapport"
    timezone: str = "UTC"
    llm_concurrency: int = 4
    recall_budget_tokens: int = 800
    stale_after: timedelta = timedelta(minutes=10)


class AsyncFactExtractor(Protocol):
    async def extract(self, text: str, said_at: datetime, tz: ZoneInfo) -> list[FactCandidate]: ...


class EngineObserver(Protocol):
    """Something that reacts to the message path (check-ins, metrics).

    Observers run after the fact and must not raise: an observer's failure is
    logged and never costs a customer their reply.
    """

    async def message_stored(self, msg: InboundMessage, ingested: Ingested) -> None: ...

    async def reply_sent(self, draft_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a decision did, in words a rep can be shown."""

    applied: bool
    status: DraftStatus
    message: str


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
    ) -> None:
        self.store = store
        self.recaller = recaller
        self.renderer = renderer
        self.drafter = drafter
        self.extractor = extractor
        self.review = review or ReviewHub()
        self.settings = settings or EngineSettings()
        self.senders: dict[str, ReplySender] = {}
        self.observers: list[EngineObserver] = []
        self.llm_extractor: AsyncFactExtractor | None = None
        self._llm_slots = asyncio.Semaphore(self.settings.llm_concurrency)
        # Drafts in progress at once. Drafting shares the event loop with the
        # adapters' acknowledgements; an unbounded crowd of drafts under a burst
        # would make every ack wait its turn behind them. Twice the LLM slots
        # keeps the model busy while the next drafts recall.
        self._draft_slots = asyncio.Semaphore(2 * self.settings.llm_concurrency)
        self._extraction_slots = asyncio.Semaphore(self.settings.llm_concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    def add_sender(self, sender: ReplySender) -> None:
        self.senders[sender.platform] = sender

    # -- inbound ---------------------------------------------------------------

    async def receive(
        self, msg: InboundMessage, target: ReplyTarget | None = None
    ) -> Ingested | Ignored:
        """Store the message, then draft in the background.

        Returns as soon as the message is safely stored, so an adapter can
        acknowledge the platform; a crash after this point is repaired by
        :meth:`resume`.
        """
        result = await self.store.ingest(msg, target or default_target(msg))
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
            self._spawn(self.publish(draft_id))
        if not result.duplicate:
            await self._notify("message_stored", msg, result)
        if not result.duplicate and result.draft_id is not None:
            self._spawn(self._answer(result, msg))
        return result

    async def _notify(self, event: str, *args: Any) -> None:
        for observer in self.observers:
            try:
                await getattr(observer, event)(*args)
            except Exception:
                log.exception("observer_failed", observer=type(observer).__name__, event_name=event)

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
        """Store a message and remember its facts, drafting nothing (imports, benchmarks).

        The same store and fact path as :meth:`receive`, minus the reply.
        """
        result = await self.store.ingest(msg, target or default_target(msg), queue_draft=False)
        if isinstance(result, Ignored) or result.duplicate:
            return result
        await self._remember_facts(result, msg)
        return result

    async def _remember_facts(self, ingested: Ingested, msg: InboundMessage) -> ZoneInfo:
        """Read facts from the message with the offline rules; returns the zone used."""
        tz = zone(None, self.settings.timezone)
        try:
            facts = self.extractor.extract(msg.text, msg.sent_at, tz)
            if facts:  # most messages state no fact: they cost no write at all
                if ingested.customer_timezone:
                    tz = zone(ingested.customer_timezone, self.settings.timezone)
                    facts = self.extractor.extract(msg.text, msg.sent_at, tz)
                await self.store.remember(
                    ingested.customer_id, ingested.message_id, facts, at=msg.sent_at
                )
        except Exception:
            # Facts are a bonus: a failure here must not cost the customer a reply.
            log.exception("fact_extraction_failed", message_id=ingested.message_id)
        return tz

    async def _answer(self, ingested: Ingested, msg: InboundMessage) -> None:
        assert ingested.draft_id is not None
        if is_blank(msg.text):
            await self.store.transition(
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
            self._spawn(self._extract_with_llm(ingested, msg, tz))

    async def _extract_with_llm(
        self, ingested: Ingested, msg: InboundMessage, tz: ZoneInfo
    ) -> None:
        """Slower, richer extraction in the background; the draft never waits for it."""
        assert self.llm_extractor is not None
        try:
            # Its own pool of the same size: extraction is bounded too, but
            # never makes a reply wait for a drafting slot.
            async with self._extraction_slots:
                facts = await self.llm_extractor.extract(msg.text, msg.sent_at, tz)
            await self.store.remember(
                ingested.customer_id, ingested.message_id, facts, at=msg.sent_at
            )
        except Exception:
            log.exception("llm_fact_extraction_failed", message_id=ingested.message_id)

    # -- drafting --------------------------------------------------------------

    async def write_draft(self, draft_id: int) -> None:
        """Draft (or redraft) one reply; the draft ends ``pending`` or ``failed``.

        Every caller (a new message, regenerate, resume) takes one of the
        bounded drafting places.
        """
        async with self._draft_slots:
            await self._write_draft(draft_id)

    async def _write_draft(self, draft_id: int) -> None:
        claimed = await self.store.claim_for_drafting(draft_id)
        if claimed is None:
            return  # another worker has it, or a rep already decided
        draft, customer, message = claimed
        if draft.kind == DraftKind.CHECKIN:
            recalled, request = await self.checkin_request(customer, draft)
        else:
            assert message is not None
            recalled, request = await self.recall_and_request(customer, message)
        started = time.perf_counter()
        try:
            async with self._llm_slots:
                text = await self.drafter.draft(request)
            text = clean_reply(text)
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
                "recall": [_item_dict(i) for i in recalled],
                "model": self.drafter.model,
                "latency_ms": int((time.perf_counter() - started) * 1000),
                "prompt_version": self.renderer.versions(),
                "attempts": draft.attempts + 1,
            }
            if not await self.store.transition(
                draft_id, [DraftStatus.DRAFTING], DraftStatus.PENDING, **done
            ):
                await self.publish(draft_id)  # changed under us: show what is there
                return
            for key, value in {**done, "status": DraftStatus.PENDING}.items():
                setattr(draft, key, value)  # the row as just written: no need to read it back
            log.info(
                "draft_ready",
                draft_id=draft_id,
                customer_id=customer.id,
                latency_ms=done["latency_ms"],
            )
            await self._publish_card(self._card(draft, customer, message))
            return
        await self.publish(draft_id)

    async def _fail(self, draft: Draft, reason: str, recalled: list[RecallItem]) -> None:
        await self.store.transition(
            draft.id,
            [DraftStatus.DRAFTING],
            DraftStatus.FAILED,
            error=reason,
            recall=[_item_dict(i) for i in recalled],
            model=self.drafter.model,
            attempts=draft.attempts + 1,
        )
        log.warning("draft_failed", draft_id=draft.id, customer_id=draft.customer_id, reason=reason)

    async def recall_and_request(
        self, customer: Customer, message: Message
    ) -> tuple[list[RecallItem], DraftRequest]:
        """What the customer's history brings back for ``message``, and the drafter's request."""
        recalled = await self.recaller.recall(
            customer.id,
            message.conversation_key,
            message.text,
            now=message.sent_at,
            exclude_message_id=message.id,
            budget_tokens=self.settings.recall_budget_tokens,
        )
        return recalled, self.reply_request(customer, message, recalled)

    def reply_request(
        self, customer: Customer, message: Message, recalled: list[RecallItem]
    ) -> DraftRequest:
        variables = self.template_variables(customer, recalled)
        variables["message"] = {
            "text": _cap(message.text),
            "platform": message.platform,
            "sent_at": message.sent_at.isoformat(timespec="minutes"),
        }
        prompt = [
            {"role": "system", "content": self.renderer.render("system", self.persona())},
            {"role": "user", "content": self.renderer.render("reply", variables)},
        ]
        return DraftRequest(
            kind=DraftKind.REPLY,
            customer_name=customer.display_name,
            first_name=first_name(customer.display_name),
            message_text=message.text,
            recalled=recalled,
            prompt=prompt,
            message_id=message.id,
        )

    async def checkin_request(
        self, customer: Customer, draft: Draft
    ) -> tuple[list[RecallItem], DraftRequest]:
        reason = draft.reason or "it has been a while"
        target = target_from_dict(draft.target)
        key = conversation_key(target.platform, target.workspace, target.channel, target.thread)
        recalled = await self.recaller.recall(
            customer.id,
            key,
            reason,
            now=datetime.now(UTC),
            budget_tokens=self.settings.recall_budget_tokens,
        )
        variables = self.template_variables(customer, recalled)
        variables["reason"] = reason
        prompt = [
            {"role": "system", "content": self.renderer.render("system", self.persona())},
            {"role": "user", "content": self.renderer.render("checkin", variables)},
        ]
        return recalled, DraftRequest(
            kind=DraftKind.CHECKIN,
            customer_name=customer.display_name,
            first_name=first_name(customer.display_name),
            message_text="",
            recalled=recalled,
            prompt=prompt,
            reason=reason,
        )

    def persona(self) -> dict[str, Any]:
        return {
            "company": self.settings.company,
            "bot_name": self.settings.bot_name,
            "max_sentences": 4,
        }

    def template_variables(self, customer: Customer, recalled: list[RecallItem]) -> dict[str, Any]:
        facts = [i.text for i in recalled if i.kind == "fact"]
        turns = sorted(
            (i for i in recalled if i.kind != "fact"),
            key=lambda i: i.at or datetime.min.replace(tzinfo=UTC),
        )
        return {
            "customer": {
                "name": customer.display_name,
                "first_name": first_name(customer.display_name),
                "facts": facts,
            },
            "recalled": [
                {
                    "text": _cap(i.text, 800),
                    "reason": i.reason,
                    "speaker": i.speaker or "",
                    "at": i.at.isoformat(timespec="minutes") if i.at else "",
                }
                for i in turns
            ],
            "now": datetime.now(UTC).isoformat(timespec="minutes"),
        }

    # -- decisions -------------------------------------------------------------

    async def decide(self, decision: Decision) -> Outcome:
        """Apply a rep's decision exactly once, whoever clicks and however often."""
        draft = await self.store.draft(decision.draft_id)
        if draft is None:
            return Outcome(False, DraftStatus.FAILED, f"draft {decision.draft_id} does not exist")
        now = datetime.now(UTC)
        who = {
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
            won = await self.store.transition(
                draft.id, DECIDABLE_STATUSES, DraftStatus.SENDING, final_text=Draft.text, **who
            )
        elif action is Action.EDIT:
            text = clean_reply(decision.text or "")
            if not text:
                return Outcome(False, DraftStatus(draft.status), "the edited reply is empty")
            won = await self.store.transition(
                draft.id, DECIDABLE_STATUSES, DraftStatus.SENDING, final_text=text, **who
            )
        elif action is Action.REJECT:
            won = await self.store.transition(
                draft.id, DECIDABLE_STATUSES, DraftStatus.REJECTED, **who
            )
        else:
            won = await self.store.transition(
                draft.id, DECIDABLE_STATUSES, DraftStatus.QUEUED, text=None, error=None
            )
        if not won:
            current = await self.store.draft(draft.id)
            status = DraftStatus(current.status) if current else DraftStatus.FAILED
            return Outcome(
                False,
                status,
                f"already {status.value}"
                + (f" by {current.decided_by}" if current and current.decided_by else ""),
            )
        await self.store.audit(
            decision.actor.label,
            f"draft.{action.value}",
            customer_id=draft.customer_id,
            draft_id=draft.id,
        )
        log.info(
            "draft_decided", draft_id=draft.id, action=action.value, actor=decision.actor.label
        )
        if action is Action.REGENERATE:
            await self.publish(draft.id)
            self._spawn(self.write_draft(draft.id))
            return Outcome(True, DraftStatus.QUEUED, "regenerating")
        if action is Action.REJECT:
            await self.publish(draft.id)
            return Outcome(True, DraftStatus.REJECTED, "rejected")
        return await self.deliver(draft.id)

    async def deliver(self, draft_id: int) -> Outcome:
        """Send a decided draft; on failure it becomes ``failed`` with the reason."""
        draft = await self.store.draft(draft_id)
        if draft is None or draft.status != DraftStatus.SENDING or not draft.final_text:
            return Outcome(False, DraftStatus.FAILED, "nothing to send")
        target = target_from_dict(draft.target)
        sender = self.senders.get(target.platform)
        if sender is None:
            reason = f"delivery failed: no {target.platform} connection is running"
            await self.store.transition(
                draft_id, [DraftStatus.SENDING], DraftStatus.FAILED, error=reason
            )
            await self.publish(draft_id)
            return Outcome(False, DraftStatus.FAILED, reason)
        try:
            platform_id = await sender.send_reply(target, draft.final_text)
        except DeliveryError as exc:
            reason = f"delivery failed: {exc}"
            await self.store.transition(
                draft_id, [DraftStatus.SENDING], DraftStatus.FAILED, error=reason
            )
            log.warning("delivery_failed", draft_id=draft_id, reason=str(exc))
            await self.publish(draft_id)
            return Outcome(False, DraftStatus.FAILED, reason)
        sent_message_id = await self.store.record_sent(
            draft_id, draft.final_text, platform_id, datetime.now(UTC), self.settings.bot_name
        )
        log.info(
            "reply_sent", draft_id=draft_id, customer_id=draft.customer_id, platform=target.platform
        )
        await self.publish(draft_id)
        if sent_message_id is not None:  # observers hear of each sent reply once
            await self._notify("reply_sent", draft_id)
        return Outcome(True, DraftStatus.SENT, "sent")

    # -- review surfaces ---------------------------------------------------------

    async def card(self, draft_id: int) -> DraftCard | None:
        bundle = await self.store.draft_bundle(draft_id)
        return None if bundle is None else self._card(*bundle)

    def _card(self, draft: Draft, customer: Customer | None, message: Message | None) -> DraftCard:
        return DraftCard(
            draft_id=draft.id,
            kind=DraftKind(draft.kind),
            status=DraftStatus(draft.status),
            customer_id=draft.customer_id,
            customer_name=customer.display_name if customer else "(forgotten)",
            platform=draft.target.get("platform", message.platform if message else ""),
            inbound_text=message.text if message else "",
            inbound_at=message.sent_at if message else None,
            permalink=message.permalink if message else None,
            recalled=[_item_from_dict(d) for d in draft.recall or []],
            text=draft.text,
            final_text=draft.final_text,
            error=draft.error,
            decided_by=draft.decided_by,
            decided_at=draft.decided_at,
            created_at=draft.created_at,
            model=draft.model,
            reason=draft.reason,
            attempts=draft.attempts,
        )

    async def publish(self, draft_id: int) -> None:
        card = await self.card(draft_id)
        if card is not None:
            await self._publish_card(card)

    async def _publish_card(self, card: DraftCard) -> None:
        if card.status is not DraftStatus.SKIPPED:
            await self.review.publish(card)

    # -- lifecycle -------------------------------------------------------------

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
        stale = await self.store.stale_drafts(cutoff, queued_before=queued_before)
        for draft in stale:
            if draft.status == DraftStatus.SENDING:
                self._spawn(self._deliver_quietly(draft.id))
                continue
            if draft.status == DraftStatus.DRAFTING:
                await self.store.transition(draft.id, [DraftStatus.DRAFTING], DraftStatus.QUEUED)
            self._spawn(self.write_draft(draft.id))
        if stale:
            log.info("resumed_drafts", count=len(stale))
        return len(stale)

    async def _deliver_quietly(self, draft_id: int) -> None:
        await self.deliver(draft_id)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background_task_failed", error=repr(task.exception()))

    async def wait_idle(self) -> None:
        """Wait until every background draft and delivery has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


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


def _cap(text: str, limit: int = MAX_PROMPT_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + " …(message truncated)"


def _item_dict(item: RecallItem) -> dict[str, Any]:
    # Field by field: dataclasses.asdict deep-copies, which cost ~2 ms per draft.
    return {
        "kind": item.kind,
        "text": item.text,
        "reason": item.reason,
        "score": item.score,
        "message_id": item.message_id,
        "at": item.at.isoformat() if item.at else None,
        "speaker": item.speaker,
    }


def _item_from_dict(data: dict[str, Any]) -> RecallItem:
    at = data.get("at")
    return RecallItem(
        kind=data["kind"],
        text=data["text"],
        reason=data["reason"],
        score=float(data["score"]),
        message_id=data.get("message_id"),
        at=datetime.fromisoformat(at) if at else None,
        speaker=data.get("speaker"),
    )


__all__ = ["AuthorRole", "EngineSettings", "Outcome", "ResponseEngine", "default_target"]
