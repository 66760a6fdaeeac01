"""A plain Okapi BM25, the baseline recall is measured against.

Lower-cased words, no stemming, no stop words, no synonyms, no time: what
"full-text search" means when nothing else is done.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class BM25:
    def __init__(self, documents: Sequence[str], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.counts = [Counter(tokenize(d)) for d in documents]
        self.lengths = [sum(c.values()) for c in self.counts]
        self.average = sum(self.lengths) / max(1, len(self.lengths))
        frequency: Counter[str] = Counter()
        for counts in self.counts:
            frequency.update(counts.keys())
        n = len(documents)
        self.idf = {t: math.log((n - df + 0.5) / (df + 0.5) + 1.0) for t, df in frequency.items()}
        self.postings: dict[str, list[int]] = {}
        for i, counts in enumerate(self.counts):
            for term in counts:
                self.postings.setdefault(term, []).append(i)

    def top(self, query: str, k: int, allowed: Sequence[bool] | None = None) -> list[int]:
        """Indices of the ``k`` best documents for ``query``, best first."""
        scores: dict[int, float] = {}
        for term in set(tokenize(query)):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i in self.postings[term]:
                if allowed is not None and not allowed[i]:
                    continue
                tf = self.counts[i][term]
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.average)
                scores[i] = scores.get(i, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        return sorted(scores, key=lambda i: (-scores[i], i))[:k]
