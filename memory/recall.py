"""Recall: what to remember when a customer writes.

Three sources, ranked together and trimmed to a token budget:
profile facts, the recent turns of this conversation, and older messages that
share words with the new one (full-text search), discounted by age.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import RecallItem
from memory.schema import Fact, Message
from memory.search import query_terms, search_messages
from memory.store import MemoryStore


@dataclass(frozen=True, slots=True)
class RecallSettings:
    budget_tokens: int = 800
    recent_turns: int = 6
    related_limit: int = 8
    max_facts: int = 12
    half_life_days: float = 90.0  # an old message counts half as much after this long


def estimate_tokens(text: str) -> int:
    # Four characters a token is close enough for English and errs long for
    # other scripts, which keeps us under the model's real limit.
    return max(1, math.ceil(len(text) / 4))


class Recaller:
    def __init__(self, store: MemoryStore, settings: RecallSettings | None = None) -> None:
        self.store = store
        self.settings = settings or RecallSettings()

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
        s = self.settings
        terms = query_terms(text)
        facts = await self.store.facts(customer_id)
        recent = await self.store.recent_turns(
            customer_id, conversation_key, before_id=exclude_message_id, limit=s.recent_turns
        )
        skip = [m.id for m in recent]
        if exclude_message_id is not None:
            skip.append(exclude_message_id)
        async with self.store.sessions() as session:
            hits = await search_messages(
                session, customer_id, terms, limit=s.related_limit, exclude=skip
            )
        related = await self.store.messages([h.message_id for h in hits])

        items = [*self._score_facts(facts, terms, now), *self._score_recent(recent)]
        for hit in hits:
            message = related.get(hit.message_id)
            if message is not None:
                items.append(self._score_related(message, hit.score, terms, now))
        items.sort(key=lambda item: item.score, reverse=True)
        return trim_to_budget(items, budget_tokens or s.budget_tokens)

    def _score_facts(
        self, facts: Sequence[Fact], terms: Sequence[str], now: datetime
    ) -> list[RecallItem]:
        wanted = set(terms)
        scored: list[RecallItem] = []
        for fact in facts:
            words = set(query_terms(f"{fact.kind} {fact.key} {fact.value} {fact.statement}"))
            overlap = sorted(wanted & words)
            score = 2.0 + 1.5 * len(overlap)
            reason = "profile fact"
            if overlap:
                reason = f"fact mentioning {', '.join(overlap[:3])}"
            if fact.kind == "name":
                score += 1.0
            if fact.event_date is not None:
                days = (fact.event_date - now).total_seconds() / 86400
                if -7 <= days <= 14:
                    score += 2.0
                    reason = "upcoming event" if days >= 0 else "recent event"
            scored.append(
                RecallItem(
                    kind="fact",
                    text=fact.statement,
                    reason=reason,
                    score=score,
                    message_id=fact.source_message_id,
                    at=fact.updated_at,
                )
            )
        scored.sort(key=lambda i: i.score, reverse=True)
        return scored[: self.settings.max_facts]

    def _score_recent(self, recent: Sequence[Message]) -> list[RecallItem]:
        items = []
        for age, message in enumerate(reversed(recent)):
            items.append(
                RecallItem(
                    kind="recent",
                    text=message.text,
                    reason="earlier in this conversation",
                    score=4.0 - 0.4 * age,
                    message_id=message.id,
                    at=message.sent_at,
                    speaker=message.author_name,
                )
            )
        return items

    def _score_related(
        self, message: Message, relevance: float, terms: Sequence[str], now: datetime
    ) -> RecallItem:
        age_days = max(0.0, (now - message.sent_at) / timedelta(days=1))
        decay = 0.5 ** (age_days / self.settings.half_life_days)
        shared = sorted(set(terms) & set(query_terms(message.text)))
        return RecallItem(
            kind="related",
            text=message.text,
            reason=f"past message about {', '.join(shared[:3])}"
            if shared
            else "related past message",
            score=1.0 + min(relevance, 10.0) * (0.5 + 0.5 * decay),
            message_id=message.id,
            at=message.sent_at,
            speaker=message.author_name,
        )


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
