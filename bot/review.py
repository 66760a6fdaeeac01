"""Review surfaces: where reps see drafts and decide.

A surface (Slack review channel, Discord review channel, the web console)
implements :class:`ReviewSurface`. The engine calls :meth:`ReviewHub.publish`
after every change of a draft; each surface creates its card the first time
and updates it afterwards. Decisions come back through
:meth:`bot.engine.ResponseEngine.decide`.
"""

from __future__ import annotations

from typing import Protocol

import structlog

from memory.domain import DraftCard

log = structlog.get_logger(__name__)


class ReviewSurface(Protocol):
    """Shows draft cards to reps. ``name`` is stable: it keys stored card refs."""

    name: str

    async def publish(self, card: DraftCard) -> None:
        """Create the card for this draft, or update it if it exists."""


class ReviewHub:
    """Fans a card out to every surface; one failing surface does not stop the others."""

    def __init__(self, surfaces: list[ReviewSurface] | None = None) -> None:
        self.surfaces: list[ReviewSurface] = list(surfaces or [])

    def add(self, surface: ReviewSurface) -> None:
        self.surfaces.append(surface)

    async def publish(self, card: DraftCard) -> None:
        for surface in self.surfaces:
            try:
                await surface.publish(card)
            except Exception:
                # The draft is safe in the database and every other surface
                # still shows it; the failure is logged for the operator.
                log.exception("review_surface_failed", surface=surface.name, draft_id=card.draft_id)
