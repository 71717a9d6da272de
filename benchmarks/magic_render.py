"""The cost of the live view: answers of growing length through ``%%respond`` in a real kernel, against the bare client.

In one kernel (started with jupyter_client, offline backend, private history), for each answer:

  (a) baseline: ``client.responses.stream(...)`` over the same scripted stream, consumed in a plain loop;
  (b) the same stream through ``%%respond`` with the widget view, then with the Markdown view.

Answers: the old 20,000-delta one-paragraph text, and Markdown answers of 2k, 8k and 32k words (paragraphs,
lists, headings, code blocks, tables, prices and math, one delta per word, as a model streams them).

Times are measured inside the kernel with the stream served as fast as possible, after a warm-up run of each,
in rounds: each round times (a), the widget view and the Markdown view one after the other, so that a change in
the machine's load touches all three alike, and the ratio is the median over the rounds of (b)/(a) in the same
round (the ratio of the fastest runs is printed beside it). Each timed run starts from a full garbage collection,
so that one run does not pay for the garbage of the one before. The machine should be quiet: on a shared machine
raise --repeat (the median then holds; single runs vary by 2x there). The message rate and the bytes
are measured with the stream paced like a model (``--pace-ms`` between events): on the client side every iopub
message is counted, display and widget (comm) messages per second of streaming, and the bytes of all of them
sent to the frontend (live updates, widget creation and the final static output). Targets (issues 4 and 12):
(b)/(a) <= 1.5, <= 15 view messages per second, <= 8 bytes per answer character, and bytes growing linearly
with the answer (the last column: bytes per character of the 32k-word answer over the 2k-word one, about 1).

Usage: python benchmarks/magic_render.py [--sizes 2000,8000,32000] [--repeat 5] [--pace-ms 0.2] [--no-paragraph]
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

SETUP = r'''
import gc, random, time
from nbresponses import testing

def markdown_answer(words, seed=0):
    """A Markdown answer of about `words` words: what long model answers are made of."""
    r = random.Random(seed)
    vocab = ("the a model kernel notebook cell answer stream token cost price thread widget output value frame "
             "table column row index series function returns data plot memory time result error").split()
    out, n = [], 0
    def sentence():
        k = r.randint(6, 18)
        ws = [r.choice(vocab) for _ in range(k)]
        if r.random() < .2: ws[r.randrange(k)] = f"**{r.choice(vocab)}**"
        if r.random() < .2: ws[r.randrange(k)] = f"`{r.choice(vocab)}()`"
        if r.random() < .1: ws[r.randrange(k)] = f"${r.randint(1, 99)}"
        if r.random() < .05: ws[r.randrange(k)] = "$x^2$"
        return " ".join(ws).capitalize() + ".", k
    while n < words:
        kind = r.random()
        if kind < .6:
            s = [sentence() for _ in range(r.randint(2, 6))]
            out.append(" ".join(t for t, _ in s)); n += sum(k for _, k in s)
        elif kind < .75:
            items = [sentence() for _ in range(r.randint(3, 6))]
            out.append("\n".join(f"- {t}" for t, _ in items)); n += sum(k for _, k in items)
        elif kind < .82:
            out.append(f"## {sentence()[0][:-1]}"); n += 5
        elif kind < .9:
            lines = [f"{r.choice(vocab)} = {r.choice(vocab)}({r.randint(1, 9)})" for _ in range(r.randint(3, 10))]
            out.append("```python\n" + "\n".join(lines) + "\n```"); n += 3 * len(lines)
        else:
            rows = ["| name | value | cost |", "|---|---:|---:|"] + [
                f"| {r.choice(vocab)} | {r.randint(1, 999)} | ${r.randint(1, 99)}.{r.randint(0, 99):02d} |"
                for _ in range(r.randint(3, 8))]
            out.append("\n".join(rows)); n += 4 * (len(rows) - 2)
    return "\n\n".join(out)

WORDS = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."]
ANSWERS = {"paragraph": "".join(WORDS[i % len(WORDS)] for i in range(20_000))}
ANSWERS.update({f"{w // 1000}k words": markdown_answer(w) for w in SIZES})

def scripted(name, pace=0.0):
    return testing.OfflineBackend(event_delay=pace).script([testing.reply(testing.text(ANSWERS[name]))])

def bare(name):
    client = scripted(name).client()
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    with client.responses.stream(model="gpt-4.1", input="go") as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.output_text == ANSWERS[name]
    return time.perf_counter() - started, time.process_time() - cpu

magics = get_ipython().magics_manager.registry["RespondMagics"]
'''

MAGIC_CELL = """
magics.session.use_client(scripted({name!r}, {pace}).client())
magics.display = {mode!r}
gc.collect()
_started, _cpu = time.perf_counter(), time.process_time()
get_ipython().run_cell_magic("respond", "--new", "go")
_elapsed, _cpu = time.perf_counter() - _started, time.process_time() - _cpu
assert _r.output_text == ANSWERS[{name!r}]
print("ELAPSED", _elapsed, len(ANSWERS[{name!r}]), _cpu)
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
                message = self.client.get_iopub_msg(timeout=600)
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

    def printed(self, messages: list[dict[str, Any]], tag: str) -> list[float]:
        # One print may come in several stream messages: join them before reading lines.
        text = "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")
        for line in text.splitlines():
            if line.startswith(tag + " "):
                return [float(x) for x in line.split()[1:]]
        raise RuntimeError(f"{tag} not printed")

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def view_messages(messages: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Updates sent while streaming (comm_msg, update_display_data before the final output), one-off messages
    (widget creation, the final output, closing the widgets), and the bytes of all of them."""
    kinds = ("comm_msg", "update_display_data", "comm_open", "comm_close", "display_data")
    shown = [m for m in messages if m["msg_type"] in kinds]
    finals = [n for n, m in enumerate(shown) if m["msg_type"] == "update_display_data"
              and "text/markdown" in m["content"].get("data", {})]  # fmt: skip
    end = finals[-1] if finals else len(shown)  # the static output that replaces the live view
    updates = [m for m in shown[:end] if m["msg_type"] in ("comm_msg", "update_display_data")]
    size = sum(len(json.dumps(m["content"], default=str)) for m in shown)
    return len(updates), len(shown) - len(updates), size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2000,8000,32000", help="answer lengths in words")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds per answer (medians)")
    parser.add_argument("--pace-ms", type=float, default=0.2, help="delay between events for the rate runs")
    parser.add_argument(
        "--no-paragraph", action="store_true", help="skip the 20,000-delta one-paragraph text"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    names = ([] if args.no_paragraph else ["paragraph"]) + [f"{w // 1000}k words" for w in sizes]
    kernel = Kernel()
    modes = ("widget", "markdown")
    rows: list[tuple[str, str, int, float, float, float, float, int]] = []
    try:
        kernel.run("%load_ext nbresponses")
        kernel.run(f"SIZES = {sizes!r}\n" + SETUP)

        def bare(name: str) -> tuple[float, float]:
            elapsed, cpu = kernel.printed(kernel.run(f"print('BARE', *bare({name!r}))"), "BARE")
            return elapsed, cpu

        def magic(name: str, mode: str, pace: float = 0.0) -> tuple[float, float, int, list[dict[str, Any]]]:
            messages = kernel.run(MAGIC_CELL.format(name=name, mode=mode, pace=pace))
            elapsed, chars, cpu = kernel.printed(messages, "ELAPSED")
            return elapsed, cpu, int(chars), messages

        for name in names:
            bare(name)  # warm-up: first runs pay for imports and caches
            for mode in modes:
                magic(name, mode)
            bares: list[tuple[float, float]] = []
            runs: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
            chars = 0
            for _ in range(args.repeat):  # (a), widget, Markdown in each round: load changes touch all three
                bares.append(bare(name))
                for mode in modes:
                    elapsed, cpu, chars, _ = magic(name, mode)
                    runs[mode].append((elapsed, cpu))
            for mode in modes:
                pairs = list(zip(runs[mode], bares, strict=True))
                ratio = statistics.median(t[0] / b[0] for t, b in pairs)
                cpu_ratio = statistics.median(t[1] / b[1] for t, b in pairs)
                best = min(t[0] for t in runs[mode]) / min(b[0] for b in bares)
                elapsed, _, _, messages = magic(name, mode, args.pace_ms / 1000)
                count, _once, size = view_messages(messages)
                bare_s, magic_s = (
                    statistics.median(b[0] for b in bares),
                    statistics.median(t[0] for t in runs[mode]),
                )
                rows.append((name, mode, chars, ratio, best, cpu_ratio, count / elapsed, size))
                print(
                    f"{name:>10} {mode:<8} {chars:>9,} chars  bare {bare_s:6.3f} s  %%respond {magic_s:6.3f} s "
                    f"(medians)  ratio {ratio:4.2f} (best {best:4.2f}, CPU {cpu_ratio:4.2f})  "
                    f"{count / elapsed:5.1f} msg/s  {size:>10,} B = {size / chars:4.1f} B/char",
                    flush=True,
                )
    finally:
        kernel.close()
    print()
    print(
        f"Times: {args.repeat} rounds, unpaced; ratio = median over rounds of (b)/(a), in wall time (the target); "
        "best = fastest (b) over fastest (a);\nCPU = the same median in the kernel's CPU time (all its threads), "
        f"which a loaded machine disturbs less. Messages and bytes: one run paced at {args.pace_ms} ms/event."
    )
    print(
        "answer       view      chars    ratio (b)/(a)  best   CPU    msg/s   bytes/char   linear (B/char vs smallest)"
    )
    print("                                target <=1.5                 <=15    <=8          ~1")
    for mode in modes:
        mine = [r for r in rows if r[1] == mode]
        words = [r for r in mine if r[0] != "paragraph"]
        base = words[0][7] / words[0][2] if words else None
        for name, _, chars, ratio, best, cpu_ratio, rate, size in mine:
            per_char = size / chars
            linear = f"{per_char / base:.2f}" if base and name != "paragraph" else "-"
            print(
                f"{name:<12} {mode:<8} {chars:>8,}   {ratio:8.2f}      {best:5.2f}  {cpu_ratio:5.2f}  {rate:5.1f}   "
                f"{per_char:6.1f}       {linear}"
            )


if __name__ == "__main__":
    main()
