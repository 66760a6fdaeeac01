"""How the team is doing: response times, decisions, the waiting queue, check-ins.

Everything is computed from the database at request time, so numbers survive
restarts and agree between the Activity page and ``/metrics``.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from memory.domain import OPEN_STATUSES, DraftKind, DraftStatus
from memory.schema import Customer, Draft, Message

PERIODS = {1: "Last 24 hours", 7: "Last 7 days", 30: "Last 30 days", 90: "Last 90 days"}
DECISIONS = ("approve", "edit", "reject")


@dataclass
class Slice:
    """Decisions and response times for one platform, one rep, or everyone."""

    key: str
    decisions: Counter[str] = field(default_factory=Counter)
    response_seconds: list[float] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return sum(self.decisions[d] for d in DECISIONS)

    def rate(self, action: str) -> float | None:
        return self.decisions[action] / self.decided if self.decided else None

    @property
    def median_response(self) -> float | None:
        return statistics.median(self.response_seconds) if self.response_seconds else None

    @property
    def slowest_response(self) -> float | None:
        return max(self.response_seconds) if self.response_seconds else None


@dataclass(frozen=True, slots=True)
class Waiting:
    draft_id: int
    customer_id: int
    customer: str
    platform: str
    status: str
    age_seconds: float


@dataclass
class Activity:
    start: datetime
    end: datetime
    overall: Slice
    platforms: list[Slice]
    reps: list[Slice]
    waiting: list[Waiting]
    checkins_sent: int
    opted_out: int
    buckets: list[tuple[str, int, int]]  # (label, customer messages, replies sent)

    @property
    def oldest_waiting(self) -> float | None:
        return max((w.age_seconds for w in self.waiting), default=None)


async def activity(
    sessions: async_sessionmaker[AsyncSession],
    *,
    days: int,
    now: datetime | None = None,
    platform: str | None = None,
) -> Activity:
    end = now or datetime.now(UTC)
    start = end - timedelta(days=days)
    async with sessions() as session:
        overall, platforms, reps = await _decisions(session, start, end, platform)
        waiting = await _waiting(session, end, platform)
        buckets = await _buckets(session, start, end, days, platform)
        checkins = await _count(
            session,
            select(func.count(Draft.id)).where(
                Draft.kind == DraftKind.CHECKIN,
                Draft.status == DraftStatus.SENT,
                Draft.updated_at >= start,
                Draft.updated_at < end,
            ),
        )
        opted_out = await _count(
            session,
            select(func.count(Customer.id)).where(
                Customer.opted_out_at >= start, Customer.opted_out_at < end
            ),
        )
    return Activity(start, end, overall, platforms, reps, waiting, checkins, opted_out, buckets)


async def _decisions(
    session: AsyncSession, start: datetime, end: datetime, platform: str | None
) -> tuple[Slice, list[Slice], list[Slice]]:
    inbound, sent = aliased(Message), aliased(Message)
    rows = await session.execute(
        select(
            Draft.kind,
            Draft.decided_action,
            Draft.decided_by,
            Draft.target,
            Draft.status,
            inbound.sent_at,
            sent.sent_at,
        )
        .outerjoin(inbound, inbound.id == Draft.message_id)
        .outerjoin(sent, sent.id == Draft.sent_message_id)
        .where(Draft.decided_at >= start, Draft.decided_at < end)
    )
    overall = Slice("everyone")
    by_platform: dict[str, Slice] = {}
    by_rep: dict[str, Slice] = {}
    for kind, action, who, target, status, asked_at, answered_at in rows.all():
        where = str((target or {}).get("platform") or "unknown")
        if platform and where != platform:
            continue
        slices = [
            overall,
            by_platform.setdefault(where, Slice(where)),
            by_rep.setdefault(who or "unknown", Slice(who or "unknown")),
        ]
        for piece in slices:
            piece.decisions[action or "unknown"] += 1
            if kind == DraftKind.REPLY and status == DraftStatus.SENT and asked_at and answered_at:
                piece.response_seconds.append((answered_at - asked_at).total_seconds())
    return (
        overall,
        sorted(by_platform.values(), key=lambda s: -s.decided),
        sorted(by_rep.values(), key=lambda s: -s.decided),
    )


async def _waiting(session: AsyncSession, now: datetime, platform: str | None) -> list[Waiting]:
    rows = await session.execute(
        select(
            Draft.id,
            Draft.customer_id,
            Customer.display_name,
            Draft.target,
            Draft.status,
            Draft.created_at,
        )
        .join(Customer, Customer.id == Draft.customer_id)
        .where(Draft.status.in_([*OPEN_STATUSES]))
        .order_by(Draft.created_at)
    )
    waiting = []
    for draft_id, customer_id, name, target, status, created in rows.all():
        where = str((target or {}).get("platform") or "unknown")
        if platform and where != platform:
            continue
        waiting.append(
            Waiting(draft_id, customer_id, name, where, status, (now - created).total_seconds())
        )
    return waiting


async def _buckets(
    session: AsyncSession, start: datetime, end: datetime, days: int, platform: str | None
) -> list[tuple[str, int, int]]:
    """Messages in and replies out, per hour for a day, else per day."""
    hourly = days <= 1
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    first = start.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        first = first.replace(hour=0)
    query = select(Message.sent_at, Message.direction, Message.author_kind).where(
        Message.sent_at >= first, Message.sent_at < end
    )
    if platform:
        query = query.where(Message.platform == platform)
    counts: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    for sent_at, direction, author_kind in (await session.execute(query)).all():
        slot = first + step * int((sent_at - first) / step)
        if direction == "in":
            counts[slot][0] += 1
        elif author_kind == "bot":
            counts[slot][1] += 1
    buckets: list[tuple[str, int, int]] = []
    slot = first
    while slot < end:
        label = slot.strftime("%H:00") if hourly else slot.strftime("%b %d")
        received, replied = counts[slot]
        buckets.append((label, received, replied))
        slot += step
    return buckets


async def _count(session: AsyncSession, query: Any) -> int:
    return int((await session.execute(query)).scalar_one())


@dataclass(frozen=True, slots=True)
class Totals:
    """All-time counts for ``/metrics``."""

    messages: dict[tuple[str, str], int]  # (platform, direction) → n
    drafts: dict[str, int]  # status → n
    decisions: dict[tuple[str, str], int]  # (platform, action) → n
    checkins_sent: int
    customers: int
    opted_out: int


async def totals(sessions: async_sessionmaker[AsyncSession]) -> Totals:
    async with sessions() as session:
        messages = {
            (platform, direction): int(n)
            for platform, direction, n in (
                await session.execute(
                    select(Message.platform, Message.direction, func.count(Message.id)).group_by(
                        Message.platform, Message.direction
                    )
                )
            ).all()
        }
        drafts = {
            status: int(n)
            for status, n in (
                await session.execute(
                    select(Draft.status, func.count(Draft.id)).group_by(Draft.status)
                )
            ).all()
        }
        platform = func.coalesce(Message.platform, "checkin")
        decisions = {
            (str(where), str(action)): int(n)
            for where, action, n in (
                await session.execute(
                    select(platform, Draft.decided_action, func.count(Draft.id))
                    .outerjoin(Message, Message.id == Draft.message_id)
                    .where(Draft.decided_action.is_not(None))
                    .group_by(platform, Draft.decided_action)
                )
            ).all()
        }
        checkins = await _count(
            session,
            select(func.count(Draft.id)).where(
                and_(Draft.kind == DraftKind.CHECKIN, Draft.status == DraftStatus.SENT)
            ),
        )
        customers = await _count(session, select(func.count(Customer.id)))
        opted_out = await _count(
            session, select(func.count(Customer.id)).where(Customer.opted_out_at.is_not(None))
        )
    return Totals(messages, drafts, decisions, checkins, customers, opted_out)


# --- Learning from edits: how reps decide drafts, per reply-template version and intent ---

_REPLY_VERSION = re.compile(r"(?:^|,)\s*reply@([^,\s]+)")
UNKNOWN = "unknown"


def reply_version(prompt_version: str | None) -> str:
    """``"checkin@file,reply@v2,system@file"`` → ``"v2"``; ``"unknown"`` when not recorded."""
    match = _REPLY_VERSION.search(prompt_version or "")
    return match.group(1) if match else UNKNOWN


@dataclass(frozen=True, slots=True)
class Edited:
    """A reply a rep edited before sending: what the drafter wrote and what was sent."""

    draft_id: int
    customer_id: int
    template: str  # the reply template's version, e.g. "v2", "file" or "unknown"
    intent: str
    drafted: str
    sent: str
    decided_by: str
    decided_at: datetime


@dataclass
class EditLearning:
    """Approved as drafted, edited and rejected reply drafts, per template version and intent."""

    templates: list[Slice]
    intents: list[Slice]
    edits: list[Edited]  # the latest edited drafts, newest first


async def edit_learning(
    sessions: async_sessionmaker[AsyncSession],
    *,
    days: int,
    intent_of: Callable[[str], str] = lambda text: UNKNOWN,
    now: datetime | None = None,
    platform: str | None = None,
    latest_edits: int = 10,
) -> EditLearning:
    """Decided reply drafts in the period, by ``reply@…`` version and by the customer
    message's intent. ``intent_of`` reads a message (the drafting layer's reader: memory
    does not know how messages are read); the rates are among approve, edit and reject."""
    end = now or datetime.now(UTC)
    start = end - timedelta(days=days)
    async with sessions() as session:
        rows = await session.execute(
            select(
                Draft.id,
                Draft.customer_id,
                Draft.prompt_version,
                Draft.decided_action,
                Draft.decided_by,
                Draft.decided_at,
                Draft.target,
                Draft.text,
                Draft.final_text,
                Message.text,
            )
            .join(Message, Message.id == Draft.message_id)
            .where(
                Draft.kind == DraftKind.REPLY,
                Draft.decided_action.in_(DECISIONS),
                Draft.decided_at >= start,
                Draft.decided_at < end,
            )
            .order_by(Draft.decided_at.desc(), Draft.id.desc())
        )
        by_template: dict[str, Slice] = {}
        by_intent: dict[str, Slice] = {}
        edits: list[Edited] = []
        for row in rows.all():
            draft_id, customer_id, version, action, who, at, target, drafted, sent, asked = row
            if platform and str((target or {}).get("platform") or UNKNOWN) != platform:
                continue
            template, intent = reply_version(version), intent_of(asked or "")
            by_template.setdefault(template, Slice(template)).decisions[action] += 1
            by_intent.setdefault(intent, Slice(intent)).decisions[action] += 1
            if action == "edit" and drafted and sent and len(edits) < latest_edits:
                edits.append(
                    Edited(draft_id, customer_id, template, intent, drafted, sent, who or "", at)
                )
    return EditLearning(
        sorted(by_template.values(), key=lambda s: (-s.decided, s.key)),
        sorted(by_intent.values(), key=lambda s: (-s.decided, s.key)),
        edits,
    )
