"""Slack HTTP path under load: ack latency, event-to-card time, drops and duplicates.

    .venv/bin/python -m bench.slack_http [--events 500] [--senders 20] [--redeliver 0.1]

Signed ``message`` events are POSTed to /slack/events by ``--senders``
concurrent clients through the real Bolt app and Rapport's web app (uvicorn
on 127.0.0.1) against the fake Slack Web API; a share of them
(``--redeliver``) is posted a second time with ``X-Slack-Retry-Num``, as Slack
does after a slow ack. For each event we time the HTTP 200 (Slack's
3-second rule is about this) and the moment the fake Web API receives the
card's ``chat.postMessage``, then count events without a card (dropped) and
cards beyond one per event (duplicates). Drafting uses the scripted drafter,
so the figures are Rapport's own overhead, not a model's. A printout, not a
test: timing assertions would be flaky.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path

import structlog

from bot.config import Settings
from bot.runtime import build_runtime
from memory.database import upgrade
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_events import message
from tests.slack.conftest import CUSTOMER, REP_GROUP, REVIEW, SUPPORT, serve_http, shut


def percentiles(values: list[float]) -> str:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {cuts[49]:7.1f} ms   p95 {cuts[94]:7.1f} ms   p99 {cuts[98]:7.1f} ms"


async def measure(
    events: int, database_url: str, gap: float, senders: int, redeliver: float
) -> None:
    fake = FakeSlack()
    await fake.start()
    fake.add_user(CUSTOMER, "Dana Whitfield")
    fake.groups[REP_GROUP] = []
    runtime = build_runtime(Settings(database_url=database_url), drafter=ScriptedDrafter())
    harness, server, task = await serve_http(fake, runtime)
    assert harness.slack is not None
    acks: list[float] = []
    sent_at: dict[str, float] = {}
    retried = 0
    queue = iter(range(events))

    async def sender() -> None:
        nonlocal retried
        assert harness.slack is not None
        for i in queue:
            text = f"latency probe {i:05d}"
            event = message(text, user=CUSTOMER, channel=SUPPORT)
            event_id = f"Ev{i:08d}"
            started = time.monotonic()
            sent_at[text] = started
            response = await harness.slack.event(event, event_id=event_id)
            acks.append((time.monotonic() - started) * 1000)
            assert response.status_code == 200, response.text
            if redeliver and i % round(1 / redeliver) == 0:
                again = await harness.slack.event(event, retry=1, event_id=event_id)
                assert again.status_code == 200, again.text
                retried += 1
            if gap:
                await asyncio.sleep(gap)

    started_all = time.monotonic()
    try:
        await asyncio.gather(*(sender() for _ in range(senders)))
        await harness.settle()
        elapsed = time.monotonic() - started_all
    finally:
        await shut(harness, server, task)
        await runtime.close()
        await fake.stop()
    to_card: list[float] = []
    cards: dict[str, int] = {}
    for call in fake.calls_to("chat.postMessage"):
        if call.args.get("channel") != REVIEW:
            continue
        quoted = call.args["blocks"][1]["text"]["text"]  # the customer's message, not recall
        probe = next((t for t in sent_at if t in quoted), None)
        if probe is None:
            continue
        cards[probe] = cards.get(probe, 0) + 1
        if cards[probe] == 1:
            to_card.append((call.at - sent_at[probe]) * 1000)
    dropped = len(sent_at) - len(cards)
    duplicates = sum(n - 1 for n in cards.values())
    print(
        f"{events} events from {senders} concurrent senders ({retried} redelivered), "
        f"database {runtime.settings.database_label}: {events / elapsed:.1f} events/s"
    )
    print(f"  ack (signed POST → HTTP 200): {percentiles(acks)}")
    print(f"  event → card posted:          {percentiles(to_card)}")
    print(f"  cards: {len(cards)} for {events} events; dropped {dropped}; duplicates {duplicates}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--senders", type=int, default=20, help="concurrent HTTP clients")
    parser.add_argument(
        "--redeliver", type=float, default=0.1, help="share of events posted again as retries"
    )
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--gap", type=float, default=0.0, help="seconds between events")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'latency.db'}"
        upgrade(url)
        asyncio.run(measure(args.events, url, args.gap, args.senders, args.redeliver))


if __name__ == "__main__":
    main()
