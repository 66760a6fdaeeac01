"""Messages: storing what customers and reps say, and reading a customer's history back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from memory.database import Database
from memory.domain import InboundMessage, ReplyTarget, StoredCustomer, StoredMessage
from memory.ingest import Ignored, Ingested, store_inbound
from memory.schema import Customer, Message


class StoreUnavailable(RuntimeError):
    """The database could not be reached: nothing was stored, so the platform should redeliver.

    Adapters let this propagate as a failure (an HTTP 5xx, no acknowledgement):
    Slack and Discord then deliver the event again, and the redelivery is
    stored once the database is back.
    """


@dataclass(frozen=True, slots=True)
class MessageChoice:
    """A stored customer message offered for previews."""

    id: int
    customer_id: int
    customer_name: str
    platform: str
    text: str


class Messages:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ingest(
        self, msg: InboundMessage, target: ReplyTarget, *, queue_draft: bool = True
    ) -> Ingested | Ignored:
        """Like :meth:`_ingest`; raises :class:`StoreUnavailable` when the database is down."""
        try:
            return await self._ingest(msg, target, queue_draft=queue_draft)
        except (OperationalError, InterfaceError) as exc:
            # One transaction: a failure here left nothing half-written.
            raise StoreUnavailable(
                f"message {msg.message_id!r} from {msg.platform} was not stored: the database "
                f"is unavailable ({str(exc.orig or exc).splitlines()[0][:160]}); "
                "refuse it so the platform redelivers it"
            ) from exc

    async def _ingest(
        self, msg: InboundMessage, target: ReplyTarget, *, queue_draft: bool = True
    ) -> Ingested | Ignored:
        """Store the message first; for a customer's message also queue its draft.

        Idempotent on the platform message id: a redelivery returns the first
        result with ``duplicate=True`` and writes nothing. With
        ``queue_draft=False`` the message is only remembered (history imports,
        benchmarks): no draft row is created and ``draft_id`` is None.
        """
        for attempt in range(3):
            try:
                # Write first and look only after a conflict: redeliveries are
                # rare, and the unique constraint is the real guard anyway.
                return await self.db.transaction(
                    partial(
                        store_inbound,
                        msg=msg,
                        target=target,
                        queue_draft=queue_draft,
                        look_first=attempt > 0,
                    )
                )
            except IntegrityError:
                # Another worker stored the same message (or created the same
                # identity) between our read and our write; the transaction
                # was rolled back: read again.
                continue
        raise RuntimeError(f"could not store message {msg.message_id!r} after 3 attempts")

    async def get(self, message_id: int) -> StoredMessage | None:
        async with self.db.sessions() as session:
            row = await session.get(Message, message_id)
            return None if row is None else stored_message(row)

    async def recent_turns(
        self, customer_id: int, conversation_key: str, *, before_id: int | None, limit: int
    ) -> list[StoredMessage]:
        """The latest turns of one conversation, oldest first."""
        async with self.db.sessions() as session:
            query = select(Message).where(
                Message.customer_id == customer_id, Message.conversation_key == conversation_key
            )
            if before_id is not None:
                query = query.where(Message.id < before_id)
            rows = await session.execute(query.order_by(Message.id.desc()).limit(limit))
            return [stored_message(row) for row in reversed(rows.scalars().all())]

    async def history(self, customer_id: int, *, limit: int = 200) -> list[Message]:
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(Message)
                .where(Message.customer_id == customer_id)
                .order_by(Message.id.desc())
                .limit(limit)
            )
            return list(reversed(rows.scalars().all()))

    async def count(self) -> int:
        async with self.db.sessions() as session:
            return int((await session.execute(select(func.count(Message.id)))).scalar_one())

    async def purge_before(self, cutoff: datetime) -> int:
        """Delete every message sent before ``cutoff`` (retention); returns how many.

        Their drafts go with them (ON DELETE CASCADE), facts keep their text
        but lose the link to the message, full-text entries are removed by the
        database. Customers and their facts stay.
        """
        async with self.db.sessions() as session:
            result = await session.execute(delete(Message).where(Message.sent_at < cutoff))
            await session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def choices(self, *, per_customer: int = 4, limit: int = 60) -> list[MessageChoice]:
        """Recent customer messages, grouped by customer (most recently seen first)."""
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(Message, Customer.display_name)
                .join(Customer, Customer.id == Message.customer_id)
                .where(Message.direction == "in")
                .order_by(Message.sent_at.desc())
                .limit(limit * 4)
            )
            seen: dict[int, int] = {}
            choices: list[MessageChoice] = []
            for message, name in rows.all():
                if seen.get(message.customer_id, 0) >= per_customer:
                    continue
                seen[message.customer_id] = seen.get(message.customer_id, 0) + 1
                choices.append(
                    MessageChoice(
                        message.id, message.customer_id, name, message.platform, message.text
                    )
                )
            choices.sort(key=lambda c: list(seen).index(c.customer_id))
            return choices[:limit]


def stored_customer(row: Customer) -> StoredCustomer:
    return StoredCustomer(id=row.id, display_name=row.display_name, timezone=row.timezone)


def stored_message(row: Message) -> StoredMessage:
    return StoredMessage(
        id=row.id,
        customer_id=row.customer_id,
        platform=row.platform,
        workspace=row.workspace,
        channel=row.channel,
        thread=row.thread,
        conversation_key=row.conversation_key,
        direction=row.direction,
        author_kind=row.author_kind,
        author_name=row.author_name,
        text=row.text,
        sent_at=row.sent_at,
        permalink=row.permalink,
        is_direct=row.is_direct,
    )
