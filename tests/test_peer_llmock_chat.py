"""The Chat Completions bridge against llmock's OpenAI chat routes, a real third-party server on loopback.

llmock (PyPI) serves ``/v1/chat/completions`` with streamed, fragmented tool calls, JSON-schema output, usage with
``stream_options.include_usage``, and scripted faults; it is not ours, so it checks the bridge against another
reading of the protocol: text, a streamed tool call round trip, JSON schema output, usage, a 429 with
retry-after, a disconnect and a truncation mid-stream, and auto mode falling back from a refused /v1/responses.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from pydantic import BaseModel

import nbresponses
from tests.llmock_server import add_scenario, clear_scenario, llmock_server

pytestmark = pytest.mark.peer

TEXT = "one two three four five six seven eight nine ten"
WEATHER = {"type": "function", "name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}  # fmt: skip


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    with llmock_server() as url:
        yield url


@pytest.fixture(autouse=True)
def _clean(root: str) -> Iterator[None]:
    clear_scenario(root)
    with httpx2.Client(timeout=10) as http:
        http.delete(f"{root}/_llmock/requests").raise_for_status()
    yield
    clear_scenario(root)


def client(root: str, **options: Any) -> nbresponses.Client:
    options.setdefault("max_retries", 0)
    options.setdefault("api", "chat")
    return nbresponses.Client(api_key="sk-peer-chat-key-000", base_url=f"{root}/v1", **options)


def received(root: str) -> list[dict[str, Any]]:
    with httpx2.Client(timeout=10) as http:
        return list(http.get(f"{root}/_llmock/requests").json()["requests"])


def test_text_create_and_stream_with_usage(root: str) -> None:
    add_scenario(root, {"type": "reply", "text": TEXT, "times": 2})
    with client(root) as c:
        assert c.responses.create(model="gpt-4o-mini", input="hi").output_text == TEXT
        with c.responses.stream(model="gpt-4o-mini", input="hi", instructions="Be brief.") as stream:
            deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]  # type: ignore[union-attr]
            final = stream.get_final_response()
    assert "".join(deltas) == TEXT == final.output_text and len(deltas) > 1
    assert final.status == "completed"
    assert final.usage is not None and final.usage.input_tokens and final.usage.output_tokens
    assert final.usage.total_tokens == final.usage.input_tokens + final.usage.output_tokens
    paths = [r["path"] for r in received(root)]
    assert paths == ["/v1/chat/completions", "/v1/chat/completions"]


def test_streamed_tool_call_round_trip(root: str) -> None:
    add_scenario(root, {"type": "reply", "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]},
                 {"type": "reply", "text": "It is sunny in Paris."})  # fmt: skip
    with client(root) as c:
        with c.responses.stream(model="gpt-4o-mini", input="Weather in Paris?", tools=[WEATHER]) as stream:
            kinds = [e.type for e in stream]
            first = stream.get_final_response()
        (call,) = first.function_calls
        assert call.name == "get_weather" and json.loads(call.arguments or "") == {"city": "Paris"}
        assert kinds.count("response.function_call_arguments.delta") > 1  # llmock fragments the arguments
        items = [{"role": "user", "content": "Weather in Paris?"}, *[i.to_dict() for i in first.output],
                 {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}]  # fmt: skip
        with c.responses.stream(model="gpt-4o-mini", input=items, tools=[WEATHER]) as stream:
            second = stream.get_final_response()
    assert second.output_text == "It is sunny in Paris."
    messages = received(root)[-1]["body"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
    assert messages[1]["tool_calls"][0]["id"] == call.call_id == messages[2]["tool_call_id"]


def test_json_schema_output(root: str) -> None:
    class City(BaseModel):
        name: str
        population: int

    with client(root) as c:
        response = c.responses.parse(model="gpt-4o-mini", input="Describe Paris", text_format=City)
    assert isinstance(response.parsed, City)
    sent = received(root)[-1]["body"]
    assert sent["response_format"]["type"] == "json_schema"


def test_429_with_retry_after_is_retried(root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    import time as real_time

    monkeypatch.setattr(
        "nbresponses.transports.http.time", types.SimpleNamespace(time=real_time.time, sleep=waits.append)
    )
    add_scenario(
        root, {"type": "fail", "status": 429, "retry_after": 0.25}, {"type": "reply", "text": "after"}
    )
    with client(root, max_retries=2) as c, c.responses.stream(model="gpt-4o-mini", input="x") as stream:
        assert stream.get_final_response().output_text == "after"
    assert waits == [0.25]


@pytest.mark.parametrize(("kind", "match"), [("disconnect", "connection lost"),
                                             ("truncate", "no finish_reason and no \\[DONE\\]")])  # fmt: skip
def test_a_stream_broken_mid_answer_keeps_the_partial_text(root: str, kind: str, match: str) -> None:
    add_scenario(
        root, {"type": "reply", "text": TEXT}, {"type": "stream_fault", "kind": kind, "after_chunks": 5}
    )
    with client(root) as c:
        stream = c.responses.stream(model="gpt-4o-mini", input="x")
        with pytest.raises(nbresponses.StreamError, match=match) as info, stream:
            for _ in stream:
                pass
    partial = info.value.partial_text
    assert partial and TEXT.startswith(partial) and partial != TEXT
    assert stream.http_response.is_closed


def test_auto_mode_falls_back_when_responses_refuses_the_model(root: str) -> None:
    refusal = {"type": "fail", "status": 400, "code": "model_not_supported", "times": None,
               "message": "The model 'deepseek-chat' is not supported for the responses endpoint.",
               "match": {"path": "/v1/responses", "model": "deepseek-*"}}  # fmt: skip
    add_scenario(root, refusal, {"type": "reply", "text": TEXT, "times": 2})
    with client(root, api="auto") as c:
        assert c.responses.create(model="deepseek-chat", input="hi").output_text == TEXT
        assert c.responses.create(model="deepseek-chat", input="again").output_text == TEXT
        assert c.api_for("deepseek-chat") == "chat"
    paths = [r["path"] for r in received(root)]
    assert paths == ["/v1/responses", "/v1/chat/completions", "/v1/chat/completions"]
