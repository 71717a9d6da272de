"""Throughput of ``nbresponses.map`` against a hand-written ``AsyncOpenAI`` + ``asyncio.gather`` + semaphore loop.

A loopback server (``nbresponses.testing.LoadTestApp`` under uvicorn, in its own process so it does not share
the clients' interpreter) answers every ``POST /v1/responses`` after ``--latency`` seconds (default 50 ms) and
counts requests in flight on its side. Each contender maps one prompt over ``--rows`` rows (default 1,000) at
``--concurrency`` (default 32), in a fresh interpreter of its own, ``--repeat`` times, in alternating order so
that machine load hits them alike:

  (a) hand-written: ``openai.AsyncOpenAI`` (the official SDK), one task per row under an ``asyncio.Semaphore``,
      ``asyncio.gather``, the answers put in a DataFrame column (the least a notebook user can write);
  (b) ``nbresponses.map(template, df, concurrency=32)``: templates filled per row, the adaptive pace, retries,
      and every answer recorded in a fresh history file (what makes a re-run resumable);
  (c) the same with ``resume=False`` (no history), to show what recording costs.

Each contender sends one warm-up request first (imports, lazily built models, the first connection), untimed.
Printed per contender: wall time (median, min, max) of the call, its ratio to (a) and to the ideal
(rows × latency / concurrency), the server's peak of requests in flight, the contender's CPU time per row and the
server's (the wall time cannot go below the CPU time one thread needs, whatever the latency), and the process's
peak RSS (and its growth over the interpreter with everything imported, before the call). Targets (issue 17): (b) within 1.2x of
(a) and within 1.5x of the ideal.

Then, unless ``--no-kernel``: ``%%respond --map df --concurrency 8`` in a real kernel (jupyter_client) over 40
rows at 0.2 s latency (``--fresh`` each time), timed from the execute request to the kernel being idle, against
the ideal 1 s (target: within 2x).

Usage: python benchmarks/map_throughput.py [--rows 1000] [--latency 0.05] [--concurrency 32] [--repeat 5]
                                           [--no-kernel]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODEL = "gpt-4.1-mini"
TEMPLATE = "Classify the sentiment of this review in one word: {review}"
CONTENDERS = {
    "sdk": "(a) AsyncOpenAI + gather + semaphore",
    "map": "(b) nbresponses.map (with history)",
    "map-nohistory": "(c) nbresponses.map, resume=False",
}


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _rows(n: int) -> list[str]:
    return [f"Review {i}: the product {'works' if i % 3 else 'broke'} after {i % 17} days." for i in range(n)]


# ----- the contenders (each in its own interpreter) -----


def run_sdk(url: str, rows: int, concurrency: int) -> dict[str, Any]:
    import asyncio

    import openai
    import pandas as pd

    df = pd.DataFrame({"review": _rows(rows)})

    async def warm_up() -> None:  # one request first: the SDK's lazily built models, the first connection
        async with openai.AsyncOpenAI(base_url=url, api_key="sk-benchmark") as client:
            await client.responses.create(model=MODEL, input="warm-up")

    asyncio.run(warm_up())
    before = _rss_kb()
    cpu = time.process_time()
    start = time.perf_counter()

    async def main() -> list[str]:
        client = openai.AsyncOpenAI(base_url=url, api_key="sk-benchmark")
        semaphore = asyncio.Semaphore(concurrency)

        async def one(review: str) -> str:
            async with semaphore:
                response = await client.responses.create(model=MODEL, input=TEMPLATE.format(review=review))
                return response.output_text

        try:
            return await asyncio.gather(*(one(review) for review in df["review"]))
        finally:
            await client.close()

    df["output_text"] = asyncio.run(main())
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    ok = bool((df["output_text"] == "Answer: " + df["review"].map(lambda r: TEMPLATE.format(review=r))).all())
    return {"wall": wall, "cpu": cpu, "rss_before_kb": before, "ok": ok}


def run_map(url: str, rows: int, concurrency: int, *, history: bool) -> dict[str, Any]:
    import pandas as pd

    import nbresponses

    df = pd.DataFrame({"review": _rows(rows)})
    client = nbresponses.Client(base_url=url, api_key="sk-benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "history.sqlite")
        # One row first, as for the SDK: imports, lazily built validators, the price table, the first connection.
        nbresponses.map(TEMPLATE, df.head(1), client=client, model=MODEL, resume=False, progress=False)
        before = _rss_kb()
        cpu = time.process_time()
        start = time.perf_counter()
        result = nbresponses.map(TEMPLATE, df, client=client, concurrency=concurrency, model=MODEL,
                                 resume=history, history_path=path, progress=False)  # fmt: skip
        wall = time.perf_counter() - start
    ok = bool(
        (result["output_text"] == "Answer: " + df["review"].map(lambda r: TEMPLATE.format(review=r))).all()
    )
    return {"wall": wall, "cpu": cpu, "rss_before_kb": before,
            "ok": ok and bool((result["status"] == "completed").all())}  # fmt: skip


def contender_main(name: str, url: str, rows: int, concurrency: int) -> None:
    if name == "sdk":
        out = run_sdk(url, rows, concurrency)
    else:
        out = run_map(url, rows, concurrency, history=name == "map")
    out["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))


# ----- the server -----


def serve_main(latency: float) -> None:
    import uvicorn

    from nbresponses import testing

    app = testing.LoadTestApp(latency=latency)

    async def routed(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/reset"):
            app.reset()
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    config = uvicorn.Config(routed, host="127.0.0.1", port=0, log_level="error", lifespan="off", ws="none",
                            backlog=4096)  # fmt: skip
    server = uvicorn.Server(config)

    async def run() -> None:
        import asyncio

        task = asyncio.ensure_future(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        print(f"http://127.0.0.1:{port}/v1", flush=True)
        await task

    import asyncio

    asyncio.run(run())


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, __file__, "--serve", "--latency", str(latency)],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http"):
        process.kill()
        raise RuntimeError("the benchmark server did not start")
    return process, url


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read() or b"null")


def _reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url + "/reset", method="POST"), timeout=10).close()


# ----- the kernel scenario -----


def kernel_runs(repeat: int) -> list[float]:
    from nbresponses import testing
    from tests.kernel_client import kernel
    from tests.loopback import serve

    app = testing.LoadTestApp(latency=0.2)
    frame = ("import pandas as pd\ndf = pd.DataFrame({'q': [f'question {i}' for i in range(40)]})\n"
             "%load_ext nbresponses\n%config RespondMagics.display = 'widget'")  # fmt: skip
    cell = "%%respond --map df --concurrency 8 --fresh -m gpt-4.1-mini\nQ: {q}"
    times = []
    with tempfile.TemporaryDirectory() as tmp, serve(app) as url:
        env = {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": os.path.join(tmp, "h.sqlite"),
               "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-benchmark-kernel"}  # fmt: skip
        with kernel(**env) as k:
            k.execute(frame)
            k.execute(cell)  # warm-up: imports, the first connections
            for _ in range(repeat):
                app.reset()
                start = time.perf_counter()
                outputs = k.execute(cell)
                times.append(time.perf_counter() - start)
                assert not [o for o in outputs if o["msg_type"] == "error"], outputs
                assert app.stats.requests == 40 and app.stats.peak_in_flight <= 8
    return times


# ----- main -----


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-kernel", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--contender", choices=sorted(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_main(args.latency)
        return
    if args.contender:
        contender_main(args.contender, args.url, args.rows, args.concurrency)
        return

    ideal = args.rows * args.latency / args.concurrency
    print(f"{args.rows} rows, {args.latency * 1000:.0f} ms latency, concurrency {args.concurrency}: "
          f"ideal {ideal:.3f} s; {args.repeat} runs each, alternating; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    server, url = start_server(args.latency)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in CONTENDERS}
    try:
        order = list(CONTENDERS)
        for run in range(args.repeat):
            for name in order if run % 2 == 0 else order[::-1]:
                _reset(url)
                server_cpu = _cpu_of(server.pid)
                command = [sys.executable, __file__, "--contender", name, "--url", url, "--rows", str(args.rows),
                           "--concurrency", str(args.concurrency)]  # fmt: skip
                out = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
                stats = _get(url + "/stats")
                out |= {"peak_in_flight": stats["peak_in_flight"], "requests": stats["requests"],
                        "server_cpu": _cpu_of(server.pid) - server_cpu}  # fmt: skip
                results[name].append(out)
    finally:
        server.terminate()
        server.wait(timeout=15)

    base = statistics.median(r["wall"] for r in results["sdk"])
    print(f"\n{'contender':42} {'median':>8} {'min':>7} {'max':>7} {'vs (a)':>7} {'vs ideal':>8} {'in flight':>9} "
          f"{'CPU/row':>8} {'server':>7} {'peak RSS':>9} {'growth':>8}")  # fmt: skip
    for name, label in CONTENDERS.items():
        runs = results[name]
        walls = [r["wall"] for r in runs]
        median = statistics.median(walls)
        assert all(r["ok"] for r in runs), f"{name}: wrong answers"
        assert all(r["requests"] == args.rows + 1 for r in runs), (  # and the warm-up
            f"{name}: {[r['requests'] for r in runs]} requests"
        )
        peak = max(r["peak_in_flight"] for r in runs)
        rss = statistics.median(r["peak_rss_kb"] for r in runs) / 1024
        growth = statistics.median(r["peak_rss_kb"] - r["rss_before_kb"] for r in runs) / 1024
        cpu_ms = statistics.median(r["cpu"] for r in runs) / args.rows * 1000
        server_ms = statistics.median(r["server_cpu"] for r in runs) / args.rows * 1000
        print(f"{label:42} {median:7.3f}s {min(walls):6.3f}s {max(walls):6.3f}s {median / base:6.2f}x "
              f"{median / ideal:7.2f}x {peak:9d} {cpu_ms:6.2f}ms {server_ms:5.2f}ms {rss:7.1f}MB {growth:6.1f}MB")  # fmt: skip
    ours = statistics.median(r["wall"] for r in results["map"])
    print(f"\nnbresponses.map vs hand-written loop: {ours / base:.2f}x (target <= 1.2x); "
          f"vs ideal: {ours / ideal:.2f}x (target <= 1.5x)")  # fmt: skip
    print(
        "CPU/row: the contender's own CPU time per row (load-independent); server: the server process's. With "
        f"{os.cpu_count()} CPUs shared, a contender needing more CPU than the ideal time cannot reach it."
    )

    if not args.no_kernel:
        times = kernel_runs(args.repeat)
        median = statistics.median(times)
        print(f"\n%%respond --map in a kernel, 40 rows, 0.2 s latency, concurrency 8 (ideal 1.0 s): median "
              f"{median:.3f} s (min {min(times):.3f}, max {max(times):.3f}) = {median / 1.0:.2f}x ideal "
              "(target <= 2x)")  # fmt: skip


if __name__ == "__main__":
    main()
