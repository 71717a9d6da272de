"""Stream throughput: nbresponses against bare loops and the official openai SDK, in one run.

A synthetic response of 20,000 ``response.output_text.delta`` events (shaped like the recorded OpenAI streams:
same fields, ids, sequence numbers, obfuscation strings) is served by an ``httpx2.MockTransport`` in 4 KiB
chunks, so every contender reads the same bytes through the same HTTP stack:

  (a) bare loop reading the body bytes
  (b) bare loop splitting ``data:`` lines and calling ``json.loads`` on each
  (c) nbresponses ``client.responses.stream()`` + accumulator, ``get_final_response()``
  (d) openai SDK ``responses.create(stream=True)``, iterating the events
  (e) openai SDK ``responses.stream()`` + ``get_final_response()``
  (f) nbresponses ``Client(api="chat")``: the Chat Completions bridge over a stream of as many chat chunks
      (shaped like the recorded OpenAI ``chat.completion.chunk`` stream), translated into the same events

Prints best-of-N seconds and the ratios the issues set targets for: (c)/(b) <= 2, (e)/(c) >= 15 and
(f)/(c) <= 1.5 (the bridge's per-chunk cost against our native Responses path). Then the import time of
``nbresponses`` against ``openai`` in fresh interpreters (target <= 0.3).

Usage: python benchmarks/stream_throughput.py [--deltas 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx2

CHUNK = 4096
RESPONSE_ID = "resp_68c4a7e4a9c08195a3bd8e5d0e5b61e40d31e1b73b1b6c03"
ITEM_ID = "msg_68c4a7e5b4e48195b7a0a8a5d7e7bb0e0d31e1b73b1b6c03"


def synthetic_stream(deltas: int) -> tuple[bytes, str]:
    """The SSE body of a response with ``deltas`` text deltas, and its full text."""
    words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."]
    base = {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": 1757718500,
        "status": "in_progress",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": "gpt-4.1-2025-04-14",
        "output": [],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": "auto",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": None,
        "user": None,
        "metadata": {},
    }
    seq = 0
    out: list[bytes] = []

    def emit(payload: dict[str, object]) -> None:
        nonlocal seq
        payload = {
            "type": payload["type"],
            "sequence_number": seq,
            **{k: v for k, v in payload.items() if k != "type"},
        }
        seq += 1
        out.append(
            f"event: {payload['type']}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()
        )

    emit({"type": "response.created", "response": base})
    emit({"type": "response.in_progress", "response": base})
    item = {"id": ITEM_ID, "type": "message", "status": "in_progress", "content": [], "role": "assistant"}
    emit({"type": "response.output_item.added", "output_index": 0, "item": item})
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    emit(
        {
            "type": "response.content_part.added",
            "item_id": ITEM_ID,
            "output_index": 0,
            "content_index": 0,
            "part": part,
        }
    )
    pieces = []
    for index in range(deltas):
        delta = words[index % len(words)]
        pieces.append(delta)
        emit(
            {
                "type": "response.output_text.delta",
                "item_id": ITEM_ID,
                "output_index": 0,
                "content_index": 0,
                "delta": delta,
                "logprobs": [],
                "obfuscation": "q8Zr1kBvXy"[: 10 - len(delta) % 10],
            }
        )
    text = "".join(pieces)
    emit(
        {
            "type": "response.output_text.done",
            "item_id": ITEM_ID,
            "output_index": 0,
            "content_index": 0,
            "text": text,
            "logprobs": [],
        }
    )
    done_part = {**part, "text": text}
    emit(
        {
            "type": "response.content_part.done",
            "item_id": ITEM_ID,
            "output_index": 0,
            "content_index": 0,
            "part": done_part,
        }
    )
    done_item = {**item, "status": "completed", "content": [done_part]}
    emit({"type": "response.output_item.done", "output_index": 0, "item": done_item})
    usage = {
        "input_tokens": 12,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": deltas,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 12 + deltas,
    }
    final = {**base, "status": "completed", "output": [done_item], "usage": usage, "completed_at": 1757718510}
    emit({"type": "response.completed", "response": final})
    return b"".join(out), text


def synthetic_chat_stream(deltas: int) -> tuple[bytes, str]:
    """The SSE body of a Chat Completions stream with ``deltas`` content chunks, and its full text."""
    words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."]
    head = {"id": "chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0", "object": "chat.completion.chunk",
            "created": 1770933892, "model": "gpt-4.1-nano-2025-04-14", "service_tier": "default",
            "system_fingerprint": "fp_de604bd877"}  # fmt: skip
    out: list[bytes] = []

    def emit(choices: list[object], usage: object = None, obfuscation: str = "Qup1BsQ3") -> None:
        chunk = {**head, "choices": choices, "usage": usage, "obfuscation": obfuscation}
        out.append(f"data: {json.dumps(chunk, separators=(',', ':'))}\n\n".encode())

    emit([{"index": 0, "delta": {"role": "assistant", "content": "", "refusal": None}, "logprobs": None,
           "finish_reason": None}])  # fmt: skip
    pieces = []
    for index in range(deltas):
        delta = words[index % len(words)]
        pieces.append(delta)
        emit([{"index": 0, "delta": {"content": delta}, "logprobs": None, "finish_reason": None}],
             obfuscation="q8Zr1kBvXy"[: 10 - len(delta) % 10])  # fmt: skip
    emit([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}])
    usage = {"prompt_tokens": 12, "completion_tokens": deltas, "total_tokens": 12 + deltas,
             "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}}  # fmt: skip
    emit([], usage=usage)
    out.append(b"data: [DONE]\n\n")
    return b"".join(out), "".join(pieces)


def transport(body: bytes) -> httpx2.MockTransport:
    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), CHUNK):
            yield body[start : start + CHUNK]

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=chunks())

    return httpx2.MockTransport(handler)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import openai

    import nbresponses

    body, text = synthetic_stream(args.deltas)
    http = httpx2.Client(transport=transport(body), base_url="http://bench.invalid/v1")
    params = {"model": "gpt-4.1", "input": "Write."}

    def bare_bytes() -> int:
        with http.stream("POST", "/responses", json=params) as response:
            return sum(len(chunk) for chunk in response.iter_bytes())

    def bare_json() -> int:
        count = 0
        pending = b""
        with http.stream("POST", "/responses", json=params) as response:
            for chunk in response.iter_bytes():
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop()
                for line in lines:
                    if line.startswith(b"data:"):
                        json.loads(line[5:])
                        count += 1
        return count

    ours = nbresponses.Client(api_key="sk-bench", base_url="http://bench.invalid/v1", http_client=http)

    def nbresponses_stream() -> str:
        with ours.responses.stream(**params) as stream:
            for _event in stream:
                pass
            return stream.get_final_response().output_text

    chat_body, chat_text = synthetic_chat_stream(args.deltas)
    chat_http = httpx2.Client(transport=transport(chat_body), base_url="http://bench.invalid/v1")
    bridge = nbresponses.Client(
        api_key="sk-bench", base_url="http://bench.invalid/v1", http_client=chat_http, api="chat"
    )

    def bridge_stream() -> str:
        with bridge.responses.stream(**params) as stream:
            for _event in stream:
                pass
            return stream.get_final_response().output_text

    sdk = openai.OpenAI(api_key="sk-bench", base_url="http://bench.invalid/v1", http_client=http)

    def sdk_create_stream() -> int:
        count = 0
        for _event in sdk.responses.create(stream=True, **params):  # type: ignore[call-overload]
            count += 1
        return count

    def sdk_stream_manager() -> str:
        with sdk.responses.stream(**params) as stream:  # type: ignore[arg-type]
            for _event in stream:
                pass
            return stream.get_final_response().output_text

    assert nbresponses_stream() == text, "nbresponses rebuilt the wrong text"
    assert sdk_stream_manager() == text, "the SDK rebuilt the wrong text"
    assert bridge_stream() == chat_text == text, "the chat bridge rebuilt the wrong text"

    contenders = [
        ("(a) bare loop reading bytes", bare_bytes),
        ("(b) bare loop + json.loads per data line", bare_json),
        ("(c) nbresponses stream + accumulator", nbresponses_stream),
        ("(d) openai responses.create(stream=True)", sdk_create_stream),
        ("(e) openai responses.stream() + get_final_response()", sdk_stream_manager),
        ("(f) nbresponses Client(api='chat'): chat chunks -> events", bridge_stream),
    ]
    print(f"{args.deltas:,} text deltas, {len(body) / 1e6:.1f} MB of SSE, best of {args.repeat}")
    seconds = {}
    for name, run in contenders:
        seconds[name[:3]] = best_of(args.repeat, run)
        per_event = seconds[name[:3]] / args.deltas * 1e6
        print(f"  {name:<55} {seconds[name[:3]]:8.3f} s  {per_event:6.2f} us/event")
    print(f"  ratio (c)/(b) = {seconds['(c)'] / seconds['(b)']:.2f}   target <= 2.0")
    print(f"  ratio (e)/(c) = {seconds['(e)'] / seconds['(c)']:.1f}   target >= 15")
    print(f"  ratio (d)/(c) = {seconds['(d)'] / seconds['(c)']:.1f}")
    print(
        f"  ratio (f)/(c) = {seconds['(f)'] / seconds['(c)']:.2f}   target <= 1.5 (bridge per chunk vs native)"
    )

    print("import time in fresh interpreters (median of 7):")
    imports = {}
    for statement in ("import nbresponses", "from nbresponses import Client", "import openai"):
        imports[statement] = import_time(statement)
        print(f"  {statement:<32} {imports[statement] * 1000:7.1f} ms")
    ratio = imports["import nbresponses"] / imports["import openai"]
    print(f"  ratio import nbresponses / import openai = {ratio:.2f}   target <= 0.3")
    client_ratio = imports["from nbresponses import Client"] / imports["import openai"]
    print(f"  ratio 'from nbresponses import Client' / import openai = {client_ratio:.2f}")


def import_time(statement: str, runs: int = 7) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    samples = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(samples)


if __name__ == "__main__":
    main()
