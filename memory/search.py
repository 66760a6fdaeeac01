"""Full-text search over one customer's messages, per dialect."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import TextClause, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from memory.schema import Message

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


class Candidate(NamedTuple):
    """A stored message as recall scores it: the columns it needs, nothing more.

    A named tuple rather than a frozen dataclass: recall builds a couple of
    hundred per message, and a frozen dataclass takes four times as long to build.
    """

    id: int
    conversation_key: str
    author_name: str
    author_kind: str
    text: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class Lookup:
    """What :func:`gather` looks for; equal lookups find the same ids."""

    terms: tuple[str, ...]
    per_term: int  # ids read per term, newest first
    conversation_key: str
    recent: int  # how many of the conversation's latest turns
    # SQLite: search by word, then check the customer. Right when the customer
    # is most of the index: then their own posting list is the long one.
    large: bool = False
    window: tuple[datetime, datetime] | None = None
    window_limit: int = 64


@dataclass(slots=True)
class Gathered:
    """Ids recall may score, gathered in one round trip."""

    postings: dict[int, list[int]]  # term index → the newest ids containing it, unordered
    recent: set[int]  # this conversation's latest turns
    window: set[int]  # the newest messages in the asked-about stretch of time


async def gather(session: AsyncSession, customer_id: int, lookup: Lookup) -> Gathered:
    """Per term, the customer's latest messages containing it; and the other id lists.

    Each term's list holds at most ``per_term`` ids, the newest, so a word the
    customer uses all the time costs no more than a rare one: the index
    streams the posting list and stops early instead of ranking every match.
    A list shorter than ``per_term`` is the term's exact document frequency
    for this customer.

    On SQLite, a ``large`` history (most of the index is this customer's)
    is searched by word and then checked against the customer, since
    intersecting with the customer's own huge posting list costs more; a
    small one is searched within the customer's posting list.
    """
    postgres = _is_postgres(session)
    sql = _statement(postgres, profile=False, search=_shape(lookup))
    rows = await _fetch(session, sql, _search_params(customer_id, lookup, postgres))
    return _gathered(rows, len(lookup.terms))


async def _fetch(
    session: AsyncSession, sql: str, params: dict[str, object], *, reused: bool = True
) -> Sequence[Sequence[Any]]:
    """The rows of one read in the session's transaction, as tuples of driver values.

    On SQLite the statement goes to the driver itself: through SQLAlchemy,
    aiosqlite hands each statement to its thread four times (cursor, execute,
    fetch, close), which costs recall more than SQLite takes to run it.
    """
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection  # aiosqlite.Connection
        return list(await driver.execute_fetchall(sql, _sqlite_params(params)))
    statement = _text(sql) if reused else text(sql)
    return (await connection.execute(statement, params)).all()


@lru_cache(maxsize=256)
def _text(sql: str) -> TextClause:
    return text(sql)


def _sqlite_params(params: dict[str, object]) -> dict[str, object]:
    """Times as SQLite stores them: naive UTC text (see memory.schema.UTCDateTime)."""
    return {
        key: value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        if isinstance(value, datetime)
        else value
        for key, value in params.items()
    }


# Every statement below returns rows of the same seven columns, so that a
# profile and a search can share one round trip. ``k`` says what a row holds:
#   z  time zone (a), message count up to the cap (m)
#   r  how many of the latest 1,000 messages stored are theirs (m)
#   i  an account's display name (a)
#   f  a fact: kind (a), value (b), statement (s), event date (e), source (m), updated (u)
#   c, w, p  comma-separated ids (a): the conversation's latest turns, the time
#            window, the posting list of term number m
_PROFILE_PARTS = (
    "SELECT 'z' AS k, timezone AS a, NULL AS b, NULL AS s, CAST(NULL AS TIMESTAMP) AS e, "
    "(SELECT count(*) FROM (SELECT 1 FROM messages WHERE customer_id = :cid LIMIT :cap) "
    "AS n) AS m, CAST(NULL AS TIMESTAMP) AS u FROM customers WHERE id = :cid",
    "SELECT 'r', NULL, NULL, NULL, CAST(NULL AS TIMESTAMP), count(*), "
    "CAST(NULL AS TIMESTAMP) FROM (SELECT customer_id FROM messages ORDER BY id DESC "
    "LIMIT 1000) AS latest WHERE customer_id = :cid",
    "SELECT 'i', display_name, NULL, NULL, CAST(NULL AS TIMESTAMP), NULL, "
    "CAST(NULL AS TIMESTAMP) FROM identities WHERE customer_id = :cid",
    "SELECT 'f', kind, value, statement, event_date, source_message_id, updated_at "
    "FROM facts WHERE customer_id = :cid",
)


def _shape(lookup: Lookup) -> tuple[int, bool, bool]:
    """What a search's statement depends on: the number of terms, ``large``, a window."""
    return len(lookup.terms), lookup.large, lookup.window is not None


@lru_cache(maxsize=256)
def _statement(postgres: bool, *, profile: bool, search: tuple[int, bool, bool] | None) -> str:
    """The SQL for one shape, built once."""
    parts = list(_PROFILE_PARTS) if profile else []
    if search is not None:
        parts += _search_parts(postgres, *search)
    return " UNION ALL ".join(parts)


def _search_parts(postgres: bool, terms: int, large: bool, window: bool) -> list[str]:
    inner = [
        (
            "c",
            0,
            "SELECT id FROM messages WHERE customer_id = :cid AND conversation_key = :ck "
            "ORDER BY sent_at DESC, id DESC LIMIT :recent",
        )
    ]
    if window:
        inner.append(
            (
                "w",
                0,
                "SELECT id FROM messages WHERE customer_id = :cid "
                "AND sent_at >= :ws AND sent_at < :we ORDER BY sent_at DESC LIMIT :wl",
            )
        )
    for i in range(terms):
        if postgres:
            query = (
                "SELECT id FROM messages WHERE customer_id = :cid "  # noqa: S608
                f"AND search @@ phraseto_tsquery('english', :q{i}) ORDER BY id DESC LIMIT :k"
            )
        elif large:
            query = (
                "SELECT m.id FROM messages_fts AS f JOIN messages AS m ON m.id = f.rowid "  # noqa: S608
                f"WHERE f.messages_fts MATCH :q{i} AND m.customer_id = :cid "
                "ORDER BY f.rowid DESC LIMIT :k"
            )
        else:
            query = (
                f"SELECT rowid AS id FROM messages_fts WHERE messages_fts MATCH :q{i} "  # noqa: S608
                "ORDER BY rowid DESC LIMIT :k"
            )
        inner.append(("p", i, query))
    # One row per list with its ids joined: a dozen rows to read, not hundreds.
    joined = "string_agg(CAST(id AS TEXT), ',')" if postgres else "group_concat(id)"
    # Only our own fragments and integers go into the SQL; terms are bound.
    return [
        f"SELECT '{k}' AS k, {joined} AS a, NULL AS b, NULL AS s, "  # noqa: S608
        f"CAST(NULL AS TIMESTAMP) AS e, {n} AS m, CAST(NULL AS TIMESTAMP) AS u "
        f"FROM ({query}) AS {k}{n}"
        for k, n, query in inner
    ]


def _search_params(customer_id: int, lookup: Lookup, postgres: bool) -> dict[str, object]:
    params: dict[str, object] = {
        "cid": customer_id,
        "ck": lookup.conversation_key,
        "recent": lookup.recent,
        "k": lookup.per_term,
    }
    if lookup.window is not None:
        params.update(ws=lookup.window[0], we=lookup.window[1], wl=lookup.window_limit)
    for i, term in enumerate(lookup.terms):
        if postgres:
            params[f"q{i}"] = term
        elif lookup.large:
            params[f"q{i}"] = f'text:"{term}"'
        else:
            # Terms are words (and a few phrases) of letters and digits: quoting
            # keeps FTS5 from reading "and" or "near" as an operator.
            params[f"q{i}"] = f'cust:c{int(customer_id)} AND text:"{term}"'
    return params


def _gathered(rows: Sequence[Any], terms: int) -> Gathered:
    out = Gathered({i: [] for i in range(terms)}, set(), set())
    for k, a, _b, _s, _e, m, _u in rows:
        if k == "p":
            out.postings[int(m)] = _ids(a)
        elif k == "c":
            out.recent = set(_ids(a))
        elif k == "w":
            out.window = set(_ids(a))
    return out


def _ids(joined: str | None) -> list[int]:
    # The JSON parser reads a long list of integers twice as fast as int() on each.
    return cast(list[int], json.loads(f"[{joined}]")) if joined else []


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


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
    if isinstance(value, str):
        if len(value) in (19, 26):
            # "YYYY-MM-DD HH:MM:SS[.ffffff]", as SQLite keeps it: parsed with its
            # zone in one step, five times faster than parsing then replacing.
            return datetime.fromisoformat(value + "+00:00")
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
    rows = await _fetch(
        session,
        "SELECT customer_id, id, conversation_key, author_name, author_kind, text, sent_at "  # noqa: S608
        f"FROM messages WHERE id IN ({listed})",
        {},
        reused=False,
    )
    return {
        row[1]: Candidate(row[1], row[2], row[3], row[4], row[5], _aware(row[6]))
        for row in rows
        if row[0] == customer_id
    }


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


async def profile_and_gather(
    session: AsyncSession, customer_id: int, lookup: Lookup, *, count_cap: int
) -> tuple[Profile, Gathered]:
    """The customer's time zone, names, facts and history size, and :func:`gather`'s
    ids, in one round trip.

    The lookup has to be chosen before the profile is read: a caller guesses
    it from the profile it saw last, compares once this one is back and
    gathers again only if the guess was wrong.
    """
    postgres = _is_postgres(session)
    sql = _statement(postgres, profile=True, search=_shape(lookup))
    params = _search_params(customer_id, lookup, postgres)
    params["cap"] = count_cap
    rows = await _fetch(session, sql, params)
    return _profile(rows), _gathered(rows, len(lookup.terms))


def _profile(rows: Sequence[Any]) -> Profile:
    timezone: str | None = None
    names: list[str] = []
    fact_rows: list[FactRow] = []
    count = 0
    share = 0
    for k, a, b, s_, e, m, u in rows:
        if k == "z":
            timezone, count = a, int(m or 0)
        elif k == "r":
            share = int(m or 0)
        elif k == "i":
            names.append(str(a))
        elif k == "f":
            fact_rows.append(FactRow(a, b, s_, None if e is None else _aware(e), m, _aware(u)))
    fact_rows.sort(key=lambda f: f.updated_at, reverse=True)
    return Profile(timezone, names, fact_rows, count, share / 1000)
