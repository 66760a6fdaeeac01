"""Stored history for the pipeline benchmark: many customers, realistic text, bulk inserts.

Rows go straight into the tables (``executemany`` on SQLite, ``COPY`` on
PostgreSQL), so a million messages take minutes, not hours. Full-text search
stays correct because the database maintains it: on SQLite the FTS5 triggers
fire on every insert, on PostgreSQL the generated ``tsvector`` column fills
itself.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy.engine import make_url

from memory.domain import conversation_key

PLATFORM = "slack"
WORKSPACE = "T0BENCH"
CHANNEL = "C0SUPPORT"
HISTORY_PREFIX = "hist-"  # platform ids of prefilled messages: how a reusable fill is recognised
MESSAGES_PER_CUSTOMER = 40
THREADS_PER_CUSTOMER = 4
BATCH = 20_000

_FIRST = [
    "Dana",
    "Omar",
    "Priya",
    "Lukas",
    "Mei",
    "Sofia",
    "Jonas",
    "Amara",
    "Kenji",
    "Lea",
    "Mateo",
    "Ines",
    "Ravi",
    "Zoe",
    "Tariq",
]
_LAST = [
    "Whitfield",
    "Haddad",
    "Raman",
    "Berg",
    "Chen",
    "Rossi",
    "Keller",
    "Okafor",
    "Sato",
    "Dubois",
    "Silva",
    "Novak",
]
_PRODUCTS = [
    "kettle",
    "router",
    "espresso",
    "machine",
    "standing",
    "desk",
    "headphones",
    "blender",
    "thermostat",
    "keyboard",
    "monitor",
    "backpack",
    "tent",
    "bike",
    "lock",
    "air",
    "purifier",
    "vacuum",
    "printer",
    "webcam",
    "speaker",
    "lamp",
]
_PETS = ["Biscuit", "Luna", "Max", "Pepper", "Mochi", "Rex", "Olive", "Ziggy"]
_PEOPLE = ["daughter", "son", "wife", "husband", "partner", "mum", "dad", "sister", "brother"]
_PLACES = ["Lisbon", "Berlin", "Osaka", "Toronto", "Nairobi", "Austin", "Lyon", "Melbourne"]
_EVENTS = ["wedding", "birthday", "exam", "move", "marathon", "holiday", "conference", "surgery"]
_TEMPLATES = (
    "Hi, my {p} stopped working after the last update, can you help?",
    "The {p} arrived but the box was damaged. Order {n}.",
    "Thanks so much, the replacement {p} works perfectly now!",
    "We're moving to {c} next month, can I change the delivery address?",
    "My {r} loves the {p}, honestly the best purchase this year.",
    "Quick one: does the {p} come with a warranty? I'd like to extend it.",
    "Sorry for the late reply, {pet} was at the vet all week.",
    "I have my {e} on Saturday so I need the {p} before Friday.",
    "Still waiting on the refund for order {n}, it has been ten days.",
    "Can I pay for the {p} in instalments?",
    "The {p} makes a weird clicking noise when it starts up.",
    "Back from {c}! The {p} survived the trip, barely.",
    "Is there a discount if I order two {p}s for my {r}?",
    "Love the new colours. When will the green {p} be back in stock?",
)
_REPLIES = (
    "Hi {f}! So sorry about the {p}, I've sent a replacement today.",
    "Thanks {f}, that's great to hear. Say hi to {pet} for us!",
    "Good luck with the {e}, {f}! Your {p} ships tomorrow.",
    "Hi {f}, the refund for order {n} is on its way, 3 to 5 days.",
)


def customer_text(rng: random.Random) -> str:
    sentences = [
        rng.choice(_TEMPLATES).format(
            p=rng.choice(_PRODUCTS),
            n=rng.randint(10_000, 99_999),
            c=rng.choice(_PLACES),
            r=rng.choice(_PEOPLE),
            pet=rng.choice(_PETS),
            e=rng.choice(_EVENTS),
        )
        for _ in range(rng.choice((1, 1, 2, 3)))
    ]
    return " ".join(sentences)


def reply_text(rng: random.Random, first: str) -> str:
    return rng.choice(_REPLIES).format(
        f=first,
        p=rng.choice(_PRODUCTS),
        pet=rng.choice(_PETS),
        e=rng.choice(_EVENTS),
        n=rng.randint(10_000, 99_999),
    )


def display_name(customer_id: int) -> str:
    return f"{_FIRST[customer_id % len(_FIRST)]} {_LAST[customer_id % len(_LAST)]} {customer_id}"


def user_id(customer_id: int) -> str:
    return f"U{customer_id:08d}"


def thread_id(customer_id: int, n: int) -> str:
    return f"{customer_id}.{n:04d}"


@dataclass(frozen=True, slots=True)
class Fill:
    customers: int
    messages: int
    seconds: float


def customers_for(stored: int) -> int:
    return max(50, stored // MESSAGES_PER_CUSTOMER)


def _message_rows(stored: int, seed: int) -> Iterator[tuple[object, ...]]:
    """Every prefilled message, customer by customer, oldest first within a customer."""
    rng = random.Random(seed)
    customers = customers_for(stored)
    now = datetime.now(UTC).replace(tzinfo=None)
    per = -(-stored // customers)  # ceiling: the last customers may get fewer
    made = 0
    for cid in range(1, customers + 1):
        name = display_name(cid)
        first = name.split()[0]
        when = now - timedelta(days=730) + timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        for i in range(min(per, stored - made)):
            made += 1
            thread = thread_id(cid, i * THREADS_PER_CUSTOMER // per)
            key = conversation_key(PLATFORM, WORKSPACE, CHANNEL, thread)
            when += timedelta(minutes=rng.randint(5, 60 * 24 * 30))
            inbound = rng.random() < 0.7
            yield (
                made,
                cid,
                PLATFORM,
                WORKSPACE,
                CHANNEL,
                thread,
                key,
                f"{HISTORY_PREFIX}{made}",
                "in" if inbound else "out",
                "customer" if inbound else "bot",
                user_id(cid) if inbound else "rapport",
                name if inbound else "Rapport",
                customer_text(rng) if inbound else reply_text(rng, first),
                False,
                None,
                min(when, now),
                min(when, now),
            )


_MESSAGE_COLUMNS = (
    "id, customer_id, platform, workspace, channel, thread, conversation_key, "
    "platform_message_id, direction, author_kind, author_id, author_name, text, is_direct, "
    "permalink, sent_at, stored_at"
)


def _customer_rows(customers: int) -> Iterator[tuple[object, ...]]:
    created = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=800)
    for cid in range(1, customers + 1):
        yield (cid, display_name(cid), None, None, created, created)


def _identity_rows(customers: int) -> Iterator[tuple[object, ...]]:
    created = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=800)
    for cid in range(1, customers + 1):
        yield (cid, cid, PLATFORM, WORKSPACE, user_id(cid), display_name(cid), created)


def _batches(rows: Iterator[tuple[object, ...]]) -> Iterator[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def fill_sqlite(path: str, stored: int, seed: int = 7) -> Fill:
    started = time.perf_counter()
    customers = customers_for(stored)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA journal_mode=WAL")
        db.executemany(
            "INSERT INTO customers (id, display_name, timezone, opted_out_at, created_at, "
            "last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
            _customer_rows(customers),
        )
        db.executemany(
            "INSERT INTO identities (id, customer_id, platform, workspace, user_id, "
            "display_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            _identity_rows(customers),
        )
        db.commit()
        for batch in _batches(_message_rows(stored, seed)):
            db.executemany(
                f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES ({', '.join('?' * 17)})",
                [(*r[:15], _iso(r[15]), _iso(r[16])) for r in batch],
            )
            db.commit()
        db.execute("ANALYZE")
        db.commit()
    finally:
        db.close()
    return Fill(customers, stored, time.perf_counter() - started)


def _iso(value: object) -> object:
    # SQLAlchemy's SQLite DateTime stores 'YYYY-MM-DD HH:MM:SS.ffffff'.
    return (
        value.isoformat(sep=" ", timespec="microseconds") if isinstance(value, datetime) else value
    )


def fill_postgres(url: str, stored: int, seed: int = 7) -> Fill:
    started = time.perf_counter()
    customers = customers_for(stored)
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur:
            with cur.copy(
                "COPY customers (id, display_name, timezone, opted_out_at, created_at, "
                "last_seen_at) FROM STDIN"
            ) as copy:
                for row in _customer_rows(customers):
                    copy.write_row(_utc(row))
            with cur.copy(
                "COPY identities (id, customer_id, platform, workspace, user_id, display_name, "
                "created_at) FROM STDIN"
            ) as copy:
                for row in _identity_rows(customers):
                    copy.write_row(_utc(row))
            with cur.copy(f"COPY messages ({_MESSAGE_COLUMNS}) FROM STDIN") as copy:
                for row in _message_rows(stored, seed):
                    copy.write_row(_utc(row))
            for table in ("customers", "identities", "messages"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return Fill(customers, stored, time.perf_counter() - started)


def _utc(row: tuple[object, ...]) -> tuple[object, ...]:
    return tuple(v.replace(tzinfo=UTC) if isinstance(v, datetime) else v for v in row)
