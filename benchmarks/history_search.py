"""Full-text search of the history: what the FTS5 index costs per turn written, and what it saves per search.

Both stores are written the same way in the same run, each to a fresh file in a temporary directory:

  (a) ``begin_turn`` + ``finish_turn`` per turn without the index (SQLite without FTS5: search scans)
  (b) the same with the index (the triggers index the prompt, then the answer read from the response JSON)
  (c) ``search`` of a word in every turn's answer, a rare word, and two words, over ``--turns`` turns:
      the trigram index against the ``LIKE`` scan of the store without it

Prints microseconds per operation (best of ``--repeat`` runs) and the ratios (b)/(a) and scan/index.

Usage: python benchmarks/history_search.py [--turns 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from nbresponses.store import HistoryStore, _search

NB = "/home/user/analysis.ipynb"
WORDS = [
    "revenue",
    "margin",
    "churn",
    "cohort",
    "forecast",
    "pipeline",
    "quarter",
    "region",
    "segment",
    "budget",
]


def answer(turn: int) -> dict[str, object]:
    text = (f"In quarter {turn % 4 + 1} the {WORDS[turn % len(WORDS)]} grew; " * 20) + f"ticket-{turn}"
    message = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}
    return {"id": f"resp_{turn:06d}", "model": "gpt-4.1", "status": "completed", "output": [message],
            "usage": {"input_tokens": 900, "output_tokens": 300, "total_tokens": 1200}}  # fmt: skip


def write(store: HistoryStore, turns: int) -> float:
    """Seconds per turn written (begin + finish, appending)."""
    parent = None
    started = time.perf_counter()
    for turn in range(turns):
        prompt = f"Question {turn} about {WORDS[turn % 10]}?"
        record = store.begin_turn(NB, "default", parent_id=parent, prompt=prompt)
        parent = store.finish_turn(record.id, status="completed", response=answer(turn)).id
    return (time.perf_counter() - started) / turns


def best(repeat: int, run: Callable[[], float]) -> float:
    return min(run() for _ in range(repeat))


def timed(function: Callable[[], object], count: int = 20) -> float:
    started = time.perf_counter()
    for _ in range(count):
        function()
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="nbresponses-bench-"))
    stores: dict[str, HistoryStore] = {}
    available = _search.fts5_available

    def fresh(name: str, indexed: bool) -> float:
        if name in stores:
            stores[name].close()
        path = folder / f"{name}-{time.perf_counter_ns()}.sqlite"
        with mock.patch.object(_search, "fts5_available", lambda conn: indexed and available(conn)):
            store = HistoryStore(path)
        stores[name] = store
        return write(store, args.turns)

    plain = best(args.repeat, lambda: fresh("plain", False))
    indexed = best(args.repeat, lambda: fresh("indexed", True))
    print(f"{args.turns} turns, best of {args.repeat}")
    print(f"(a) write a turn, no index      {plain * 1e6:9.1f} µs")
    print(f"(b) write a turn, FTS5 index    {indexed * 1e6:9.1f} µs   (b)/(a) = {indexed / plain:.2f}")
    for query in ("revenue", f"ticket-{args.turns // 2}", "churn quarter"):
        scan = timed(lambda q=query: stores["plain"].search(q, notebook=NB))
        index = timed(lambda q=query: stores["indexed"].search(q, notebook=NB))
        print(f"(c) search {query!r:22} scan {scan * 1e3:8.2f} ms   index {index * 1e3:8.2f} ms   "
              f"scan/index = {scan / index:.1f}")  # fmt: skip
    for store in stores.values():
        store.close()


if __name__ == "__main__":
    main()
