"""Full-text search over one customer's messages, per dialect."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from memory.schema import Message, UTCDateTime

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Words that match everything and mean nothing for recall.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "please",
        "ok",
        "okay",
        "yes",
        "yeah",
        "im",
        "ive",
        "dont",
        "cant",
        "its",
        "get",
        "got",
        "also",
        "just",
        "really",
        "still",
        "one",
        "would",
        "like",
        "know",
        "think",
        "going",
        "want",
        "need",
        "make",
        "made",
        "much",
        "many",
        "well",
        "back",
        "way",
        "even",
    ]
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored message as recall scores it: the columns it needs, nothing more."""

    id: int
    conversation_key: str
    author_name: str
    author_kind: str
    text: str
    sent_at: datetime


_RECENT = -2  # row tags in gather's statement
_WINDOW = -3


@dataclass(slots=True)
class Gathered:
    """Ids recall may score, gathered in one round trip."""

    postings: dict[int, list[int]]  # term index → ids containing it, newest first
    recent: list[int]  # this conversation's latest turns, newest first
    window: list[int]  # messages in the asked-about stretch of time, newest first


async def gather(
    session: AsyncSession,
    customer_id: int,
    terms: Sequence[str],
    *,
    per_term: int,
    conversation_key: str,
    large: bool = False,
    recent: int,
    window: tuple[datetime, datetime] | None = None,
    window_limit: int = 64,
) -> Gathered:
    """Per term, the customer's latest messages containing it; and the other id lists.

    Each term's list holds at most ``per_term`` ids, newest first, so a word
    the customer uses all the time costs no more than a rare one: the index
    streams the posting list and stops early instead of ranking every match.
    A list shorter than ``per_term`` is the term's exact document frequency
    for this customer.

    On SQLite, a ``large`` history (most of the index is this customer's)
    is searched by word and then checked against the customer, since
    intersecting with the customer's own huge posting list costs more; a
    small one is searched within the customer's posting list.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    parts = [
        "SELECT -2 AS t, id FROM (SELECT id FROM messages WHERE customer_id = :cid "
        "AND conversation_key = :ck ORDER BY sent_at DESC, id DESC LIMIT :recent) AS r",
    ]
    params: dict[str, object] = {
        "cid": customer_id,
        "ck": conversation_key,
        "recent": recent,
        "k": per_term,
    }
    if window is not None:
        parts.append(
            "SELECT -3 AS t, id FROM (SELECT id FROM messages WHERE customer_id = :cid "
            "AND sent_at >= :ws AND sent_at < :we ORDER BY sent_at DESC LIMIT :wl) AS w"
        )
        params.update(ws=window[0], we=window[1], wl=window_limit)
    for i, term in enumerate(terms):
        if postgres:
            params[f"q{i}"] = term
            inner = (
                "SELECT id FROM messages WHERE customer_id = :cid "  # noqa: S608
                f"AND search @@ phraseto_tsquery('english', :q{i}) ORDER BY id DESC LIMIT :k"
            )
        elif large:
            params[f"q{i}"] = f'text:"{term}"'
            inner = (
                "SELECT m.id FROM messages_fts AS f JOIN messages AS m ON m.id = f.rowid "  # noqa: S608
                f"WHERE f.messages_fts MATCH :q{i} AND m.customer_id = :cid "
                "ORDER BY f.rowid DESC LIMIT :k"
            )
        else:
            # Terms are words (and a few phrases) of letters and digits: quoting
            # keeps FTS5 from reading "and" or "near" as an operator.
            params[f"q{i}"] = f'cust:c{int(customer_id)} AND text:"{term}"'
            inner = (
                f"SELECT rowid AS id FROM messages_fts WHERE messages_fts MATCH :q{i} "  # noqa: S608
                "ORDER BY rowid DESC LIMIT :k"
            )
        # Only our own fragments and an integer go into the SQL; terms are bound.
        parts.append(f"SELECT {i} AS t, id FROM ({inner}) AS p{i}")  # noqa: S608
    statement = text(" UNION ALL ".join(parts))
    if window is not None:
        statement = statement.bindparams(
            bindparam("ws", type_=UTCDateTime()), bindparam("we", type_=UTCDateTime())
        )
    rows = await session.execute(statement, params)
    out = Gathered({i: [] for i in range(len(terms))}, [], [])
    for t, value in rows:
        if t == _RECENT:
            out.recent.append(int(value))
        elif t == _WINDOW:
            out.window.append(int(value))
        else:
            out.postings[int(t)].append(int(value))
    return out


_CANDIDATE_COLUMNS = (
    Message.id,
    Message.conversation_key,
    Message.author_name,
    Message.author_kind,
    Message.text,
    Message.sent_at,
)


def _candidate(row: Any) -> Candidate:
    return Candidate(row[0], row[1], row[2], row[3], row[4], _aware(row[5]))


def _aware(value: datetime | str) -> datetime:
    """A stored time as an aware UTC datetime (SQLite keeps naive UTC text)."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


async def candidates(
    session: AsyncSession, customer_id: int, ids: Iterable[int]
) -> dict[int, Candidate]:
    """The customer's messages among ``ids`` (another customer's ids yield nothing)."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    # Looked up by primary key alone, the customer checked on each row: with the
    # customer in the WHERE clause SQLite prefers the customer index and walks
    # every one of their messages. The ids are integers (int() above) written
    # into the statement: an expanding bound list costs three times as much to
    # build as the query takes to run.
    listed = ",".join(map(str, wanted))
    rows = await session.execute(
        text(
            "SELECT customer_id, id, conversation_key, author_name, author_kind, text, sent_at "  # noqa: S608
            f"FROM messages WHERE id IN ({listed})"
        )
    )
    return {row[1]: _candidate(row[1:]) for row in rows if row[0] == customer_id}


async def latest(
    session: AsyncSession, customer_id: int, conversation_key: str, *, limit: int
) -> list[Candidate]:
    """The newest messages of one conversation, newest first."""
    rows = await session.execute(
        select(*_CANDIDATE_COLUMNS)
        .where(Message.customer_id == customer_id, Message.conversation_key == conversation_key)
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return [_candidate(row) for row in rows]


@dataclass(frozen=True, slots=True)
class FactRow:
    kind: str
    value: str
    statement: str
    event_date: datetime | None
    source_message_id: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Profile:
    """What recall needs to know about a customer before it reads their history."""

    timezone: str | None
    names: list[str]  # the names their accounts go by
    facts: list[FactRow]  # most recently changed first
    messages: int  # how many messages they have, counted up to the cap
    recent_share: float  # their share of the latest 1,000 messages stored, all customers


async def profile(session: AsyncSession, customer_id: int, *, count_cap: int) -> Profile:
    """The customer's time zone, names, facts and history size, in one round trip."""
    statement = text(
        "SELECT 'z' AS k, timezone AS a, NULL AS b, NULL AS s, CAST(NULL AS TIMESTAMP) AS e, "
        "(SELECT count(*) FROM (SELECT 1 FROM messages WHERE customer_id = :cid LIMIT :cap) "
        "AS n) AS m, CAST(NULL AS TIMESTAMP) AS u FROM customers WHERE id = :cid "
        "UNION ALL SELECT 'r', NULL, NULL, NULL, CAST(NULL AS TIMESTAMP), count(*), "
        "CAST(NULL AS TIMESTAMP) FROM (SELECT customer_id FROM messages ORDER BY id DESC "
        "LIMIT 1000) AS latest WHERE customer_id = :cid "
        "UNION ALL SELECT 'i', display_name, NULL, NULL, CAST(NULL AS TIMESTAMP), NULL, "
        "CAST(NULL AS TIMESTAMP) "
        "FROM identities WHERE customer_id = :cid "
        "UNION ALL SELECT 'f', kind, value, statement, event_date, source_message_id, updated_at "
        "FROM facts WHERE customer_id = :cid"
    ).columns(
        column("k", String),
        column("a", String),
        column("b", String),
        column("s", String),
        column("e", UTCDateTime()),
        column("m", Integer),
        column("u", UTCDateTime()),
    )
    timezone: str | None = None
    names: list[str] = []
    fact_rows: list[FactRow] = []
    count = 0
    share = 0
    for k, a, b, s_, e, m, u in await session.execute(
        statement, {"cid": customer_id, "cap": count_cap}
    ):
        if k == "z":
            timezone, count = a, int(m or 0)
        elif k == "r":
            share = int(m or 0)
        elif k == "i":
            names.append(str(a))
        else:
            fact_rows.append(FactRow(a, b, s_, e, m, u))
    fact_rows.sort(key=lambda f: f.updated_at, reverse=True)
    return Profile(timezone, names, fact_rows, count, share / 1000)
