"""The SQL of the history's queries: the turn columns, path walks, supersession, threads and usage."""

from __future__ import annotations

import sqlite3
from dataclasses import fields

from ._records import TurnRecord

__all__ = [
    "COLUMNS",
    "FINISH_TURN",
    "INSERT_TURN",
    "PATH",
    "SEGMENT",
    "SUPERSEDE",
    "THREADS",
    "USAGE",
    "where",
]

COLUMNS = ", ".join(f"t.{f.name}" for f in fields(TurnRecord))  # of "turns t"
# A turn and its ancestors, nearest first; a parent's id is always lower than its child's.
PATH = """WITH RECURSIVE path(id, parent_id, cell_id) AS (
    SELECT id, parent_id, cell_id FROM turns WHERE id = ?
    UNION ALL SELECT t.id, t.parent_id, t.cell_id FROM turns t JOIN path p ON t.id = p.parent_id)"""
# The path from a head back to the oldest turn of a cell on it, oldest first: (parent_id, owner) of each turn.
# The walk is kept (MATERIALIZED, SQLite 3.35+) rather than made twice.
_MATERIALIZED = "MATERIALIZED" if sqlite3.sqlite_version_info >= (3, 35) else ""
SEGMENT = f"""WITH RECURSIVE path(id, parent_id, cell_id, host, pid, started) AS (
    SELECT id, parent_id, cell_id, owner_host, owner_pid, owner_started FROM turns WHERE id = ?
    UNION ALL SELECT t.id, t.parent_id, t.cell_id, t.owner_host, t.owner_pid, t.owner_started
    FROM turns t JOIN path p ON t.id = p.parent_id),
    walked AS {_MATERIALIZED} (SELECT * FROM path)
    SELECT parent_id, host, pid, started FROM walked
    WHERE id >= (SELECT MIN(id) FROM walked WHERE cell_id = ?) ORDER BY id"""
SUPERSEDE = """WITH RECURSIVE seg(id, parent_id) AS (SELECT id, parent_id FROM turns WHERE id = :head
        UNION ALL SELECT t.id, t.parent_id FROM turns t JOIN seg s ON t.id = s.parent_id
        WHERE s.parent_id IS NOT :parent),
    doomed(id) AS (SELECT id FROM seg UNION SELECT t.id FROM turns t JOIN doomed d ON t.parent_id = d.id
        WHERE t.notebook = :nb AND t.thread = :th)
    UPDATE turns SET superseded_by = :new WHERE id IN (SELECT id FROM doomed)
    AND notebook = :nb AND thread = :th AND superseded_by IS NULL AND id != :new"""
THREADS = """SELECT th.notebook, th.name, th.mode, th.generation, th.head_id, th.forked_from, th.created_at,
    th.reset_at, COUNT(t.id), MAX(t.started_at), COALESCE(SUM(t.total_tokens), 0), (SELECT h.response_id
    FROM turns h WHERE h.id = th.head_id) FROM threads th LEFT JOIN turns t ON t.notebook = th.notebook
    AND t.thread = th.name WHERE th.notebook = ? GROUP BY th.name ORDER BY th.created_at, th.name"""
INSERT_TURN = """INSERT INTO turns (notebook, thread, generation, cell_id, parent_id, status, prompt, model,
    previous_response_id, started_at, request_json, input_items_json, owner_host, owner_pid, owner_started)
    VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
FINISH_TURN = """UPDATE turns SET status = ?, response_json = COALESCE(?, response_json),
    response_id = COALESCE(?, response_id), model = COALESCE(?, model), input_tokens = ?, cached_tokens = ?,
    output_tokens = ?, reasoning_tokens = ?, total_tokens = ?, cost_usd = ?, output_items_json = ?,
    first_token_at = COALESCE(first_token_at, ?), finished_at = ?, error_type = ?, error_code = ?,
    error_message = ? WHERE id = ?"""
_COUNTS = """COALESCE(input_tokens, 0), COALESCE(cached_tokens, 0), COALESCE(output_tokens, 0),
    COALESCE(reasoning_tokens, 0), COALESCE(total_tokens, 0), cost_usd"""
# Turns, and the rows of mapped prompts (negative ids; thread "map" unless one was named).
USAGE = f"""SELECT * FROM (SELECT id, notebook, thread, model, status, started_at, {_COUNTS} FROM turns
    WHERE status != 'in_progress' UNION ALL SELECT -id, notebook, thread, model, status, created_at, {_COUNTS}
    FROM map_rows) WHERE 1"""


def where(sql: str, **filters: object) -> tuple[str, list[object]]:
    """``sql`` with an ``AND column = ?`` for each filter that is not None, and the parameters."""
    given = {column: value for column, value in filters.items() if value is not None}
    return sql + "".join(f" AND {column} = ?" for column in given), list(given.values())
