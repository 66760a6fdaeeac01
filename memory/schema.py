"""The tables Rapport keeps, as SQLAlchemy 2 typed models.

Full-text search lives beside these models and is created by the migration,
per dialect: an FTS5 table on SQLite, a generated ``tsvector`` column with a
GIN index on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from memory.domain import DraftKind


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every dialect.

    SQLite keeps no offset, so values are normalised to UTC before they are
    written and marked UTC when they are read back.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Rapport stores aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    opted_out_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]


class Identity(Base):
    """A platform account; each belongs to exactly one customer."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """Every message in a customer's history, in either direction."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint(
            "platform", "workspace", "platform_message_id", name="uq_message_platform_id"
        ),
        Index("ix_messages_conversation", "customer_id", "conversation_key", "sent_at"),
        Index("ix_messages_customer_time", "customer_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(64))
    thread: Mapped[str | None] = mapped_column(String(64))
    conversation_key: Mapped[str] = mapped_column(String(255))
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    author_kind: Mapped[str] = mapped_column(String(16))  # "customer" | "rep" | "bot"
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    is_direct: Mapped[bool] = mapped_column(Boolean, default=False)
    permalink: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime]
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fact(Base):
    """Something the customer told us, linked to the message that said it."""

    __tablename__ = "facts"
    __table_args__ = (UniqueConstraint("customer_id", "kind", "key", name="uq_fact_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(500))
    statement: Mapped[str] = mapped_column(String(1000))
    event_date: Mapped[datetime | None]
    source_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageEmbedding(Base):
    """A message's meaning as a vector, for recall by similarity (optional).

    Written in the background by :class:`bot.indexer.EmbeddingIndexer`. The
    vector is unit-length float32, little-endian, so a dot product is the
    cosine. It belongs to its message: deleting the message deletes it.
    """

    __tablename__ = "message_embeddings"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(200))
    dimensions: Mapped[int]
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Draft(Base):
    """A proposed reply (or check-in) and the human decision on it."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(16), default=DraftKind.REPLY.value)
    status: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    final_text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    recall: Mapped[list[Any]] = mapped_column(default=list)
    prompt_version: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    latency_ms: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    decided_action: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    sent_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    target: Mapped[dict[str, Any]] = mapped_column(default=dict)  # where the reply goes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The worker drafting it and until when; renewed by that worker's heartbeat.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    claims: Mapped[int] = mapped_column(default=0, server_default="0")
    # Up by one on every change a rep would see; cards remember the one they show.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    # The knowledge passages the draft was given, and which it cited (migration 0008).
    sources: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ReviewCard(Base):
    """Where a draft's card lives on one review surface (e.g. a Slack ts)."""

    __tablename__ = "review_cards"
    __table_args__ = (UniqueConstraint("draft_id", "surface"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    surface: Mapped[str] = mapped_column(String(32))
    ref: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shown_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    posted_at: Mapped[datetime | None]  # empty while a process is posting it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckIn(Base):
    """A scheduled check-in; the row is the source of truth for the scheduler."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("customer_id", "cause_key", name="uq_checkin_cause"),
        Index("ix_checkins_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    cause_key: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"))
    source_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Added by migration 0004 (check-ins): see that migration for what each means.
    claimed_at: Mapped[datetime | None]
    drafted_at: Mapped[datetime | None]
    first_due_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(500))


class PromptVersion(Base):
    __tablename__ = "prompt_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    source: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A console login: a rep reviews drafts, an admin also shapes the voice."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # "rep" | "admin"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Added by migration 0006. Copied into the session cookie at sign-in; signing
    # out or a new password bumps it, so every cookie issued before stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditEntry(Base):
    """Who did what. Holds ids and actions, never message text."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None]
    draft_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class KnowledgeSource(Base):
    """A folder or files added with ``rapport knowledge add`` (migration 0008)."""

    __tablename__ = "knowledge_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    root: Mapped[str] = mapped_column(Text)
    url_prefix: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    indexed_at: Mapped[datetime | None]


class KnowledgeDocument(Base):
    """One file of a source, as last indexed (its hash says whether it changed)."""

    __tablename__ = "knowledge_documents"
    __table_args__ = (UniqueConstraint("source_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_sources.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgePassage(Base):
    """A section (or a piece of one) of a document, or a past answer."""

    __tablename__ = "knowledge_passages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # doc | answer
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="CASCADE"), index=True
    )
    # A past answer goes with the draft it came from: forgetting the customer removes it.
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("drafts.id", ondelete="CASCADE"), unique=True
    )
    file: Mapped[str] = mapped_column(Text)
    heading: Mapped[str] = mapped_column(Text)
    heading_path: Mapped[list[Any]] = mapped_column(default=list)
    anchor: Mapped[str] = mapped_column(String(300), default="")
    piece: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
