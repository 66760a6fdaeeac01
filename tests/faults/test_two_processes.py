"""Two ``rapport`` server processes on one PostgreSQL, as two workers behind a load balancer.

Each process is a real ``rapport demo`` subprocess with its own connection
pool, event loop and scheduler; customers and reps reach either at random.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.faults.demo_process import DemoProcess

pytestmark = pytest.mark.postgres


@pytest.fixture
async def workers(postgres_url: str, tmp_path: Path) -> AsyncIterator[list[DemoProcess]]:
    pair = [DemoProcess(postgres_url, tmp_path), DemoProcess(postgres_url, tmp_path)]
    try:
        for worker in pair:  # one after the other: the first seeds the demo customers
            await worker.start()
        yield pair
    finally:
        for worker in pair:
            worker.stop()


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        return conn.execute(sql).fetchall()


async def test_two_processes_draft_each_message_once_and_send_each_approval_once(
    workers: list[DemoProcess], postgres_url: str
) -> None:
    """Messages spread over two workers are drafted once each, and the same draft approved on
    both workers at the same moment reaches the customer once."""
    clients = [await w.client(request_timeout=15) for w in workers]
    try:
        draft_ids = []
        for n in range(12):
            answer = await clients[n % 2].post(
                "/chat", data={"text": f"Question {n}: is my parcel late?", "user": f"dana{n}"}
            )
            assert answer.status_code == 200, answer.text
            draft_ids.append(answer.json()["draft_id"])
        ids = ",".join(str(d) for d in draft_ids)
        for _ in range(300):
            statuses = query(postgres_url, f"SELECT status FROM drafts WHERE id IN ({ids})")
            if all(s == "pending" for (s,) in statuses):
                break
            await asyncio.sleep(0.05)
        assert (
            query(
                postgres_url,
                "SELECT message_id FROM drafts WHERE message_id IS NOT NULL "
                "GROUP BY message_id HAVING count(*) > 1",
            )
            == []
        )
        assert query(postgres_url, f"SELECT max(attempts) FROM drafts WHERE id IN ({ids})") == [
            (1,)
        ]

        for draft_id in draft_ids[:4]:
            first, second = await asyncio.gather(
                clients[0].post(f"/drafts/{draft_id}/approve"),
                clients[1].post(f"/drafts/{draft_id}/approve"),
            )
            assert sorted([first.status_code, second.status_code]) == [200, 409]
        sent = query(
            postgres_url,
            "SELECT d.id, count(m.id) FROM drafts d JOIN messages m ON m.id = d.sent_message_id "
            f"WHERE d.id IN ({ids}) GROUP BY d.id",
        )
        assert sorted(sent) == [(d, 1) for d in sorted(draft_ids[:4])]
        outgoing = query(
            postgres_url,
            "SELECT count(*) FROM messages WHERE direction = 'out' AND author_kind = 'bot' "
            "AND platform_message_id NOT LIKE 'seed-%'",
        )
        assert outgoing == [(4,)]
    finally:
        for client in clients:
            await client.aclose()
