"""Tests of nbresponses.store._sql: the turn columns match the record, filters are bound, the walks run."""

from __future__ import annotations

import sqlite3
from dataclasses import fields

from nbresponses.store._records import TurnRecord
from nbresponses.store._schema import MIGRATIONS
from nbresponses.store._sql import COLUMNS, PATH, USAGE, where


def test_the_columns_are_the_records_fields_in_order() -> None:
    assert COLUMNS.split(", ") == [f"t.{f.name}" for f in fields(TurnRecord)]


def test_where_binds_only_the_filters_given() -> None:
    assert where("SELECT 1 WHERE 1", notebook="nb", thread=None, cell_id="c") == (
        "SELECT 1 WHERE 1 AND notebook = ? AND cell_id = ?",
        ["nb", "c"],
    )
    assert where("SELECT 1 WHERE 1") == ("SELECT 1 WHERE 1", [])


def test_the_path_walk_and_the_usage_query_run_on_the_schema() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        for step in (s for steps in MIGRATIONS for s in steps):
            conn.execute(step) if isinstance(step, str) else step(conn)
        insert = """INSERT INTO turns (id, notebook, thread, generation, parent_id, status, started_at,
            input_tokens) VALUES (?, 'nb', 'default', 0, ?, 'completed', ?, 10)"""
        conn.executemany(insert, [(1, None, 1.0), (2, 1, 2.0), (3, 2, 3.0), (4, None, 4.0)])
        assert [row[0] for row in conn.execute(f"{PATH} SELECT id FROM path", (3,))] == [3, 2, 1]
        sql, params = where(USAGE, notebook="nb")
        assert [row[0] for row in conn.execute(sql + " ORDER BY started_at", params)] == [1, 2, 3, 4]
    finally:
        conn.close()
