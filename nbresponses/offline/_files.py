"""The offline server's Files API, and the store its files and batches live in.

Files and batches are kept in SQLite: in the offline server's state file when it has one (beside the history,
for the magic), so that a batch submitted before a kernel restart can be collected after it, as on the real
service; else in memory.
Uploads arrive as ``multipart/form-data``; they are read with the standard library's MIME parser.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

__all__ = ["FileStore", "parse_multipart"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, created REAL NOT NULL, object_json TEXT NOT NULL, "
    "content BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, created REAL NOT NULL, object_json TEXT NOT NULL, "
    "processed INTEGER NOT NULL DEFAULT 0, output BLOB NOT NULL DEFAULT x'', errors BLOB NOT NULL DEFAULT x'')",
)


def parse_multipart(body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a ``multipart/form-data`` body: name -> (filename or None, bytes).

    The boundary is read from the body's first line (``--BOUNDARY``), since the server core is handed bodies
    without their headers; clients do not send a preamble before it.
    """
    first = body.split(b"\r\n", 1)[0]
    if not first.startswith(b"--") or len(first) < 3:
        return {}
    boundary = first[2:].decode("latin-1")
    head = f'Content-Type: multipart/form-data; boundary="{boundary}"\r\n\r\n'.encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        fields[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields


class FileStore:
    """Files and batches of the offline server, in SQLite (``path`` None: in memory). Thread-safe."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.clock = clock
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            ":memory:" if path is None else str(path),
            check_same_thread=False,
            isolation_level=None,
            timeout=10,
        )
        weakref.finalize(self, self._conn.close)  # a server dropped without close() closes its file too
        self._lock = threading.RLock()
        with self.write() as db:
            for statement in _SCHEMA:
                db.execute(statement)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (kernels sharing a file wait for each other instead of failing)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Rows of a query."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    # ----- files -----

    @staticmethod
    def new_id(prefix: str) -> str:
        """A random id (``file-…``, ``batch_…``): unique across restarts, unlike a counter."""
        return f"{prefix}{secrets.token_hex(12)}"

    def add_file(self, filename: str, purpose: str, content: bytes) -> dict[str, Any]:
        """Keep a file; returns its file object."""
        now = self.clock()
        obj = {"id": self.new_id("file-"), "object": "file", "bytes": len(content), "created_at": int(now),
               "expires_at": None, "filename": filename, "purpose": purpose, "status": "processed",
               "status_details": None}  # fmt: skip
        with self.write() as db:
            db.execute("INSERT INTO files VALUES (?, ?, ?, ?)", (obj["id"], now, json.dumps(obj), content))
        return obj

    def file(self, file_id: str) -> dict[str, Any] | None:
        """A file object, or None."""
        rows = self.read("SELECT object_json FROM files WHERE id = ?", (file_id,))
        return json.loads(rows[0][0]) if rows else None

    def content(self, file_id: str) -> bytes | None:
        """A file's bytes, or None."""
        rows = self.read("SELECT content FROM files WHERE id = ?", (file_id,))
        return bytes(rows[0][0]) if rows else None

    def files(self, purpose: str | None = None) -> list[dict[str, Any]]:
        """File objects, newest first."""
        rows = self.read("SELECT object_json FROM files ORDER BY created DESC, rowid DESC")
        found = [json.loads(row[0]) for row in rows]
        return [f for f in found if purpose is None or f.get("purpose") == purpose]

    def delete_file(self, file_id: str) -> bool:
        """Forget a file; False if there was none."""
        with self.write() as db:
            return db.execute("DELETE FROM files WHERE id = ?", (file_id,)).rowcount > 0

    # ----- batches (their state; what they do is in _batches) -----

    def add_batch(self, obj: dict[str, Any]) -> None:
        """Keep a new batch object."""
        with self.write() as db:
            db.execute(
                "INSERT INTO batches (id, created, object_json) VALUES (?, ?, ?)",
                (obj["id"], self.clock(), json.dumps(obj)),
            )

    def batch(self, batch_id: str) -> tuple[dict[str, Any], float, int, bytes, bytes] | None:
        """A batch object, when it was created (seconds), lines processed, and its output and error lines."""
        sql = "SELECT object_json, created, processed, output, errors FROM batches WHERE id = ?"
        rows = self.read(sql, (batch_id,))
        if not rows:
            return None
        obj, created, processed, output, errors = rows[0]
        return json.loads(obj), float(created), int(processed), bytes(output), bytes(errors)

    def batch_ids(self) -> list[str]:
        """Every batch id, newest first."""
        return [row[0] for row in self.read("SELECT id FROM batches ORDER BY created DESC, rowid DESC")]

    def save_batch(self, obj: dict[str, Any], *, processed: int, output: bytes, errors: bytes) -> None:
        """Store a batch's progress."""
        with self.write() as db:
            db.execute(
                "UPDATE batches SET object_json = ?, processed = ?, output = ?, errors = ? WHERE id = ?",
                (json.dumps(obj), processed, output, errors, obj["id"]),
            )
