"""The platform contract: what Slack, Discord and the web console each give Rapport.

A platform brings customers' messages in (translated to
:class:`~memory.domain.InboundMessage` and handed to ``engine.receive``), shows
draft cards to reps (:meth:`Platform.publish`, drawn from the one card model,
:meth:`~memory.domain.DraftCard.actions`), takes their decisions (only from
people its one rep check accepts: Slack's ``RepDirectory``, Discord's
``DiscordConfig.is_rep``, the console's login roles) to ``engine.decide``, and delivers
approved replies (:meth:`Platform.send_reply`). The composition root
(:mod:`handlers.composition`) connects each platform to the engine and starts
and stops it; nothing registers itself.

:class:`ReviewChannel` is the shared part of a chat review channel: one card
per draft, posted once and updated in place, its reference stored, and the
cards a crash left unposted caught up at start. ``tests/platforms`` holds the
contract suite every platform passes.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import structlog
from fastapi import APIRouter

from bot.engine import ResponseEngine
from bot.tasks import Background
from memory.domain import DraftCard, DraftStatus, ReplyTarget
from memory.store import MemoryStore

log = structlog.get_logger(__name__)

CardLoader = Callable[[int], Awaitable[DraftCard | None]]
CardRef = dict[str, Any]

# Drafts that need a card after a restart: a rep can still act on them, or
# one is being delivered. Queued and drafting ones get theirs when drafted.
NEEDS_CARD = (DraftStatus.PENDING, DraftStatus.FAILED, DraftStatus.SENDING)
CATCH_UP_LIMIT = 2000
# What a forgotten customer's card says instead: nothing of theirs, no buttons.
FORGOTTEN_CARD = "This customer's data was deleted."


class Platform(Protocol):
    """A chat platform or the web console, as the composition root sees it.

    ``name`` is stable: it is the ``platform`` of the messages it brings in, the
    reply targets it delivers to, and the key of the card references it stores.
    """

    name: str

    def routers(self) -> Sequence[APIRouter]:
        """HTTP endpoints to serve on the web port (Slack's HTTP mode); may be none."""
        ...

    async def start(self) -> None:
        """Connect, check credentials (failing loudly), catch up on missed cards."""
        ...

    async def stop(self) -> None:
        """Finish what was acknowledged (a decision in flight), then disconnect."""
        ...

    async def wait_idle(self) -> None:
        """Until every acknowledged event's work (decisions, cards) is done."""
        ...

    async def publish(self, card: DraftCard) -> None:
        """Show the draft's card to this platform's reps: create it, or update it in place."""
        ...

    async def send_reply(self, target: ReplyTarget, text: str) -> str | None:
        """Deliver approved text; the platform's id for it. Raise ``DeliveryError`` on refusal."""
        ...


async def settle(background: Background, engine: ResponseEngine) -> None:
    """Until a platform's acknowledged work and the drafts it started are done.

    Each waits on the other: a decision starts a delivery, a message a draft,
    a draft a card; the loop ends when neither has anything left.
    """
    while True:
        await background.wait_idle()
        await engine.wait_idle()
        if not background.busy:
            return


class ReviewChannel(ABC):
    """A chat channel where reps see one card per draft, updated in place.

    Subclasses draw and send the card; this class decides when: a per-draft
    lock and a re-read under it make "create if missing" safe when the engine
    and the start-up catch-up publish one draft at once, and out-of-order
    publishes still leave the newest state on screen.
    """

    def __init__(self, name: str, store: MemoryStore, load: CardLoader) -> None:
        self.name = name  # the platform's: keys card references, filters drafts
        self.store = store
        self._load = load
        self._locks: dict[int, asyncio.Lock] = {}

    @abstractmethod
    async def post_card(self, card: DraftCard) -> CardRef:
        """Send a new card; where it went, to update it later."""

    @abstractmethod
    async def update_card(self, ref: CardRef, card: DraftCard) -> bool:
        """Redraw the card at ``ref``; False when it is gone (deleted by someone)."""

    @abstractmethod
    async def redact_card(self, ref: CardRef) -> None:
        """Redraw the card at ``ref`` as :data:`FORGOTTEN_CARD`; nothing to do when it is gone."""

    def ready(self) -> bool:
        """Whether cards can be sent now; the start-up catch-up posts what waited."""
        return True

    async def forget(self, draft_id: int, ref: CardRef) -> None:
        """Redact the card of a draft whose customer was forgotten.

        Under the draft's lock: a publish already past its re-read would
        otherwise redraw the customer's words over the notice. Publishes that
        come later find no draft and draw nothing.
        """
        async with self._locks.setdefault(draft_id, asyncio.Lock()):
            await self.redact_card(ref)
        self._locks.pop(draft_id, None)

    async def publish(self, card: DraftCard) -> None:
        # Each chat platform's reps review that platform's customers; every
        # draft is also on the web console.
        if card.platform != self.name or not self.ready():
            return
        lock = self._locks.setdefault(card.draft_id, asyncio.Lock())
        async with lock:
            latest = await self._load(card.draft_id)
            if latest is None:
                return  # forgotten meanwhile
            await self._show(latest)
        if not lock.locked() and latest.status not in (DraftStatus.PENDING, DraftStatus.FAILED):
            self._locks.pop(card.draft_id, None)

    async def _show(self, card: DraftCard) -> None:
        ref = await self.store.cards.get(card.draft_id, self.name)
        if ref is not None:
            if await self.update_card(ref, card):
                return
            # Someone deleted the card: post a fresh one so the draft stays reviewable.
            log.warning("review_card_missing", platform=self.name, draft_id=card.draft_id)
        new_ref = await self.post_card(card)
        await self.store.cards.save(card.draft_id, self.name, new_ref)

    async def catch_up(self) -> int:
        """Post the cards a crash or an outage left unposted; returns how many.

        Cards already posted are left alone: a restart with many drafts open
        must not spend the platform's rate limit redrawing what is on screen.
        """
        shown = 0
        for draft in await self.store.drafts.in_statuses(NEEDS_CARD, limit=CATCH_UP_LIMIT):
            if draft.target.platform != self.name:
                continue
            if await self.store.cards.get(draft.id, self.name) is not None:
                continue
            card = await self._load(draft.id)
            if card is None:
                continue
            try:
                await self.publish(card)
            except Exception:
                # One card the platform refuses must not keep the others from showing.
                log.exception("review_card_catch_up_failed", platform=self.name, draft_id=draft.id)
                continue
            shown += 1
        if shown:
            log.info("review_cards_caught_up", platform=self.name, count=shown)
        return shown
