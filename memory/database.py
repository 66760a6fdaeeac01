"""Connecting to the database and bringing its schema up to date."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_blocking_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

_T = TypeVar("_T")


class DatabaseURLError(ValueError):
    """A DATABASE_URL Rapport cannot use."""


def async_url(url: str) -> str:
    """Pick the async driver for a URL given in the usual short forms.

    ``sqlite:///x.db`` and ``postgresql://…`` are what people paste; the engine
    needs ``sqlite+aiosqlite`` and ``postgresql+psycopg`` (psycopg 3 is async).
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        # Not echoed: in a value that does not parse, nothing tells which part is a password.
        raise DatabaseURLError(
            "DATABASE_URL is not a database URL; "
            "use e.g. sqlite:///rapport.db or postgresql://user@host/db"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise DatabaseURLError(f"DATABASE_URL uses {backend!r}; Rapport supports sqlite and postgresql")


def sync_url(url: str) -> str:
    """The same database through a blocking driver, for Alembic."""
    parsed = make_url(async_url(url))
    driver = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: object, _record: ConnectionPoolEntry) -> None:
    # WAL lets the web console read while the engine writes; foreign keys make
    # ON DELETE CASCADE (forget) work; busy_timeout rides out short write locks.
    # secure_delete zeroes what a delete frees instead of leaving it readable in
    # the file: forget must leave nothing behind. It is set here, explicitly,
    # because its default is a compile-time choice of whichever SQLite is linked.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    full = async_url(url)
    if make_url(full).get_backend_name() == "sqlite":
        engine = create_async_engine(full, hide_parameters=True)  # see the PostgreSQL engine
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        full,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        # A failed statement's error must not quote its parameters: they are
        # customers' words, and errors end up in logs.
        hide_parameters=True,
    )


def blocking_sqlite_engine(engine: AsyncEngine) -> Engine | None:
    """A blocking engine on the same SQLite file, for transactions run whole in a worker thread.

    Through aiosqlite every statement hops to its thread and back three or
    four times (cursor, execute, fetch, close); a short transaction run in
    one worker thread hops once. None on PostgreSQL (its driver is async)
    and for in-memory SQLite, where another connection is another database.
    The engine is disposed with ``engine``.
    """
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("mode") == "memory":
        return None
    blocking = create_blocking_engine(url.set(drivername="sqlite"), hide_parameters=True)
    event.listen(blocking, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: blocking.dispose())
    return blocking


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URL-encoded passwords contain it.
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``. Blocking: call before the loop or in a thread."""
    command.upgrade(alembic_config(url), revision)


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


class Database:
    """A session factory, and a way to run one write transaction fast on either database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        engine = sessions.kw.get("bind")
        assert isinstance(engine, AsyncEngine), "the session factory must be bound to an engine"
        self.engine = engine
        self._blocking = blocking_sqlite_engine(engine)

    async def transaction(self, work: Callable[[Connection], _T]) -> _T:
        """Run ``work`` as one transaction: committed if it returns, rolled back if it raises.

        On a SQLite file the whole transaction runs in one worker thread on a
        blocking connection, one hop between threads instead of three or four
        per statement through aiosqlite. PostgreSQL runs it on its async driver.
        """
        if self._blocking is not None:
            return await asyncio.to_thread(_run_blocking, self._blocking, work)
        async with self.engine.begin() as conn:
            return await conn.run_sync(work)


def _run_blocking(engine: Engine, work: Callable[[Connection], _T]) -> _T:
    with engine.begin() as conn:
        return work(conn)
