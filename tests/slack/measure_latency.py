"""Ack latency and event-to-card time of the Slack adapter against the fakes on loopback.

    .venv/bin/python -m tests.slack.measure_latency [--events 200] [--database-url URL]

Signed ``message`` events are POSTed to /slack/events one after another; for
each we time the HTTP 200 (Slack's 3-second rule is about this) and the
moment the fake Web API receives the card's ``chat.postMessage``. Drafting
uses the scripted drafter, so the figures are Rapport's own overhead, not a
model's. A printout, not a test: timing assertions would be flaky.
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


async def measure(events: int, database_url: str, gap: float) -> None:
    fake = FakeSlack()
    await fake.start()
    fake.add_user(CUSTOMER, "Dana Whitfield")
    fake.groups[REP_GROUP] = []
    runtime = build_runtime(Settings(database_url=database_url), drafter=ScriptedDrafter())
    harness, server, task = await serve_http(fake, runtime)
    assert harness.slack is not None
    acks: list[float] = []
    sent_at: dict[str, float] = {}
    try:
        for i in range(events):
            text = f"latency probe {i:05d}"
            started = time.monotonic()
            sent_at[text] = started
            response = await harness.slack.event(message(text, user=CUSTOMER, channel=SUPPORT))
            acks.append((time.monotonic() - started) * 1000)
            assert response.status_code == 200, response.text
            if gap:
                await asyncio.sleep(gap)
        await harness.settle()
    finally:
        await shut(harness, server, task)
        await runtime.close()
        await fake.stop()
    to_card: list[float] = []
    for call in fake.calls_to("chat.postMessage"):
        if call.args.get("channel") != REVIEW:
            continue
        quoted = call.args["blocks"][1]["text"]["text"]  # the customer's message, not recall
        probe = next((t for t in sent_at if t in quoted), None)
        if probe is not None:
            to_card.append((call.at - sent_at.pop(probe)) * 1000)
    print(f"{events} events {gap}s apart, database {runtime.settings.database_label}")
    print(f"  ack (signed POST → HTTP 200): {percentiles(acks)}")
    print(f"  event → card posted:          {percentiles(to_card)}")
    print(f"  cards: {len(to_card)} for {events} events; missing: {len(sent_at)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--gap", type=float, default=0.0, help="seconds between events")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'latency.db'}"
        upgrade(url)
        asyncio.run(measure(args.events, url, args.gap))


if __name__ == "__main__":
    main()
