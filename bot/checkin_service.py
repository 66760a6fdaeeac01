"""The check-in service: notices causes on the message path, drafts check-ins when due.

Wiring (``rapport run``)::

    service = CheckinService(runtime.engine, CheckinSettings.from_settings(settings))
    runtime.engine.observers.append(service)      # sees stored messages and sent replies
    services.append(CheckinScheduler(service))    # calls run_due(now) every minute

Every check-in becomes a ``DraftKind.CHECKIN`` draft that reps approve like any
reply; nothing here sends anything to a customer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog

from bot.checkins import (
    PRIORITY,
    Act,
    CheckinSettings,
    Consent,
    answered_events,
    cap_reason,
    card_reason,
    cause_of,
    consent_change,
    followup_key,
    is_problem,
    judge,
    next_daytime,
    parse_when,
    plan_events,
    plan_followup,
    plan_quiet,
    plan_request,
)
from bot.engine import ResponseEngine
from memory.checkins import CheckinRepository
from memory.domain import Actor, AuthorRole, DraftKind, InboundMessage, ReplyTarget, StoredMessage
from memory.domain.checkins import Cause, CheckinStatus
from memory.domain.dates import zone
from memory.schema import CheckIn, Customer, Message
from memory.store import Ignored, Ingested

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


class CheckinError(Exception):
    """A check-in request Rapport refuses; the text tells the rep why and what to do."""


@dataclass
class RunReport:
    """What one :meth:`CheckinService.run_due` did."""

    now: datetime
    drafted: list[tuple[int, int]] = field(default_factory=list)  # (check-in id, draft id)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    cancelled: list[tuple[int, str]] = field(default_factory=list)
    deferred: list[tuple[int, datetime]] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    recovered: int = 0  # claims a dead worker left behind, returned to scheduled


def checkin_target(latest: Message) -> ReplyTarget:
    """Where a check-in goes: the conversation of the customer's latest message.

    A direct message gets a new message in that DM; a channel message gets
    the check-in in the same thread, as a reply to that message so the
    customer is notified.
    """
    return ReplyTarget(
        platform=latest.platform,
        workspace=latest.workspace,
        channel=latest.channel,
        thread=latest.thread,
        reply_to=None if latest.is_direct else latest.platform_message_id,
        is_direct=latest.is_direct,
    )


class CheckinService:
    """Schedules, cancels and drafts check-ins; an :class:`bot.engine.EngineObserver`."""

    def __init__(
        self,
        engine: ResponseEngine,
        settings: CheckinSettings | None = None,
        *,
        repository: CheckinRepository | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self.settings = settings or CheckinSettings()
        self.repo = repository or CheckinRepository(engine.store.sessions)
        # Wall-clock time, only for claims (is a worker dead?); rules use run_due's ``now``.
        self.clock: Clock = clock or (lambda: datetime.now(UTC))

    def timezone(self, customer: Customer | None) -> ZoneInfo:
        """The customer's own zone when known, else the workspace's RAPPORT_TIMEZONE."""
        return zone(customer.timezone if customer else None, self.engine.settings.timezone)

    # -- the message path (EngineObserver) --------------------------------------

    async def message_stored(self, msg: InboundMessage, ingested: Ingested) -> None:
        """Read a new message for stop/start, answered causes and new causes."""
        if msg.author_role is AuthorRole.REP:
            await self._rep_replied(msg, ingested)
            return
        customer = await self.store.customer(ingested.customer_id)
        if customer is None:
            return
        consent = consent_change(msg.text)
        who = f"{customer.display_name} (customer, {msg.platform})"
        if consent is Consent.OPT_OUT:
            await self.opt_out(customer.id, who, at=msg.sent_at)
            return
        if consent is Consent.OPT_IN:
            await self.opt_in(customer.id, who)
            customer.opted_out_at = None
        tz = self.timezone(customer)
        # Any word from the customer answers "is it solved?" and restarts the quiet timer.
        await self.repo.cancel(
            "the customer wrote again", customer_id=customer.id, cause=Cause.FOLLOWUP
        )
        try:
            facts = self.engine.extractor.extract(msg.text, msg.sent_at, tz)
        except Exception:  # the engine logs extraction failures; no events then
            facts = []
        plans = plan_events(facts, ingested.message_id, tz, self.settings)
        pending = await self.repo.pending(customer.id, Cause.EVENT)
        for checkin_id, why in answered_events(
            [(p.id, p.cause_key) for p in pending], msg.text, msg.sent_at, tz, plans
        ):
            await self.repo.cancel(why, ids=[checkin_id])
        if customer.opted_out_at is not None:
            return
        for plan in plans:
            await self.repo.schedule(customer.id, plan)
        if await self.repo.inbound_count(customer.id) >= self.settings.quiet_min_messages:
            await self.repo.reset_quiet(
                customer.id, plan_quiet(ingested.message_id, msg.sent_at, tz, self.settings)
            )

    async def reply_sent(self, draft_id: int) -> None:
        """A sent check-in is ``sent``; a sent reply to a problem schedules its follow-up."""
        draft = await self.store.drafts.get(draft_id)
        if draft is None:
            return
        if draft.kind == DraftKind.CHECKIN:
            await self.repo.mark_sent(draft_id)
            return
        if draft.message_id is None or draft.sent_message_id is None:
            return
        problem = await self.store.messages.get(draft.message_id)
        reply = await self.store.messages.get(draft.sent_message_id)
        if problem is not None and reply is not None:
            await self._follow_up(problem, draft.sent_message_id, reply.sent_at)

    async def _rep_replied(self, msg: InboundMessage, ingested: Ingested | Ignored) -> None:
        # A rep answering in the thread themselves is a reply too.
        if not isinstance(ingested, Ingested):
            return
        turns = await self.store.messages.recent_turns(
            ingested.customer_id, msg.conversation_key, before_id=ingested.message_id, limit=10
        )
        asked = next((m for m in reversed(turns) if m.direction == "in"), None)
        if asked is not None:
            await self._follow_up(asked, ingested.message_id, msg.sent_at)

    async def _follow_up(self, problem: StoredMessage, reply_id: int, replied_at: datetime) -> None:
        if problem.id is None or not is_problem(problem.text):
            return
        customer = await self.store.customer(problem.customer_id)
        if customer is None or customer.opted_out_at is not None:
            return
        if await self.repo.by_cause(customer.id, followup_key(problem.id)) is not None:
            return  # a second reply to the same problem: one follow-up is enough
        plan = plan_followup(
            problem.text, problem.id, reply_id, replied_at, self.timezone(customer), self.settings
        )
        await self.repo.schedule(customer.id, plan)

    # -- what reps (console, Slack, Discord, CLI) call ---------------------------

    async def request(
        self,
        customer_id: int,
        when: date | datetime | str,
        note: str | None,
        actor: Actor | str,
        *,
        now: datetime | None = None,
    ) -> tuple[CheckIn, bool]:
        """A rep's "remind me to check in with this customer on <date>".

        ``when`` is a day (the check-in comes at the start of the customer's
        daytime), an aware datetime (moved into their daytime if needed), or
        words like "next Monday" read in the customer's time zone. Returns the
        check-in and whether it is new: asking twice for one day gives one.
        """
        label = actor.label if isinstance(actor, Actor) else actor
        now = now or self.clock()
        customer = await self._customer(customer_id)
        if customer.opted_out_at is not None:
            raise CheckinError(
                f"{customer.display_name} (customer {customer.id}) opted out of check-ins on "
                f"{customer.opted_out_at:%Y-%m-%d}; Rapport will not schedule one until they "
                "opt back in (they say 'start', or `rapport checkins opt-in` at their request)"
            )
        tz = self.timezone(customer)
        try:
            if isinstance(when, str):
                plan = plan_request(parse_when(when, now, tz), note, label, tz, self.settings)
            elif isinstance(when, datetime):
                if when.tzinfo is None:
                    raise CheckinError(f"{when.isoformat()} has no time zone; give an offset")
                day = when.astimezone(tz).date()
                plan = plan_request(day, note, label, tz, self.settings)
                plan = replace(plan, due_at=next_daytime(when, tz, self.settings))
            else:
                plan = plan_request(when, note, label, tz, self.settings)
        except ValueError as exc:
            raise CheckinError(str(exc)) from exc
        if plan.due_at.astimezone(tz).date() < now.astimezone(tz).date():
            raise CheckinError(f"{plan.due_at:%Y-%m-%d} is in the past for {customer.display_name}")
        row, created = await self.repo.schedule(customer.id, plan)
        if created:
            await self.store.audit.record(label, "checkin.request", customer_id=customer.id)
        return row, created

    async def opt_out(self, customer_id: int, actor: str, *, at: datetime | None = None) -> int:
        """Stop all check-ins for a customer until they opt back in; returns how many cancelled."""
        customer = await self.repo.set_opted_out(customer_id, at or self.clock())
        if customer is None:
            raise CheckinError(_no_customer(customer_id))
        cancelled = await self.repo.cancel("the customer opted out", customer_id=customer_id)
        await self.store.audit.record(actor, "checkin.opt_out", customer_id=customer_id)
        log.info("checkins_opted_out", customer_id=customer_id, cancelled=len(cancelled))
        return len(cancelled)

    async def opt_in(self, customer_id: int, actor: str) -> None:
        """Allow check-ins again (new causes schedule new ones; cancelled ones stay cancelled)."""
        if await self.repo.set_opted_out(customer_id, None) is None:
            raise CheckinError(_no_customer(customer_id))
        await self.store.audit.record(actor, "checkin.opt_in", customer_id=customer_id)
        log.info("checkins_opted_in", customer_id=customer_id)

    async def _customer(self, customer_id: int) -> Customer:
        customer = await self.store.customer(customer_id)
        if customer is None:
            raise CheckinError(_no_customer(customer_id))
        return customer

    # -- the scheduler's minute ------------------------------------------------

    async def run_due(self, now: datetime) -> RunReport:
        """Draft every check-in due at ``now``, once, whichever worker gets there first."""
        if now.tzinfo is None:
            raise ValueError(f"run_due needs an aware datetime, got {now.isoformat()}")
        report = RunReport(now=now)
        report.recovered = await self.repo.recover(self.clock() - self.settings.claim_timeout)
        for _batch in range(10):  # a bounded catch-up; the next minute takes the rest
            rows = await self.repo.claim_due(
                now, claimed_at=self.clock(), limit=self.settings.batch_size
            )
            drafts: list[int] = []
            for row in sorted(rows, key=_order):
                try:
                    draft_id = await self._settle(row, now, report)
                except Exception:
                    log.exception("checkin_failed", checkin_id=row.id)
                    await self.repo.release(row.id)
                    report.failed.append(row.id)
                    continue
                if draft_id is not None:
                    drafts.append(draft_id)
            # Drafts are safely stored first; the workers write them (the slow LLM part).
            if drafts:
                await self.engine.draft_waiting()
            if len(rows) < self.settings.batch_size:
                break
        if report.drafted or report.skipped or report.deferred or report.cancelled:
            log.info(
                "checkins_run",
                now=now.isoformat(),
                drafted=len(report.drafted),
                skipped=len(report.skipped),
                deferred=len(report.deferred),
                cancelled=len(report.cancelled),
            )
        return report

    async def _settle(self, row: CheckIn, now: datetime, report: RunReport) -> int | None:
        """Decide one claimed check-in; returns the new draft's id if it was drafted."""
        customer = await self.store.customer(row.customer_id)
        tz = self.timezone(customer)
        cap = timedelta(days=self.settings.min_days)
        situation, latest = await self.repo.situation(row, now, cap)
        verdict = judge(row.cause_key, now, situation, tz, self.settings)
        if verdict.act is Act.CANCEL:
            await self.repo.finish(row.id, CheckinStatus.CANCELLED, verdict.why)
            report.cancelled.append((row.id, verdict.why))
            return None
        if verdict.act is Act.SKIP:
            await self.repo.finish(row.id, CheckinStatus.SKIPPED, verdict.why)
            report.skipped.append((row.id, verdict.why))
            return None
        if verdict.act is Act.DEFER:
            assert verdict.until is not None
            await self.repo.defer(row.id, verdict.until, verdict.why)
            report.deferred.append((row.id, verdict.until))
            return None
        assert latest is not None  # judge skips customers with no conversation
        planned = row.first_due_at or row.due_at
        reason = card_reason(row.reason, planned, now, tz, self.settings)
        attached = await self.repo.attach_draft(row, now, reason, checkin_target(latest), cap)
        if attached.draft_id is not None:
            report.drafted.append((row.id, attached.draft_id))
            log.info("checkin_drafted", checkin_id=row.id, draft_id=attached.draft_id)
            return attached.draft_id
        if attached.lost:
            return None
        if attached.capped_by is not None:
            why = cap_reason(attached.capped_by, tz, self.settings)
        else:
            why = "the customer opted out of check-ins"
        await self.repo.finish(row.id, CheckinStatus.SKIPPED, why)
        report.skipped.append((row.id, why))
        return None


def _order(row: CheckIn) -> tuple[int, int, datetime, int]:
    return row.customer_id, PRIORITY[cause_of(row.cause_key)], row.due_at, row.id


def _no_customer(customer_id: int) -> str:
    return f"no customer with id {customer_id}; `rapport customers list` shows the ids"
