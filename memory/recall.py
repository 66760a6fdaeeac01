"""Recall: what to remember when a customer writes.

:meth:`Recaller.ranked` orders everything in a customer's history by how well
it answers the new message:

1. *Read the message* (:func:`memory.ranking.analyse`): content words, their
   everyday synonyms, names tied to them by the customer's facts ("my cat" ↔
   Milo), people it names, and a stretch of the past ("last month").
2. *Find candidates* cheaply: per word, the customer's latest messages that
   contain it (the full-text index streams and stops early), plus messages in
   the named stretch of time and the latest turns of this conversation.
3. *Score* the best candidates with BM25 over concepts, then adjust: the named
   speaker's own words, the asked-about time, newer over older when the
   message asks how things are now.
4. *Bring context*: the turns just before and after a strong match (the answer
   to a question often shares no word with it).
5. *Add facts* that match, each pointing at the message that said it.

:meth:`Recaller.recall` is what a draft gets: the live conversation's last
turns and the customer's profile pinned first, then the ranking, trimmed to a
token budget.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from memory.domain import RecallItem
from memory.domain.dates import TimeWindow, zone
from memory.fusion import fuse
from memory.ranking import (
    FactView,
    Query,
    Scorer,
    analyse,
    first_name,
    idf_table,
    text_counts,
)
from memory.search import (
    Candidate,
    FactRow,
    Gathered,
    Lookup,
    Profile,
    candidates,
    gather,
    latest,
    profile_and_gather,
)
from memory.store import MemoryStore
from memory.text import stem

if TYPE_CHECKING:
    from memory.vectors import SimilarMessages


@dataclass(frozen=True, slots=True)
class RecallSettings:
    budget_tokens: int = 800
    recent_turns: int = 6  # latest turns of this conversation considered
    pinned_turns: int = 3  # of those, how many a draft always sees
    pinned_within: timedelta = timedelta(hours=6)  # …if this recent
    max_facts: int = 12
    per_term: int = 100  # matches read per word, newest first
    pool: int = 64  # candidates scored in full
    neighbour_seeds: int = 8  # strongest matches whose neighbours are brought in
    max_search_terms: int = 14
    large_history: int = 2000  # messages from which a history is searched the "large" way
    half_life_days: float = 90.0  # kept for compatibility: recency is now rank-based


def estimate_tokens(text: str) -> int:
    # Four characters a token is close enough for English and errs long for
    # other scripts, which keeps us under the model's real limit.
    return max(1, math.ceil(len(text) / 4))


@dataclass(slots=True)
class _Scored:
    candidate: Candidate
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class _Reading:
    """What about a customer changes how a message is read and searched."""

    timezone: str | None
    names: tuple[str, ...]
    facts: tuple[FactView, ...]
    large: bool  # search by word, then check the customer (see memory.search.Lookup)


_UNKNOWN = _Reading(None, (), (), large=False)
_REMEMBERED = 4096  # customers whose last reading is kept as the next guess


def _reading(who: Profile, s: RecallSettings) -> _Reading:
    return _Reading(
        who.timezone,
        tuple(who.names),
        tuple(FactView(f.kind, f.value) for f in who.facts),
        large=who.messages >= s.large_history and who.recent_share >= 0.5,
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """A message read for one customer, and the search that follows from it."""

    query: Query
    terms: list[tuple[str, float]]
    lookup: Lookup


def _plan(
    text: str, now: datetime, reading: _Reading, conversation_key: str, s: RecallSettings
) -> _Plan:
    query = analyse(
        text, now=now, tz=zone(reading.timezone), speakers=reading.names, facts=reading.facts
    )
    terms = query.search_terms(s.max_search_terms)
    window = query.window
    lookup = Lookup(
        tuple(t for t, _ in terms),
        s.per_term,
        conversation_key,
        s.recent_turns,
        large=reading.large,
        window=(window.start, window.end) if window else None,
        window_limit=s.pool,
    )
    return _Plan(query, terms, lookup)


class Recaller:
    def __init__(
        self,
        store: MemoryStore,
        settings: RecallSettings | None = None,
        *,
        similar: SimilarMessages | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or RecallSettings()
        self._readings: dict[int, _Reading] = {}  # per customer, as last seen: a guess
        # Recall by meaning, when embeddings are on: fused with the full-text ranking.
        self.similar = similar

    async def recall(
        self,
        customer_id: int,
        conversation_key: str,
        text: str,
        *,
        now: datetime,
        exclude_message_id: int | None = None,
        budget_tokens: int | None = None,
    ) -> list[RecallItem]:
        """What a draft should see: pinned context first, then the ranking, within budget."""
        s = self.settings
        ranked = await self.ranked(
            customer_id, conversation_key, text, now=now, exclude_message_id=exclude_message_id
        )
        pinned: list[RecallItem] = []
        for item in ranked:
            if item.kind == "fact" and item.reason in ("their name", "upcoming event"):
                pinned.append(item)
        async with self.store.sessions() as session:
            turns = await latest(session, customer_id, conversation_key, limit=s.recent_turns)
        fresh = [
            t
            for t in turns
            if t.id != exclude_message_id
            and t.sent_at <= now
            and now - t.sent_at <= s.pinned_within
        ][: s.pinned_turns]
        for age, turn in enumerate(fresh):
            pinned.append(
                RecallItem(
                    kind="recent",
                    text=turn.text,
                    reason="earlier in this conversation",
                    score=100.0 - age,
                    message_id=turn.id,
                    at=turn.sent_at,
                    speaker=turn.author_name,
                    role=turn.author_kind,
                )
            )
        seen = {(i.kind, i.message_id, i.text) for i in pinned}
        rest = [i for i in ranked if (i.kind, i.message_id, i.text) not in seen]
        facts = [i for i in rest if i.kind == "fact"][: s.max_facts]
        turns_ranked = [i for i in rest if i.kind != "fact"]
        ordered = pinned + sorted(facts + turns_ranked, key=lambda i: i.score, reverse=True)
        return trim_to_budget(ordered, budget_tokens or s.budget_tokens)

    async def _search(
        self,
        session: AsyncSession,
        customer_id: int,
        conversation_key: str,
        text: str,
        now: datetime,
    ) -> tuple[Profile, _Plan, Gathered]:
        """The customer's profile, the message read with it, and the ids to score.

        Which words to search for depends on the profile (names, facts, time
        zone, history size), but waiting for it costs a round trip; so the
        search is planned from the profile this customer had last time and
        sent along with the profile's own query. The profile that comes back
        is the truth: when it reads the message differently, the search runs
        again. A stale guess (another process added a fact) costs a round
        trip, never a wrong answer.
        """
        s = self.settings
        guess = self._readings.pop(customer_id, _UNKNOWN)
        plan = _plan(text, now, guess, conversation_key, s)
        who, found = await profile_and_gather(
            session, customer_id, plan.lookup, count_cap=s.large_history
        )
        reading = _reading(who, s)
        self._readings[customer_id] = reading  # newest last: the oldest goes first
        if len(self._readings) > _REMEMBERED:
            del self._readings[next(iter(self._readings))]
        if reading != guess:
            fresh = _plan(text, now, reading, conversation_key, s)
            if fresh.lookup != plan.lookup:
                found = await gather(session, customer_id, fresh.lookup)
            plan = fresh
        return who, plan, found

    async def ranked(
        self,
        customer_id: int,
        conversation_key: str,
        text: str,
        *,
        now: datetime,
        exclude_message_id: int | None = None,
    ) -> list[RecallItem]:
        """Everything worth recalling for ``text``, best first, with no budget applied.

        Only this customer's messages and facts are ever read. Messages sent
        after ``now`` are left out: recall looks back.
        """
        s = self.settings
        # The query's vector is computed in a thread while full-text recall runs here.
        meaning = (
            asyncio.ensure_future(
                self.similar.find(customer_id, text, now=now, exclude=exclude_message_id)
            )
            if self.similar is not None
            else None
        )
        async with self.store.sessions() as session:
            who, plan, found = await self._search(session, customer_id, conversation_key, text, now)
            fact_rows = who.facts
            query, terms = plan.query, plan.terms
            scorer = Scorer(
                query, idf_table(_frequencies(terms, found.postings, s.per_term), who.messages)
            )
            pool = _first_pass(query, scorer, terms, found.postings, s.pool, exclude_message_id)
            # The turns around the likeliest matches come in the same read: the
            # answer to a question often shares no word with it.
            nearby = {i + d for i in pool[: s.neighbour_seeds] for d in range(-_REACH, _REACH + 1)}
            pooled = set(pool)
            wanted = pooled | found.recent | found.window | nearby
            rows = await candidates(session, customer_id, wanted)
        rows = {i: c for i, c in rows.items() if i != exclude_message_id and c.sent_at <= now}
        recent_ids = found.recent
        lexical = {
            i: c for i, c in rows.items() if i in pooled or i in recent_ids or i in found.window
        }
        scored = _score_rows(query, scorer, list(lexical.values()), recent_ids)
        seeds = [
            x
            for x in sorted(scored.values(), key=lambda x: -x.score)[: s.neighbour_seeds]
            if x.score > 0
        ]
        _add_neighbours(scored, seeds, list(rows.values()), exclude_message_id, now)
        items = [
            RecallItem(
                kind="recent" if sc.candidate.id in recent_ids else "related",
                text=sc.candidate.text,
                reason=sc.reason,
                score=round(sc.score, 4),
                message_id=sc.candidate.id,
                at=sc.candidate.sent_at,
                speaker=sc.candidate.author_name,
                role=sc.candidate.author_kind,
            )
            for sc in scored.values()
            if sc.score > 0
        ]
        items += _score_facts(scorer, fact_rows, now)
        items.sort(key=lambda i: (i.score, i.at or now), reverse=True)
        if meaning is not None:
            items = await self._fuse(customer_id, items, await meaning, query.window)
        return items

    async def _fuse(
        self,
        customer_id: int,
        items: list[RecallItem],
        similar: list[tuple[int, float]],
        window: TimeWindow | None,
    ) -> list[RecallItem]:
        if not similar:
            return items
        known = {i.message_id for i in items if i.kind != "fact"}
        unseen = {message_id for message_id, _ in similar if message_id not in known}
        rows = {}
        if unseen:
            async with self.store.sessions() as session:
                rows = await candidates(session, customer_id, unseen)
        if window is not None:
            # "What did I report a couple of weeks ago?" is about those weeks;
            # a vector knows what a message means, not when it was said.
            sent = {i.message_id: i.at for i in items if i.kind != "fact"}
            sent.update({i: row.sent_at for i, row in rows.items()})
            similar = [
                (m, cosine)
                for m, cosine in similar
                if (at := sent.get(m)) is not None and window.start <= at < window.end
            ]
        return fuse(items, similar, rows)


def _frequencies(
    terms: Sequence[tuple[str, float]], found: dict[int, list[int]], per_term: int
) -> dict[str, int]:
    """Per stem, how many of the customer's messages contain it (estimated when very common)."""
    frequency: dict[str, int] = {}
    for i, (term, _weight) in enumerate(terms):
        hits = len(found.get(i, []))
        # A full list means "at least this many": count it as common.
        df = hits * 3 if hits >= per_term else hits
        for part in term.split():
            key = stem(part)
            frequency[key] = max(frequency.get(key, 0), df)
    return frequency


def _first_pass(
    query: Query,
    scorer: Scorer,
    terms: Sequence[tuple[str, float]],
    found: dict[int, list[int]],
    pool: int,
    exclude: int | None,
) -> list[int]:
    """The ids worth scoring in full, from which words they contain (no text read yet).

    Each concept counts once per message, through its best word, so a message
    full of synonyms of one thing does not outrank one that covers two things.
    """
    index = {term: i for i, (term, _w) in enumerate(terms)}
    totals: dict[int, float] = {}
    for concept in query.concepts:
        values: list[tuple[float, int]] = []
        for term, weight in concept.search.items():
            i = index.get(term)
            if i is None:
                continue
            value = weight * scorer.idf.get(stem(term.split()[0]), 1.0)
            if value > 0.0:
                values.append((value, i))
        best: dict[int, float] = {}
        # Weakest word first, so a message keeps the value of its best word.
        for value, i in sorted(values, key=lambda vi: vi[0]):
            best.update(dict.fromkeys(found.get(i, ()), value))
        for message_id, value in best.items():
            totals[message_id] = totals.get(message_id, 0.0) + value
    totals.pop(exclude, None)  # type: ignore[arg-type]
    # Ties go to the newer message (higher id).
    return heapq.nlargest(pool, totals, key=lambda i: (totals[i], i))


def _score_rows(
    query: Query, scorer: Scorer, listed: Sequence[Candidate], recent_ids: set[int]
) -> dict[int, _Scored]:
    counted = {c.id: text_counts(c.text) for c in listed}
    if counted:
        scorer.average_length = max(4.0, sum(n for _, n in counted.values()) / max(1, len(counted)))
    by_time = sorted(listed, key=lambda c: (c.sent_at, c.id))
    recency = {c.id: i / max(1, len(by_time) - 1) for i, c in enumerate(by_time)}
    lean = 0.5 if query.wants_latest else 0.12
    out: dict[int, _Scored] = {}
    for c in listed:
        counts, length = counted[c.id]
        score, matched = scorer.score(counts, length)
        reasons = [f"mentions {', '.join(matched[:3])}"] if matched else []
        if query.window is not None:
            if query.window.start <= c.sent_at < query.window.end:
                # Named time, no shared word: the fuller a message, the likelier it is news.
                score = score * 1.6 if score else 0.2 + 0.05 * min(10, len(counts))
                reasons.append(f"from {query.window.expr}")
            else:
                score *= 0.6
        if query.speakers and first_name(c.author_name) in query.speakers:
            score *= 1.35
            if score:
                reasons.append(f"said by {c.author_name}")
        if c.id in recent_ids:
            score = score * 1.1 if score else 0.0
            if score:
                reasons.append("earlier in this conversation")
        score *= 1.0 + lean * recency[c.id]
        out[c.id] = _Scored(c, score, "; ".join(reasons) or "related past message")
    _demote_repeats(out)
    return out


def _demote_repeats(scored: dict[int, _Scored]) -> None:
    """The same words said again add nothing: keep the best copy, sink the rest.

    A text said three times or more ("no problem, have a lovely day!") is a
    formula rather than news, so even its best copy counts for less.
    """
    copies: dict[str, list[_Scored]] = {}
    for item in scored.values():
        copies.setdefault(_said(item.candidate.text), []).append(item)
    for group in copies.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda x: (x.score, x.candidate.sent_at), reverse=True)
        if len(group) >= 3:
            group[0].score *= 0.5
        for item in group[1:]:
            item.score *= 0.1


@lru_cache(maxsize=4096)
def _said(text: str) -> str:
    """What a text says, for telling copies apart: case and spacing ignored.

    Cached like :func:`memory.ranking.text_counts`: the same texts come back.
    """
    return " ".join(text.lower().split())


_REACH = 4  # ids either side of a match that may hold its conversation's next turns

# How much of a strong match's score the turns around it get: the next turns
# usually answer it, the one before usually asked for it.
_NEIGHBOUR_SHARES = ((1, 0.45), (2, 0.25), (3, 0.15), (-1, 0.3))


def _add_neighbours(
    scored: dict[int, _Scored],
    seeds: Sequence[_Scored],
    nearby: Sequence[Candidate],
    exclude: int | None,
    now: datetime,
) -> None:
    """Give the turns around a strong match part of its score: replies answer questions."""
    by_conversation: dict[str, list[Candidate]] = {}
    for c in nearby:
        if c.id != exclude and c.sent_at <= now:
            by_conversation.setdefault(c.conversation_key, []).append(c)
    place: dict[int, int] = {}  # message id → its index in its conversation's group
    for group in by_conversation.values():
        group.sort(key=lambda c: c.id)
        place.update((c.id, i) for i, c in enumerate(group))
    for seed in seeds:
        at = place.get(seed.candidate.id)
        if at is None:
            continue
        group = by_conversation[seed.candidate.conversation_key]
        for offset, share in _NEIGHBOUR_SHARES:
            j = at + offset
            if not 0 <= j < len(group):
                continue
            neighbour = group[j]
            if abs(neighbour.sent_at - seed.candidate.sent_at) > timedelta(hours=12):
                continue
            value = share * seed.score
            current = scored.get(neighbour.id)
            if current is None or current.score < value:
                relation = "reply to" if offset == 1 else "lead-up to"
                scored[neighbour.id] = _Scored(
                    neighbour, value, f"{relation} a message that {seed.reason}"
                )


def _score_facts(scorer: Scorer, facts: Sequence[FactRow], now: datetime) -> list[RecallItem]:
    items: list[RecallItem] = []
    for fact in facts:
        counts, length = text_counts(f"{fact.kind} {fact.value} {fact.statement}")
        score, matched = scorer.score(counts, length)
        score *= 1.15
        reason = f"fact about {', '.join(matched[:3])}" if matched else "profile fact"
        if fact.kind == "name":
            reason = "their name"
        if fact.event_date is not None:
            days = (fact.event_date - now).total_seconds() / 86400
            if 0 <= days <= 14:
                reason = "upcoming event"
        items.append(
            RecallItem(
                kind="fact",
                text=fact.statement,
                reason=reason,
                score=round(score, 4) if score else 0.001,
                message_id=fact.source_message_id,
                at=fact.updated_at,
            )
        )
    return items


def trim_to_budget(items: Sequence[RecallItem], budget_tokens: int) -> list[RecallItem]:
    """Keep the best items that fit; a long item is shortened rather than dropped if it leads."""
    kept: list[RecallItem] = []
    used = 0
    for item in items:
        cost = estimate_tokens(item.text)
        if used + cost > budget_tokens:
            room = budget_tokens - used
            if room >= 40:  # worth keeping a shortened version
                shortened = item.text[: room * 4 - 1].rstrip() + "…"
                kept.append(
                    RecallItem(
                        item.kind,
                        shortened,
                        item.reason,
                        item.score,
                        item.message_id,
                        item.at,
                        item.speaker,
                    )
                )
                used = budget_tokens
            continue
        kept.append(item)
        used += cost
    return kept
