"""Client-state cost of a long thread: nbresponses' per-turn overhead and client memory, against bare calls.

A thread of ``--turns`` turns (default 1,000) with short scripted replies from the in-process offline server
(``nbresponses.testing.OfflineBackend``). In client-state mode (``store=false``) each request resends the
whole conversation. Four contenders send the same requests, byte for byte (checked: every body's size, and
the last body in full):

  (a) bare client state: ``client.responses.create(..., store=False)``, the growing ``input`` list kept in a
      Python list, nothing logged (the least a script can do)
  (b) ``nbresponses.Conversation(mode="client")`` with a fresh SQLite history file: each turn logged before it
      is sent and finished after, its context read from the history
  (c) bare server state: ``create(..., previous_response_id=...)`` with the new item only
  (d) ``Conversation`` in server-state mode (the default), with its own history file

The offline server reads and re-tokenizes the whole context of every request, which costs more than the
client does; so that it does not swamp the figures, it answers (a)'s and (c)'s threads once, recorded, and the
timed and measured runs replay its replies, in order, from memory (``--live``: it answers every request).

Time: the four run in lockstep, turn by turn (order reversed every other turn), so machine load hits them
alike. Printed: milliseconds per turn over windows of a tenth of the thread, the overhead of nbresponses' state
keeping, (b)-(a) and (d)-(c) in microseconds per turn (median of the per-turn differences, robust to a GC
pause or a busy machine), and the ratios (b)/(a) and (d)/(c). A cost that grew faster than the request would
show as an overhead rising from window to window faster than the request size.

Memory, each contender alone in a fresh interpreter, after the thread: the state it keeps between turns (the
objects reachable from its list, or from its Conversation and history store, the client excluded), SQLite's own
heap (which tracemalloc does not see), the process's RSS growth over the thread (peak and kept); then, with
tracemalloc on for 10 more turns, a turn's working memory at the end of the thread (its peak above what
is in use; ``--full-trace``: tracemalloc over the whole thread too, its peak and what stays, slow). Sizes:
the history file after the thread and per turn, and the request bodies.

Usage: python benchmarks/state.py [--turns 1000] [--stream] [--live] [--no-memory] [--full-trace]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

import nbresponses
from nbresponses import testing
from nbresponses.conversation import Conversation
from nbresponses.offline import OFFLINE_BASE_URL, OFFLINE_KEY
from nbresponses.store import HistoryStore

MODEL = "gpt-4.1"
INSTRUCTIONS = "Keep a running log of the samples the user reports. Answer in one sentence."
NOTEBOOK = "/home/user/lab-log.ipynb"
LABELS = {
    "a": "(a) bare create, client state",
    "b": "(b) Conversation, client state",
    "c": "(c) bare create, server state",
    "d": "(d) Conversation, server state",
}
RECORDED_BY = {"a": "a", "b": "a", "c": "c", "d": "c"}  # whose recorded replies each contender replays
SERVER_CODE = ("*/nbresponses/offline/*", "*/nbresponses/testing/*")
CODE_TYPES = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
EXTRA = 10  # turns traced after the thread, for a turn's working memory at its end
Reply = tuple[int, dict[str, str], bytes]


def prompt(n: int) -> str:
    return f"Sample {n}: {n * 37 % 1000} g, from lab {n % 7}, logged by team {chr(65 + n % 26)}."


def reply(n: int) -> str:
    return f"Logged sample {n} ({n * 37 % 1000} g, lab {n % 7}); {n + 1} samples so far, all labs open."


class Wire(httpx2.BaseTransport):
    """A contender's transport: the offline server (its replies recorded), or a replay of recorded replies.

    Records the size of each request body, and the last body, when ``measure`` is set.
    """

    def __init__(
        self, turns: int, *, replies: list[Reply] | None = None, measure: bool = True, keep: bool = False
    ) -> None:
        self.backend = testing.OfflineBackend().script([testing.text(reply(n)) for n in range(turns)])
        self.server = self.backend.transport()
        self.replies = replies
        self.measure = measure
        self.keep = keep
        self.recorded: list[Reply] = []
        self.served = 0
        self.sizes: list[int] = []
        self.last = b""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        if self.measure and request.method == "POST":
            self.sizes.append(len(body))
            self.last = body
        if self.replies is not None:
            status, headers, content = self.replies[self.served]
            self.served += 1
            return httpx2.Response(status, headers=headers, content=content, request=request)
        response: httpx2.Response = self.server.handle_request(request)
        if not self.keep:
            return response
        try:
            content = response.read()
        finally:
            response.close()
        self.recorded.append(
            (response.status_code, {"content-type": response.headers["content-type"]}, content)
        )
        return httpx2.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    def forget(self) -> None:
        """Drop the request journal the scripted offline server keeps (a test double keeps every request)."""
        self.backend.server.journal.clear()


@dataclass
class Contender:
    key: str
    wire: Wire
    client: nbresponses.Client
    send: Callable[[int], object]
    state: object  # what the contender keeps between turns
    store: HistoryStore | None = None
    times: list[float] = field(default_factory=list)


def _create(client: nbresponses.Client, *, stream: bool, **body: Any) -> Any:
    if not stream:
        return client.responses.create(**body)
    with client.responses.stream(**body) as events:
        for _event in events:
            pass
        return events.get_final_response()


def make(key: str, wire: Wire, folder: Path, *, stream: bool) -> Contender:
    """Contender ``key`` sending through ``wire``; (b) and (d) get a fresh history file in ``folder``."""
    client = nbresponses.Client(
        api_key=OFFLINE_KEY, base_url=OFFLINE_BASE_URL, http_client=httpx2.Client(transport=wire)
    )
    if key in ("b", "d"):
        store = HistoryStore(folder / f"history-{key}.sqlite3")
        chat = Conversation(
            client,
            store=store,
            notebook=NOTEBOOK,
            mode="client" if key == "b" else "server",
            model=MODEL,
            instructions=INSTRUCTIONS,
        )

        def send_turn(n: int) -> object:
            return chat.send(prompt(n), cell_id=f"cell-{n}", stream=stream)

        return Contender(key, wire, client, send_turn, chat, store)
    if key == "a":
        messages: list[Any] = []

        def send_all(n: int) -> object:
            messages.append({"role": "user", "content": prompt(n)})
            body = {"model": MODEL, "instructions": INSTRUCTIONS, "input": messages, "store": False}
            response = _create(client, stream=stream, **body)
            # The items as received (as the openai SDK resends them, and as the history keeps them).
            messages.extend(item.to_dict() for item in response.output)
            return response

        return Contender(key, wire, client, send_all, messages)
    previous: list[str | None] = [None]

    def send_new(n: int) -> object:
        items = [{"role": "user", "content": prompt(n)}]
        body = {
            "model": MODEL,
            "instructions": INSTRUCTIONS,
            "input": items,
            "previous_response_id": previous[0],
        }
        response = _create(client, stream=stream, **body)
        previous[0] = response.id
        return response

    return Contender(key, wire, client, send_new, previous)


def record(key: str, turns: int, folder: Path, *, stream: bool) -> tuple[list[Reply], float]:
    """The offline server's replies to contender ``key``'s thread, and the seconds the thread took."""
    contender = make(key, Wire(turns, measure=False, keep=True), folder, stream=stream)
    start = time.perf_counter()
    for n in range(turns):
        contender.send(n)
        contender.wire.forget()
    return contender.wire.recorded, time.perf_counter() - start


def save_replies(path: Path, replies: dict[str, list[Reply]]) -> None:
    data = {k: [[s, h, c.decode()] for s, h, c in v] for k, v in replies.items()}
    path.write_text(json.dumps(data), encoding="utf-8")


def load_replies(path: Path) -> dict[str, list[Reply]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: [(s, h, c.encode()) for s, h, c in v] for k, v in data.items()}


# ----- memory, one contender per interpreter -----


def _proc_status() -> dict[str, int]:
    """VmRSS and VmHWM in bytes (empty off Linux)."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return {}
    out = {}
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) * 1024
    return out


def _sqlite_heap() -> Callable[[], int] | None:
    """SQLite's own allocator counter (``sqlite3_memory_used``), if the module's library exports it."""
    import _sqlite3

    try:
        used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
    except (OSError, AttributeError):
        return None
    used.restype = ctypes.c_int64
    return lambda: int(used())


def deep_size(root: object, *, shared: tuple[object, ...] = ()) -> int:
    """Bytes of the objects reachable from ``root``, each counted once; code, classes and ``shared`` skipped."""
    seen = {id(obj) for obj in shared}
    total, todo = 0, [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, CODE_TYPES):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        todo.extend(gc.get_referents(obj))
    return total


def measure(
    key: str, turns: int, replies: list[Reply] | None, *, stream: bool, full_trace: bool
) -> dict[str, int]:
    """Run contender ``key`` alone for ``turns`` turns, then ``EXTRA`` more traced; its memory figures in bytes."""
    sqlite_heap = _sqlite_heap() or (lambda: 0)
    # Frames deep enough to tell the live server's allocations apart; a replay needs one (much cheaper).
    frames, excluded = 1, [tracemalloc.Filter(False, tracemalloc.__file__)]
    if replies is None:
        frames = 25
        excluded += [tracemalloc.Filter(False, pattern, all_frames=True) for pattern in SERVER_CODE]
    out: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        warm = make(key, Wire(5), Path(tmp) / "warm", stream=stream)
        for n in range(5):
            warm.send(n)
        if warm.store is not None:
            warm.store.close()
        wire = Wire(turns + EXTRA, replies=replies, measure=False)
        del warm
        gc.collect()
        with contextlib.suppress(OSError):  # resets VmHWM to the current RSS (Linux >= 4.0)
            Path("/proc/self/clear_refs").write_text("5")
        out["rss_before"], sqlite_before = _proc_status().get("VmRSS", 0), sqlite_heap()
        if full_trace:
            tracemalloc.start(frames)
            before, base = tracemalloc.take_snapshot(), tracemalloc.get_traced_memory()[0]
        contender = make(key, wire, Path(tmp), stream=stream)
        for n in range(turns):
            contender.send(n)
            if replies is None:
                wire.forget()
        gc.collect()
        status = _proc_status()
        out["rss_after"], out["hwm_after"] = status.get("VmRSS", 0), status.get("VmHWM", 0)
        out["sqlite_heap"] = sqlite_heap() - sqlite_before
        if full_trace:
            peak = tracemalloc.get_traced_memory()[1]
            after = tracemalloc.take_snapshot().filter_traces(excluded)
            diff = after.compare_to(before.filter_traces(excluded), "filename")
            out["traced_peak"], out["traced_retained"] = peak - base, sum(stat.size_diff for stat in diff)
        out["state"] = deep_size(contender.state, shared=(contender.client,))
        if not full_trace:
            tracemalloc.start(frames)
        mark = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for n in range(turns, turns + EXTRA):
            contender.send(n)
            if replies is None:
                wire.forget()
        out["turn_peak"] = tracemalloc.get_traced_memory()[1] - mark
        tracemalloc.stop()
        if contender.store is not None:
            contender.store.close()
    return out


def measure_elsewhere(key: str, args: argparse.Namespace, replies: Path | None) -> dict[str, int]:
    command = [sys.executable, __file__, "--turns", str(args.turns), "--measure", key]
    command += ["--stream"] * args.stream + ["--full-trace"] * args.full_trace
    command += ["--replies", str(replies)] if replies else []
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, int] = json.loads(result.stdout)
    return figures


# ----- report -----


def size(count: float) -> str:
    return f"{count / 1024:,.1f} KB" if abs(count) < 1024 * 1024 else f"{count / 1024 / 1024:,.1f} MB"


def windows(turns: int, count: int = 10) -> list[tuple[int, int]]:
    step = max(1, turns // count)
    return list(itertools.pairwise([*list(range(0, turns, step))[:count], turns]))


def paired_median(these: list[float], those: list[float]) -> float:
    """The median of the per-turn differences."""
    return statistics.median(one - other for one, other in zip(these, those, strict=True))


def print_times(runs: dict[str, Contender], turns: int) -> None:
    print(
        f"{'turns':>11}  {'(a) ms':>8} {'(b) ms':>8} {'(b)-(a) us':>11} {'(b)/(a)':>8}   "
        f"{'(c) ms':>8} {'(d) ms':>8} {'(d)-(c) us':>11} {'(d)/(c)':>8}   {'request':>9}"
    )
    times = {key: c.times for key, c in runs.items()}
    sizes = runs["a"].wire.sizes
    overhead = {}
    for start, end in [*windows(turns), (0, turns)]:
        mean = {key: statistics.fmean(t[start:end]) for key, t in times.items()}
        client = paired_median(times["b"][start:end], times["a"][start:end])
        server = paired_median(times["d"][start:end], times["c"][start:end])
        overhead[start, end] = client
        name = "all" if (start, end) == (0, turns) else f"{start + 1}-{end}"
        print(
            f"{name:>11}  {mean['a'] * 1e3:8.2f} {mean['b'] * 1e3:8.2f} {client * 1e6:11.0f} "
            f"{mean['b'] / mean['a']:8.2f}   {mean['c'] * 1e3:8.2f} {mean['d'] * 1e3:8.2f} "
            f"{server * 1e6:11.0f} {mean['d'] / mean['c']:8.2f}   {size(statistics.fmean(sizes[start:end])):>9}"
        )
    first, last = windows(turns)[0], windows(turns)[-1]
    request_growth = statistics.fmean(sizes[slice(*last)]) / statistics.fmean(sizes[slice(*first)])
    print(
        f"client state, last window against the first: request size x{request_growth:.1f}, "
        f"(a) time x{statistics.fmean(times['a'][slice(*last)]) / statistics.fmean(times['a'][slice(*first)]):.1f}, "
        f"overhead (b)-(a) x{overhead[last] / overhead[first] if overhead[first] > 0 else float('nan'):.2f}"
    )


def print_memory(args: argparse.Namespace, replies: Path | None) -> None:
    turns = args.turns
    figures = {key: measure_elsewhere(key, args, replies) for key in LABELS}
    print(f"\nmemory of the {turns:,}-turn thread, each contender alone in a fresh interpreter:")
    head = f"{'':32} {'state kept':>11} {'per turn':>9} {'SQLite heap':>12} {'turn peak':>10}"
    head += f" {'RSS peak':>9} {'RSS kept':>9}"
    print(head + (f" {'traced peak':>12} {'traced kept':>12}" if args.full_trace else ""))
    for key, label in LABELS.items():
        f = figures[key]
        row = f"{label:32} {size(f['state']):>11} {f['state'] / turns:7,.0f} B {size(f['sqlite_heap']):>12} "
        row += f"{size(f['turn_peak']):>10} "
        row += f"{size(f['hwm_after'] - f['rss_before']):>9} {size(f['rss_after'] - f['rss_before']):>9}"
        if args.full_trace:
            row += f" {size(f['traced_peak']):>12} {size(f['traced_retained']):>12}"
        print(row)
    for state, bare in (("b", "a"), ("d", "c")):
        f, g = figures[state], figures[bare]
        kept = f["state"] + f["sqlite_heap"] - g["state"] - g["sqlite_heap"]
        print(
            f"nbresponses' state keeping, ({state}) - ({bare}): {size(kept)} kept after {turns:,} turns "
            f"({kept / turns:,.0f} B per turn, SQLite's bounded page cache included), "
            f"turn peak {size(f['turn_peak'] - g['turn_peak'])}"
        )
    print(
        "  state kept: the objects the contender holds between turns (its list, or its Conversation and "
        "history store;\n  the client excluded), walked with gc.get_referents; SQLite heap: "
        "sqlite3_memory_used; turn peak: tracemalloc's peak above the memory\n  in use over "
        f"{EXTRA} more turns after the thread; RSS: the process's peak and kept growth over the thread"
        + ("\n  (with tracemalloc on: --full-trace)" if args.full_trace else "")
    )
    if args.full_trace:
        print(
            "  traced peak / kept: tracemalloc over the whole thread (the peak counts every allocation, a --live "
            "server's too;\n  what is kept excludes the server's)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--stream", action="store_true", help="stream every response (default: create)")
    parser.add_argument("--live", action="store_true", help="the offline server answers every request")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--measure", choices=sorted(LABELS), help=argparse.SUPPRESS)
    parser.add_argument(
        "--full-trace", action="store_true", help="also run tracemalloc over the whole thread (slow)"
    )
    parser.add_argument("--replies", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    turns, stream = args.turns, args.stream
    if args.measure:
        recorded = load_replies(args.replies)[RECORDED_BY[args.measure]] if args.replies else None
        print(json.dumps(measure(args.measure, turns, recorded, stream=stream, full_trace=args.full_trace)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        warm = {key: make(key, Wire(20), folder / "warm", stream=stream) for key in LABELS}
        for n in range(20):
            for contender in warm.values():
                contender.send(n)
        for contender in warm.values():
            if contender.store is not None:
                contender.store.close()
        replies: dict[str, list[Reply]] = {}
        recording: dict[str, float] = {}
        if not args.live:
            for key in ("a", "c"):
                replies[key], recording[key] = record(key, turns + EXTRA, folder / "recording", stream=stream)
        runs = {
            key: make(key, Wire(turns, replies=replies.get(RECORDED_BY[key])), folder, stream=stream)
            for key in LABELS
        }
        order = list(runs.values())
        started = time.perf_counter()
        for n in range(turns):
            for contender in order if n % 2 == 0 else order[::-1]:
                start = time.perf_counter()
                contender.send(n)
                contender.times.append(time.perf_counter() - start)
                if args.live:
                    contender.wire.forget()
        elapsed = time.perf_counter() - started
        for one, other in (("a", "b"), ("c", "d")):
            first, second = runs[one].wire, runs[other].wire
            if first.sizes != second.sizes or json.loads(first.last) != json.loads(second.last):
                raise SystemExit(
                    f"({one}) and ({other}) did not send the same requests: the comparison is void."
                )
        files = {}
        for key in ("b", "d"):
            store = runs[key].store
            assert store is not None and len(store.active_path(NOTEBOOK)) == turns
            wal = store.path.with_name(store.path.name + "-wal")
            during = store.path.stat().st_size, wal.stat().st_size if wal.exists() else 0
            store.close()
            files[key] = (*during, store.path.stat().st_size)
        replies_file = folder / "replies.json"
        if replies:
            save_replies(replies_file, replies)

        mode = "streamed" if stream else "not streamed (create)"
        print(f"{turns:,}-turn thread, responses {mode}, model {MODEL}, scripted one-sentence replies")
        if args.live:
            print("the in-process offline server answered every request (--live)")
        else:
            print(
                f"the offline server's replies recorded first (its client-state thread took {recording['a']:.1f} s, "
                f"server-state {recording['c']:.1f} s), then replayed"
            )
        client_sizes, server_sizes = runs["a"].wire.sizes, runs["c"].wire.sizes
        print(
            f"requests identical: (a) = (b) and (c) = (d), each body's size and the last body in full; "
            f"client-state body: turn 1 {size(client_sizes[0])}, turn {turns:,} {size(client_sizes[-1])}, "
            f"{size(sum(client_sizes))} in all; server state: {size(server_sizes[-1])} a turn"
        )
        print(f"lockstep run of the four: {elapsed:.1f} s\n")
        print_times(runs, turns)
        for key in ("b", "d"):
            db, wal, closed = files[key]
            print(
                f"history file {LABELS[key][:3]}: {size(db)} + {size(wal)} WAL after the thread, "
                f"{size(closed)} once closed ({closed / turns:,.0f} B per turn)"
            )
        if not args.no_memory:
            print_memory(args, replies_file if replies else None)


if __name__ == "__main__":
    main()
