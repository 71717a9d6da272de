"""Tests of nbresponses.transports.chat: Client(api="chat") against our chat gateway, in process.

The bridge returns the same `Response` objects and typed events as a native Responses stream (compared type by
type against the offline server's native stream for the same answer), and maps every way a chat call can end
to the same exception tree.
"""

from __future__ import annotations

import json
import types
from typing import Any

import httpx2
import pytest

import nbresponses
from nbresponses import testing
from tests.chat_server import ChatGateway, Scripted

BASE = "http://gateway.test/v1"
WEATHER = {"type": "function", "name": "get_weather",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}  # fmt: skip


def client(gateway: ChatGateway, **options: Any) -> nbresponses.Client:
    options.setdefault("max_retries", 0)
    options.setdefault("api", "chat")
    http = httpx2.Client(transport=gateway.transport())
    return nbresponses.Client(api_key="sk-bridge-test-0123456789", base_url=BASE, http_client=http, **options)


def test_create_without_stream() -> None:
    gateway = ChatGateway()
    response = client(gateway).responses.create(
        model="deepseek-reasoner", input="Hello", instructions="Brief."
    )
    assert isinstance(response, nbresponses.Response)
    assert response.output_text == "You said: Hello" and response.status == "completed"
    assert [item.type for item in response.output] == ["reasoning", "message"]
    assert response.usage is not None and response.usage.total_tokens == (
        response.usage.input_tokens or 0) + (response.usage.output_tokens or 0)  # fmt: skip
    assert response.instructions == "Brief."
    (body,) = gateway.chat_bodies()
    assert body["messages"][0] == {"role": "system", "content": "Brief."} and "stream" not in body
    assert gateway.paths() == ["POST /v1/chat/completions"]


def test_stream_gives_typed_events_and_the_final_response() -> None:
    gateway = ChatGateway()
    with client(gateway).responses.stream(model="deepseek-chat", input="Stream this please") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]  # type: ignore[union-attr]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == "You said: Stream this please"
    assert len(deltas) > 3 and stream.http_response.is_closed
    assert final.usage is not None and final.usage.output_tokens == 5


def test_parse_sends_a_json_schema_and_parses_the_answer() -> None:
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    gateway = ChatGateway()
    response = client(gateway).responses.parse(model="qwen-max", input="Describe Paris", text_format=City)
    assert response.parsed == City(name="Paris", population=42)
    assert gateway.chat_bodies()[0]["response_format"]["json_schema"]["name"] == "City"


def test_stream_with_text_format_over_the_bridge_parses_the_final_response() -> None:
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    gateway = ChatGateway()
    with client(gateway).responses.stream(
        model="qwen-max", input="Describe Paris", text_format=City
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[-1] == "response.completed" and final.output_parsed == City(name="Paris", population=42)
    (body,) = gateway.chat_bodies()
    assert body["stream"] is True and body["response_format"]["json_schema"]["name"] == "City"


def test_tool_call_round_trip() -> None:
    gateway = ChatGateway()
    c = client(gateway)
    with c.responses.stream(model="deepseek-chat", input="Weather in Paris", tools=[WEATHER]) as stream:
        first = stream.get_final_response()
    (call,) = first.function_calls
    assert call.name == "get_weather" and json.loads(call.arguments or "") == {"city": "Paris"}
    items = [{"role": "user", "content": "Weather in Paris"}, *[item.to_dict() for item in first.output],
             {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}]  # fmt: skip
    second = c.responses.create(model="deepseek-chat", input=items, tools=[WEATHER])
    assert second.output_text == "The tool said: sunny."
    messages = gateway.chat_bodies()[1]["messages"]
    assert messages[1]["tool_calls"][0]["id"] == call.call_id
    assert messages[2] == {"role": "tool", "tool_call_id": call.call_id, "content": "sunny"}


# -- acceptance: the same event sequence shape as a native Responses stream -----------------------------------


def native_events(*items: dict[str, Any]) -> list[Any]:
    backend = testing.OfflineBackend().script([testing.reply(*items)])
    with backend.client().responses.stream(model="gpt-4.1", input="x") as stream:
        return list(stream)


def chat_sse(chunks: list[dict[str, Any]]) -> bytes:
    lines = [f"data: {json.dumps({'id': 'chatcmpl-9', 'object': 'chat.completion.chunk', 'model': 'm', **c})}\n\n"
             for c in chunks]  # fmt: skip
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def bridged_events(body: bytes) -> list[Any]:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    c = nbresponses.Client(api_key="sk-x-0123456789", base_url=BASE, http_client=http, api="chat")
    with c.responses.stream(model="m", input="x") as stream:
        return list(stream)


def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def test_a_text_answer_has_the_event_types_of_the_native_stream_in_order() -> None:
    native = native_events(testing.text("The quick brown fox jumps over the lazy dog."))
    deltas = [e.delta for e in native if e.type == "response.output_text.delta"]  # type: ignore[union-attr]
    chunks = [choice({"role": "assistant", "content": ""}), *[choice({"content": d}) for d in deltas],
              choice({}, "stop"), {"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 9}}]  # fmt: skip
    bridged = bridged_events(chat_sse(chunks))
    assert len(deltas) > 1
    assert [e.type for e in bridged] == [e.type for e in native]
    assert [type(e) for e in bridged] == [type(e) for e in native]


def test_a_text_and_function_call_answer_has_the_native_event_types_in_order() -> None:
    native = native_events(
        testing.text("Let me check."), testing.function_call("get_weather", {"city": "Paris"})
    )
    texts = [e.delta for e in native if e.type == "response.output_text.delta"]  # type: ignore[union-attr]
    arguments = [e.delta for e in native if e.type == "response.function_call_arguments.delta"]  # type: ignore[union-attr]
    chunks = [choice({"content": t}) for t in texts]
    chunks.append(choice({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                          "function": {"name": "get_weather", "arguments": ""}}]}))  # fmt: skip
    chunks += [choice({"tool_calls": [{"index": 0, "function": {"arguments": a}}]}) for a in arguments]
    chunks.append(choice({}, "tool_calls"))
    bridged = bridged_events(chat_sse(chunks))
    assert arguments and [e.type for e in bridged] == [e.type for e in native]


# -- how a chat call ends ------------------------------------------------------------------------------------


def test_a_stream_cut_mid_answer_is_a_stream_error_that_keeps_the_partial_text() -> None:
    gateway = ChatGateway().script(Scripted(text="one two three four five six", cut_after_chunks=4))
    stream = client(gateway).responses.stream(model="deepseek-chat", input="x")
    with pytest.raises(nbresponses.StreamError, match="connection lost") as info, stream:
        for _ in stream:
            pass
    assert info.value.partial_text == "one two three" and stream.http_response.is_closed


def test_a_body_ending_without_finish_reason_or_done_is_a_stream_error() -> None:
    body = chat_sse([choice({"content": "half"})]).replace(b"data: [DONE]\n\n", b"")
    with pytest.raises(nbresponses.StreamError, match="no finish_reason and no \\[DONE\\]") as info:
        list(bridged_events(body))
    assert info.value.partial_text == "half"


def test_a_finish_reason_without_done_completes() -> None:
    body = chat_sse([choice({"content": "whole"}), choice({}, "stop")]).replace(b"data: [DONE]\n\n", b"")
    events = bridged_events(body)
    assert events[-1].type == "response.completed"


def test_an_error_chunk_is_a_response_failed_error_with_the_partial_answer() -> None:
    body = b'data: {"choices":[{"index":0,"delta":{"content":"par"}}]}\n\ndata: {"error":{"message":"overloaded","code":"server_busy"}}\n\n'
    with pytest.raises(nbresponses.ResponseFailedError, match="overloaded") as info:
        bridged_events(body)
    assert info.value.code == "server_busy" and info.value.partial_text == "par"


def test_malformed_chunk_is_a_stream_error() -> None:
    with pytest.raises(nbresponses.StreamError, match="not valid JSON"):
        bridged_events(b'data: {"choices": [\n\n')


def test_a_server_that_ignores_stream_true_still_streams_one_event() -> None:
    gateway = ChatGateway()

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.read())
        reply = gateway.handle("POST", request.url.path, json.dumps({**body, "stream": False}).encode())
        return httpx2.Response(200, headers={"content-type": "application/json"}, content=reply.body)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    c = nbresponses.Client(api_key="sk-x-0123456789", base_url=BASE, http_client=http, api="chat")
    with c.responses.stream(model="m", input="Plain JSON") as stream:
        kinds = [e.type for e in stream]
        assert stream.get_final_response().output_text == "You said: Plain JSON"
    assert kinds == ["response.completed"]


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (400, {"error": {"message": "bad", "type": "invalid_request_error", "code": "invalid_value"}},
         nbresponses.BadRequestError, "invalid_value"),
        (401, {"error": {"message": "Authentication Fails (no such user)", "type": "authentication_error"}},
         nbresponses.AuthenticationError, None),
        (404, {"error": "model 'llama9' not found"}, nbresponses.NotFoundError, None),  # Ollama
        (400, {"object": "error", "message": "max_tokens is too large", "type": "BadRequestError", "code": 400},
         nbresponses.BadRequestError, "400"),  # vLLM
        (429, {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}},
         nbresponses.RateLimitError, "rate_limit_exceeded"),
        (503, {"detail": "model loading"}, nbresponses.InternalServerError, None),
    ],
)  # fmt: skip
def test_chat_error_bodies_map_to_the_exception_tree(
    status: int, body: dict[str, Any], error: type[Exception], code: str | None
) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, json=body)

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    c = nbresponses.Client(
        api_key="sk-x-0123456789", base_url=BASE, http_client=http, api="chat", max_retries=0
    )
    with pytest.raises(error) as info:
        c.responses.create(model="m", input="x")
    assert info.value.status == status and info.value.code == code  # type: ignore[attr-defined]
    assert str(status) in str(info.value)
    if status == 404:  # the hint names the API the bridge called, not /responses
        assert "serves /chat/completions" in info.value.hint  # type: ignore[attr-defined]


def test_429_with_retry_after_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    import time as real_time

    monkeypatch.setattr(
        "nbresponses.transports.http.time", types.SimpleNamespace(time=real_time.time, sleep=waits.append)
    )
    gateway = ChatGateway().script(Scripted(status=429, retry_after=0.5), Scripted(text="after the wait"))
    assert (
        client(gateway, max_retries=2).responses.create(model="m", input="x").output_text == "after the wait"
    )
    assert waits == [0.5] and gateway.paths() == ["POST /v1/chat/completions"] * 2


def test_a_server_refusing_stream_options_is_asked_again_without_them() -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.read())
        sent.append(body)
        if "stream_options" in body:
            return httpx2.Response(
                400, json={"error": {"message": "Unrecognized request argument: stream_options"}}
            )
        return httpx2.Response(200, headers={"content-type": "text/event-stream"},
                               content=chat_sse([choice({"content": "ok"}, "stop")]))  # fmt: skip

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    c = nbresponses.Client(
        api_key="sk-x-0123456789", base_url=BASE, http_client=http, api="chat", max_retries=0
    )
    with c.responses.stream(model="m", input="x") as stream:
        assert stream.get_final_response().output_text == "ok"
    assert ["stream_options" in body for body in sent] == [True, False]


def test_a_hosted_tool_to_a_chat_model_is_refused_before_anything_is_sent() -> None:
    gateway = ChatGateway()
    with pytest.raises(nbresponses.InvalidParamsError, match="code_interpreter cannot be used"):
        client(gateway).responses.create(model="m", input="x", tools=[{"type": "code_interpreter"}])
    assert gateway.journal == []


@pytest.mark.anyio
async def test_async_client_create_and_stream() -> None:
    gateway = ChatGateway()
    http = httpx2.AsyncClient(transport=_async(gateway))
    async with nbresponses.AsyncClient(api_key="sk-x-0123456789", base_url=BASE, http_client=http,
                                       api="auto") as c:  # fmt: skip
        response = await c.responses.create(model="deepseek-chat", input="Async hello")
        assert response.output_text == "You said: Async hello"
        stream = await c.responses.stream(model="deepseek-chat", input="Async stream")
        async with stream:
            kinds = [event.type async for event in stream]
            final = await stream.get_final_response()
    assert final.output_text == "You said: Async stream" and kinds[-1] == "response.completed"
    # auto mode tried /responses once, then remembered the bridge for the model
    assert gateway.paths() == ["POST /v1/responses", "POST /v1/chat/completions", "POST /v1/chat/completions"]


def _async(gateway: ChatGateway) -> httpx2.MockTransport:
    def handler(request: httpx2.Request) -> httpx2.Response:
        reply = gateway.handle(request.method, request.url.path, request.read())
        return httpx2.Response(reply.status, headers=reply.headers,
                               content=b"".join(reply.chunks) if reply.chunks is not None else reply.body)  # fmt: skip

    return httpx2.MockTransport(handler)


def refusing(*refused: str) -> tuple[nbresponses.Client, list[dict[str, Any]]]:
    """A chat server that refuses the named parameters (as gateways and local servers do), and its requests."""
    sent: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.read())
        sent.append(body)
        for name in refused:
            if name == "json_schema" and (body.get("response_format") or {}).get("type") == "json_schema":
                return httpx2.Response(
                    400, json={"error": {"message": "This response_format type is unavailable now"}}
                )
            if name in body:
                return httpx2.Response(
                    400, json={"error": {"message": f"Unrecognized request argument supplied: {name}"}}
                )
        answer = '{"a": 1}' if body.get("response_format") else "ok"
        return httpx2.Response(200, json={"id": "c", "object": "chat.completion", "model": "m", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}]})  # fmt: skip

    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    c = nbresponses.Client(
        api_key="sk-x-0123456789", base_url=BASE, http_client=http, api="chat", max_retries=0
    )
    return c, sent


def test_refused_extras_are_dropped_and_the_request_sent_again() -> None:
    c, sent = refusing("reasoning_effort", "parallel_tool_calls")
    response = c.responses.create(model="m", input="x", reasoning={"effort": "high"}, tools=[WEATHER],
                                  parallel_tool_calls=False)  # fmt: skip
    assert response.output_text == "ok"
    assert [sorted(k for k in b if k in ("reasoning_effort", "parallel_tool_calls")) for b in sent] == [
        ["parallel_tool_calls", "reasoning_effort"],
        ["parallel_tool_calls"],
        [],
    ]


def test_a_server_without_json_schema_gets_json_object_and_the_schema_in_a_system_message() -> None:
    from pydantic import BaseModel

    class A(BaseModel):
        a: int

    c, sent = refusing("json_schema")
    assert c.responses.parse(model="deepseek-chat", input="x", text_format=A).parsed == A(a=1)
    assert sent[1]["response_format"] == {"type": "json_object"}
    assert sent[1]["messages"][-1]["role"] == "system" and '"a"' in sent[1]["messages"][-1]["content"]
    with pytest.raises(nbresponses.BadRequestError, match="Unrecognized request argument supplied: top_k"):
        refusing("top_k")[0].responses.create(model="m", input="x", top_k=3)  # not ours to drop
