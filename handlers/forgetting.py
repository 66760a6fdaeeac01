"""Forgetting a customer everywhere: the database first, then their review cards.

The one way to forget (the console, Discord's ``/rapport forget``, the CLI):
:func:`forget_customer` deletes the customer's data, then asks each chat
platform connected to the engine to replace that customer's review cards with
a notice. It needs only the engine, so the console's routes and Discord's
commands call it without reaching for the composition root.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from bot.engine import ResponseEngine
from handlers.platform import ReviewChannel
from memory.card_refs import PostedCard
from memory.customers import CustomerDirectory

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What forgetting a customer did: rows deleted per table, and cards still on screen."""

    counts: dict[str, int]
    cards_left: list[PostedCard]  # no running platform could redact these; see cards_left_note


def review_channel(platform: object) -> ReviewChannel | None:
    """The review channel a chat platform draws its cards in; None for the web console.

    Slack's and Discord's services keep theirs as ``surface``.
    """
    channel = (
        platform if isinstance(platform, ReviewChannel) else getattr(platform, "surface", None)
    )
    return channel if isinstance(channel, ReviewChannel) else None


async def forget_customer(engine: ResponseEngine, customer_id: int, actor: str) -> Forgotten:
    """Delete one customer's data, then redact their review cards on every chat platform.

    The platforms are those connected to ``engine`` (:func:`connect`). The
    cards' places are read first: forget deletes them with the rest. A card
    whose platform is not connected, or refuses, stays as it was and is
    returned in ``cards_left`` for the person forgetting to see.
    Raises :class:`memory.customers.CustomerNotFound`.
    """
    cards = await engine.store.cards.of_customer(customer_id)
    counts = await CustomerDirectory(engine.store.sessions).forget(customer_id, actor)
    channels = {
        channel.name: channel
        for platform in engine.review.surfaces
        if (channel := review_channel(platform)) is not None
    }
    left: list[PostedCard] = []
    for card in cards:
        channel = channels.get(card.surface)
        if channel is None or not channel.ready():
            left.append(card)
            continue
        try:
            await channel.forget(card.draft_id, card.ref)
        except Exception:
            # The data is gone either way; the person forgetting is told which card stayed.
            log.exception("forgotten_card_not_redacted", platform=card.surface, ref=card.ref)
            left.append(card)
    return Forgotten(counts, left)


def cards_left_note(cards: Sequence[PostedCard]) -> str:
    """Which cards still show a forgotten customer, and what to do, in one sentence."""
    where = "; ".join(
        f"{card.surface} " + ", ".join(f"{key} {value}" for key, value in card.ref.items())
        for card in cards
    )
    return (
        f"{len(cards)} review card(s) still show this customer ({where}): Rapport could not "
        "reach that platform, so delete them there by hand. Forgetting from the console or "
        "with /rapport forget while `rapport run` is connected replaces them itself."
    )
