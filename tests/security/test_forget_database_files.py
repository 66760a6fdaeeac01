"""After forget, a copy of the SQLite files holds nothing the customer wrote (Security: forget
must leave nothing behind). SQLite only: PostgreSQL's files are the operator's (README)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.runtime import build_runtime
from memory.customers import CustomerDirectory
from tests.fakes.drafter import ScriptedDrafter
from tests.helpers import message

WORD = "Zqxwvortho"
# FTS5 stores terms lower-cased and may share a leading prefix with the term before:
# a case-blind search for the word's tail finds it in any of its stored forms.
TRACE = re.compile(rb"(?i)xwvortho")


def _files_with_the_word(database: Path) -> list[str]:
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    return [f.name for f in files if f.exists() and TRACE.search(f.read_bytes())]


async def test_a_forgotten_customers_words_are_in_none_of_the_database_files(sqlite_url):
    """Someone who copies rapport.db, rapport.db-wal and rapport.db-shm after a customer was
    forgotten cannot find a word only that customer ever wrote: not in a table, not in the
    search index, not in freed pages, not in the write-ahead log."""
    runtime = build_runtime(Settings(database_url=sqlite_url), drafter=ScriptedDrafter())
    database = Path(str(make_url(sqlite_url).database))
    try:
        await runtime.engine.handle(message("Is the Kettle Pro back in stock?", user="u-ravi"))
        first = await runtime.engine.handle(message(f"My hamster {WORD} escaped again"))
        await runtime.engine.wait_idle()
        # Weeks later that message lives in the database file itself (SQLite checkpoints
        # on its own), and a newer one still in the write-ahead log.
        async with runtime.db.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await runtime.engine.handle(message(f"{WORD.lower()} is home, thanks!", minutes=60))
        await runtime.engine.wait_idle()
        assert _files_with_the_word(database) == ["rapport.db", "rapport.db-wal"]
        await CustomerDirectory(runtime.store.sessions).forget(first.customer_id, actor="test")
        assert _files_with_the_word(database) == []
    finally:
        await runtime.close()
