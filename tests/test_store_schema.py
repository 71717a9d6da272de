"""Tests of nbresponses.store._schema: the migrations build, on an empty file, exactly the tables the history
declares, and the schema version counts them."""

from __future__ import annotations

import sqlite3

from nbresponses.store._schema import MIGRATIONS, SCHEMA_VERSION, TABLES


def test_one_migration_per_version() -> None:
    assert len(MIGRATIONS) == SCHEMA_VERSION and all(MIGRATIONS)


def test_the_migrations_create_the_declared_tables() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        for step in (s for steps in MIGRATIONS for s in steps):
            conn.execute(step) if isinstance(step, str) else step(conn)
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        names = {name for (name,) in conn.execute(sql)}
    finally:
        conn.close()
    own = {name for name in names if not name.startswith("turns_fts")}  # the FTS5 index's own tables
    assert own == TABLES
