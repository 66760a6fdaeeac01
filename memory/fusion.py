"""Merging the full-text ranking with the ranking by meaning.

Reciprocal rank fusion: an item's score is the sum, over the rankings that
hold it, of ``1 / (K + rank)``. It needs no calibration between the two
scores (BM25 points and cosines are not comparable), and an item both
rankings agree on rises above one that only one of them likes.
``K`` damps how much the very first ranks count (Cormack et al., 2009).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from memory.domain import RecallItem
from memory.search import Candidate

# The paper's K = 60 suits many long lists; here two short ones are fused and
# their first few ranks carry the signal. Measured on our data set with K in
# {5, 10, 60} (docs/benchmarks.md); 10 is the middle choice, not the best fit.
K = 10


def fuse(
    lexical: Sequence[RecallItem],
    similar: Sequence[tuple[int, float]],
    rows: Mapping[int, Candidate],
) -> list[RecallItem]:
    """One ranking from both, best first; ``rows`` holds the messages only ``similar`` found.

    Ranks count messages, not items: a fact and the turn it was read from
    stand for one message and share its place, and both gain when the
    message is also similar in meaning.
    """
    items: list[RecallItem] = list(lexical)
    keys: list[object] = [
        item.message_id if item.message_id is not None else ("item", at)
        for at, item in enumerate(items)
    ]
    ranks: dict[object, int] = {}
    for key in keys:
        ranks.setdefault(key, len(ranks))
    scores: dict[object, float] = {key: 1.0 / (K + rank + 1) for key, rank in ranks.items()}
    cosines: dict[int, float] = {}
    for rank, (message_id, cosine) in enumerate(similar):
        if message_id not in scores:
            row = rows.get(message_id)
            if row is None:
                continue  # deleted since it was scanned
            items.append(
                RecallItem(
                    kind="related",
                    text=row.text,
                    reason="similar in meaning",
                    score=0.0,
                    message_id=row.id,
                    at=row.sent_at,
                    speaker=row.author_name,
                )
            )
            keys.append(message_id)
            scores[message_id] = 0.0
        scores[message_id] += 1.0 / (K + rank + 1)
        cosines[message_id] = cosine
    fused: list[tuple[float, int, RecallItem]] = []
    for at, (item, key) in enumerate(zip(items, keys, strict=True)):
        reason = item.reason
        if isinstance(key, int) and key in cosines:
            note = f"similar in meaning ({cosines[key]:.2f})"
            reason = note if reason == "similar in meaning" else f"{reason}; {note}"
        score = round(scores[key] * 100, 4)
        fused.append((scores[key], at, replace(item, reason=reason, score=score)))
    fused.sort(key=lambda entry: (-entry[0], entry[1]))
    return [item for _, _, item in fused]
