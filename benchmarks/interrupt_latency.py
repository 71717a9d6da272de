"""How fast Ctrl-C (a kernel interrupt) stops a stalled ``%%respond`` stream, against a plain ``time.sleep`` cell.

In one kernel (jupyter_client, private history), each case is run ``--repeat`` times:

  (a) baseline: a cell running ``time.sleep(3600)``, interrupted;
  (b) ``%%respond`` on the in-process offline backend, its stream stalled for an hour after a few events;
  (c) ``%%respond`` to a real HTTP server on loopback (the scripted offline server under uvicorn in this
      process), the stream stalled the same way, so the kernel is blocked in a socket read.

For (b) and (c) the interrupt is sent once the partial answer is on screen (its text in a widget update), and
the time is measured on the client from ``interrupt_kernel()`` to the cell's ``TurnInterrupted`` error, then
to the kernel being idle again (the partial answer and the interrupted notice have been drawn by then).
Target (issue 4): a stream stops within a second.

Usage: python benchmarks/interrupt_latency.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.loopback import serve

SCRIPT = "testing.OfflineBackend().script([testing.stall(6, testing.text('alpha beta gamma delta'))])"


def start_kernel(history: str) -> tuple[KernelManager, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(NBRESPONSES_BACKEND="", NBRESPONSES_HISTORY=history, OPENAI_API_KEY="sk-benchmark-dummy")
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return manager, client


def run(client: Any, code: str) -> None:
    msg_id = client.execute(code)
    while True:
        message = client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "error":
            raise RuntimeError("\n".join(message["content"]["traceback"]))
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return


def interrupted(manager: KernelManager, client: Any, code: str, shown: str | None) -> tuple[float, float]:
    """Seconds from the interrupt to the cell's error, and to idle."""
    msg_id = client.execute(code)
    sent_at = error_at = None
    if shown is None:
        time.sleep(0.3)  # the sleep has started
        sent_at = time.perf_counter()
        manager.interrupt_kernel()
    while True:
        try:
            message = client.get_iopub_msg(timeout=30)
        except queue.Empty:
            raise RuntimeError("the interrupt did not stop the cell within 30 s") from None
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if sent_at is None and shown is not None and shown in json.dumps(content):
            sent_at = time.perf_counter()
            manager.interrupt_kernel()
        elif kind == "error" and sent_at is not None:
            error_at = time.perf_counter()
        elif kind == "status" and content["execution_state"] == "idle":
            if sent_at is None or error_at is None:
                raise RuntimeError("the cell ended without being interrupted")
            return error_at - sent_at, time.perf_counter() - sent_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from nbresponses import testing
    from nbresponses.offline._asgi import create_app

    backend = testing.OfflineBackend()
    with tempfile.TemporaryDirectory() as tmp, serve(create_app(backend.server)) as base_url:
        manager, client = start_kernel(str(Path(tmp) / "history.sqlite"))
        try:
            run(client, "%load_ext nbresponses\nfrom nbresponses import testing\nimport time")
            session = "get_ipython().magics_manager.registry['RespondMagics'].session"
            cases = {
                "(a) time.sleep(3600) cell": ("time.sleep(3600)", None, None),
                "(b) %%respond, in-process stalled stream": (
                    "%%respond\nstall please", "alpha beta", f"{session}.use_client({SCRIPT}.client())"
                ),
                "(c) %%respond, loopback HTTP stalled stream": (
                    "%%respond\nstall please", "alpha beta",
                    f"{session}.use_client(None)\n%config RespondMagics.base_url = {base_url!r}",
                ),
            }  # fmt: skip
            results: dict[str, list[tuple[float, float]]] = {}
            for name, (cell, shown, setup) in cases.items():
                for _ in range(args.repeat):
                    if setup:
                        run(client, setup)
                    if name.startswith("(c)"):
                        # 15 s, not an hour: the loopback server can only stop once its stalled streams end
                        backend.script([testing.stall(6, testing.text("alpha beta gamma delta"), seconds=15)])
                    results.setdefault(name, []).append(interrupted(manager, client, cell, shown))
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
        report(results, args.repeat)


def report(results: dict[str, list[tuple[float, float]]], repeat: int) -> None:
    """Print the medians, the worst cases and the ratios to the baseline."""
    print(f"Kernel interrupt to the cell stopping, median of {repeat} (and worst), seconds")
    baseline = statistics.median(idle for _, idle in results["(a) time.sleep(3600) cell"])
    for name, runs in results.items():
        errors, idles = [e for e, _ in runs], [i for _, i in runs]
        ratio = statistics.median(idles) / baseline if baseline else float("nan")
        print(f"  {name:<46} error {statistics.median(errors):.3f} (max {max(errors):.3f})   "
              f"idle {statistics.median(idles):.3f} (max {max(idles):.3f})   x{ratio:.1f} baseline")  # fmt: skip
    worst = max(i for name, runs in results.items() if not name.startswith("(a)") for _, i in runs)
    print(f"  worst stream case to idle: {worst:.3f} s   target <= 1.0 s")


if __name__ == "__main__":
    main()
