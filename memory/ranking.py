"""How recall reads a message and scores what it might bring back.

A message becomes a :class:`Query`: its *concepts* (content words, each with
alternatives: the word's stem, everyday synonyms, and names the customer's
facts tie to it, e.g. "cat" ↔ "Milo"), the people it names, and the stretch of
the past it points at. Candidates are then scored with BM25 over concepts,
so a message matching several of the asked-about things beats one repeating
a single word, and synonyms count for less than the word itself.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from memory.domain.dates import PAST_PATTERN, TimeWindow, past_window
from memory.text import QUESTION_WORDS, fold, is_content, stem, stems, synonyms, words

SYNONYM_WEIGHT = 0.55
ENTITY_WEIGHT = 0.8
MAX_CONCEPTS = 12
K1 = 1.2
B = 0.4  # chat messages are short: length matters less than in documents

# Words that ask for the latest state of something that may have changed.
_NOW_WORDS = re.compile(
    r"\b(now|currently|current|these days|at the moment|at present|latest|newest|most recent"
    r"|anymore|still|new|today)\b",
    re.I,
)


@dataclass(slots=True)
class Concept:
    """One thing the message asks about, and the words that would show it."""

    word: str
    alternatives: dict[str, float]  # stem → weight (1.0 for the word itself)
    search: dict[str, float] = field(default_factory=dict)  # words for the index → weight


@dataclass(slots=True)
class Query:
    concepts: list[Concept]
    speakers: set[str]  # folded first names of people the message names who speak here
    window: TimeWindow | None
    wants_latest: bool

    def search_terms(self, limit: int) -> list[tuple[str, float]]:
        """(word, weight) pairs for the full-text index, at most ``limit``.

        Every concept's own word first, then the names facts tie to them, then
        synonyms taken round-robin so each concept gets its share.
        """
        best: dict[str, float] = {}
        rounds: list[list[tuple[str, float]]] = []
        for concept in self.concepts:
            ordered = sorted(concept.search.items(), key=lambda kv: -kv[1])
            for depth, pair in enumerate(ordered):
                while len(rounds) <= depth:
                    rounds.append([])
                rounds[depth].append(pair)
        for layer in rounds:
            for term, weight in sorted(layer, key=lambda kv: -kv[1]):
                if len(best) >= limit and term not in best:
                    continue
                best[term] = max(best.get(term, 0.0), weight)
        return list(best.items())


@dataclass(frozen=True, slots=True)
class FactView:
    """The parts of a stored fact that query expansion needs."""

    kind: str
    value: str


def analyse(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    speakers: Iterable[str] = (),
    facts: Sequence[FactView] = (),
) -> Query:
    window = past_window(text, now, tz)
    body = PAST_PATTERN.sub(" ", text) if window else text
    names = {first_name(s) for s in speakers if first_name(s)}
    named_speakers: set[str] = set()
    concepts: dict[str, Concept] = {}
    for word in words(body):
        if word in names:
            named_speakers.add(word)
            continue
        if not is_content(word) or word in QUESTION_WORDS:
            continue
        key = stem(word)
        if key in concepts:
            continue
        concept = Concept(word, {key: 1.0}, {word: 1.0})
        for other in synonyms(word):
            concept.search.setdefault(other, SYNONYM_WEIGHT)
            for part in other.split():
                concept.alternatives.setdefault(stem(part), SYNONYM_WEIGHT)
        concepts[key] = concept
        if len(concepts) >= MAX_CONCEPTS:
            break
    _link_entities(list(concepts.values()), facts)
    return Query(
        concepts=list(concepts.values()),
        speakers=named_speakers,
        window=window,
        wants_latest=bool(_NOW_WORDS.search(text)),
    )


def first_name(name: str) -> str:
    parts = words(name)
    return parts[0] if parts else ""


def _link_entities(concepts: list[Concept], facts: Sequence[FactView]) -> None:
    """ "my cat" also means Milo, and "Milo" also means the cat, when a fact says so."""
    for fact in facts:
        if fact.kind not in ("pet", "family"):
            continue
        parts = fact.value.split()
        if len(parts) < 2:
            continue
        kind_word, name = fold(" ".join(parts[:-1])), fold(parts[-1])
        kind_stems = {stem(w) for w in kind_word.split()}
        for w in kind_word.split():
            kind_stems.update(stem(s) for s in synonyms(w) if " " not in s)
        name_stem = stem(name)
        for concept in concepts:
            if any(concept.alternatives.get(s, 0.0) == 1.0 for s in kind_stems):
                concept.alternatives.setdefault(name_stem, ENTITY_WEIGHT)
                concept.search.setdefault(name, ENTITY_WEIGHT)
            elif name_stem in concept.alternatives and concept.alternatives[name_stem] == 1.0:
                for w in kind_word.split():
                    concept.alternatives.setdefault(stem(w), ENTITY_WEIGHT)
                    concept.search.setdefault(w, ENTITY_WEIGHT)


@dataclass(slots=True)
class Scorer:
    """BM25 over a query's concepts, with document frequencies from the index."""

    query: Query
    idf: dict[str, float]  # stem → inverse document frequency
    average_length: float = 16.0
    _concept_idf: dict[str, float] = field(default_factory=dict)
    _weights: list[tuple[str, float, tuple[tuple[str, float], ...]]] | None = None
    _possible: float = 0.0

    def concept_idf(self, concept: Concept) -> float:
        cached = self._concept_idf.get(concept.word)
        if cached is None:
            cached = max(
                (self.idf.get(s, 0.0) for s, w in concept.alternatives.items() if w == 1.0),
                default=0.0,
            ) or max(self.idf.values(), default=1.0)
            self._concept_idf[concept.word] = cached
        return cached

    def score(self, counts: Mapping[str, int], length: int) -> tuple[float, list[str]]:
        """The text's relevance, and the query words it matched (for the reason)."""
        total = 0.0
        matched: list[str] = []
        covered = 0.0
        norm = K1 * (1 - B + B * length / self.average_length)
        for word, weight_here, alternatives in self._weighted():
            best = 0.0
            for alt, scale in alternatives:
                tf = counts.get(alt)
                if tf:
                    value = scale * tf * (K1 + 1) / (tf + norm)
                    if value > best:
                        best = value
            if best:
                total += best
                covered += weight_here
                matched.append(word)
        if not total:
            return 0.0, matched
        possible = self._possible
        coverage = covered / possible if possible else 0.0
        return total * (0.6 + 0.4 * coverage), matched

    def _weighted(self) -> list[tuple[str, float, tuple[tuple[str, float], ...]]]:
        """Per concept: its word, its weight, and each alternative's weight × idf.

        Worked out once per query rather than once per scored text.
        """
        if self._weights is None:
            self._weights = []
            self._possible = 0.0
            for concept in self.query.concepts:
                weight_here = self.concept_idf(concept)
                self._possible += weight_here
                scaled = tuple(
                    (alt, weight * self.idf.get(alt, weight_here))
                    for alt, weight in concept.alternatives.items()
                )
                self._weights.append((concept.word, weight_here, scaled))
        return self._weights


def idf_table(document_frequency: dict[str, int], documents: int) -> dict[str, float]:
    n = max(documents, 1)
    return {
        s: math.log(1.0 + (n - df + 0.5) / (df + 0.5)) if df else math.log(1.0 + n)
        for s, df in document_frequency.items()
    }


@lru_cache(maxsize=4096)
def text_counts(text: str) -> tuple[Mapping[str, int], int]:
    """Stem counts of ``text`` and its length in words; shared between callers, so read-only.

    Cached because recall reads the same texts again and again: a customer's
    newest messages top every word's list, and tokenising and stemming a
    message costs more than scoring it.
    """
    tokens = stems(text)
    return Counter(tokens), len(tokens)
