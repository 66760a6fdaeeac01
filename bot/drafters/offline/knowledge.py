"""Answers from the team's own docs: the best passage's sentences, cited with its marker.

Only when retrieval is confident; otherwise the reply says a teammate will
check, never a guess. The marker (``[K1]``) is for the engine, which strips it
from the customer's text and records the citation on the draft's card.
"""

from __future__ import annotations

import re

from bot.drafters.base import DraftRequest
from bot.knowledge.index import terms

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")
MAX_ANSWER_CHARS = 320


def answer(request: DraftRequest, text: str) -> str | None:
    """The best passage's own sentences that answer ``text``, cited, with its link."""
    grounding = request.grounding
    if not grounding.confident or not grounding.given:
        return None
    best = grounding.given[0]
    sentences = [s.strip() for s in _SENTENCE.split(best.hit.passage.text) if s.strip()]
    if not sentences:
        return None
    asked = set(terms(text))
    ranked = sorted(
        range(len(sentences)), key=lambda i: (-len(asked & set(terms(sentences[i]))), i)
    )
    chosen = [ranked[0]]
    for i in ranked[1:]:
        if len(" ".join(sentences[j] for j in [*chosen, i])) > MAX_ANSWER_CHARS:
            break
        if asked & set(terms(sentences[i])):
            chosen.append(i)
    said = " ".join(sentences[i] for i in sorted(chosen))
    if len(said) > MAX_ANSWER_CHARS:
        said = said[:MAX_ANSWER_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    url = best.hit.passage.url
    link = f" There's more on our help page: {url}" if url else ""
    return f"{said} [{best.key}]{link}"
