"""Retrieval over knowledge passages that understands a conversation.

Two scores, added:

* **What is asked**: BM25 of the newest message over each passage's heading
  path (weighted twice: headings say what a section is about) and text,
  with everyday synonyms of the message's words at half weight ("kids" finds
  "children", "car park" "parking").
* **What it is about**: which document the conversation is about. A page's
  title words (its file name and first heading: the Lakeside Hotel, the
  Deluxe plan) found anywhere in the conversation, newest message included
  and however many turns back, point at that page, rare words most. Other
  words of earlier turns are left out: an earlier question must not outrank
  the one being asked.

So "Do they have parking?" four turns after "I'm booked at the Lakeside
Hotel" ranks the Lakeside page's parking section first, and the newest
message still decides which section.

Each hit says why it was chosen, and its **confidence**: the share of the
newest message's content (weighted by rarity) that the passage covers. A
draft answers from the docs only above ``RAPPORT_KNOWLEDGE_MIN_CONFIDENCE``.

The passages live in the database (:mod:`memory.knowledge`); the ranking is
this in-process index, built from them in milliseconds and rebuilt when they
change, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from memory.domain.knowledge import Hit, Passage
from memory.text import is_content, stem, synonyms, words

K1 = 1.2
B = 0.75
HEADING_WEIGHT = 2  # heading words count this many times over body words
SYNONYM_WEIGHT = 0.5  # a synonym of the customer's word, against the word itself
ABOUT_WEIGHT = 0.6  # the page the conversation is about, against the best section's match
# Everyday support wording that docs phrase differently (beside memory.text's
# synonyms, which are about people's lives). Each group: words for one thing.
SUPPORT_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("parking", "park", "car park", "garage"),
    ("kids", "children", "child", "family", "families", "cot", "crib"),
    ("cancel", "cancellation", "reschedule", "change", "refund", "money back"),
    ("luggage", "bags", "suitcase", "baggage"),
    ("smoking", "smoke", "vaping", "vape", "cigarette"),
    ("price", "cost", "fee", "charge", "how much"),
    ("hours", "open", "opening", "close", "closing", "times"),
    ("wifi", "internet", "network", "password", "connection"),
    ("delivery", "shipping", "ship", "arrive", "dispatch"),
    ("broken", "faulty", "damaged", "not working", "repair"),
    ("party", "event", "private", "celebration", "booking"),
    ("pet", "dog", "cat", "animal"),
    ("accessible", "accessibility", "wheelchair", "disabled", "step-free"),
    ("breakfast", "meal", "food", "dinner", "lunch", "restaurant"),
    ("login", "log in", "sign in", "password", "account"),
)


_COMPOUND = re.compile(r"\b([^\W_]+)-([^\W_]+)\b")


def terms(text: str) -> list[str]:
    """Content words, stemmed: what the index and the questions are made of.

    A hyphenated word also counts joined ("Wi-Fi" is "wifi" too, "e-mail" "email").
    """
    joined = " ".join(a + b for a, b in _COMPOUND.findall(text))
    return [stem(word) for word in words(f"{text} {joined}") if is_content(word)]


def _synonym_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, set[str]] = defaultdict(set)
    for group in SUPPORT_SYNONYMS:
        stems = {t for word in group for t in terms(word)}
        for t in stems:
            table[t] |= stems - {t}
    return {t: tuple(sorted(others)) for t, others in table.items()}


_SYNONYMS = _synonym_table()


def related(term: str) -> tuple[str, ...]:
    """Stems of everyday words for the same thing as stem ``term``."""
    found = set(_SYNONYMS.get(term, ()))
    found.update(t for word in synonyms(term) for t in terms(word))
    found.discard(term)
    return tuple(sorted(found))


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
        # Pages by their title words, for "what is the conversation about".
        self._file_of = [p.file for p in self.passages]
        titles: dict[str, set[str]] = {}
        for p in self.passages:
            titles.setdefault(p.file, set()).update(terms(_title(p)))
        self._titles = titles
        self._by_title_term: dict[str, list[str]] = defaultdict(list)
        for file, words_ in titles.items():
            for term in words_:
                self._by_title_term[term].append(file)
        pages = len(titles) or 1
        self._title_idf = {
            term: math.log(1 + (pages - len(files) + 0.5) / (len(files) + 0.5))
            for term, files in self._by_title_term.items()
        }
        self._passages_of: dict[str, list[int]] = defaultdict(list)
        for index, file in enumerate(self._file_of):
            self._passages_of[file].append(index)

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
        query = self._query(asked)
        scores: dict[int, float] = defaultdict(float)
        for term, weight in query.items():
            for entry in self.postings.get(term, ()):
                scores[entry.passage] += weight * entry.weight
        about = self._about([text, *context])
        if not scores and not about:
            return []
        best_match = max(scores.values(), default=0.0) or 1.0
        best_about = max(about.values(), default=0.0) or 1.0
        final: dict[int, float] = {i: s / best_match for i, s in scores.items()}
        for file, weight in about.items():
            for index in self._passages_of[file]:
                final[index] = final.get(index, 0.0) + ABOUT_WEIGHT * weight / best_about
        ranked = sorted(final.items(), key=lambda item: (-item[1], item[0]))[:k]
        asked_set = set(asked)
        return [
            Hit(
                passage=self.passages[index],
                score=round(score, 4),
                reason=self._reason(index, asked_set, about),
            )
            for index, score in ranked
        ]

    def _about(self, turns: Sequence[str]) -> dict[str, float]:
        """Pages whose title words the conversation uses, each with how strongly."""
        said: set[str] = set()
        for turn in turns:
            said.update(terms(turn))
        about: dict[str, float] = defaultdict(float)
        for term in said:
            files = self._by_title_term.get(term)
            if files and len(files) < len(self._titles):  # a word every page has says nothing
                for file in files:
                    about[file] += self._title_idf[term]
        if not about:
            return {}
        top = max(about.values())
        # Only pages close to the best: one shared common word must not pull in dozens.
        return {file: w for file, w in about.items() if w >= 0.6 * top}

    def confidence(self, hit: Hit, text: str) -> float:
        """How much of the newest message the passage covers, weighted by rarity (0 to 1)."""
        asked = set(terms(text))
        if not asked:
            return 0.0
        index = self._position[hit.passage.id]
        own = self._own[index] | set(terms(_title(hit.passage)))
        # A word no passage contains at all (a product we do not sell, a "pet" in a
        # router help centre) says the docs cannot answer: it weighs double.
        total = sum(self.idf.get(t, 2 * self.max_idf) for t in asked)
        covered = sum(
            self.idf.get(t, 2 * self.max_idf)
            for t in asked
            if t in own or any(o in own for o in related(t))
        )
        return round(covered / total, 3) if total else 0.0

    def _query(self, asked: list[str]) -> dict[str, float]:
        query: dict[str, float] = {}
        for term in asked:
            for other in related(term):
                if other in self.postings:
                    query[other] = max(query.get(other, 0.0), SYNONYM_WEIGHT)
        for term in asked:
            if term in self.postings:
                query[term] = 1.0
        return query

    def _reason(self, index: int, asked: set[str], about: dict[str, float]) -> str:
        own = self._own[index]
        matched = sorted(t for t in asked if t in own)
        near = sorted({o for t in asked if t not in own for o in related(t) if o in own})
        parts = []
        if matched:
            parts.append("matches " + ", ".join(matched[:6]))
        if near:
            parts.append("similar words " + ", ".join(near[:4]))
        file = self._file_of[index]
        if file in about:
            parts.append(f"the conversation is about {file}")
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
    return bag
