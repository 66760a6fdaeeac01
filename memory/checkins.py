"""Check-ins in the database: schedule, cancel, claim, draft, list.

The rows are the source of truth for the scheduler. Every change of a row's
status is a compare-and-set, and claiming due rows is atomic on each dialect
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one ``UPDATE … RETURNING`` on
SQLite), so any number of scheduler workers on one database draft each
check-in once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.domain import DraftKind, DraftStatus, ReplyTarget
from memory.domain.checkins import Cause, CheckinStatus, Plan, Situation
from memory.schema import CheckIn, Customer, Draft, Message
from memory.store import target_dict  # one definition of how a target is stored

# A check-in that reached a customer's review queue counts towards the cap.
_COUNTS_FOR_CAP = (CheckinStatus.DRAFTED, CheckinStatus.SENT)


@dataclass(frozen=True, slots=True)
class CheckinView:
    """One check-in with its customer, as lists and the CLI show it."""

    id: int
    customer_id: int
    customer_name: str
    customer_timezone: str | None
    opted_out_at: datetime | None
    cause_key: str
    reason: str
    status: str
    due_at: datetime
    first_due_at: datetime | None
    drafted_at: datetime | None
    draft_id: int | None
    source_message_id: int | None
    created_by: str | None
    created_at: datetime
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Attached:
    """What turning a claimed check-in into a draft did."""

    draft_id: int | None  # None: not drafted, see the fields below
    opted_out_at: datetime | None = None  # the customer had opted out meanwhile
    capped_by: datetime | None = None  # another check-in was drafted at this time
    lost: bool = False  # the row was no longer ours (another worker recovered it)


class _Blocked(Exception):
    def __init__(self, attached: Attached) -> None:
        self.attached = attached


class CheckinRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # -- scheduling ------------------------------------------------------------

    async def schedule(self, customer_id: int, plan: Plan) -> tuple[CheckIn, bool]:
        """Store a planned check-in; the same cause twice returns the first row, ``False``."""
        async with self.sessions() as session:
            row = CheckIn(
                customer_id=customer_id,
                cause_key=plan.cause_key,
                reason=plan.reason,
                due_at=plan.due_at,
                first_due_at=plan.due_at,
                status=CheckinStatus.SCHEDULED,
                source_message_id=plan.source_message_id,
                created_by=plan.created_by,
            )
            session.add(row)
            try:
                await session.commit()
                return row, True
            except IntegrityError:
                await session.rollback()
        existing = await self.by_cause(customer_id, plan.cause_key)
        if existing is None:
            raise LookupError(f"customer {customer_id} no longer exists")
        return existing, False

    async def reset_quiet(self, customer_id: int, plan: Plan) -> None:
        """Move the customer's pending quiet check-in to ``plan`` (or schedule it)."""
        async with self.sessions() as session:
            moved = await session.execute(
                update(CheckIn)
                .where(
                    CheckIn.customer_id == customer_id,
                    CheckIn.status == CheckinStatus.SCHEDULED,
                    _cause_is(Cause.QUIET),
                )
                .values(
                    cause_key=plan.cause_key,
                    reason=plan.reason,
                    due_at=plan.due_at,
                    first_due_at=plan.due_at,
                    source_message_id=plan.source_message_id,
                )
                .returning(CheckIn.id)
            )
            if moved.first() is not None:
                await session.commit()
                return
        await self.schedule(customer_id, plan)

    async def cancel(
        self,
        why: str,
        *,
        ids: Sequence[int] | None = None,
        customer_id: int | None = None,
        cause: Cause | None = None,
    ) -> list[int]:
        """Cancel scheduled check-ins (by id, or a customer's, optionally of one cause)."""
        conditions: list[ColumnElement[bool]] = [CheckIn.status == CheckinStatus.SCHEDULED]
        if ids is not None:
            if not ids:
                return []
            conditions.append(CheckIn.id.in_(list(ids)))
        if customer_id is not None:
            conditions.append(CheckIn.customer_id == customer_id)
        if cause is not None:
            conditions.append(_cause_is(cause))
        async with self.sessions() as session:
            result = await session.execute(
                update(CheckIn)
                .where(*conditions)
                .values(status=CheckinStatus.CANCELLED, outcome=why[:500])
                .returning(CheckIn.id)
            )
            cancelled = list(result.scalars())
            await session.commit()
            return cancelled

    # -- claiming and drafting -------------------------------------------------

    async def recover(self, claimed_before: datetime) -> int:
        """Return check-ins a dead worker left claimed to ``scheduled``."""
        async with self.sessions() as session:
            result = await session.execute(
                update(CheckIn)
                .where(CheckIn.status == CheckinStatus.CLAIMED, CheckIn.claimed_at < claimed_before)
                .values(status=CheckinStatus.SCHEDULED, claimed_at=None)
                .returning(CheckIn.id)
            )
            count = len(result.all())
            await session.commit()
            return count

    async def claim_due(self, now: datetime, *, claimed_at: datetime, limit: int) -> list[CheckIn]:
        """Atomically take up to ``limit`` check-ins due at ``now``; each goes to one caller."""
        due = (
            select(CheckIn.id)
            .where(CheckIn.status == CheckinStatus.SCHEDULED, CheckIn.due_at <= now)
            .order_by(CheckIn.due_at, CheckIn.id)
            .limit(limit)
        )
        async with self.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # Rows another worker is claiming right now are skipped, not waited for.
                ids = list((await session.execute(due.with_for_update(skip_locked=True))).scalars())
                if ids:
                    await session.execute(
                        update(CheckIn)
                        .where(CheckIn.id.in_(ids))
                        .values(status=CheckinStatus.CLAIMED, claimed_at=claimed_at)
                    )
            else:
                # SQLite runs one writer at a time: this single statement is the compare-and-set.
                result = await session.execute(
                    update(CheckIn)
                    .where(CheckIn.id.in_(due.scalar_subquery()))
                    .where(CheckIn.status == CheckinStatus.SCHEDULED)
                    .values(status=CheckinStatus.CLAIMED, claimed_at=claimed_at)
                    .returning(CheckIn.id)
                )
                ids = list(result.scalars())
            await session.commit()
            if not ids:
                return []
            rows = await session.execute(
                select(CheckIn).where(CheckIn.id.in_(ids)).order_by(CheckIn.due_at, CheckIn.id)
            )
            return list(rows.scalars())

    async def finish(self, checkin_id: int, status: CheckinStatus, outcome: str) -> bool:
        """Close a claimed check-in as skipped or cancelled, saying why."""
        return await self._from_claimed(checkin_id, status=status, outcome=outcome[:500])

    async def defer(self, checkin_id: int, until: datetime, outcome: str) -> bool:
        """Hand a claimed check-in back, due again at ``until``."""
        return await self._from_claimed(
            checkin_id,
            status=CheckinStatus.SCHEDULED,
            due_at=until,
            claimed_at=None,
            outcome=outcome[:500],
        )

    async def release(self, checkin_id: int) -> bool:
        """Hand a claimed check-in back unchanged (drafting it failed unexpectedly)."""
        return await self._from_claimed(checkin_id, status=CheckinStatus.SCHEDULED, claimed_at=None)

    async def _from_claimed(self, checkin_id: int, **values: Any) -> bool:
        async with self.sessions() as session:
            result = await session.execute(
                update(CheckIn)
                .where(CheckIn.id == checkin_id, CheckIn.status == CheckinStatus.CLAIMED)
                .values(**values)
            )
            await session.commit()
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def situation(
        self, row: CheckIn, now: datetime, cap: timedelta
    ) -> tuple[Situation, Message | None]:
        """What the rules need about ``row``'s customer, and their latest message."""
        async with self.sessions() as session:
            customer = await session.get(Customer, row.customer_id)
            last_checkin = (
                await session.execute(_latest_other_checkin(row, now - cap))
            ).scalar_one_or_none()
            latest = await _latest_inbound(session, row.customer_id)
            wrote_since = False
            if row.source_message_id is not None:
                wrote_since = bool(
                    (
                        await session.execute(
                            select(
                                exists().where(
                                    Message.customer_id == row.customer_id,
                                    Message.direction == "in",
                                    Message.id > row.source_message_id,
                                )
                            )
                        )
                    ).scalar()
                )
        return (
            Situation(
                opted_out_at=customer.opted_out_at if customer else None,
                last_checkin_at=last_checkin,
                wrote_since=wrote_since,
                has_conversation=latest is not None,
            ),
            latest,
        )

    async def attach_draft(
        self,
        row: CheckIn,
        now: datetime,
        reason: str,
        target: ReplyTarget,
        cap: timedelta,
    ) -> Attached:
        """Create the check-in's draft and mark it ``drafted``, in one transaction.

        Opt-out and the cap are checked again under a lock, so two workers
        drafting two check-ins for one customer at once still draft only one.
        The draft is created ``queued``: if the process dies before it is
        written, the engine's ``resume`` writes it; it is never created twice.
        """
        try:
            async with self.sessions() as session, session.begin():
                if session.get_bind().dialect.name == "postgresql":
                    # One drafting transaction per customer at a time.
                    await session.execute(
                        select(Customer.id).where(Customer.id == row.customer_id).with_for_update()
                    )
                # On SQLite this write takes the database's write lock before the reads below.
                won = await session.execute(
                    update(CheckIn)
                    .where(CheckIn.id == row.id, CheckIn.status == CheckinStatus.CLAIMED)
                    .values(status=CheckinStatus.DRAFTED, drafted_at=now, outcome=None)
                )
                if won.rowcount != 1:  # type: ignore[attr-defined]
                    raise _Blocked(Attached(None, lost=True))
                customer = await session.get(Customer, row.customer_id, populate_existing=True)
                if customer is None or customer.opted_out_at is not None:
                    raise _Blocked(
                        Attached(None, opted_out_at=customer.opted_out_at if customer else now)
                    )
                other = (
                    await session.execute(_latest_other_checkin(row, now - cap))
                ).scalar_one_or_none()
                if other is not None:
                    raise _Blocked(Attached(None, capped_by=other))
                draft = Draft(
                    customer_id=row.customer_id,
                    message_id=None,
                    kind=DraftKind.CHECKIN,
                    status=DraftStatus.QUEUED,
                    reason=reason,
                    target=target_dict(target),
                )
                session.add(draft)
                await session.flush()
                await session.execute(
                    update(CheckIn).where(CheckIn.id == row.id).values(draft_id=draft.id)
                )
                return Attached(draft.id)
        except _Blocked as blocked:  # rolled back: the row is still claimed by us
            return blocked.attached

    async def mark_sent(self, draft_id: int) -> bool:
        async with self.sessions() as session:
            result = await session.execute(
                update(CheckIn)
                .where(CheckIn.draft_id == draft_id, CheckIn.status == CheckinStatus.DRAFTED)
                .values(status=CheckinStatus.SENT)
            )
            await session.commit()
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    # -- reading ---------------------------------------------------------------

    async def by_cause(self, customer_id: int, cause_key: str) -> CheckIn | None:
        async with self.sessions() as session:
            return (
                await session.execute(
                    select(CheckIn).where(
                        CheckIn.customer_id == customer_id, CheckIn.cause_key == cause_key
                    )
                )
            ).scalar_one_or_none()

    async def get(self, checkin_id: int) -> CheckIn | None:
        async with self.sessions() as session:
            return await session.get(CheckIn, checkin_id)

    async def pending(self, customer_id: int, cause: Cause | None = None) -> list[CheckIn]:
        """A customer's scheduled check-ins, soonest first."""
        query = select(CheckIn).where(
            CheckIn.customer_id == customer_id, CheckIn.status == CheckinStatus.SCHEDULED
        )
        if cause is not None:
            query = query.where(_cause_is(cause))
        async with self.sessions() as session:
            rows = await session.execute(query.order_by(CheckIn.due_at, CheckIn.id))
            return list(rows.scalars())

    async def of_customer(self, customer_id: int) -> list[CheckIn]:
        """Every check-in of one customer, latest due first (the customer page)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CheckIn)
                .where(CheckIn.customer_id == customer_id)
                .order_by(CheckIn.due_at.desc())
            )
            return list(rows.scalars())

    async def listing(self, customer_id: int | None = None) -> list[CheckinView]:
        query = select(CheckIn, Customer).join(Customer, Customer.id == CheckIn.customer_id)
        if customer_id is not None:
            query = query.where(CheckIn.customer_id == customer_id)
        async with self.sessions() as session:
            rows = await session.execute(query.order_by(CheckIn.due_at, CheckIn.id))
            return [_view(c, k) for c, k in rows.all()]

    async def inbound_count(self, customer_id: int) -> int:
        async with self.sessions() as session:
            return int(
                (
                    await session.execute(
                        select(func.count(Message.id)).where(
                            Message.customer_id == customer_id, Message.direction == "in"
                        )
                    )
                ).scalar_one()
            )

    async def latest_inbound(self, customer_id: int) -> Message | None:
        async with self.sessions() as session:
            return await _latest_inbound(session, customer_id)

    # -- consent ---------------------------------------------------------------

    async def set_opted_out(self, customer_id: int, at: datetime | None) -> Customer | None:
        """Store (``at``) or clear (``None``) a customer's opt-out; None if no such customer."""
        async with self.sessions() as session:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                return None
            customer.opted_out_at = at
            await session.commit()
            return customer


def _cause_is(cause: Cause) -> ColumnElement[bool]:
    return CheckIn.cause_key.startswith(f"{cause.value}:")


def _latest_other_checkin(row: CheckIn, since: datetime) -> Any:
    """When the customer's latest other check-in within the cap window was drafted."""
    return select(func.max(CheckIn.drafted_at)).where(
        and_(
            CheckIn.customer_id == row.customer_id,
            CheckIn.id != row.id,
            CheckIn.status.in_(_COUNTS_FOR_CAP),
            CheckIn.drafted_at > since,
        )
    )


async def _latest_inbound(session: AsyncSession, customer_id: int) -> Message | None:
    return (
        await session.execute(
            select(Message)
            .where(Message.customer_id == customer_id, Message.direction == "in")
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


def _view(c: CheckIn, k: Customer) -> CheckinView:
    return CheckinView(
        id=c.id,
        customer_id=k.id,
        customer_name=k.display_name,
        customer_timezone=k.timezone,
        opted_out_at=k.opted_out_at,
        cause_key=c.cause_key,
        reason=c.reason,
        status=c.status,
        due_at=c.due_at,
        first_due_at=c.first_due_at,
        drafted_at=c.drafted_at,
        draft_id=c.draft_id,
        source_message_id=c.source_message_id,
        created_by=c.created_by,
        created_at=c.created_at,
        outcome=c.outcome,
    )


__all__ = ["Attached", "CheckinRepository", "CheckinView"]
