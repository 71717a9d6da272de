"""History store cost: per-turn writes and path reads, against bare sqlite3 loops in the same run.

Every contender writes to a fresh file in a temporary directory with the store's settings (WAL,
``synchronous=NORMAL``, one transaction per statement) and the same payload: a ~1.5 KB request and a ~2 KB
response as JSON text.

  (a) bare loop: one ``INSERT`` per turn (the least any durable log can do)
  (b) bare loop: ``INSERT`` then ``UPDATE`` per turn (two commits, as begin + finish must be)
  (c) ``HistoryStore.begin_turn`` + ``finish_turn`` per turn (a new cell each time: append)
  (f) the same as `Conversation` does it: ``begin_turn(expected_head=...)`` checks, in the same write, that the
      head did not move and that no other running process holds the thread (what lets kernels share a thread)
  (d) ``HistoryStore.parent_for`` for a new cell, and for a re-run of the first cell (walks the whole path)
  (e) ``HistoryStore.active_path`` and ``history`` on the resulting thread of ``--turns`` turns

Prints microseconds per operation (best of ``--repeat`` runs) and the ratios (c)/(a), (c)/(b) and (f)/(c).

Usage: python benchmarks/store_write.py [--turns 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from nbresponses.store import HistoryStore

NB = "/home/user/analysis.ipynb"
REQUEST = {
    "model": "gpt-4.1",
    "input": [{"role": "user", "content": "Summarise the quarterly figures in three bullet points. " * 12}],
    "instructions": "You are a careful analyst. Answer briefly and cite the table rows you used.",
    "tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}],
    "store": True,
}


def response(turn_id: int) -> dict[str, object]:
    text = "Revenue grew 12% quarter on quarter, driven by the new subscription tier. " * 20
    return {
        "id": f"resp_{turn_id:048x}",
        "object": "response",
        "status": "completed",
        "model": "gpt-4.1-2025-04-14",
        "output": [
            {
                "type": "message",
                "id": f"msg_{turn_id:048x}",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ],
        "usage": {
            "input_tokens": 812,
            "input_tokens_details": {"cached_tokens": 512},
            "output_tokens": 240,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 1052,
        },
    }


def bare(path: Path, turns: int, *, update: bool) -> float:
    """Seconds for ``turns`` bare INSERTs (and UPDATEs), autocommit, WAL, synchronous=NORMAL."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT, request TEXT, response TEXT, tokens INT)"
    )
    request = json.dumps(REQUEST)
    bodies = [json.dumps(response(n)) for n in range(turns)]
    start = time.perf_counter()
    for n in range(turns):
        row = conn.execute("INSERT INTO t (status, request) VALUES ('in_progress', ?)", (request,)).lastrowid
        if update:
            conn.execute(
                "UPDATE t SET status = 'completed', response = ?, tokens = 1052 WHERE id = ?",
                (bodies[n], row),
            )
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def store_turns(path: Path, turns: int, *, coordinated: bool = False) -> tuple[float, HistoryStore]:
    """Seconds for ``turns`` begin + finish pairs, appending to one thread; returns the open store too."""
    store = HistoryStore(path)
    bodies = [response(n) for n in range(turns)]
    parent: int | None = None
    start = time.perf_counter()
    for n in range(turns):
        claim = {"expected_head": parent} if coordinated else {}
        turn = store.begin_turn(
            NB, parent_id=parent, cell_id=f"cell-{n}", prompt="Summarise", request=REQUEST, **claim
        )
        store.finish_turn(turn.id, status="completed", response=bodies[n])
        parent = turn.id
    return time.perf_counter() - start, store


def best(repeat: int, call: Callable[[], object], number: int = 1) -> float:
    """Best seconds per call over ``repeat`` runs of ``number`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            call()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    turns, repeat = args.turns, args.repeat
    insert_s, pair_s, store_s, claimed_s = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(repeat):
            insert_s.append(bare(Path(tmp) / f"a{run}.sqlite3", turns, update=False))
            pair_s.append(bare(Path(tmp) / f"b{run}.sqlite3", turns, update=True))
            claimed, other = store_turns(Path(tmp) / f"f{run}.sqlite3", turns, coordinated=True)
            claimed_s.append(claimed)
            other.close()
            elapsed, store = store_turns(Path(tmp) / f"c{run}.sqlite3", turns)
            store_s.append(elapsed)
            if run < repeat - 1:
                store.close()
        assert len(store.active_path(NB)) == turns
        new_cell = best(repeat, lambda: store.parent_for(NB, "default", "new-cell"), number=50)
        rerun_first = best(repeat, lambda: store.parent_for(NB, "default", "cell-0"), number=20)
        path = best(repeat, lambda: store.active_path(NB), number=5)
        history = best(repeat, lambda: store.history(NB), number=5)
        store.close()
    per = {
        name: min(values) / turns * 1e6
        for name, values in (
            ("insert", insert_s),
            ("pair", pair_s),
            ("store", store_s),
            ("claimed", claimed_s),
        )
    }
    print(f"sqlite {sqlite3.sqlite_version}, {turns} turns, best of {repeat}")
    print(f"(a) bare INSERT per turn            {per['insert']:9.1f} us")
    print(f"(b) bare INSERT + UPDATE per turn   {per['pair']:9.1f} us")
    print(
        f"(c) begin_turn + finish_turn        {per['store']:9.1f} us   "
        f"(c)/(a) = {per['store'] / per['insert']:.1f}x   (c)/(b) = {per['store'] / per['pair']:.1f}x"
    )
    print(
        f"(f) the same, head and running turns checked {per['claimed']:6.1f} us   "
        f"(f)/(c) = {per['claimed'] / per['store']:.2f}x"
    )
    print(f"(d) parent_for, new cell            {new_cell * 1e6:9.1f} us")
    print(f"(d) parent_for, re-run of 1st cell  {rerun_first * 1e6:9.1f} us   (walks {turns} turns)")
    print(f"(e) active_path, {turns} turns       {path * 1e3:9.2f} ms")
    print(f"(e) history, {turns} turns           {history * 1e3:9.2f} ms")


if __name__ == "__main__":
    main()
