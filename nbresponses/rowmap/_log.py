"""Mapped rows and batches in the history file: what makes a map resumable and a batch collectable later.

Two tables of the history (``store._MIGRATIONS`` 2): ``map_rows`` holds each answered row request under its key
(recorded with the notebook that paid for it, whose usage and budget count it), with its answer, usage and
cost, so a re-run sends only the rest; ``map_batches`` holds each submitted batch with the keys it carries, so
re-running the cell, after a kernel restart too, finds its batch instead of submitting another. Both are written
through the store's connection, so its scrubbing of secrets applies.

Answers and open batches are found by request key in the whole history, not in this notebook's rows only. The
key already hashes everything that decides an answer (the base URL, model, the filled-in prompt, every option),
while the notebook key is not a stable identity: a headless run (``jupyter execute``, nbconvert, papermill)
gets ``kernel:<connection file>``, new in every run, and a renamed or moved notebook gets a new path. Scoped to
the notebook, each such re-run sent every row and submitted every batch again, paying twice for the same
requests. This notebook's own answer is preferred, then the newest; ``--fresh`` sends all again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nbresponses.types.response import end_status

if TYPE_CHECKING:
    from nbresponses.store import HistoryStore
    from nbresponses.types.response import Response

__all__ = ["BatchRecord", "MapLog", "SavedRow", "StoredRow"]

_CHUNK = 500  # keys per query (SQLite's limit on parameters is far above)
_ROW_COLUMNS = ("key, status, model, response_id, output_text, input_tokens, output_tokens, cost_usd, batch_id, "
                "response_json")  # fmt: skip
_BATCH_COLUMNS = ("batch_id, notebook, cell_id, base_url, model, status, request_count, keys_json, input_file_id, "
                  "counts_json, created_at, updated_at, collected_at")  # fmt: skip


@dataclass(frozen=True)
class StoredRow:
    """An answered row request, as the history keeps it."""

    key: str
    status: str
    model: str | None
    response_id: str | None
    output_text: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    batch_id: str | None
    response_json: str | None


@dataclass(frozen=True)
class SavedRow:
    """An answer to record."""

    key: str
    response: Response
    cost_usd: float | None
    request: Mapping[str, Any] | None = None
    batch_id: str | None = None


@dataclass(frozen=True)
class BatchRecord:
    """A batch submitted by a map."""

    batch_id: str
    notebook: str
    cell_id: str | None
    base_url: str | None
    model: str | None
    status: str
    request_count: int
    keys: tuple[str, ...]
    input_file_id: str | None
    counts: dict[str, int]
    created_at: float
    updated_at: float | None
    collected_at: float | None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> BatchRecord:
        values = list(row)
        values[7] = tuple(json.loads(values[7]))
        values[9] = json.loads(values[9]) if values[9] else {}
        return cls(*values)


class MapLog:
    """The map tables of one notebook in a `HistoryStore`.

    Args:
        store: the history.
        notebook: the notebook key (its rows and batches are recorded under it; answers are reused from any).
        cell_id: the cell mapping (recorded with rows and batches).
        thread: the name the notebook's usage shows these rows under.
    """

    def __init__(
        self, store: HistoryStore, notebook: str, *, cell_id: str | None = None, thread: str = "map"
    ) -> None:
        self.store = store
        self.notebook = notebook
        self.cell_id = cell_id
        self.thread = thread

    # ----- rows -----

    def answered(self, keys: Iterable[str]) -> dict[str, StoredRow]:
        """The rows of ``keys`` answered before (in any notebook: this one's answer first, then the newest)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, StoredRow] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            # Ascending, so that the preferred answer of a key comes last and stays.
            sql = (f"SELECT {_ROW_COLUMNS} FROM map_rows WHERE key IN ({','.join('?' * len(chunk))}) "
                   "ORDER BY notebook = ?, created_at, id")  # fmt: skip
            for row in self.store._read(sql, [*chunk, self.notebook]):
                found[row[0]] = StoredRow(*row)
        return found

    def save(self, rows: Iterable[SavedRow]) -> int:
        """Record answers (one transaction); an answer for a key already recorded replaces it."""
        clock = self.store._clock
        values = []
        for row in rows:
            response = row.response
            usage = response.usage
            cached = (
                usage.input_tokens_details.cached_tokens if usage and usage.input_tokens_details else None
            )
            reasoning = (
                usage.output_tokens_details.reasoning_tokens
                if usage and usage.output_tokens_details
                else None
            )
            values.append((
                self.notebook, row.key, self.cell_id, self.thread,
                end_status(response.status),
                response.model, response.id, self.store._text(response.output_text),
                usage.input_tokens if usage else None, cached, usage.output_tokens if usage else None, reasoning,
                usage.total_tokens if usage else None, row.cost_usd, row.batch_id, clock(),
                self.store._json(dict(row.request)) if row.request is not None else None,
                self.store._json(response),
            ))  # fmt: skip
        if not values:
            return 0
        sql = """INSERT OR REPLACE INTO map_rows (notebook, key, cell_id, thread, status, model, response_id,
            output_text, input_tokens, cached_tokens, output_tokens, reasoning_tokens, total_tokens, cost_usd,
            batch_id, created_at, request_json, response_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
            ?, ?, ?)"""
        with self.store._write() as db:
            db.executemany(sql, values)
        return len(values)

    def forget(self, keys: Iterable[str]) -> None:
        """Drop the recorded answers of ``keys`` (``--fresh``: they are sent again and replaced)."""
        wanted = list(dict.fromkeys(keys))
        with self.store._write() as db:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                sql = f"DELETE FROM map_rows WHERE notebook = ? AND key IN ({','.join('?' * len(chunk))})"
                db.execute(sql, [self.notebook, *chunk])

    # ----- batches -----

    def add_batch(
        self, batch_id: str, *, keys: Iterable[str], base_url: str, model: str | None, status: str,
        input_file_id: str | None, counts: Mapping[str, int] | None = None,
    ) -> None:  # fmt: skip
        """Record a submitted batch and the row keys it carries."""
        carried = list(dict.fromkeys(keys))
        now = self.store._clock()
        with self.store._write() as db:
            db.execute(
                f"INSERT OR REPLACE INTO map_batches ({_BATCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (batch_id, self.notebook, self.cell_id, base_url, model, status, len(carried), json.dumps(carried),
                 input_file_id, json.dumps(dict(counts or {})), now, now, None),
            )  # fmt: skip

    def update_batch(
        self, batch_id: str, *, status: str, counts: Mapping[str, int] | None = None, collected: bool = False
    ) -> None:
        """Record a batch's latest status (and that its results were collected)."""
        now = self.store._clock()
        with self.store._write() as db:
            db.execute(
                "UPDATE map_batches SET status = ?, counts_json = COALESCE(?, counts_json), updated_at = ?, "
                "collected_at = CASE WHEN ? THEN ? ELSE collected_at END WHERE batch_id = ?",
                (
                    status,
                    json.dumps(dict(counts)) if counts is not None else None,
                    now,
                    collected,
                    now,
                    batch_id,
                ),
            )

    def batch(self, batch_id: str) -> BatchRecord | None:
        """A batch of any notebook by id."""
        rows = self.store._read(f"SELECT {_BATCH_COLUMNS} FROM map_batches WHERE batch_id = ?", (batch_id,))
        return BatchRecord.from_row(rows[0]) if rows else None

    def batches(self, *, limit: int = 50, open_at: str | None = None) -> list[BatchRecord]:
        """This notebook's batches, newest first; with ``open_at`` (a base URL), also every other notebook's
        uncollected batch on that backend: a run of the same map here would report on it and collect it."""
        if open_at is None:
            sql = f"SELECT {_BATCH_COLUMNS} FROM map_batches WHERE notebook = ? ORDER BY created_at DESC LIMIT ?"
            return [BatchRecord.from_row(row) for row in self.store._read(sql, (self.notebook, limit))]
        sql = (f"SELECT {_BATCH_COLUMNS} FROM map_batches WHERE notebook = ? OR (collected_at IS NULL AND "
               "base_url = ?) ORDER BY created_at DESC LIMIT ?")  # fmt: skip
        return [BatchRecord.from_row(row) for row in self.store._read(sql, (self.notebook, open_at, limit))]

    def open_batch(self, keys: Iterable[str], base_url: str) -> BatchRecord | None:
        """The newest uncollected batch of this backend that carries any of ``keys`` (submitted by any notebook:
        the keys say the requests are the same)."""
        wanted = set(keys)
        sql = (f"SELECT {_BATCH_COLUMNS} FROM map_batches WHERE collected_at IS NULL "
               "AND base_url = ? ORDER BY created_at DESC")  # fmt: skip
        for row in self.store._read(sql, (base_url,)):
            record = BatchRecord.from_row(row)
            if wanted.intersection(record.keys):
                return record
        return None
