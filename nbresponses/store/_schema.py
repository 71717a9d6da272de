"""The history's schema, versioned by ``PRAGMA user_version``: ``MIGRATIONS[n]`` takes a file from version ``n``
to ``n + 1`` in one write transaction (`HistoryStore` runs them on open).

A new table: append an entry to `MIGRATIONS`, bump `SCHEMA_VERSION`, and add the table to `TABLES` (the names a
history file may hold; a file with other tables is another program's database and is left alone).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from . import _search
from ._owners import ENDED

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "TABLES", "Migration"]

SCHEMA_VERSION = 6
TABLES = frozenset({"threads", "turns", "api_routes", "map_rows", "map_batches"})

Migration = str | Callable[[sqlite3.Connection], None]
"""One step of a migration: an SQL statement, or a function of the connection (inside the same transaction)."""

MIGRATIONS: tuple[tuple[Migration, ...], ...] = (
    (
        """CREATE TABLE threads (
            notebook TEXT NOT NULL, name TEXT NOT NULL,
            mode TEXT NOT NULL DEFAULT 'server' CHECK (mode IN ('server', 'client')),
            generation INTEGER NOT NULL DEFAULT 0, head_id INTEGER, forked_from INTEGER,
            created_at REAL NOT NULL, reset_at REAL, PRIMARY KEY (notebook, name))""",
        """CREATE TABLE turns (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            notebook TEXT NOT NULL, thread TEXT NOT NULL, generation INTEGER NOT NULL,
            cell_id TEXT, parent_id INTEGER REFERENCES turns(id), superseded_by INTEGER REFERENCES turns(id),
            status TEXT NOT NULL CHECK (status IN
                ('in_progress', 'completed', 'incomplete', 'failed', 'interrupted', 'cancelled')),
            prompt TEXT, model TEXT, response_id TEXT, previous_response_id TEXT,
            input_tokens INTEGER, cached_tokens INTEGER, output_tokens INTEGER, reasoning_tokens INTEGER,
            total_tokens INTEGER, cost_usd REAL,
            started_at REAL NOT NULL, first_token_at REAL, finished_at REAL,
            error_type TEXT, error_code TEXT, error_message TEXT,
            request_json TEXT, response_json TEXT, input_items_json TEXT, output_items_json TEXT)""",
        "CREATE INDEX turns_thread ON turns (notebook, thread, id)",
        "CREATE INDEX turns_response ON turns (response_id)",
        "CREATE INDEX turns_cell ON turns (notebook, cell_id)",
        "CREATE INDEX turns_parent ON turns (parent_id)",
    ),
    (  # 1 -> 2: which API each model answered on, per base URL (auto mode of the chat bridge; _api_routes.py)
        """CREATE TABLE api_routes (
            base_url TEXT NOT NULL, model TEXT NOT NULL,
            api TEXT NOT NULL CHECK (api IN ('responses', 'chat')),
            updated_at REAL NOT NULL, PRIMARY KEY (base_url, model))""",
    ),
    (  # 2 -> 3: who wrote each turn, so that turns of processes that ended can be told from running ones
        "ALTER TABLE turns ADD COLUMN owner_host TEXT",
        "ALTER TABLE turns ADD COLUMN owner_pid INTEGER",
        "ALTER TABLE turns ADD COLUMN owner_started REAL",
        "CREATE INDEX turns_open ON turns (notebook, thread) WHERE status = 'in_progress'",
        # Turns left running by an earlier version cannot be traced to a process: they ended with it.
        f"""UPDATE turns SET status = 'interrupted', finished_at = COALESCE(finished_at, started_at),
            error_type = 'ProcessEnded', error_message = '{ENDED}' WHERE status = 'in_progress'""",
    ),
    (  # 3 -> 4: mapping a prompt over a table (nbresponses.rowmap): each row's answer, keyed by its request
        """CREATE TABLE map_rows (
            id INTEGER PRIMARY KEY AUTOINCREMENT, notebook TEXT NOT NULL, key TEXT NOT NULL, cell_id TEXT,
            thread TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('completed', 'incomplete')),
            model TEXT, response_id TEXT, output_text TEXT,
            input_tokens INTEGER, cached_tokens INTEGER, output_tokens INTEGER, reasoning_tokens INTEGER,
            total_tokens INTEGER, cost_usd REAL, batch_id TEXT, created_at REAL NOT NULL,
            request_json TEXT, response_json TEXT, UNIQUE (notebook, key))""",
        """CREATE TABLE map_batches (
            batch_id TEXT PRIMARY KEY, notebook TEXT NOT NULL, cell_id TEXT, base_url TEXT, model TEXT,
            status TEXT NOT NULL, request_count INTEGER NOT NULL, keys_json TEXT NOT NULL, input_file_id TEXT,
            counts_json TEXT, created_at REAL NOT NULL, updated_at REAL, collected_at REAL)""",
        "CREATE INDEX map_batches_notebook ON map_batches (notebook, created_at)",
    ),
    (  # 4 -> 5: full-text search of prompts and answers (FTS5, kept by triggers; skipped without FTS5)
        _search.create_index,
    ),
    (  # 5 -> 6: map rows are found by their request key in any notebook (a headless re-run has a new notebook key)
        "CREATE INDEX map_rows_key ON map_rows (key, created_at)",
    ),
)
