"""Retrieval over knowledge passages that understands a conversation.

One BM25 ranking over every passage, with two twists that make it work on
support conversations:

* **A passage carries its document's name.** Each passage is indexed with its
  heading path (twice: headings say what a section is about) and its file's
  title and name. An entity named once (the Lakeside Hotel, the Deluxe plan)
  is then a rare word shared by every section of its page.
* **The question is the conversation.** The newest message's words weigh 1;
  the earlier turns' (newest first, fading) and the customer's facts weigh
  less. "Do they have parking?" two turns after "I'm booked at the Lakeside
  Hotel" then ranks the Lakeside page's parking section first, while the
  newest message still decides which section.

Each hit says why it was chosen, and its **confidence**: the share of the
newest message's content (weighted by rarity) that the passage covers. A
draft answers from the docs only above ``RAPPORT_KNOWLEDGE_MIN_CONFIDENCE``.

The passages live in the database (:mod:`memory.knowledge`); the ranking is
this in-process index, built from them in milliseconds and rebuilt when they
change, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from memory.domain.knowledge import Hit, Passage
from memory.text import is_content, stem, words

K1 = 1.2
B = 0.75
HEADING_WEIGHT = 2  # heading words count this many times over body words
TITLE_WEIGHT = 2  # likewise the document's title and file name, in every passage
CONTEXT_WEIGHT = 0.35  # the turn just before the newest message
CONTEXT_FADE = 0.7  # each turn further back counts this much of the one after it
CONTEXT_TURNS = 6


def terms(text: str) -> list[str]:
    """Content words, stemmed: what the index and the questions are made of."""
    return [stem(word) for word in words(text) if is_content(word)]


@dataclass(frozen=True, slots=True)
class _Entry:
    passage: int
    weight: float  # BM25 term weight in this passage, before the query's own weight


class KnowledgeIndex:
    """An in-memory index of passages; build once, search many times."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        bags = [_bag(p) for p in self.passages]
        count = len(bags)
        average = sum(sum(bag.values()) for bag in bags) / count if count else 0.0
        frequency: Counter[str] = Counter()
        for bag in bags:
            frequency.update(bag.keys())
        self.idf = {
            term: math.log(1 + (count - n + 0.5) / (n + 0.5)) for term, n in frequency.items()
        }
        self.max_idf = max(self.idf.values(), default=1.0)
        postings: dict[str, list[_Entry]] = defaultdict(list)
        for index, bag in enumerate(bags):
            length = sum(bag.values())
            norm = K1 * (1 - B + B * length / average) if average else K1
            for term, tf in bag.items():
                postings[term].append(_Entry(index, self.idf[term] * tf * (K1 + 1) / (tf + norm)))
        self.postings = dict(postings)
        # The words of each passage's own text and headings, to explain and to measure coverage.
        self._own = [set(terms(_own_text(p))) for p in self.passages]
        self._position = {p.id: i for i, p in enumerate(self.passages)}

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, text: str, context: Sequence[str] = (), *, k: int = 5) -> list[Hit]:
        """The best ``k`` passages for the customer's newest message ``text``.

        ``context``: the conversation's earlier turns (oldest first) and anything
        else known about what the customer is talking about (their facts): used
        to resolve what the question is about, e.g. the hotel named two
        messages earlier. Best first; each hit says why it was chosen.
        """
        asked = terms(text)
        query = self._query(asked, context)
        if not query:
            return []
        scores: dict[int, float] = defaultdict(float)
        for term, weight in query.items():
            for entry in self.postings.get(term, ()):
                scores[entry.passage] += weight * entry.weight
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        asked_set = set(asked)
        context_terms = {t for t in query if t not in asked_set}
        return [
            Hit(
                passage=self.passages[index],
                score=round(score, 4),
                reason=self._reason(index, asked_set, context_terms),
            )
            for index, score in best
        ]

    def confidence(self, hit: Hit, text: str) -> float:
        """How much of the newest message the passage covers, weighted by rarity (0 to 1)."""
        asked = set(terms(text))
        if not asked:
            return 0.0
        index = self._position[hit.passage.id]
        own = self._own[index] | set(terms(_title(hit.passage)))
        total = sum(self.idf.get(t, self.max_idf) for t in asked)
        covered = sum(self.idf.get(t, self.max_idf) for t in asked if t in own)
        return round(covered / total, 3) if total else 0.0

    def _query(self, asked: list[str], context: Sequence[str]) -> dict[str, float]:
        query: dict[str, float] = defaultdict(float)
        for term in set(asked):
            query[term] = 1.0
        weight = CONTEXT_WEIGHT
        for turn in reversed(list(context)[-CONTEXT_TURNS:]):
            for term in set(terms(turn)):
                if term not in query or query[term] < 1.0:
                    query[term] = max(query[term], weight)
            weight *= CONTEXT_FADE
        return {t: w for t, w in query.items() if t in self.postings}

    def _reason(self, index: int, asked: set[str], context: set[str]) -> str:
        passage = self.passages[index]
        own = self._own[index]
        title = set(terms(_title(passage)))
        matched = sorted(t for t in asked if t in own or t in title)
        about = sorted(t for t in context if t in title)
        parts = []
        if matched:
            parts.append("matches " + ", ".join(matched[:6]))
        if about:
            parts.append("about " + ", ".join(about[:4]) + " (earlier in the conversation)")
        return "; ".join(parts) or "related words"


def _title(passage: Passage) -> str:
    stem_ = PurePosixPath(passage.file).stem.replace("-", " ").replace("_", " ")
    outer = passage.heading_path[0] if passage.heading_path else ""
    return f"{stem_} {outer}"


def _own_text(passage: Passage) -> str:
    return " ".join((*passage.heading_path, passage.text))


def _bag(passage: Passage) -> Counter[str]:
    bag = Counter(terms(passage.text))
    for _ in range(HEADING_WEIGHT):
        bag.update(terms(" ".join(passage.heading_path) or passage.heading))
    for _ in range(TITLE_WEIGHT):
        bag.update(terms(_title(passage)))
    return bag
