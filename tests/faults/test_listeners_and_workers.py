"""Listeners and workers apart, on one PostgreSQL database, as a scaled deployment runs them.

Two listener Rapports (Slack in HTTP mode, each with its own runtime and
connection pool, behind one Slack: FakeSlack) store customers' messages and
draw review cards; three worker pools (``rapport worker``'s own
``serve_workers``, each with its own runtime, pool and NOTIFY listener)
write the drafts. Slack spreads events over the listeners and redelivers
some to the other one.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack

import pytest

from bot.config import Settings
from handlers.composition import Rapport
from handlers.slack.settings import SlackSettings
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import SignedSlack, message
from tests.faults.processes import (
    WorkerPool,
    eventually,
    rows,
    serving,
    slack_card_draft,
    stop_all,
)
from tests.slack.conftest import REVIEW, SUPPORT, slack_settings

pytestmark = pytest.mark.postgres

MESSAGES = 60
CUSTOMERS = 20  # three messages each
WORKERS = 3
DONE_WITHIN = 30.0  # seconds for every draft written and every card posted


def listener(settings: SlackSettings, database_url: str) -> Rapport:
    """``rapport run --role listeners``: platforms, console, relay; drafting left to workers."""
    return Rapport.build(
        Settings(database_url=database_url),
        drafter=ScriptedDrafter(),  # never asked: nothing drafts here
        slack=settings,
        drafting="elsewhere",
    )


async def test_two_listeners_and_three_workers_draft_and_show_each_message_once(
    postgres_url: str,
) -> None:
    """60 customer messages over two listeners, some redelivered to the other, are each
    stored once, drafted once by one of three workers, and shown on exactly one card."""
    fake = FakeSlack()
    await fake.start()
    customers = [f"UCUST{n:02d}" for n in range(CUSTOMERS)]
    for n, user in enumerate(customers):
        fake.add_user(user, f"Customer {n}")
    pools = [
        WorkerPool(
            Settings(database_url=postgres_url, draft_lease_seconds=10, worker_poll_seconds=0.5),
            delay=0.05,
        )
        for _ in range(WORKERS)
    ]
    try:
        async with AsyncExitStack() as stack:
            listeners = [listener(slack_settings(fake), postgres_url) for _ in range(2)]
            slacks: list[SignedSlack] = [
                await stack.enter_async_context(serving(rapport)) for rapport in listeners
            ]
            for pool in pools:
                await pool.start()
            db = listeners[0].runtime.db

            events = [
                message(
                    f"Question {n}: where is order #{1000 + n}?",
                    user=customers[n % CUSTOMERS],
                    channel=SUPPORT,
                    name=f"Customer {n % CUSTOMERS}",
                )
                for n in range(MESSAGES)
            ]
            gate = asyncio.Semaphore(8)  # Slack's deliveries in flight at once

            async def deliver(n: int) -> list[int]:
                event, first = events[n], n % 2
                sends = [slacks[first].event(event, event_id=f"Ev{n:04d}")]
                if n % 4 == 0:  # Slack retries it, and the load balancer picks the other listener
                    other = slacks[1 - first]
                    sends.append(other.event(event, event_id=f"Ev{n:04d}", retry=1))
                async with gate:
                    answers = await asyncio.gather(*sends)
                return [a.status_code for a in answers]

            statuses = await asyncio.gather(*(deliver(n) for n in range(MESSAGES)))
            assert all(code == 200 for codes in statuses for code in codes), statuses

            async def done() -> bool:
                [(pending,)] = await rows(
                    db, "SELECT count(*) FROM drafts WHERE status = 'pending'"
                )
                cards = [slack_card_draft(args) for args in fake.posted(REVIEW)]
                return pending == MESSAGES and len(cards) >= MESSAGES

            await eventually(done, DONE_WITHIN, f"{MESSAGES} drafts written and shown")
            await asyncio.sleep(3.0)  # three relay rounds, in which no second card may appear

            stored = await rows(
                db,
                "SELECT platform_message_id, count(*) FROM messages WHERE direction = 'in' "
                "GROUP BY platform_message_id",
            )
            sent = sorted(f"{SUPPORT}:{event['ts']}" for event in events)  # Slack's message ids
            assert sorted(key for key, _ in stored) == sent
            assert {count for _, count in stored} == {1}, "a message was stored twice"

            drafts = await rows(
                db, "SELECT id, message_id, status, attempts, claims, claimed_by FROM drafts"
            )
            names = {pool.name for pool in pools}
            assert len(drafts) == MESSAGES
            assert len({message_id for _, message_id, *_ in drafts}) == MESSAGES
            assert {(s, a, c) for _, _, s, a, c, _ in drafts} == {("pending", 1, 1)}
            assert {by for *_, by in drafts} <= names, "a draft was written outside the workers"

            asked = Counter(r.message_id for pool in pools for r in pool.drafter.requests)
            assert sum(asked.values()) == MESSAGES, "a message was drafted twice"
            assert set(asked) == {message_id for _, message_id, *_ in drafts}

            cards = Counter(slack_card_draft(args) for args in fake.posted(REVIEW))
            assert cards == Counter({draft_id: 1 for draft_id, *_ in drafts}), (
                "a draft without its card, or with two"
            )
    finally:
        await stop_all(pools)
        await fake.stop()
