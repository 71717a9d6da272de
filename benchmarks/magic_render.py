"""The cost of the live view: a 20,000-delta stream through ``%%respond`` in a real kernel, against the bare client.

In one kernel (started with jupyter_client, offline backend, private history):

  (a) baseline: ``client.responses.stream(...)`` over the same scripted stream, consumed in a plain loop;
  (b) the same stream through ``%%respond`` with the widget view, then with the Markdown view.

Times are measured inside the kernel with the stream served as fast as possible. The message rate is measured
with the stream paced like a model (``--pace-ms`` between events), since a stream that ends in 0.2 s says
nothing about a rate per second: on the client side every iopub message is counted, display and widget (comm)
messages per second of streaming, and the bytes sent to the frontend. Targets (issue 4): (b)/(a) <= 1.5 and
<= 15 view messages per second.

Usage: python benchmarks/magic_render.py [--deltas 20000] [--repeat 3] [--pace-ms 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import tempfile
import time
from typing import Any

from jupyter_client.manager import KernelManager

SETUP = """
import time
from nbresponses import testing
from nbresponses.offline import Plan

WORDS = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."]
TEXT = "".join(WORDS[i % len(WORDS)] for i in range({deltas}))

def scripted(pace=0.0):
    backend = testing.OfflineBackend(event_delay=pace).script([testing.reply(testing.text(TEXT))])
    return backend

def bare():
    client = scripted().client()
    started = time.perf_counter()
    with client.responses.stream(model="gpt-4.1", input="go") as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert len(final.output_text) == len(TEXT)
    return time.perf_counter() - started

magics = get_ipython().magics_manager.registry["RespondMagics"]
"""

MAGIC_CELL = """
magics.session.use_client(scripted({pace}).client())
magics.display = {mode!r}
_started = time.perf_counter()
get_ipython().run_cell_magic("respond", "--new", "go")
_elapsed = time.perf_counter() - _started
assert len(_r.output_text) == len(TEXT)
print("ELAPSED", _elapsed)
"""


class Kernel:
    """A kernel and a client that collects iopub messages per execution."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
        env["NBRESPONSES_BACKEND"] = "offline"
        env["NBRESPONSES_HISTORY"] = os.path.join(tempfile.mkdtemp(), "history.sqlite")
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env=env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str) -> list[dict[str, Any]]:
        msg_id = self.client.execute(code)
        messages = []
        while True:
            try:
                message = self.client.get_iopub_msg(timeout=300)
            except queue.Empty:
                raise TimeoutError(code[:80]) from None
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            message["received"] = time.perf_counter()
            messages.append(message)
            if message["msg_type"] == "error":
                raise RuntimeError("\n".join(message["content"]["traceback"]))
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                return messages

    def printed(self, messages: list[dict[str, Any]], tag: str) -> float:
        for message in messages:
            if message["msg_type"] == "stream":
                for line in message["content"]["text"].splitlines():
                    if line.startswith(tag):
                        return float(line.split()[1])
        raise RuntimeError(f"{tag} not printed")

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def view_messages(messages: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Updates sent while streaming (comm_msg, update_display_data), one-off messages (widget creation, displays),
    and the bytes of all of them."""
    updates = [m for m in messages if m["msg_type"] in ("comm_msg", "update_display_data")]
    once = [m for m in messages if m["msg_type"] in ("comm_open", "display_data")]
    size = sum(len(json.dumps(m["content"], default=str)) for m in updates + once)
    return len(updates), len(once), size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deltas", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pace-ms", type=float, default=0.2, help="delay between events for the rate runs")
    args = parser.parse_args()
    kernel = Kernel()
    try:
        kernel.run("%load_ext nbresponses")
        kernel.run(SETUP.format(deltas=args.deltas))
        bare = [kernel.printed(kernel.run("print('BARE', bare())"), "BARE") for _ in range(args.repeat)]
        print(f"{args.deltas:,} text deltas, best of {args.repeat}, timed inside one kernel")
        print(
            f"  (a) bare client stream                  {min(bare):7.3f} s  (median {statistics.median(bare):.3f})"
        )
        for mode in ("widget", "markdown"):
            runs = []
            for _ in range(args.repeat):
                messages = kernel.run(MAGIC_CELL.format(mode=mode, pace=0.0))
                runs.append(kernel.printed(messages, "ELAPSED"))
            best = min(runs)
            print(
                f"  (b) %%respond, {mode:<8} view           {best:7.3f} s  (median {statistics.median(runs):.3f})"
            )
            print(f"      ratio (b)/(a) = {best / min(bare):.2f}   target <= 1.5")
            messages = kernel.run(MAGIC_CELL.format(mode=mode, pace=args.pace_ms / 1000))
            elapsed = kernel.printed(messages, "ELAPSED")
            count, once, size = view_messages(messages)
            print(
                f"      paced at {args.pace_ms} ms/event: streamed in {elapsed:.2f} s; {count} view messages "
                f"= {count / elapsed:.1f}/s   target <= 15/s  (+{once} one-off: widget creation, final display)"
            )
            print(f"      bytes to the frontend: {size:,} ({size / args.deltas:.1f} per delta)")
    finally:
        kernel.close()


if __name__ == "__main__":
    main()
