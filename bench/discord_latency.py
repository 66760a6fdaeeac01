"""Discord adapter latency against the fake Discord on 127.0.0.1.

Measures, over N customer messages:
  * message → card: MESSAGE_CREATE sent by the fake gateway → the card's POST in the review channel
    (store, recall, draft with an instant scripted drafter, publish);
  * interaction → callback: INTERACTION_CREATE for an Approve click → the bot's callback (defer).

    .venv/bin/python -m bench.discord_latency --messages 100

Uses a fresh SQLite file unless --database-url is given (it must be migrated or empty).
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
from handlers.composition import connect
from handlers.discord.service import DiscordService
from handlers.discord.settings import DiscordSettings
from memory.database import upgrade
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.drafter import ScriptedDrafter


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _report(name: str, values: list[float]) -> None:
    ms = [v * 1000 for v in values]
    print(
        f"{name:<24} n={len(ms):<4} p50={_pct(ms, 0.50):7.1f} ms  p95={_pct(ms, 0.95):7.1f} ms"
        f"  max={max(ms):7.1f} ms  mean={statistics.fmean(ms):7.1f} ms"
    )


async def run(messages: int, database_url: str) -> None:
    fake = FakeDiscord()
    await fake.start()
    runtime = build_runtime(Settings(database_url=database_url), drafter=ScriptedDrafter())
    settings = DiscordSettings(
        discord_token="bench-token",
        discord_review_channel=fake.review_channel_id,
        discord_rep_role=fake.rep_role_id,
        discord_api_url=fake.api_url,
        discord_application_id=fake.app_id,
    )
    service = DiscordService(settings, runtime, guild_ready_timeout=0.05)
    connect(runtime.engine, service)
    await service.start()
    await service.wait_ready()
    rep = fake.member("Ana", rep=True)
    to_card: list[float] = []
    to_callback: list[float] = []
    try:
        for i in range(messages):
            customer = fake.member(f"Customer {i}")
            before = len(fake.cards())
            sent_at = time.perf_counter()
            await fake.say(customer, f"Hello, question number {i} about my order")
            card = (await fake.wait_for(lambda b=before: len(fake.cards()) > b and fake.cards()))[
                -1
            ]
            to_card.append(card.at - sent_at)
            approve = next(
                c["custom_id"]
                for row in card.body["components"]
                for c in row["components"]
                if c["label"] == "Approve"
            )
            interaction = await fake.click(rep, card.response["id"], approve)
            callback = (await fake.wait_for(lambda i=interaction: fake.callbacks(i)))[0]
            to_callback.append(callback.at - fake.interactions[interaction])
            await fake.wait_for(lambda n=i + 1: len(fake.replies()) >= n)
        await runtime.engine.wait_idle()
    finally:
        await service.stop()
        await runtime.close()
        await fake.close()
    _report("message → card", to_card)
    _report("interaction → callback", to_callback)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        asyncio.run(run(args.messages, url))


if __name__ == "__main__":
    main()
