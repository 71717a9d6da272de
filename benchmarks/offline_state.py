"""Offline backend cost: persisted state against in-memory state, and the WebSocket mode against SSE, in one run.

  (a) a ``--turns``-long ``previous_response_id`` chain through the in-process client, state in ``:memory:``
  (b) the same chain with the state in a SQLite file (what the magic uses: it survives restarts)
  (c) rebuilding the last response's context from the file with a cold cache (a restarted kernel's first turn)
  (d) ``--responses`` streamed responses over loopback HTTP (SSE), each a new request
  (e) the same over one WebSocket connection (``Client(transport="websocket")``)

Prints milliseconds per turn for the first and last tenth of each chain (flat means linear cost, not quadratic),
the ratio (b)/(a), the cold rebuild time, and (e)/(d).

Usage: python benchmarks/offline_state.py [--turns 500] [--responses 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbresponses
from nbresponses.offline import OfflineServer, OfflineState, create_app
from nbresponses.testing import offline_client
from tests.loopback import serve


def chain(server: OfflineServer, turns: int) -> tuple[list[float], str]:
    client = offline_client(server)
    previous = None
    times = []
    for n in range(turns):
        start = time.perf_counter()
        previous = client.responses.create(
            model="m", input=f"Turn {n}: the figure for row {n} is {n * 7}.", previous_response_id=previous
        ).id
        times.append(time.perf_counter() - start)
    assert previous is not None
    return times, previous


def tenths(times: list[float]) -> tuple[float, float]:
    tenth = max(len(times) // 10, 1)
    return sum(times[:tenth]) / tenth * 1000, sum(times[-tenth:]) / tenth * 1000


def loopback(responses: int, transport: str) -> float:
    server = OfflineServer()
    with serve(create_app(server)) as url:
        client = nbresponses.Client(api_key="sk-bench", base_url=url, transport=transport)  # type: ignore[arg-type]
        client.responses.create(model="m", input="warm up")
        start = time.perf_counter()
        for n in range(responses):
            with client.responses.stream(model="m", input=f"Question {n}: say something short.") as stream:
                stream.get_final_response()
        elapsed = time.perf_counter() - start
        client.close()
    return elapsed / responses * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--responses", type=int, default=200)
    args = parser.parse_args()

    memory_times, _ = chain(OfflineServer(), args.turns)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.offline.sqlite3"
        server = OfflineServer(database=path)
        file_times, last = chain(server, args.turns)
        server.state.close()  # the last connection closing checkpoints the write-ahead log into the file
        size = path.stat().st_size
        start = time.perf_counter()
        context = OfflineState(path).context(last)
        cold = (time.perf_counter() - start) * 1000
    assert context is not None
    mem_first, mem_last = tenths(memory_times)
    file_first, file_last = tenths(file_times)
    print(f"(a) {args.turns}-turn chain, state in memory: {sum(memory_times) * 1000 / args.turns:.2f} ms/turn "
          f"(first tenth {mem_first:.2f}, last tenth {mem_last:.2f})")  # fmt: skip
    print(f"(b) same chain, state in a SQLite file: {sum(file_times) * 1000 / args.turns:.2f} ms/turn "
          f"(first tenth {file_first:.2f}, last tenth {file_last:.2f}); file {size / 1024:.0f} kB")  # fmt: skip
    print(f"    ratio (b)/(a): {sum(file_times) / sum(memory_times):.2f}x")
    print(f"(c) cold rebuild of the last context ({len(context)} items) from the file: {cold:.1f} ms")
    http = loopback(args.responses, "http")
    websocket = loopback(args.responses, "websocket")
    print(f"(d) {args.responses} streamed responses over loopback HTTP (SSE): {http:.2f} ms/response")
    print(f"(e) the same over one WebSocket connection: {websocket:.2f} ms/response")
    print(f"    ratio (e)/(d): {websocket / http:.2f}x")


if __name__ == "__main__":
    main()
