"""Shared fixtures: a clean, migrated database per test, on SQLite and PostgreSQL.

PostgreSQL tests need ``TEST_DATABASE_URL`` (the Makefile and CI set it to the
local server). Each pytest run creates its own database on that server, so
parallel runs never see each other's rows, and drops it at the end.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from memory.database import create_engine, upgrade
from tests.fakes.drafter import ScriptedDrafter
from tests.fakes.openai_server import FakeOpenAI

TABLES = (
    "audit_log, review_cards, checkins, facts, drafts, message_embeddings, messages, identities, "
    "customers, prompt_versions, users, knowledge_passages, knowledge_documents, "
    "knowledge_sources"
)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's .env or real credentials, or writes outside tmp."""
    for name in list(os.environ):
        if name.startswith(("RAPPORT_", "SLACK_", "DISCORD_", "OPENAI_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    admin = make_url(admin_url)
    name = f"rapport_test_{uuid.uuid4().hex[:10]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "rapport.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
async def postgres_url(postgres_database: str) -> str:
    engine = create_engine(postgres_database)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    return postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A clean migrated database: each test using it runs once per backend."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI-compatible server (chat and embeddings) on 127.0.0.1."""
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def drafter() -> ScriptedDrafter:
    return ScriptedDrafter()


@pytest.fixture
async def runtime(database_url: str, drafter: ScriptedDrafter) -> AsyncIterator[Runtime]:
    """The real engine and store on a clean database, drafting with a script."""
    rt = build_runtime(Settings(database_url=database_url), drafter=drafter)
    yield rt
    await rt.close()
