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
per draft, posted once and updated in place, its reference stored, whichever
process wrote the draft (:meth:`ReviewChannel.sync`, run at start and every
second by :mod:`handlers.relay`). ``tests/platforms`` holds the contract suite
every platform passes.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from fastapi import APIRouter

from bot.engine import ResponseEngine
from bot.tasks import Background
from memory.card_refs import Turn
from memory.domain import DraftCard, DraftStatus, ReplyTarget
from memory.store import MemoryStore

log = structlog.get_logger(__name__)

CardLoader = Callable[[int], Awaitable[DraftCard | None]]
CardRef = dict[str, Any]

# A card some process began posting this long ago and never finished: it died.
POSTING_GIVEN_UP = timedelta(seconds=30)
SYNC_CONCURRENCY = 8  # cards drawn at once by one look
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

    Subclasses draw and send the card; this class decides when. The draft is
    re-read under a per-draft lock, and the card taken in the database for
    that revision (:meth:`memory.card_refs.CardRefs.take`), so the engine, the
    relay and another process running the same channel post each card once,
    and out-of-order publishes still leave the newest state on screen.
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
        await self._publish(card)

    async def _publish(self, card: DraftCard) -> bool:
        """Show the card; True if this process drew it (not skipped or another's)."""
        # Each chat platform's reps review that platform's customers; every
        # draft is also on the web console.
        if card.platform != self.name or not self.ready():
            return False
        return await self._publish_latest(card.draft_id)

    async def _publish_latest(self, draft_id: int) -> bool:
        """Draw the draft as the database has it now (read once, under its lock)."""
        lock = self._locks.setdefault(draft_id, asyncio.Lock())
        async with lock:
            latest = await self._load(draft_id)
            if latest is None:
                return False  # forgotten meanwhile
            drawn = await self._show(latest)
        if not lock.locked() and latest.status not in (DraftStatus.PENDING, DraftStatus.FAILED):
            self._locks.pop(draft_id, None)
        return drawn

    async def _show(self, card: DraftCard) -> bool:
        stuck_before = datetime.now(UTC) - POSTING_GIVEN_UP
        cards = self.store.cards
        taken = await cards.take(card.draft_id, self.name, card.revision, stuck_before=stuck_before)
        if taken.turn is Turn.SKIP:
            return False
        if taken.turn is Turn.UPDATE:
            assert taken.ref is not None
            try:
                if await self.update_card(taken.ref, card):
                    return True
            except Exception:
                await cards.not_updated(card.draft_id, self.name, card.revision)
                raise
            # Someone deleted the card: post a fresh one so the draft stays reviewable.
            log.warning("review_card_missing", platform=self.name, draft_id=card.draft_id)
        try:
            new_ref = await self.post_card(card)
        except Exception:
            if taken.turn is Turn.POST:
                await cards.not_posted(card.draft_id, self.name)
            else:
                await cards.not_updated(card.draft_id, self.name, card.revision)
            raise
        await cards.posted(card.draft_id, self.name, new_ref, card.revision)
        return True

    async def sync(self, *, changed_since: datetime | None = None) -> int:
        """Draw every card of this platform that is missing or behind its draft; how many.

        Whoever wrote or decided the draft (this process, a worker, the CLI, a
        rep on another surface), the card catches up here. ``changed_since``
        looks only at drafts changed since then (the relay's every-second
        look); None at every draft a rep can still act on (start-up).
        """
        if not self.ready():
            return 0
        behind = await self.store.drafts.behind_on(
            self.name,
            changed_since=changed_since,
            stuck_before=datetime.now(UTC) - POSTING_GIVEN_UP,
        )
        # A few at once: under a burst of acknowledgements each of a card's round
        # trips waits its turn on the loop, so one card at a time falls far behind.
        slots = asyncio.Semaphore(SYNC_CONCURRENCY)

        async def draw(draft_id: int) -> bool:
            async with slots:
                try:
                    return await self._publish_latest(draft_id)
                except Exception:
                    # One card the platform refuses must not keep the others from showing.
                    log.exception("review_card_sync_failed", platform=self.name, draft_id=draft_id)
                    return False

        shown = sum(await asyncio.gather(*(draw(draft_id) for draft_id in behind)))
        if shown:
            log.info("review_cards_synced", platform=self.name, count=shown)
        return shown

    async def catch_up(self) -> int:
        """Post the cards a crash or an outage left unposted or behind; returns how many."""
        return await self.sync(changed_since=None)
