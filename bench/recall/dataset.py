"""The recall benchmark's file format and its scoring.

One JSON object per line; unknown kinds and fields are ignored::

    {"kind": "message", "conversation": "c1", "id": "m17", "speaker": "Dana",
     "time": "2024-03-02T14:05:00", "text": "..."}
    {"kind": "query", "conversation": "c1", "id": "q3", "text": "...",
     "evidence": ["m17", "m40"], "time": "..."}
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


class DatasetError(ValueError):
    """A benchmark file Rapport cannot read, with the line that is wrong."""


@dataclass(frozen=True, slots=True)
class BenchMessage:
    conversation: str
    id: str
    speaker: str
    time: datetime
    text: str


@dataclass(frozen=True, slots=True)
class BenchQuery:
    conversation: str
    id: str
    text: str
    evidence: tuple[str, ...]
    time: datetime | None
    category: str | None = None


@dataclass(slots=True)
class Dataset:
    messages: dict[str, list[BenchMessage]] = field(default_factory=dict)  # by conversation
    queries: list[BenchQuery] = field(default_factory=list)

    @property
    def message_count(self) -> int:
        return sum(len(m) for m in self.messages.values())

    def asked_at(self, query: BenchQuery) -> datetime:
        """When a query is asked: its own time, else its conversation's last message."""
        if query.time is not None:
            return query.time
        history = self.messages.get(query.conversation)
        return history[-1].time if history else datetime.now(UTC)


def parse_time(value: object, where: str) -> datetime:
    if not isinstance(value, str):
        raise DatasetError(f"{where}: 'time' must be an ISO 8601 string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DatasetError(f"{where}: 'time' {value!r} is not an ISO 8601 date-time") from exc
    # The format says naive times are UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load(path: Path) -> Dataset:
    """Read a benchmark file; messages keep their file order within a conversation."""
    data = Dataset()
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{where}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise DatasetError(f"{where}: expected a JSON object")
            kind = row.get("kind")
            if kind == "message":
                message = _message(row, where)
                if message.id in seen:
                    raise DatasetError(f"{where}: message id {message.id!r} appears twice")
                seen.add(message.id)
                data.messages.setdefault(message.conversation, []).append(message)
            elif kind == "query":
                data.queries.append(_query(row, where))
    return data


def _required(row: dict[str, object], name: str, where: str) -> str:
    value = row.get(name)
    if value is None or isinstance(value, (dict, list)):
        raise DatasetError(f"{where}: a {row.get('kind')} needs a '{name}'")
    return str(value)


def _message(row: dict[str, object], where: str) -> BenchMessage:
    return BenchMessage(
        conversation=_required(row, "conversation", where),
        id=_required(row, "id", where),
        speaker=str(row.get("speaker") or "customer"),
        time=parse_time(row.get("time"), where),
        text=str(row.get("text") or ""),
    )


def _query(row: dict[str, object], where: str) -> BenchQuery:
    evidence = row.get("evidence") or []
    if not isinstance(evidence, list):
        raise DatasetError(f"{where}: 'evidence' must be a list of message ids")
    category = row.get("category")
    return BenchQuery(
        conversation=_required(row, "conversation", where),
        id=_required(row, "id", where),
        text=_required(row, "text", where),
        evidence=tuple(str(e) for e in evidence),
        time=parse_time(row["time"], where) if row.get("time") is not None else None,
        category=str(category) if category is not None else None,
    )


# -- scoring ------------------------------------------------------------------------


@dataclass(slots=True)
class Scores:
    """Recall@k per query, and what could not be scored."""

    ks: tuple[int, ...]
    per_query: list[dict[str, float]] = field(default_factory=list)
    categories: list[str | None] = field(default_factory=list)
    unscorable: list[str] = field(default_factory=list)  # queries with no known evidence
    missing_evidence: list[str] = field(default_factory=list)  # "query: id" naming no message

    def add(self, query: BenchQuery, ranked: Sequence[str], known: set[str]) -> None:
        present = [e for e in dict.fromkeys(query.evidence) if e in known]
        self.missing_evidence += [f"{query.id}: {e}" for e in query.evidence if e not in known]
        if not present:
            self.unscorable.append(query.id)
            return
        self.per_query.append(
            {f"recall@{k}": len(set(ranked[:k]) & set(present)) / len(present) for k in self.ks}
        )
        self.categories.append(query.category)

    def summary(self) -> dict[str, float]:
        if not self.per_query:
            return {f"recall@{k}": 0.0 for k in self.ks}
        return {
            name: round(statistics.fmean(q[name] for q in self.per_query), 4)
            for name in self.per_query[0]
        }

    def by_category(self, k: int) -> dict[str, float]:
        groups: dict[str, list[float]] = {}
        for scores, category in zip(self.per_query, self.categories, strict=True):
            if category is not None:
                groups.setdefault(category, []).append(scores[f"recall@{k}"])
        return {c: round(statistics.fmean(v), 4) for c, v in sorted(groups.items())}


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]
