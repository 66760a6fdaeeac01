"""Full-text search over one customer's messages, per dialect."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

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


def query_terms(text_: str, limit: int = 24) -> list[str]:
    """The distinct content words of a message, in order, lower-cased."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text_.lower()):
        if len(word) < 2 or word in STOPWORDS or (word.isdigit() and len(word) < 3):
            continue
        seen.setdefault(word, None)
        if len(seen) >= limit:
            break
    return list(seen)


@dataclass(frozen=True, slots=True)
class Hit:
    message_id: int
    score: float  # higher is better


async def search_messages(
    session: AsyncSession,
    customer_id: int,
    terms: Sequence[str],
    *,
    limit: int,
    exclude: Sequence[int] = (),
) -> list[Hit]:
    """The customer's messages that share words with ``terms``, best first."""
    if not terms:
        return []
    if session.bind.dialect.name == "postgresql":
        return await _search_postgres(session, customer_id, terms, limit=limit, exclude=exclude)
    return await _search_sqlite(session, customer_id, terms, limit=limit, exclude=exclude)


async def _search_sqlite(
    session: AsyncSession,
    customer_id: int,
    terms: Sequence[str],
    *,
    limit: int,
    exclude: Sequence[int],
) -> list[Hit]:
    # Terms come from _WORD, so they hold no quote; quoting keeps FTS5 from
    # reading a word such as "and" or "near" as an operator.
    words = " OR ".join(f'"{t}"' for t in terms)
    match = f"cust:c{int(customer_id)} AND text:({words})"
    rows = await session.execute(
        text(
            "SELECT rowid, bm25(messages_fts, 1.0, 0.0) AS rank FROM messages_fts "
            "WHERE messages_fts MATCH :match ORDER BY rank LIMIT :limit"
        ),
        {"match": match, "limit": limit + len(exclude)},
    )
    skip = set(exclude)
    hits = [Hit(int(r[0]), -float(r[1])) for r in rows if int(r[0]) not in skip]
    return hits[:limit]


async def _search_postgres(
    session: AsyncSession,
    customer_id: int,
    terms: Sequence[str],
    *,
    limit: int,
    exclude: Sequence[int],
) -> list[Hit]:
    query = " | ".join(terms)
    rows = await session.execute(
        text(
            "SELECT id, ts_rank_cd(search, q, 1) AS rank "
            "FROM messages, to_tsquery('english', :query) AS q "
            "WHERE customer_id = :cid AND search @@ q "
            "ORDER BY rank DESC LIMIT :limit"
        ),
        {"query": query, "cid": customer_id, "limit": limit + len(exclude)},
    )
    skip = set(exclude)
    hits = [Hit(int(r[0]), float(r[1])) for r in rows if int(r[0]) not in skip]
    return hits[:limit]
