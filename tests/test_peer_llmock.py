"""nbresponses against llmock, an independent Responses API server, on loopback: answers, retries and faults."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

import nbresponses
from tests.llmock_server import add_scenario, clear_scenario, llmock_server

pytestmark = pytest.mark.peer

TEXT = "one two three four five six seven eight nine ten"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    with llmock_server() as url:
        yield url


@pytest.fixture(autouse=True)
def _clean(root: str) -> Iterator[None]:
    clear_scenario(root)
    yield
    clear_scenario(root)


def client(root: str, **options: Any) -> nbresponses.Client:
    options.setdefault("max_retries", 0)
    return nbresponses.Client(api_key="sk-peer-test-key-000", base_url=f"{root}/v1", **options)


def test_plain_text_create_and_stream(root: str) -> None:
    add_scenario(root, {"type": "reply", "text": TEXT, "times": 2})
    with client(root) as c:
        assert c.responses.create(model="gpt-4.1", input="hi").output_text == TEXT
        with c.responses.stream(model="gpt-4.1", input="hi") as stream:
            deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]  # type: ignore[union-attr]
            final = stream.get_final_response()
    assert "".join(deltas) == TEXT == final.output_text
    assert final.status == "completed" and final.usage is not None


def test_streamed_function_call(root: str) -> None:
    add_scenario(
        root, {"type": "reply", "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}
    )
    with client(root) as c, c.responses.stream(model="gpt-4.1", input="weather?", tools=[WEATHER]) as stream:
        kinds = [e.type for e in stream]
        final = stream.get_final_response()
    assert (
        "response.function_call_arguments.delta" in kinds or "response.function_call_arguments.done" in kinds
    )
    (call,) = final.function_calls
    assert call.name == "get_weather" and json.loads(call.arguments or "{}") == {"city": "Paris"}
    assert call.call_id


def test_429_with_retry_after_is_retried_once_and_succeeds(
    root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    import time as real_time

    fake_time = types.SimpleNamespace(time=real_time.time, monotonic=real_time.monotonic, sleep=waits.append)
    monkeypatch.setattr("nbresponses.transports.http.time", fake_time)
    add_scenario(
        root, {"type": "fail", "status": 429, "retry_after": 0.25}, {"type": "reply", "text": "after retry"}
    )
    sent: list[str] = []
    http = httpx2.Client(event_hooks={"request": [lambda request: sent.append(request.url.path)]})
    with http, client(root, max_retries=2, http_client=http) as c:
        assert c.responses.create(model="gpt-4.1", input="x").output_text == "after retry"
    assert sent == ["/v1/responses", "/v1/responses"]
    assert waits == [0.25]  # the server's retry-after, not our own backoff


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("disconnect", nbresponses.StreamError),
        ("truncate", nbresponses.StreamError),
        ("malformed", nbresponses.StreamError),
        ("stall", nbresponses.StreamTimeoutError),
    ],
)
def test_stream_faults_end_in_the_right_exception_with_partial_text(
    root: str, kind: str, error: type[Exception]
) -> None:
    add_scenario(
        root,
        {"type": "reply", "text": TEXT},
        {"type": "stream_fault", "kind": kind, "after_chunks": 5, "stall_seconds": 30},
    )
    with client(root, timeout=1.0) as c:
        stream = c.responses.stream(model="gpt-4.1", input="x")
        with pytest.raises(error) as info, stream:
            for _ in stream:
                pass
    partial = info.value.partial_text  # type: ignore[attr-defined]
    assert partial and TEXT.startswith(partial) and partial != TEXT
    assert stream.http_response.is_closed
    if kind == "stall":
        assert isinstance(info.value, nbresponses.APITimeoutError)


@pytest.mark.anyio
async def test_async_plain_text_and_a_fault(root: str) -> None:
    add_scenario(root, {"type": "reply", "text": TEXT}, {"type": "reply", "text": TEXT},
                 {"type": "stream_fault", "kind": "disconnect", "after_chunks": 5})  # fmt: skip
    async with nbresponses.AsyncClient(api_key="sk-peer", base_url=f"{root}/v1", max_retries=0) as c:
        assert (await c.responses.create(model="gpt-4.1", input="hi")).output_text == TEXT
        stream = await c.responses.stream(model="gpt-4.1", input="hi")
        with pytest.raises(nbresponses.StreamError) as info:
            async with stream:
                async for _ in stream:
                    pass
    assert TEXT.startswith(info.value.partial_text) and info.value.partial_text
    assert stream.http_response.is_closed
