"""The offline server's persistent state: responses, their input items and context, and conversations, in SQLite.

One file (by default beside the history, see `state_path`) or ``:memory:`` for tests. Several processes may share
a file (WAL mode, a busy timeout): a kernel restarted, a script and a notebook all see the same responses, so a
``previous_response_id`` chain, ``retrieve`` and ``input_items`` work across them.

A response's context (everything a continuation of it sees) is kept as a *delta* over its parent's context, so a
long chain costs space in proportion to its length, not its square; the full context is rebuilt with one
recursive query and the latest contexts are cached (a response never changes once written, only its
background status). Deleting a response folds its context into its children first, so they stay continuable.
``store=false`` responses are never written here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._events import in_progress_form

__all__ = ["MEMORY", "OfflineState", "StoredResponse", "state_path"]

MEMORY = ":memory:"
_SCHEMA_VERSION = 1
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS responses (
        id TEXT PRIMARY KEY, created_at REAL NOT NULL, parent_id TEXT, conversation_id TEXT,
        response_json TEXT, final_json TEXT NOT NULL, initial_json TEXT, error_json TEXT,
        pending_json TEXT NOT NULL DEFAULT '[]', input_items_json TEXT NOT NULL, delta_json TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS responses_parent ON responses (parent_id)",
    """CREATE TABLE IF NOT EXISTS conversations (
        id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, metadata_json TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS conversation_items (
        conversation_id TEXT NOT NULL, position INTEGER NOT NULL, item_id TEXT NOT NULL, item_json TEXT NOT NULL,
        PRIMARY KEY (conversation_id, position))""",
    "CREATE INDEX IF NOT EXISTS conversation_items_id ON conversation_items (conversation_id, item_id)",
)
_CHAIN = """WITH RECURSIVE chain(id, parent_id, delta_json, depth) AS (
    SELECT id, parent_id, delta_json, 0 FROM responses WHERE id = ?
    UNION ALL
    SELECT r.id, r.parent_id, r.delta_json, chain.depth + 1 FROM responses r JOIN chain ON r.id = chain.parent_id
) SELECT delta_json FROM chain ORDER BY depth DESC"""


def state_path(history_path: str | Path) -> Path:
    """The offline state file beside a history file: ``history.sqlite3`` → ``history.offline.sqlite3``."""
    path = Path(history_path)
    return path.with_name(f"{path.stem}.offline{path.suffix or '.sqlite3'}")


@dataclass
class StoredResponse:
    """A stored response: how ``retrieve`` shows it now, its final and in-progress forms, and its items."""

    id: str
    response: dict[str, Any]
    final: dict[str, Any]
    initial: dict[str, Any]
    input_items: list[dict[str, Any]]
    error: dict[str, Any] | None = None
    pending: list[str] = field(default_factory=list)  # background statuses still to go through
    conversation: str | None = None
    created_at: float = 0.0


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class OfflineState:
    """SQLite-backed storage of the offline server (thread-safe; shareable between processes).

    Args:
        path: the database file, or ``":memory:"``.
        cache_size: how many recent contexts are kept in memory.
    """

    def __init__(self, path: str | Path = MEMORY, *, cache_size: int = 64) -> None:
        self.path = str(path)
        self.persistent = self.path != MEMORY
        if self.persistent:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False, isolation_level=None)
        # A server dropped without close() still closes its database (Python 3.13 warns about one left open).
        weakref.finalize(self, self._db.close)
        self._contexts: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._cache_size = cache_size
        with self._lock:
            if self.persistent:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout = 10000")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > _SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"{self.path} was written by a newer nbresponses (offline schema {version})."
                )
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    self._db.execute(sql, params)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _remember(self, response_id: str, context: list[dict[str, Any]]) -> None:
        self._contexts[response_id] = context
        self._contexts.move_to_end(response_id)
        while len(self._contexts) > self._cache_size:
            self._contexts.popitem(last=False)

    # ----- responses -----

    def put(
        self,
        stored: StoredResponse,
        context: list[dict[str, Any]],
        *,
        parent: str | None = None,
        delta: list[dict[str, Any]] | None = None,
    ) -> None:
        """Keep ``stored``, whose whole context is ``context``.

        ``parent`` is the stored response whose context ``context`` extends by ``delta``; without them (a first
        turn, a conversation, a connection-local parent) the whole context is written.
        """
        with self._lock:
            if (
                parent is None
                or delta is None
                or not self._rows("SELECT 1 FROM responses WHERE id = ?", (parent,))
            ):
                parent, delta = None, context  # (a parent deleted meanwhile: its context is folded in here)
            self._write([("""INSERT OR REPLACE INTO responses (id, created_at, parent_id, conversation_id,
                response_json, final_json, initial_json, error_json, pending_json, input_items_json, delta_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", (
                # NULL for the forms that follow from the final response: a third of the size, for the usual case
                stored.id, stored.created_at, parent, stored.conversation,
                None if stored.response == stored.final else _dump(stored.response), _dump(stored.final),
                None if stored.initial == in_progress_form(stored.final) else _dump(stored.initial),
                _dump(stored.error) if stored.error else None,
                _dump(stored.pending), _dump(stored.input_items), _dump(delta)))])  # fmt: skip
            self._remember(stored.id, context)

    def get(self, response_id: str) -> StoredResponse | None:
        """A stored response, or None."""
        rows = self._rows(
            "SELECT id, response_json, final_json, initial_json, input_items_json, error_json, pending_json, "
            "conversation_id, created_at FROM responses WHERE id = ?",
            (response_id,),
        )
        if not rows:
            return None
        row = rows[0]
        final = json.loads(row[2])
        return StoredResponse(
            id=row[0], response=json.loads(row[1]) if row[1] else final, final=final,
            initial=json.loads(row[3]) if row[3] else in_progress_form(final),
            input_items=json.loads(row[4]), error=json.loads(row[5]) if row[5] else None,
            pending=json.loads(row[6]), conversation=row[7], created_at=row[8],
        )  # fmt: skip

    def update(self, response_id: str, *, response: dict[str, Any], pending: list[str]) -> None:
        """Record a background response's new status (and the steps it has left)."""
        self._write([("UPDATE responses SET response_json = ?, pending_json = ? WHERE id = ?",
                      (_dump(response), _dump(pending), response_id))])  # fmt: skip

    def context(self, response_id: str) -> list[dict[str, Any]] | None:
        """Everything a continuation of ``response_id`` sees (a copy), or None if it is not stored."""
        with self._lock:
            cached = self._contexts.get(response_id)
            if cached is not None and self._rows("SELECT 1 FROM responses WHERE id = ?", (response_id,)):
                self._contexts.move_to_end(response_id)
                return list(cached)
            rows = self._rows(_CHAIN, (response_id,))
            if not rows:
                self._contexts.pop(response_id, None)
                return None
            context = [item for (delta,) in rows for item in json.loads(delta)]
            self._remember(response_id, context)
            return list(context)

    def delete(self, response_id: str) -> bool:
        """Forget a response; its children keep their context (folded into their own). False if unknown."""
        with self._lock:
            context = self.context(response_id)
            if context is None:
                return False
            children = self._rows("SELECT id, delta_json FROM responses WHERE parent_id = ?", (response_id,))
            statements: list[tuple[str, tuple[Any, ...]]] = [
                ("UPDATE responses SET parent_id = NULL, delta_json = ? WHERE id = ?",
                 (_dump(context + json.loads(delta)), child))
                for child, delta in children
            ]  # fmt: skip
            statements.append(("DELETE FROM responses WHERE id = ?", (response_id,)))
            self._write(statements)
            self._contexts.pop(response_id, None)
            return True

    def count(self) -> int:
        """How many responses are stored."""
        return int(self._rows("SELECT COUNT(*) FROM responses")[0][0])

    # ----- conversations -----

    def create_conversation(self, conversation: dict[str, Any], items: list[dict[str, Any]]) -> None:
        """Keep a new conversation with its first items."""
        statements: list[tuple[str, tuple[Any, ...]]] = [(
            "INSERT INTO conversations (id, created_at, metadata_json) VALUES (?, ?, ?)",
            (conversation["id"], conversation["created_at"], _dump(conversation.get("metadata") or {})),
        )]  # fmt: skip
        statements += self._item_rows(conversation["id"], items, start=0)
        self._write(statements)

    def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        """The conversation object, or None."""
        rows = self._rows(
            "SELECT id, created_at, metadata_json FROM conversations WHERE id = ?", (conversation_id,)
        )
        if not rows:
            return None
        cid, created_at, metadata = rows[0]
        return {
            "id": cid,
            "object": "conversation",
            "created_at": created_at,
            "metadata": json.loads(metadata),
        }

    def set_metadata(self, conversation_id: str, metadata: dict[str, Any]) -> None:
        """Replace a conversation's metadata."""
        self._write([("UPDATE conversations SET metadata_json = ? WHERE id = ?",
                      (_dump(metadata), conversation_id))])  # fmt: skip

    def delete_conversation(self, conversation_id: str) -> None:
        """Forget a conversation and its items."""
        self._write([
            ("DELETE FROM conversation_items WHERE conversation_id = ?", (conversation_id,)),
            ("DELETE FROM conversations WHERE id = ?", (conversation_id,)),
        ])  # fmt: skip

    def _item_rows(
        self, conversation_id: str, items: list[dict[str, Any]], *, start: int
    ) -> list[tuple[str, tuple[Any, ...]]]:
        return [
            ("INSERT INTO conversation_items (conversation_id, position, item_id, item_json) VALUES (?, ?, ?, ?)",
             (conversation_id, start + offset, str(item.get("id")), _dump(item)))
            for offset, item in enumerate(items)
        ]  # fmt: skip

    def add_items(self, conversation_id: str, items: list[dict[str, Any]]) -> None:
        """Append items to a conversation."""
        with self._lock:
            last = self._rows(
                "SELECT COALESCE(MAX(position), -1) FROM conversation_items WHERE conversation_id = ?",
                (conversation_id,),
            )[0][0]
            self._write(self._item_rows(conversation_id, items, start=int(last) + 1))

    def items(self, conversation_id: str) -> list[dict[str, Any]]:
        """A conversation's items, oldest first."""
        rows = self._rows(
            "SELECT item_json FROM conversation_items WHERE conversation_id = ? ORDER BY position",
            (conversation_id,),
        )
        return [json.loads(text) for (text,) in rows]

    def item(self, conversation_id: str, item_id: str) -> dict[str, Any] | None:
        """One item of a conversation, or None."""
        rows = self._rows(
            "SELECT item_json FROM conversation_items WHERE conversation_id = ? AND item_id = ?",
            (conversation_id, item_id),
        )
        return json.loads(rows[0][0]) if rows else None

    def delete_item(self, conversation_id: str, item_id: str) -> None:
        """Remove one item from a conversation."""
        self._write([("DELETE FROM conversation_items WHERE conversation_id = ? AND item_id = ?",
                      (conversation_id, item_id))])  # fmt: skip
