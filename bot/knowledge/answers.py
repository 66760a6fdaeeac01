"""Grounding a draft in the team's knowledge, and checking what it cites.

Before a reply is drafted, :class:`KnowledgeBase` finds the passages that
answer the conversation (:mod:`bot.knowledge.index`), names them ``K1``,
``K2``… for the prompt, and says whether the best is confident enough to
answer from. After drafting, :func:`check_citations` keeps the citations to
passages that were given, removes (and flags) any other, and takes the
markers out of the text the customer will read: the card shows the sources.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog

from bot.knowledge.index import KnowledgeIndex
from memory.domain.knowledge import DraftSource, Hit
from memory.knowledge import Knowledge

log = structlog.get_logger(__name__)

GIVEN = 3  # passages a draft is given at most
# How long this process trusts its index before asking whether the knowledge changed
# elsewhere (a sync from the CLI, another process's answer); this process's own
# answers invalidate it at once.
FRESH_FOR = 1.0
FLOOR = 0.25  # below this confidence a passage is not even offered
_CITATION = re.compile(r"\s*\[(K\d+(?:\s*,\s*K\d+)*)\]")


@dataclass(frozen=True, slots=True)
class Given:
    """A passage offered to one draft under its prompt key."""

    key: str
    hit: Hit
    confidence: float

    @property
    def title(self) -> str:
        passage = self.hit.passage
        path = " › ".join(passage.heading_path) or passage.heading
        return f"{passage.file} › {path}" if path else passage.file


@dataclass(frozen=True, slots=True)
class Grounding:
    """What a draft is given from the knowledge, and whether it answers the message."""

    given: tuple[Given, ...] = ()
    confident: bool = False
    searched: bool = False  # False when the team has no knowledge at all: no flag then

    def sources(self, cited: Sequence[str] = ()) -> list[DraftSource]:
        return [
            DraftSource(
                key=g.key,
                passage_id=g.hit.passage.id,
                title=g.title,
                url=g.hit.passage.url,
                score=g.confidence,
                cited=g.key in cited,
            )
            for g in self.given
        ]


@dataclass
class KnowledgeBase:
    """The knowledge as drafts see it: an index kept in step with the database."""

    store: Knowledge
    min_confidence: float = 0.35
    _index: KnowledgeIndex | None = None
    _signature: tuple[int, int] | None = None
    _checked: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def invalidate(self) -> None:
        """Something changed here (a sent reply became a passage): look before the next use."""
        self._checked = float("-inf")

    async def index(self) -> KnowledgeIndex:
        """The index, rebuilt when a passage was added or removed anywhere.

        A small query, at most once a second, says whether anything changed, so
        docs synced from another process are found within a second; an answer
        sent from this process invalidates the index at once.
        """
        async with self._lock:
            now = time.monotonic()
            if self._index is not None and now - self._checked < FRESH_FOR:
                return self._index
            signature = await self.store.signature()
            self._checked = now
            if self._index is None or signature != self._signature:
                started = time.perf_counter()
                passages = await self.store.passages()
                self._index = KnowledgeIndex(passages)
                self._signature = signature
                log.info(
                    "knowledge_indexed",
                    passages=len(passages),
                    ms=round((time.perf_counter() - started) * 1000, 1),
                )
            return self._index

    async def ground(self, text: str, context: Sequence[str] = ()) -> Grounding:
        """The passages to give a draft answering ``text`` in this conversation."""
        index = await self.index()
        if not len(index):
            return Grounding()
        given: list[Given] = []
        for hit in index.search(text, context, k=GIVEN):
            confidence = index.confidence(hit, text)
            if confidence >= FLOOR:
                given.append(Given(f"K{len(given) + 1}", hit, confidence))
        confident = bool(given) and given[0].confidence >= self.min_confidence
        return Grounding(tuple(given), confident=confident, searched=True)


@dataclass(frozen=True, slots=True)
class Checked:
    text: str  # what the customer reads: no citation markers
    sources: list[DraftSource]
    flags: list[str]


def check_citations(text: str, grounding: Grounding) -> Checked:
    """Keep citations to passages that were given; remove and flag the others."""
    known = {g.key for g in grounding.given}
    cited: list[str] = []
    unknown: list[str] = []
    for match in _CITATION.finditer(text):
        for key in re.split(r"\s*,\s*", match.group(1)):
            (cited if key in known else unknown).append(key)
    clean = _CITATION.sub("", text).strip()
    flags = [
        f"removed a citation to {key}, which was not among the sources given"
        for key in dict.fromkeys(unknown)
    ]
    return Checked(clean, grounding.sources(list(dict.fromkeys(cited))), flags)
