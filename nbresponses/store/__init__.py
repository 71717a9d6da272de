"""The SQLite history of turns: every request a notebook sends, with its response, usage, timings and errors.

One file per user (:func:`default_history_path`), stdlib ``sqlite3`` in WAL mode: kernels write at once.

- A *notebook* is a key chosen by the caller (its path when the frontend gives one, else its kernel).
- A *thread* (``"default"`` unless named) has a ``mode`` (``"server"``: ``previous_response_id``;
  ``"client"``: stored items are resent), a ``generation`` (bumped by :meth:`~HistoryStore.reset`) and a
  ``head_id``: the turn the next request continues from (for a new fork, its source turn).
- A *turn* is one request, written ``in_progress`` before it is sent; ``parent_id`` links it to the turn it
  continued, so turns form a tree. A thread's *active path* is the chain from its head back to the root; a
  fork's runs on into its source thread (copy by reference).

The parent rule (:meth:`~HistoryStore.parent_for`): if the cell has a turn on the active path, the re-run
replaces it and continues from that turn's parent; otherwise it continues from the head (turns without a
cell id append). Only ``completed`` and ``incomplete`` turns can be parents, and only they move the head. A
completed turn becomes the head; the old path's turns after its parent, and every turn of the same thread
built on them, get ``superseded_by`` = it (kept, off the path). A turn completing after its parent left the
path (a concurrent re-run) is kept superseded; one completing after a reset stays in its old generation.

Several processes share the file (two kernels on one notebook, a restart). Each turn records the process that
wrote it. On open, turns left ``in_progress`` by a process of this host that no longer runs become
``interrupted``. A turn is begun only when no other running process has one in progress on the thread and the
head is the one its request was built on (:class:`ThreadBusy`, :class:`HeadMoved`: the caller waits or rebuilds),
so concurrent writers append in order. A re-run replaces a cell's turn only within its kernel lineage: when the
turns it would supersede were all written by this process or by processes that ended (a restarted kernel), never
when another running kernel wrote one of them.

No API key is stored: text and JSON pass through `nbresponses._secrets` first. A response is stored as the JSON
it was received as (no field the API left out); each request is stored once (its ``input`` is the turn's input
items). A file that cannot be used raises `HistoryError` naming it (:func:`open_history` falls back to memory).

The package, by concern: ``_history`` (`HistoryStore`), ``_records`` (the rows it returns), ``_schema`` (the
versioned schema: ``MIGRATIONS[n]`` takes a file from version ``n`` to ``n + 1`` in one write transaction),
``_sql`` (its queries), ``_encode`` (what is written), ``_file`` (where the file is, opening it safely),
``_owners`` and ``_processes`` (which process wrote a turn), ``_search`` (the full-text index).
"""

from __future__ import annotations

from ._encode import scrub
from ._file import default_history_path
from ._history import DEFAULT_THREAD, HistoryStore, open_history
from ._owners import HeadMoved, ThreadBusy
from ._records import ThreadMode, ThreadRecord, TurnRecord, TurnStatus, UsageRow
from ._schema import SCHEMA_VERSION

__all__ = [
    "DEFAULT_THREAD",
    "SCHEMA_VERSION",
    "HeadMoved",
    "HistoryStore",
    "ThreadBusy",
    "ThreadMode",
    "ThreadRecord",
    "TurnRecord",
    "TurnStatus",
    "UsageRow",
    "default_history_path",
    "open_history",
    "scrub",
]
