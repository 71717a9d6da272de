"""`HistoryStore`: the turns of every notebook in one SQLite file; `open_history` falls back to memory.

The rules it keeps (parents, supersession, threads, several processes) are described in `nbresponses.store`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from nbresponses._exceptions import HistoryError

from . import _search
from ._encode import json_text, loads, plain_text
from ._file import connect, default_history_path, history_error
from ._owners import claim, close_orphans, own_lineage
from ._processes import current_process
from ._records import CONTINUABLE, FINAL, ThreadMode, ThreadRecord, TurnRecord, TurnStatus, UsageRow
from ._schema import MIGRATIONS, SCHEMA_VERSION, TABLES
from ._sql import COLUMNS, FINISH_TURN, INSERT_TURN, PATH, SEGMENT, SUPERSEDE, THREADS, USAGE, where

__all__ = ["DEFAULT_THREAD", "HistoryStore", "open_history"]

DEFAULT_THREAD = "default"
_BUSY_TIMEOUT_S = 10.0
_ANY = object()


class HistoryStore:
    """The turn history of every notebook in one SQLite file (``path``, default :func:`default_history_path`).

    Thread-safe, one connection per object. ``secrets`` (the API key) are scrubbed from all it writes;
    ``clock`` gives timestamps. Raises `HistoryError` (naming the file) if it cannot be used: a folder, no
    permission, read-only, not SQLite, another program's database, or written by a newer nbresponses.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        secrets: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = default_history_path() if path is None else Path(path)
        self.secrets = tuple(s for s in secrets if s)
        self._clock = clock
        self._lock = threading.RLock()
        self._conn = connect(
            self.path, busy_timeout=_BUSY_TIMEOUT_S, schema_version=SCHEMA_VERSION, tables=TABLES
        )
        # A store dropped without close() still closes its file (Python 3.13 warns about one left open).
        weakref.finalize(self, self._conn.close)
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def in_memory(self) -> bool:
        """Whether the history lives only as long as this object (``:memory:``)."""
        return str(self.path) == ":memory:"

    def close(self) -> None:
        """Close the connection (idempotent). Every write is already committed."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so a busy file waits (busy_timeout) instead of deadlocking.
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as error:  # a full disk, a file made read-only or deleted meanwhile...
                raise history_error(self.path, "written", error) from None

    def _read(self, sql: str, params: Iterable[object] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as error:
                raise history_error(self.path, "read", error) from None

    def _migrate(self) -> None:
        with self._write() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:  # a newer version wrote it since it was checked
                raise HistoryError(
                    f"The history file {self.path} was written by a newer nbresponses.", path=self.path
                )
            for statement in (s for statements in MIGRATIONS[version:] for s in statements):
                conn.execute(statement) if isinstance(statement, str) else statement(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            close_orphans(conn, self._clock())

    def _json(self, value: object) -> str | None:
        """JSON text of a JSON-like value, JSON text or pydantic model (as received), redacted."""
        return json_text(value, self.secrets)

    def _text(self, value: str | None) -> str | None:
        return plain_text(value, self.secrets)

    # ----- threads -----

    def _ensure_thread(self, db: sqlite3.Connection, notebook: str, thread: str, mode: str = "server") -> int:
        """Create the thread if needed; returns its current generation."""
        if not thread:
            raise ValueError("A thread needs a non-empty name.")
        sql = "INSERT OR IGNORE INTO threads (notebook, name, mode, created_at) VALUES (?, ?, ?, ?)"
        db.execute(sql, (notebook, thread, mode, self._clock()))
        sql = "SELECT generation FROM threads WHERE notebook = ? AND name = ?"
        return int(db.execute(sql, (notebook, thread)).fetchone()[0])

    def set_mode(self, notebook: str, thread: str, mode: ThreadMode) -> None:
        """Choose how the thread carries context (``"server"`` or ``"client"``); creates it if needed."""
        if mode not in ("server", "client"):
            raise ValueError(f"mode must be 'server' or 'client', not {mode!r}.")
        with self._write() as conn:
            self._ensure_thread(conn, notebook, thread, mode)
            sql = "UPDATE threads SET mode = ? WHERE notebook = ? AND name = ?"
            conn.execute(sql, (mode, notebook, thread))

    def thread_mode(self, notebook: str, thread: str = DEFAULT_THREAD) -> ThreadMode:
        """How the thread carries context (``"server"`` if it does not exist yet), cheaper than threads()."""
        return cast(ThreadMode, self._thread_field(notebook, thread, "mode") or "server")

    def threads(self, notebook: str) -> list[ThreadRecord]:
        """The notebook's threads, oldest first."""
        return [ThreadRecord(*row) for row in self._read(THREADS, (notebook,))]

    def reset(self, notebook: str, thread: str = DEFAULT_THREAD) -> int:
        """Start the thread afresh (a new generation, no head); old turns are kept. Returns the generation."""
        with self._write() as conn:
            self._ensure_thread(conn, notebook, thread)
            sql = """UPDATE threads SET generation = generation + 1, head_id = NULL, forked_from = NULL,
                reset_at = ? WHERE notebook = ? AND name = ?"""
            conn.execute(sql, (self._clock(), notebook, thread))
            return self._ensure_thread(conn, notebook, thread)

    def fork(
        self, notebook: str, source: int | str, new_thread: str, *, mode: ThreadMode | None = None
    ) -> ThreadRecord:
        """Create ``new_thread`` continuing from ``source``, a response, cell or turn id (:meth:`resolve`).

        The fork's path is the source's chain, by reference: its first turn's parent is the source turn. Its
        mode is the source thread's unless given. Raises :class:`LookupError` for an unknown source and
        :class:`ValueError` if ``new_thread`` exists or the source turn did not complete.
        """
        turn = self.resolve(notebook, source)
        if not turn.continuable:
            raise ValueError(f"Turn {turn.id} is {turn.status}; only a completed turn can be forked.")
        with self._write() as conn:
            sql = "SELECT mode FROM threads WHERE notebook = ? AND name = ?"
            if conn.execute(sql, (notebook, new_thread)).fetchone():
                raise ValueError(f"Thread {new_thread!r} already exists; choose a new name.")
            source_mode = conn.execute(sql, (turn.notebook, turn.thread)).fetchone()
            self._ensure_thread(conn, notebook, new_thread, mode or (source_mode or ["server"])[0])
            sql = "UPDATE threads SET head_id = ?, forked_from = ? WHERE notebook = ? AND name = ?"
            conn.execute(sql, (turn.id, turn.id, notebook, new_thread))
        return next(t for t in self.threads(notebook) if t.name == new_thread)

    # ----- writing turns -----

    def begin_turn(
        self,
        notebook: str,
        thread: str = DEFAULT_THREAD,
        *,
        parent_id: int | None,
        cell_id: str | None = None,
        prompt: str | None = None,
        request: object = None,
        input_items: object = None,
        expected_head: object = _ANY,
    ) -> TurnRecord:
        """Record a turn as ``in_progress`` (creating the thread if needed). Call it *before* sending.

        ``parent_id`` is normally ``parent_for(...).id`` and must be a completed or incomplete turn
        (:class:`ValueError` otherwise; :class:`LookupError` if unknown). ``request`` is the body as sent
        (JSON-like, JSON text or pydantic models; its ``model`` and ``previous_response_id`` are recorded);
        ``input_items`` are the items this turn adds (in client mode those only: log no resent history). A
        request whose ``input`` is those items is stored without it (:attr:`TurnRecord.request` puts it back).
        ``cell_id`` is None where there is none (terminal IPython): such turns append.

        ``expected_head`` (the head the request was built on) makes the turn wait its turn: :class:`HeadMoved`
        if the head is another one now, :class:`ThreadBusy` while another running process has a turn in
        progress on the thread. Nothing is written then; build the request again (after a wait if busy).
        """
        if isinstance(request, Mapping) and input_items is not None and request.get("input") == input_items:
            request = {key: value for key, value in request.items() if key != "input"}  # stored once
        request_text = self._json(request)
        body = loads(request_text) or {}
        if parent_id is not None and not (parent := self.get_turn(parent_id)).continuable:
            raise ValueError(f"Turn {parent_id} is {parent.status}; only a completed turn can be continued.")
        items_text, prompt_text = self._json(input_items), self._text(prompt)
        owner = (me := current_process()).host, me.pid, me.started
        with self._write() as conn:
            generation = self._ensure_thread(conn, notebook, thread)
            if expected_head is not _ANY:
                claim(
                    conn,
                    notebook,
                    thread,
                    generation=generation,
                    expected_head=expected_head,
                    now=self._clock(),
                )
            place = (notebook, thread, generation, cell_id, parent_id, prompt_text)
            what = (body.get("model"), body.get("previous_response_id"), self._clock(), request_text)
            params = (*place, *what, items_text, *owner)
            turn_id = cast(int, conn.execute(INSERT_TURN, params).lastrowid)
        return self.get_turn(turn_id)

    def finish_turn(
        self,
        turn_id: int,
        *,
        status: TurnStatus,
        response: object = None,
        usage: Mapping[str, Any] | None = None,
        output_items: object = None,
        cost_usd: float | None = None,
        first_token_at: float | None = None,
        error: BaseException | None = None,
    ) -> TurnRecord:
        """Close a running turn with its status, response (final or partial), usage, timings and error.

        The response id and model come from the response, ``usage`` (API JSON shape) by default too; ``error``
        is stored as its class name, ``code`` attribute and message. A completed or incomplete turn becomes
        the thread's head and supersedes the part of the path it replaced. Raises :class:`LookupError` for an
        unknown turn and :class:`ValueError` if it is not in progress or ``status`` is not final.
        """
        if status not in FINAL:
            raise ValueError(f"A turn cannot finish as {status!r}.")
        response_text = self._json(response)
        body = loads(response_text) or {}
        if not isinstance(body, dict):
            raise ValueError("response must be a JSON object.")
        u: Mapping[str, Any] = usage if usage is not None else (body.get("usage") or {})
        cached = (u.get("input_tokens_details") or {}).get("cached_tokens")
        reasoning = (u.get("output_tokens_details") or {}).get("reasoning_tokens")
        counts = (u.get("input_tokens"), cached, u.get("output_tokens"), reasoning, u.get("total_tokens"))
        code = getattr(error, "code", None)
        errors = (type(error).__name__, code and str(code), self._text(str(error))) if error else ()
        given = (status, response_text, body.get("id"), body.get("model"), *counts, cost_usd)
        rest = (self._json(output_items), first_token_at, self._clock(), *(errors or (None,) * 3), turn_id)
        with self._write() as conn:
            columns = "status, notebook, thread, generation, parent_id, superseded_by"
            row = conn.execute(f"SELECT {columns} FROM turns WHERE id = ?", (turn_id,)).fetchone()
            if row is None:
                raise LookupError(f"No turn {turn_id}.")
            if row[0] != "in_progress":
                raise ValueError(f"Turn {turn_id} already finished as {row[0]}.")
            conn.execute(FINISH_TURN, (*given, *rest))
            if status in CONTINUABLE and row[5] is None:
                self._advance(conn, turn_id, row[1:5])
        return self.get_turn(turn_id)

    def discard_turn(self, turn_id: int) -> None:
        """Delete a failed turn that was an attempt, not a turn: a request retried at once by the same send.

        Auto mode's request that ``/v1/responses`` refused, resent through the Chat Completions bridge, or a
        request resent without ``previous_response_id`` after the gateway refused it: the user saw one turn,
        the retry's. Only a failed turn nothing refers to (no child, no supersession, no thread's head or fork)
        can go. Raises :class:`LookupError` for an unknown turn and :class:`ValueError` for any other.
        """
        refs = """SELECT 1 FROM turns WHERE parent_id = :id OR superseded_by = :id
            UNION ALL SELECT 1 FROM threads WHERE head_id = :id OR forked_from = :id LIMIT 1"""
        with self._write() as conn:
            row = conn.execute("SELECT status FROM turns WHERE id = ?", (turn_id,)).fetchone()
            if row is None:
                raise LookupError(f"No turn {turn_id}.")
            if row[0] != "failed" or conn.execute(refs, {"id": turn_id}).fetchone():
                raise ValueError(f"Turn {turn_id} is {row[0]} or referred to; only a failed attempt can go.")
            conn.execute("DELETE FROM turns WHERE id = ?", (turn_id,))

    def _advance(self, conn: sqlite3.Connection, turn_id: int, where: tuple[Any, ...]) -> None:
        """Make a just-completed turn the head, superseding what it replaced."""
        notebook, thread, generation, parent_id = where
        sql = "SELECT generation, head_id FROM threads WHERE notebook = ? AND name = ?"
        current, head = conn.execute(sql, (notebook, thread)).fetchone()
        if current != generation:
            return  # the thread was reset while this turn ran: it stays in its own generation
        if not (
            head is None
            or parent_id in (None, head)
            or conn.execute(f"{PATH} SELECT 1 FROM path WHERE id = ? LIMIT 1", (head, parent_id)).fetchone()
        ):
            # The parent left the path while this turn ran (a concurrent re-run): keep the turn, off the path.
            (by,) = conn.execute("SELECT superseded_by FROM turns WHERE id = ?", (parent_id,)).fetchone()
            conn.execute("UPDATE turns SET superseded_by = ? WHERE id = ?", (by or head, turn_id))
            return
        if head is not None and parent_id != head:
            params = {"head": head, "parent": parent_id, "nb": notebook, "th": thread, "new": turn_id}
            conn.execute(SUPERSEDE, params)
        sql = "UPDATE threads SET head_id = ? WHERE notebook = ? AND name = ?"
        conn.execute(sql, (turn_id, notebook, thread))

    # ----- reading -----

    def get_turn(self, turn_id: int) -> TurnRecord:
        """One turn by id. Raises :class:`LookupError` if unknown."""
        rows = self._read(f"SELECT {COLUMNS} FROM turns t WHERE id = ?", (turn_id,))
        if not rows:
            raise LookupError(f"No turn {turn_id}.")
        return TurnRecord(*rows[0])

    def chain(self, turn_id: int | None) -> list[TurnRecord]:
        """The turn and its ancestors, oldest first (empty for None)."""
        sql = f"{PATH} SELECT {COLUMNS} FROM turns t WHERE t.id IN (SELECT id FROM path) ORDER BY t.id"
        return [TurnRecord(*row) for row in self._read(sql, (turn_id,))] if turn_id is not None else []

    def _thread_field(self, notebook: str, thread: str, column: str) -> Any:
        rows = self._read(f"SELECT {column} FROM threads WHERE notebook = ? AND name = ?", (notebook, thread))
        return rows[0][0] if rows else None

    def active_path(self, notebook: str, thread: str = DEFAULT_THREAD) -> list[TurnRecord]:
        """The turns the thread's next request continues, oldest first (through a fork's source)."""
        return self.chain(self._thread_field(notebook, thread, "head_id"))

    def head_id(self, notebook: str, thread: str = DEFAULT_THREAD) -> int | None:
        """The id of the turn the thread's next request continues (None: it starts afresh)."""
        return cast("int | None", self._thread_field(notebook, thread, "head_id"))

    def parent_for(
        self,
        notebook: str,
        thread: str = DEFAULT_THREAD,
        cell_id: str | None = None,
        *,
        head_id: object = _ANY,
    ) -> TurnRecord | None:
        """The turn a new request from ``cell_id`` continues from; None to start a conversation.

        If the cell has a turn on the active path, the re-run replaces it: the parent is that turn's parent.
        Otherwise (a new cell, a cell whose turn failed or was superseded, no cell id) it is the head. A re-run
        replaces only within its kernel lineage: if a process that still runs (another kernel on the same
        notebook) wrote any turn it would supersede, the turn appends at the head instead. ``head_id`` is the
        head to start from, as read by the caller (default: the thread's current head).
        """
        parent = self.head_id(notebook, thread) if head_id is _ANY else cast("int | None", head_id)
        sql = (
            "SELECT 1 FROM turns WHERE notebook = ? AND cell_id = ? AND status IN ('completed', 'incomplete')"
        )
        # Most cells are new: walk the path only for a cell that has completed a turn before.
        if parent is not None and cell_id is not None and self._read(f"{sql} LIMIT 1", (notebook, cell_id)):
            # From the cell's oldest turn on the path (a cell's tool rounds are one turn each, replaced
            # together) to the head: the turns a re-run would supersede, with their writers.
            segment = self._read(SEGMENT, (parent, cell_id))
            if segment and own_lineage(row[1:] for row in segment):
                parent = segment[0][0]
        return None if parent is None else self.get_turn(parent)

    def context_items(self, turn_id: int | None) -> list[Any]:
        """Input then output items of each turn of the chain ending at ``turn_id``: client-state context."""
        return [item for turn in self.chain(turn_id) for item in (*turn.input_items, *turn.output_items)]

    def history(
        self, notebook: str, thread: str | None = DEFAULT_THREAD, *, include_superseded: bool = True
    ) -> list[TurnRecord]:
        """The turns in the order they started, of every generation; of every thread if ``thread`` is None."""
        sql, params = where(f"SELECT {COLUMNS} FROM turns t WHERE notebook = ?", thread=thread)
        sql += "" if include_superseded else " AND superseded_by IS NULL"
        return [TurnRecord(*row) for row in self._read(sql + " ORDER BY id", [notebook, *params])]

    def find_turn(
        self, notebook: str | None = None, *, response_id: str | None = None, cell_id: str | None = None
    ) -> TurnRecord | None:
        """The latest turn with this response id or cell id, preferring completed and not superseded ones."""
        if (response_id is None) == (cell_id is None):
            raise ValueError("Give exactly one of response_id and cell_id.")
        base = f"SELECT {COLUMNS} FROM turns t WHERE 1"
        sql, params = where(base, response_id=response_id, cell_id=cell_id, notebook=notebook)
        sql += " ORDER BY status IN ('completed', 'incomplete') DESC, superseded_by IS NULL DESC, id DESC"
        rows = self._read(sql + " LIMIT 1", params)
        return TurnRecord(*rows[0]) if rows else None

    def resolve(self, notebook: str, ref: int | str) -> TurnRecord:
        """The turn named by a response id (any notebook), a cell id (this notebook) or else a turn id."""
        ref = str(ref)
        turn = self.find_turn(response_id=ref) or self.find_turn(notebook, cell_id=ref)
        if turn is None and not ref.isdigit():
            raise LookupError(f"No turn with response id or cell id {ref!r} in {notebook!r}.")
        return turn or self.get_turn(int(ref))

    def turn_numbers(self, notebook: str) -> dict[int, int]:
        """Turn id -> its number in the notebook (1 for the notebook's first turn, in the order they started)."""
        rows = self._read("SELECT id FROM turns WHERE notebook = ? ORDER BY id", (notebook,))
        return {row[0]: number for number, row in enumerate(rows, start=1)}

    def superseded_cells(self, notebook: str, turn_ids: Iterable[int]) -> list[str]:
        """The cell ids of the turns that any of ``turn_ids`` superseded, oldest first."""
        ids = list(turn_ids)
        marks = ", ".join("?" * len(ids))
        sql = f"""SELECT cell_id FROM turns WHERE notebook = ? AND superseded_by IN ({marks})
            AND cell_id IS NOT NULL ORDER BY id"""
        return [row[0] for row in self._read(sql, (notebook, *ids))] if ids else []

    def search(self, query: str, *, notebook: str | None = None, limit: int = 20) -> list[_search.SearchHit]:
        """Turns whose prompt or answer contains every word or "phrase" of ``query`` (all notebooks if None).

        Raises:
            ValueError: the query has no terms.
        """
        with self._lock:
            return _search.search(self._conn, query, notebook=notebook, limit=limit)

    def usage_rows(self, notebook: str | None = None, thread: str | None = None) -> list[UsageRow]:
        """Per-turn usage of every finished turn and mapped row, oldest first, for totals by notebook, thread
        and model (a mapped row's ``turn_id`` is minus its row id)."""
        sql, params = where(USAGE, notebook=notebook, thread=thread)
        return [UsageRow(*row) for row in self._read(sql + " ORDER BY started_at, id", params)]


def open_history(
    path: str | os.PathLike[str] | None = None,
    *,
    secrets: Iterable[str] = (),
    clock: Callable[[], float] = time.time,
) -> tuple[HistoryStore, str | None]:
    """The history at ``path``, or, when that file cannot be used, an in-memory one and the line saying why.

    The file is never repaired or overwritten: the caller shows the line, and turns are kept in memory only.
    """
    try:
        return HistoryStore(path, secrets=secrets, clock=clock), None
    except HistoryError as error:
        note = f"{error} Turns are kept in memory only for now; the file is left as it is."
        return HistoryStore(":memory:", secrets=secrets, clock=clock), note
