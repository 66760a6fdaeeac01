"""Demo customers with a little history, so the first look already shows recall.

Seeded through the real store: customer messages are ingested, facts
extracted, and the team's answers recorded as approved and sent drafts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.engine import ResponseEngine, default_target
from memory.domain import DraftStatus, InboundMessage
from memory.domain.dates import zone
from memory.store import Ingested, MemoryStore

# (customer user id, display name, [(days ago, customer text, team reply)])
SEED: list[tuple[str, str, list[tuple[float, str, str]]]] = [
    (
        "dana",
        "Dana Whitfield",
        [
            (
                41,
                "Hi! My name is Dana. I just ordered the Kettle Pro for my kitchen.",
                "Welcome Dana! Enjoy the Kettle Pro, and shout if you need anything.",
            ),
            (
                12,
                "My cat Milo knocked the Kettle Pro off the counter and now the lid won't close.",
                "Oh no, poor kettle (and hopefully Milo is fine!). We'll send you a new lid.",
            ),
            (
                3,
                "The new lid arrived, thanks! Taking Milo to the vet next Friday for a check-up.",
                "Great to hear! Fingers crossed for Milo's check-up.",
            ),
        ],
    ),
    (
        "ravi",
        "Ravi Patel",
        [
            (
                30,
                "We use the Rapport Pro plan for our team of six and I live in Lisbon.",
                "Thanks Ravi! Happy to have the team on board.",
            ),
            (
                9,
                "I was charged twice for November. Can you check the invoice?",
                "Sorry about that, Ravi. The duplicate charge has been refunded.",
            ),
            (
                2,
                "All sorted, thank you. I'm off on a trip to Porto next Monday.",
                "Have a wonderful trip to Porto!",
            ),
        ],
    ),
    (
        "mei",
        "Mei Chen",
        [
            (
                20,
                "My daughter Emma has her piano recital on the 12th, so I'm setting up the camera.",
                "How exciting! Good luck to Emma.",
            ),
            (
                6,
                "The router keeps dropping the connection every evening.",
                "Sorry Mei. Please try the firmware update; tell us if it keeps happening.",
            ),
        ],
    ),
]

WORKSPACE = "demo"
CHANNEL = "community"


def demo_message(
    user_id: str, name: str, text: str, at: datetime, message_id: str
) -> InboundMessage:
    """A message in the demo's community chat, where each customer has their own thread."""
    return InboundMessage(
        platform="web",
        workspace=WORKSPACE,
        channel=CHANNEL,
        thread=user_id,
        user_id=user_id,
        display_name=name,
        text=text,
        sent_at=at,
        message_id=message_id,
    )


async def seed_demo(engine: ResponseEngine, *, now: datetime | None = None) -> int:
    """Seed once: does nothing when any customer exists. Returns messages stored."""
    store = engine.store
    if await store.messages.count() > 0:
        return 0
    now = now or datetime.now(UTC)
    stored = 0
    for user_id, name, turns in SEED:
        for n, (days_ago, text, reply) in enumerate(turns):
            at = now - timedelta(days=days_ago)
            msg = demo_message(user_id, name, text, at, f"seed-{user_id}-{n}")
            result = await store.messages.ingest(msg, default_target(msg))
            if not isinstance(result, Ingested) or result.draft_id is None:
                continue
            facts = engine.extractor.extract(text, at, zone(None, engine.settings.timezone))
            await store.facts.remember(result.customer_id, result.message_id, facts, at=at)
            decided = at + timedelta(minutes=7)
            await store.drafts.transition(
                result.draft_id,
                [DraftStatus.QUEUED],
                DraftStatus.SENDING,
                text=reply,
                final_text=reply,
                decided_by="Sam (seed)",
                decided_at=decided,
                decided_action="approve",
                model="seed",
                created_at=at,
            )
            await store.drafts.record_sent(
                result.draft_id, reply, f"seed-reply-{user_id}-{n}", decided, "Sam"
            )
            stored += 2
    return stored


SAMPLE_DOCS = Path(__file__).parent / "knowledge" / "sample_docs"
# The console shows the docs itself (handlers/web/knowledge.py), so citations link there.
SAMPLE_DOCS_URL = "/knowledge/help"


async def seed_help_docs(store: MemoryStore) -> int:
    """The demo company's help centre, once: does nothing when any knowledge exists.

    Returns the passages indexed, so the first question a newcomer asks in the
    demo can be answered with a linked source.
    """
    from bot.knowledge.reader import read_source  # reads files: only the demo needs it

    if await store.knowledge.sources():
        return 0
    read = read_source(SAMPLE_DOCS)
    report = await store.knowledge.sync(
        "help", str(SAMPLE_DOCS), read.documents, read.problems, url_prefix=SAMPLE_DOCS_URL
    )
    return report.passages
