"""Knowledge: the team's own docs and past answers, as passages a draft can cite.

A source (a folder or files added with ``rapport knowledge add``) holds
documents; a document is cut into sections under its headings, and a long
section into pieces that keep the section's file, heading path and anchor.
Past answers (a customer's question and the reply a rep sent) are passages
too, of kind ``answer``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class PassageKind(StrEnum):
    DOC = "doc"
    ANSWER = "answer"  # answered before: a question and the reply a rep approved


@dataclass(frozen=True, slots=True)
class Section:
    """One piece of a document as the reader cut it (not yet stored)."""

    heading: str  # the section's own heading text, without '#' ('' before the first)
    heading_path: tuple[str, ...]  # the headings above it and its own, outermost first
    anchor: str  # the heading's URL fragment, GitHub style ('' for none)
    text: str  # the body under the heading, as plain text
    piece: int = 0  # 0, 1, … when a long section was split


@dataclass(frozen=True, slots=True)
class Document:
    """A file read from a source: where it is, what it held, and its sections."""

    path: str  # relative to the source's root, POSIX form, no './'
    content_hash: str  # sha256 of the file's bytes: unchanged files are not re-indexed
    title: str
    sections: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class ReadProblem:
    """A file that could not be indexed, and why, in words for the person who added it."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A stored passage, as retrieval and cards see it."""

    id: int
    kind: PassageKind
    source: str  # the source's name ('answered before' for past answers)
    file: str
    heading: str
    heading_path: tuple[str, ...]
    anchor: str
    piece: int
    text: str
    url: str | None  # the public link, when the source has a URL prefix
    indexed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage retrieval chose for a question, how strongly, and why."""

    passage: Passage
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class Source:
    """A knowledge source as ``rapport knowledge list`` shows it."""

    name: str
    root: str
    url_prefix: str | None
    documents: int
    passages: int
    indexed_at: datetime | None


@dataclass(slots=True)
class SyncReport:
    """What one ``rapport knowledge add`` did to a source."""

    source: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[ReadProblem] = field(default_factory=list)
    passages: int = 0


@dataclass(frozen=True, slots=True)
class DraftSource:
    """A passage a draft was given (``K1``, ``K2``…), whether it was cited, and its link."""

    key: str  # K1, K2, … as the prompt named it
    passage_id: int
    title: str  # "file › heading" as a card shows it
    url: str | None
    score: float
    cited: bool
