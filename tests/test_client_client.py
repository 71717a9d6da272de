"""Tests of nbresponses.client over httpx2.MockTransport: endpoints, parameters, retries, errors."""

from __future__ import annotations

import json

import httpx2
import pytest

import nbresponses
from nbresponses import _exceptions as exc
from tests.sse_fixtures import (
    RESPONSE_ID,
    Recorder,
    RecordingStream,
    json_reply,
    response_object,
    sse,
    sse_reply,
    text_events,
)

KEY = "sk-test-MARKER-5f3c9a1e7b"
BASE = "https://gateway.example/v1"


def make_client(recorder: Recorder, **kwargs: object) -> nbresponses.Client:
    http = httpx2.Client(transport=httpx2.MockTransport(recorder))
    options: dict[str, object] = {"api_key": KEY, "base_url": BASE, "http_client": http}
    options.update(kwargs)
    return nbresponses.Client(**options)  # type: ignore[arg-type]


def completed(text: str = "Hello!") -> dict[str, object]:
    item = {
        "id": "msg_1",
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    return response_object("completed", [item])


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry sleeps instead of sleeping."""
    slept: list[float] = []
    monkeypatch.setattr("nbresponses.transports.http.time.sleep", slept.append)
    return slept


def test_create_sends_flat_tools_and_auth_and_parses_response() -> None:
    recorder = Recorder(json_reply(200, completed()))
    client = make_client(recorder)
    response = client.responses.create(
        model="gpt-4.1",
        input="What's the weather like in Beijing?",
        instructions="You are a helpful weather assistant.",
        temperature=None,
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Weather",
                    "parameters": {"type": "object", "properties": {}},
                },
            }
        ],
        custom_gateway_flag=True,
    )
    assert isinstance(response, nbresponses.Response)
    assert response.output_text == "Hello!"
    request = recorder.requests[0]
    assert str(request.url) == f"{BASE}/responses"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.content)
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather",
            "parameters": {"type": "object", "properties": {}},
        }
    ]
    assert "temperature" not in body and "stream" not in body
    assert body["custom_gateway_flag"] is True


def test_invalid_params_send_nothing() -> None:
    recorder = Recorder(json_reply(200, completed()))
    client = make_client(recorder)
    with pytest.raises(exc.InvalidParamsError, match="temperature"):
        client.responses.create(model="gpt-4.1", input="x", temperature="very hot")
    assert recorder.requests == []


def test_endpoints_paths_and_models() -> None:
    deleted = {"id": RESPONSE_ID, "object": "response.deleted", "deleted": True}
    items = {
        "object": "list",
        "data": [
            {
                "id": "msg_in",
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "hi"}],
            }
        ],
        "first_id": "msg_in",
        "last_id": "msg_in",
        "has_more": False,
    }
    recorder = Recorder(
        json_reply(200, completed()),
        json_reply(200, deleted),
        json_reply(200, response_object("cancelled")),
        json_reply(200, items),
        json_reply(200, {"object": "response.input_tokens", "input_tokens": 11}),
    )
    client = make_client(recorder)
    assert client.responses.retrieve(RESPONSE_ID).output_text == "Hello!"
    assert client.responses.delete(RESPONSE_ID).deleted is True
    assert client.responses.cancel(RESPONSE_ID).status == "cancelled"
    page = client.responses.input_items.list(RESPONSE_ID, limit=5, order="asc")
    assert page.data[0].id == "msg_in"
    assert client.responses.input_tokens.count(model="gpt-4.1", input="hi").input_tokens == 11
    methods_paths = [(r.method, r.url.path) for r in recorder.requests]
    assert methods_paths == [
        ("GET", f"/v1/responses/{RESPONSE_ID}"),
        ("DELETE", f"/v1/responses/{RESPONSE_ID}"),
        ("POST", f"/v1/responses/{RESPONSE_ID}/cancel"),
        ("GET", f"/v1/responses/{RESPONSE_ID}/input_items"),
        ("POST", "/v1/responses/input_tokens"),
    ]
    assert recorder.requests[3].url.params["limit"] == "5"


def test_input_items_iter_follows_pages() -> None:
    def page(ids: list[str], more: bool) -> httpx2.Response:
        data = [{"id": i, "type": "message", "role": "user", "content": []} for i in ids]
        return json_reply(
            200, {"object": "list", "data": data, "first_id": ids[0], "last_id": ids[-1], "has_more": more}
        )

    recorder = Recorder(page(["a", "b"], True), page(["c"], False))
    client = make_client(recorder)
    assert [item.id for item in client.responses.input_items.iter(RESPONSE_ID, page_size=2)] == [
        "a",
        "b",
        "c",
    ]
    assert recorder.requests[1].url.params["after"] == "b"


def test_retrieve_stream_resumes_after_sequence_number() -> None:
    events = text_events(["Hi"])[3:]
    recorder = Recorder(sse_reply(sse(events)))
    client = make_client(recorder)
    stream = client.responses.retrieve(RESPONSE_ID, stream=True, starting_after=2)
    assert stream.get_final_response().output_text == "Hi"
    assert recorder.requests[0].url.params["stream"] == "true"
    assert recorder.requests[0].url.params["starting_after"] == "2"


def test_429_with_retry_after_is_retried_then_succeeds(fast_retries: list[float]) -> None:
    limited = json_reply(
        429,
        {
            "error": {
                "message": "Rate limit",
                "type": "requests",
                "code": "rate_limit_exceeded",
                "param": None,
            }
        },
        {"retry-after-ms": "1500"},
    )
    recorder = Recorder(limited, json_reply(200, completed()))
    client = make_client(recorder)
    assert client.responses.create(model="m", input="x").output_text == "Hello!"
    assert len(recorder.requests) == 2
    assert fast_retries == [1.5]


def test_5xx_exhausts_retries_then_raises(fast_retries: list[float]) -> None:
    recorder = Recorder(
        json_reply(
            503,
            {"error": {"message": "overloaded", "type": "server_error", "code": None, "param": None}},
            {"x-request-id": "req_42"},
        )
    )
    client = make_client(recorder, max_retries=3)
    with pytest.raises(exc.InternalServerError) as info:
        client.responses.create(model="m", input="x")
    assert len(recorder.requests) == 4
    assert len(fast_retries) == 3
    assert info.value.status == 503 and info.value.request_id == "req_42"


@pytest.mark.parametrize(
    ("status", "cls", "code"),
    [
        (400, exc.BadRequestError, "invalid_value"),
        (401, exc.AuthenticationError, "invalid_api_key"),
        (403, exc.PermissionDeniedError, None),
        (404, exc.NotFoundError, "previous_response_not_found"),
        (422, exc.UnprocessableEntityError, None),
        (429, exc.RateLimitError, "insufficient_quota"),
    ],
)
def test_status_errors_are_not_retried_and_carry_details(status: int, cls: type, code: str | None) -> None:
    body = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}.",
            "type": "invalid_request_error",
            "code": code,
            "param": "input",
        }
    }
    recorder = Recorder(json_reply(status, body, {"x-request-id": "req_7"}))
    client = make_client(recorder)
    with pytest.raises(cls) as info:
        client.responses.create(model="m", input="x")
    error = info.value
    assert len(recorder.requests) == 1
    assert (error.status, error.code, error.param, error.request_id) == (status, code, "input", "req_7")
    for text in (str(error), repr(error), json.dumps(error.body)):
        assert KEY not in text


def test_non_json_error_body() -> None:
    recorder = Recorder(httpx2.Response(404, text="<html>Not Found</html>"))
    with pytest.raises(exc.NotFoundError, match="Not Found"):
        make_client(recorder).responses.create(model="m", input="x")


FASTAPI_422 = {
    "detail": [
        {
            "type": "missing",
            "loc": ["body", "model"],
            "msg": "Field required",
            "input": {"input": "x" * 5000},
        },
        {
            "type": "string_type",
            "loc": ["body", "input", 0, "content"],
            "msg": "Input should be a valid string",
        },
    ]
}


@pytest.mark.parametrize(
    ("status", "body", "shown"),
    [
        (422, FASTAPI_422, "model: Field required; input.0.content: Input should be a valid string"),
        (400, {"detail": "Model 'qwen' is not loaded."}, "Model 'qwen' is not loaded."),
        (404, {"detail": {"message": "No such route"}}, "No such route"),
        (400, {"message": "context too long", "type": "BadRequestError", "code": 400}, "context too long"),
        (
            400,
            {"error": "Unexpected endpoint or method. (POST /v1/responses)"},
            "Unexpected endpoint or method.",
        ),
        (500, {"code": 500, "msg": "upstream failed"}, "upstream failed"),
        (422, {"detail": []}, "HTTP 422 Unprocessable"),  # nothing to say: the status says it
    ],
)
def test_error_bodies_of_local_servers_keep_their_message(status: int, body: object, shown: str) -> None:
    """FastAPI's (vLLM, llama-cpp-python, LM Studio), Ollama's and gateways' error bodies: the message shows."""
    recorder = Recorder(json_reply(status, body))
    with pytest.raises(exc.APIStatusError) as info:
        make_client(recorder, max_retries=0).responses.create(model="m", input="x")
    error = info.value
    assert error.status == status and error.message.startswith(shown)
    assert "\n" not in str(error) and len(error.message) <= exc.MESSAGE_LIMIT
    assert "xxxxx" not in str(error)  # the echoed input of a validation error is left out


def test_a_huge_or_multiline_error_message_is_one_line_and_cut() -> None:
    vllm = (
        "1 validation error for ResponsesRequest\nbody.model\n  Field required [type=missing]\n" + "y" * 9000
    )
    recorder = Recorder(json_reply(400, {"object": "error", "message": f"{vllm} {KEY}"}))
    with pytest.raises(exc.BadRequestError) as info:
        make_client(recorder).responses.create(model="m", input="x")
    message = info.value.message
    assert message.startswith(
        "1 validation error for ResponsesRequest body.model Field required [type=missing]"
    )
    assert message.endswith("…") and len(message) == exc.MESSAGE_LIMIT and "\n" not in message
    proxy = (
        "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" + "<p>x</p>\n" * 500 + "</body></html>"
    )
    with pytest.raises(exc.InternalServerError) as caught:
        make_client(Recorder(httpx2.Response(502, text=proxy)), max_retries=0).responses.create(
            model="m", input="x"
        )
    assert caught.value.message == "502 Bad Gateway"
    straddling = {
        "error": {"message": "z" * (exc.MESSAGE_LIMIT - 8) + KEY}
    }  # the cut falls where the key was
    with pytest.raises(exc.BadRequestError) as cut:
        make_client(Recorder(json_reply(400, straddling))).responses.create(model="m", input="x")
    assert "sk-" not in str(cut.value) and cut.value.message.endswith("[redact…")  # redacted before it is cut


def test_connection_errors_are_retried_then_raised(fast_retries: list[float]) -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    recorder = Recorder(refuse)
    with pytest.raises(exc.APIConnectionError, match="refused") as info:
        make_client(recorder, max_retries=2).responses.create(model="m", input="x")
    assert not isinstance(info.value, exc.APITimeoutError)
    assert info.value.connect_failed  # the server was never reached: a map stops on it (rowmap._engine)
    assert len(recorder.requests) == 3 and len(fast_retries) == 2


def test_timeouts_raise_api_timeout_error() -> None:
    def slow(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out", request=request)

    with pytest.raises(exc.APITimeoutError) as info:
        make_client(Recorder(slow), max_retries=0).responses.create(model="m", input="x")
    assert not info.value.connect_failed  # a slow answer, not an unreachable server


def test_a_connect_timeout_is_a_connection_that_could_not_be_opened() -> None:
    def unreachable(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectTimeout("timed out", request=request)

    with pytest.raises(exc.APITimeoutError) as info:
        make_client(Recorder(unreachable), max_retries=0).responses.create(model="m", input="x")
    assert info.value.connect_failed


def test_stream_is_never_retried_once_started() -> None:
    body = sse(text_events(["Hel", "lo"]))
    stream_body = RecordingStream([body[:400]], fail_with=httpx2.ReadError("connection reset"))
    recorder = Recorder(sse_reply(stream_body))
    client = make_client(recorder, max_retries=5)
    with pytest.raises(exc.StreamError), client.responses.stream(model="m", input="x") as stream:
        stream.get_final_response()
    assert len(recorder.requests) == 1
    assert stream_body.closed


def test_create_stream_true_and_stream_are_the_same() -> None:
    recorder = Recorder(sse_reply(sse(text_events(["Hel", "lo", "!"]))))
    client = make_client(recorder)
    stream = client.responses.create(model="m", input="x", stream=True)
    assert isinstance(stream, nbresponses.ResponseStream)
    types = [event.type for event in stream]
    assert types.count("response.output_text.delta") == 3
    assert stream.get_final_response().output_text == "Hello!"
    assert json.loads(recorder.requests[0].content)["stream"] is True
    assert recorder.requests[0].headers["accept"] == "text/event-stream"


def test_client_repr_hides_key() -> None:
    client = make_client(Recorder(json_reply(200, completed())))
    assert KEY not in repr(client) and "api_key=<set>" in repr(client)
    assert client.has_api_key and client.base_url == BASE


@pytest.mark.anyio
async def test_async_client_create_and_stream() -> None:
    replies = [json_reply(200, completed("Async!")), sse_reply(sse(text_events(["A", "B"])))]

    async def handler(request: httpx2.Request) -> httpx2.Response:
        return replies.pop(0)

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    async with nbresponses.AsyncClient(api_key=KEY, base_url=BASE, http_client=http) as client:
        response = await client.responses.create(model="m", input="x")
        assert response.output_text == "Async!"
        async with await client.responses.stream(model="m", input="x") as stream:
            deltas = [event.delta async for event in stream if event.type == "response.output_text.delta"]
            assert deltas == ["A", "B"]
            assert (await stream.get_final_response()).output_text == "AB"


def test_a_key_the_server_echoes_is_redacted_from_bodies_and_request_ids() -> None:
    recorder = Recorder(
        json_reply(200, completed(f"Your key: {KEY}"), headers={"x-request-id": KEY}),
        json_reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_api_key"}},
                   headers={"x-request-id": f"req-{KEY}"}),
    )  # fmt: skip
    client = make_client(recorder, max_retries=0)
    assert client.responses.create(model="m", input="x").output_text == "Your key: [redacted]"
    with pytest.raises(exc.AuthenticationError) as info:
        client.responses.create(model="m", input="x")
    shown = f"{info.value} {info.value!r} {info.value.body} {info.value.request_id}"
    assert KEY not in shown and "req-[redacted]" in shown


def test_text_utf8_cannot_carry_is_sent_with_replacement_characters() -> None:
    recorder = Recorder(json_reply(200, completed()))
    make_client(recorder).responses.create(model="m", input="a\ud800b", instructions="c\udce9")
    assert recorder.bodies() == [{"model": "m", "input": "a\ufffdb", "instructions": "c\ufffd"}]


@pytest.mark.anyio
async def test_async_stream_as_in_the_openai_sdk_and_awaited_as_before() -> None:
    """``async with client.responses.stream(...)`` without ``await`` (the SDK's form), against a loopback server."""
    from nbresponses.offline import OfflineServer, create_app
    from tests.loopback import serve

    with serve(create_app(OfflineServer())) as url:
        async with nbresponses.AsyncClient(api_key="any", base_url=url) as client:
            async with client.responses.stream(model="offline-1", input="Say hi") as stream:
                kinds = [event.type async for event in stream]
                final = await stream.get_final_response()
            assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
            assert "Say hi" in final.output_text
            stream = await client.responses.stream(model="offline-1", input="Again")  # the awaitable form
            async with stream:
                assert "Again" in (await stream.get_final_response()).output_text
            manager = client.responses.stream(model="offline-1", input="never sent")
            del (
                manager
            )  # nothing was sent, and no "coroutine was never awaited" warning (warnings are errors)
            with pytest.raises(exc.InvalidParamsError):
                client.responses.stream(model="offline-1", input="x", temperature="hot")  # checked at once
