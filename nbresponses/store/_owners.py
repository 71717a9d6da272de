"""Which process owns a history turn: turns of processes that ended, other kernels' running turns, lineages.

Several processes write one history file: two kernels on the same notebook, a kernel and its restart. Every turn
records the process that wrote it (`nbresponses.store._processes`), and these functions, given an open write
transaction, decide with it: what is left running by a process that ended (closed as ``interrupted``), whether
another running process holds the thread (`ThreadBusy`), and whether turns belong to this kernel's lineage (this
process, or processes that ended: a restarted kernel carries on its predecessor's cells).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from ._processes import ProcessId, current_process, is_running

__all__ = ["BUSY_LIMIT_S", "ENDED", "HeadMoved", "ThreadBusy", "claim", "close_orphans", "own_lineage"]

BUSY_LIMIT_S = 900.0
"""Another process's turn running longer than this no longer holds the thread (it is stuck, or its row is)."""
ENDED = (
    "The process running this turn ended before the turn did (the kernel was killed, crashed or restarted)."
)
_OPEN_TURNS = (
    "SELECT id, owner_host, owner_pid, owner_started, started_at FROM turns WHERE status = 'in_progress'"
)


class ThreadBusy(Exception):
    """Another running process has a turn in progress on the thread: wait, then build the request again."""

    def __init__(self, turn_id: int, owner: ProcessId, started_at: float) -> None:
        super().__init__(f"Turn {turn_id} of process {owner.pid} on {owner.host} is still running.")
        self.turn_id, self.owner, self.started_at = turn_id, owner, started_at


class HeadMoved(Exception):
    """The thread's head changed since the request was built (another writer finished a turn): build it again."""


def _owner(row: Iterable[Any]) -> ProcessId | None:
    host, pid, started = row
    return ProcessId(host, pid, started) if host is not None and pid is not None else None


def _open_turns(conn: sqlite3.Connection, **where: object) -> list[Any]:
    given = {column: value for column, value in where.items() if value is not None}
    sql = _OPEN_TURNS + "".join(f" AND {column} = ?" for column in given)
    return conn.execute(sql, tuple(given.values())).fetchall()


def close_orphans(
    conn: sqlite3.Connection, now: float, notebook: str | None = None, thread: str | None = None
) -> int:
    """Close as ``interrupted`` the running turns whose process ended (of a notebook's thread, or all); a count."""
    ended = [
        row[0]
        for row in _open_turns(conn, notebook=notebook, thread=thread)
        if not _running(_owner(row[1:4]))
    ]
    if ended:
        marks = ", ".join("?" * len(ended))
        conn.execute(
            f"""UPDATE turns SET status = 'interrupted', finished_at = ?, error_type = 'ProcessEnded',
            error_message = ? WHERE status = 'in_progress' AND id IN ({marks})""",
            (now, ENDED, *ended),
        )
    return len(ended)


def _running(owner: ProcessId | None) -> bool:
    return owner is not None and is_running(owner)


def claim(
    conn: sqlite3.Connection,
    notebook: str,
    thread: str,
    *,
    generation: int,
    expected_head: object,
    now: float,
) -> None:
    """Raise `HeadMoved` or `ThreadBusy` unless this process may begin a turn on the thread now.

    Turns left running by processes that ended are closed on the way; this process's own never block it.
    """
    sql = "SELECT head_id FROM threads WHERE notebook = ? AND name = ?"
    if conn.execute(sql, (notebook, thread)).fetchone()[0] != expected_head:
        raise HeadMoved(f"The head of thread {thread!r} moved.")
    me = current_process()
    for turn_id, *row, started_at in _open_turns(
        conn, notebook=notebook, thread=thread, generation=generation
    ):
        owner = _owner(row)
        ours = owner is not None and (owner.host, owner.pid) == (me.host, me.pid)
        if not ours and owner is not None and now - started_at < BUSY_LIMIT_S and is_running(owner):
            raise ThreadBusy(turn_id, owner, started_at)
    close_orphans(conn, now, notebook, thread)


def own_lineage(owners: Iterable[tuple[Any, ...]]) -> bool:
    """Whether every ``(host, pid, started)`` is this process, a process that ended, or unrecorded (older rows)."""
    me = current_process()
    checked: dict[ProcessId, bool] = {}
    for row in owners:
        owner = _owner(row)
        if owner is None or (owner.host, owner.pid) == (me.host, me.pid):
            continue
        if owner not in checked:
            checked[owner] = is_running(owner)
        if checked[owner]:
            return False
    return True
