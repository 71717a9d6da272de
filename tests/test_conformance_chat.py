"""Conformance of the Chat Completions bridge over the 44 recorded interactions in ../shared/reference/chat-streams.

Real streams and bodies of nine providers (see that folder's index.md). Every stream is replayed through the bridge
(``Client(api="chat")``, a real SSE body cut in random chunk sizes, three seeds each) and must fold into a
`Response` whose text, reasoning, tool calls with their full arguments and usage equal what the chunks carry, as
computed here independently; every non-stream body must translate to a `Response` carrying what the body carries;
an error body must map to the exception of its status. The folder is read in place, never copied: outside CI the
tests skip when it is absent; under ``CI=true`` they fail.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

import nbresponses
from nbresponses.types.items import FunctionToolCall, ReasoningItem

pytestmark = pytest.mark.conformance

CHAT_STREAMS = Path(
    os.environ.get("NBRESPONSES_CHAT_STREAMS_DIR")
    or Path(__file__).resolve().parents[2] / "shared" / "reference" / "chat-streams"
)
FILES = sorted(p for p in CHAT_STREAMS.glob("*/*") if p.name.endswith((".chunks.txt", ".sse", ".json")))
IDS = [str(p.relative_to(CHAT_STREAMS)) for p in FILES] or ["absent"]


def require() -> None:
    if FILES:
        return
    message = f"recorded chat interactions not found in {CHAT_STREAMS}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def test_all_44_recordings_are_there() -> None:
    require()
    assert len(FILES) == 44


# -- what the chunks carry, computed independently of the bridge ----------------------------------------------


def _chunks(path: Path) -> list[dict[str, Any]]:
    if path.name.endswith(".sse"):
        lines = [line[5:].strip() for line in path.read_text().splitlines() if line.startswith("data:")]
        return [json.loads(line) for line in lines if line != "[DONE]"]
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def carried(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    text, reasoning = [], []
    calls: dict[Any, dict[str, str]] = {}
    last_key: Any = None
    usage = None
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            for key in ("reasoning_content", "reasoning"):
                if isinstance(delta.get(key), str):
                    reasoning.append(delta[key])
            content = delta.get("content")
            if isinstance(content, str):
                text.append(content)
            for part in content if isinstance(content, list) else []:
                if part.get("type") == "thinking":
                    reasoning += [p["text"] for p in part["thinking"]]
                elif part.get("type") == "text":
                    text.append(part["text"])
            for call in delta.get("tool_calls") or []:
                key = call.get("index", call.get("id") or last_key)
                last_key = key
                entry = calls.setdefault(key, {"id": "", "name": "", "arguments": ""})
                function = call.get("function") or {}
                entry["id"] = entry["id"] or call.get("id") or ""
                entry["name"] = entry["name"] or function.get("name") or ""
                entry["arguments"] += function.get("arguments") or ""
    return {
        "text": "".join(text),
        "reasoning": "".join(reasoning),
        "calls": list(calls.values()),
        "usage": usage,
    }


def message_carried(body: dict[str, Any]) -> dict[str, Any]:
    message = body["choices"][0]["message"]
    content = message.get("content")
    text = content if isinstance(content, str) else "".join(
        p["text"] for p in content or [] if p.get("type") == "text")  # fmt: skip
    reasoning = message.get("reasoning_content") or message.get("reasoning") or "".join(
        t["text"] for p in content or [] if isinstance(p, dict) and p.get("type") == "thinking" for t in p["thinking"])  # fmt: skip
    calls = [{"id": c.get("id") or "", "name": c["function"]["name"], "arguments": c["function"]["arguments"]}
             for c in message.get("tool_calls") or []]  # fmt: skip
    return {"text": text or "", "reasoning": reasoning or "", "calls": calls, "usage": body.get("usage")}


def check(response: nbresponses.Response, expected: dict[str, Any]) -> None:
    assert response.output_text == expected["text"]
    reasoning = "".join(part.text or "" for item in response.output if isinstance(item, ReasoningItem)
                        for part in item.content or [])  # fmt: skip
    assert reasoning == expected["reasoning"]
    calls = [item for item in response.output if isinstance(item, FunctionToolCall)]
    assert [c.name for c in calls] == [c["name"] for c in expected["calls"]]
    assert [c.arguments for c in calls] == [c["arguments"] for c in expected["calls"]]
    for call, want in zip(calls, expected["calls"], strict=True):
        assert call.call_id == want["id"] or (not want["id"] and call.call_id)
        json.loads(call.arguments or "{}")  # every recorded call's arguments are whole JSON
    usage = expected["usage"]
    if usage is None:
        assert response.usage is None
        return
    assert response.usage is not None
    prompt, completion = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
    total = usage.get("total_tokens", prompt + completion)
    assert response.usage.input_tokens == prompt and response.usage.total_tokens == total
    assert response.usage.output_tokens == max(completion, total - prompt)
    details = usage.get("completion_tokens_details") or {}
    if details.get("reasoning_tokens"):
        assert response.usage.output_tokens_details is not None
        assert response.usage.output_tokens_details.reasoning_tokens == details["reasoning_tokens"]


# -- replaying through the bridge ---------------------------------------------------------------------------


def sse_body(path: Path) -> bytes:
    if path.name.endswith(".sse"):
        return path.read_bytes()
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return "".join(f"data: {line}\n\n" for line in lines).encode() + b"data: [DONE]\n\n"


def in_pieces(body: bytes, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    start = 0
    while start < len(body):
        size = rng.choice((1, 2, 3, 7, 64, 500, 4096))
        yield body[start : start + size]
        start += size


def bridge(status: int, content: Any, content_type: str) -> nbresponses.Client:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, headers={"content-type": content_type}, content=content)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    return nbresponses.Client(api_key="sk-conformance-0123", base_url="http://recorded.test/v1", http_client=http,
                              api="chat", max_retries=0)  # fmt: skip


STREAMS = [p for p in FILES if not p.name.endswith(".json")]
BODIES = [p for p in FILES if p.name.endswith(".json")]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "path", STREAMS or [None], ids=[str(p.relative_to(CHAT_STREAMS)) for p in STREAMS] or ["absent"]
)
def test_every_stream_folds_into_the_response_its_chunks_carry(path: Path | None, seed: int) -> None:
    require()
    assert path is not None
    client = bridge(200, in_pieces(sse_body(path), seed), "text/event-stream")
    with client.responses.stream(model="recorded", input="x") as stream:
        events = list(stream)
        response = stream.get_final_response()
    assert events[0].type == "response.created" and events[-1].type in (
        "response.completed",
        "response.incomplete",
    )
    assert [e.sequence_number for e in events] == list(range(len(events)))
    check(response, carried(_chunks(path)))
    finish = [
        c["finish_reason"]
        for chunk in _chunks(path)
        for c in chunk.get("choices") or []
        if c.get("finish_reason")
    ]
    assert response.status == ("incomplete" if finish and finish[-1] == "length" else "completed")


@pytest.mark.parametrize(
    "path", BODIES or [None], ids=[str(p.relative_to(CHAT_STREAMS)) for p in BODIES] or ["absent"]
)
def test_every_body_translates_to_the_response_it_carries(path: Path | None) -> None:
    require()
    assert path is not None
    body = json.loads(path.read_text())
    if "error" in body:  # an error body: the exception of its status
        with pytest.raises(nbresponses.APIStatusError) as info:
            bridge(400, path.read_bytes(), "application/json").responses.create(model="recorded", input="x")
        assert info.value.status == 400 and info.value.message == body["error"].get("message")
        return
    response = bridge(200, path.read_bytes(), "application/json").responses.create(
        model="recorded", input="x"
    )
    assert response.id == body["id"] and response.model == body["model"]
    check(response, message_carried(body))
    if body.get("citations"):
        part = response.output[0].content[0]  # type: ignore[union-attr]
        assert [a.url for a in part.annotations] == body["citations"]  # type: ignore[union-attr]
