"""Core handles on the tables, for the write transactions that run on every message.

Prebuilt statements on the tables, not ORM statements: building an ORM
statement and its cache key for every message cost more than running it.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, insert

from memory.schema import Base, Customer, Draft, Fact, Identity, Message


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


customers, identities, messages = table_of(Customer), table_of(Identity), table_of(Message)
drafts, facts = table_of(Draft), table_of(Fact)

# Each insert takes its values as parameters: one compiled statement per set
# of columns, instead of a new statement and cache key for every row.
INSERTS = {table: insert(table) for table in (customers, identities, messages, drafts, facts)}


def insert_row(conn: Connection, table: Table, **values: Any) -> int:
    """Insert one row; returns its id. Columns left out get their defaults."""
    key = conn.execute(INSERTS[table], values).inserted_primary_key
    assert key is not None
    return int(key[0])
