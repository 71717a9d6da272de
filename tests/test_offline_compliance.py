"""The Open Responses compliance runner's 17 tests, reproduced in pytest against ``python -m nbresponses.offline``.

Request bodies and checks come from ``../shared/reference/openresponses/compliance-tests.json`` (a transcription
of the runner's ``src/lib/compliance-tests.ts``), schemas from the spec's ``openapi-2026-04-24.json``, and the
WebSocket rules from its "WebSocket Transport" section. The server runs as its own process on a free loopback
port; HTTP goes through httpx2, the WebSocket through the ``websockets`` client, as the runner's would.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from websockets.sync.client import ClientConnection, connect

from nbresponses._sse import iter_sse
from tests.offline_process import offline_process
from tests.spec_schemas import COMPLIANCE_TESTS, errors, event_errors, require

MODEL = "gpt-4o-mini"  # the runner's default --model
TERMINAL = ("response.completed", "response.failed", "response.incomplete")
HTTP_IDS = ["basic-response", "assistant-phase", "response-output-phase-schema", "streaming-response",
            "system-prompt", "tool-calling", "image-input", "multi-turn", "compact-response",
            "compact-missing-model"]  # fmt: skip
WEBSOCKET_IDS = ["websocket-response", "websocket-sequential-responses", "websocket-continuation",
                 "websocket-reconnect-store-false-recovery", "websocket-previous-response-not-found",
                 "websocket-failed-continuation-evicts-cache", "websocket-compact-new-chain"]  # fmt: skip


def _cases() -> dict[str, dict[str, Any]]:
    require(COMPLIANCE_TESTS)
    return {case["id"]: case for case in json.loads(COMPLIANCE_TESTS.read_text(encoding="utf-8"))["tests"]}


def _body(case: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(case["request"]).replace("<model>", MODEL).replace("<timestamp>", str(int(time.time())))
    body: dict[str, Any] = json.loads(text)
    return body


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with offline_process("--db", ":memory:") as url:
        yield url


@pytest.fixture(scope="module")
def http(base_url: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(
        base_url=base_url, headers={"Authorization": "Bearer sk-compliance"}, timeout=30
    ) as client:
        yield client


def test_the_transcription_has_all_seventeen() -> None:
    cases = _cases()
    assert sorted(cases) == sorted(HTTP_IDS + WEBSOCKET_IDS) and len(cases) == 17


# ----- the 10 HTTP tests -----


def _assert_response(data: dict[str, Any], case_id: str) -> None:
    assert errors("ResponseResource", data, "openresponses") == [], case_id
    assert data["output"], case_id
    assert data["status"] == "completed", case_id


@pytest.mark.parametrize("case_id", [i for i in HTTP_IDS if i not in ("response-output-phase-schema",
                                                                      "streaming-response")])  # fmt: skip
def test_http(case_id: str, http: httpx2.Client) -> None:
    case = _cases()[case_id]
    reply = http.post(case["endpoint"], json=_body(case))
    assert reply.status_code in case["expected_statuses"], (case_id, reply.text[:300])
    if reply.status_code != 200:
        return
    data = reply.json()
    if case["endpoint"].endswith("/compact"):
        assert errors("CompactResource", data, "openresponses") == []
        assert data["object"] == "response.compaction" and data["output"]
        assert any(item["type"] == "compaction" for item in data["output"])
        return
    _assert_response(data, case_id)
    if case_id == "tool-calling":
        assert any(item["type"] == "function_call" for item in data["output"])


def test_http_streaming_response(http: httpx2.Client) -> None:
    case = _cases()["streaming-response"]
    with http.stream("POST", case["endpoint"], json={**_body(case), "stream": True}) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(m.data) for m in iter_sse(reply.iter_bytes()) if m.data != b"[DONE]"]
    assert events
    for event in events:
        assert event_errors(event, "openresponses") == [], event["type"]
    terminal = [e for e in events if e["type"] in TERMINAL]
    assert len(terminal) == 1 and terminal[0] is events[-1]
    _assert_response(terminal[0]["response"], case["id"])


def test_response_output_phase_schema(http: httpx2.Client) -> None:
    # The runner's local fixture: a ResponseResource with commentary and final-answer messages validates.
    base = http.post("/responses", json={"model": MODEL, "input": "Two phases."}).json()
    message = base["output"][-1]
    mock = {**base, "output": [
        {**message, "id": "msg_commentary", "phase": "commentary"},
        {**message, "id": "msg_final", "phase": "final_answer"},
    ]}  # fmt: skip
    assert errors("ResponseResource", mock, "openresponses") == []


# ----- the 7 WebSocket tests -----


def _ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://") + "/responses"


@pytest.fixture
def socket_factory(base_url: str) -> Iterator[Any]:
    with contextlib.ExitStack() as stack:

        def open_socket() -> ClientConnection:
            headers = {"Authorization": "Bearer sk-compliance"}
            return stack.enter_context(connect(_ws_url(base_url), additional_headers=headers))

        yield open_socket


def _turn(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    """Send one response.create; validate every server message; return the terminal event or the error."""
    assert errors("WebSocketResponseCreateEvent", message, "openresponses") == []
    ws.send(json.dumps(message))
    while True:
        event = json.loads(ws.recv(timeout=30))
        if event.get("type") == "error" and "status" in event:
            assert errors("WebSocketErrorEvent", event, "openresponses") == []
            return event
        assert event_errors(event, "openresponses") == [], event["type"]
        if event["type"] in TERMINAL:
            assert errors("ResponseResource", event["response"], "openresponses") == []
            return event


def _completed(event: dict[str, Any]) -> dict[str, Any]:
    assert event["type"] == "response.completed", event
    response: dict[str, Any] = event["response"]
    assert response["status"] == "completed"
    return response


def test_websocket_response(socket_factory: Any) -> None:
    _completed(_turn(socket_factory(), {"type": "response.create", **_body(_cases()["websocket-response"])}))


def test_websocket_sequential_responses(socket_factory: Any) -> None:
    ws = socket_factory()
    first = _body(_cases()["websocket-sequential-responses"])
    ids = [_completed(_turn(ws, {"type": "response.create", **first, "input": f"Reply with exactly: {word}"}))["id"]
           for word in ("first", "second", "third")]  # fmt: skip
    assert len(set(ids)) == 3


def test_websocket_continuation(socket_factory: Any) -> None:
    ws = socket_factory()
    body = _body(_cases()["websocket-continuation"])
    first = _completed(_turn(ws, {"type": "response.create", **body}))
    second = _completed(_turn(ws, {"type": "response.create", "model": MODEL, "store": False,
                                   "previous_response_id": first["id"],
                                   "input": "What is the code word? Reply with only the code word."}))  # fmt: skip
    assert "cobalt" in second["output"][-1]["content"][0]["text"].lower()


def test_websocket_reconnect_store_false_recovery(socket_factory: Any) -> None:
    body = _body(_cases()["websocket-reconnect-store-false-recovery"])
    first = _completed(_turn(socket_factory(), {"type": "response.create", **body}))
    again = socket_factory()
    failed = _turn(again, {"type": "response.create", "model": MODEL, "store": False,
                           "previous_response_id": first["id"], "input": "What is the code word?"})  # fmt: skip
    assert failed["type"] == "error" and failed["error"]["code"] == "previous_response_not_found"
    recovered = _turn(again, {"type": "response.create", "model": MODEL, "store": False, "input": [
        {"type": "message", "role": "user", "content": body["input"]},
        {"type": "message", "role": "user", "content": "What is the code word?"},
    ]})  # fmt: skip
    assert "copper" in _completed(recovered)["output"][-1]["content"][0]["text"].lower()


def test_websocket_previous_response_not_found(socket_factory: Any) -> None:
    event = _turn(socket_factory(), {"type": "response.create",
                                     **_body(_cases()["websocket-previous-response-not-found"])})  # fmt: skip
    assert event["type"] == "error" and event["status"] == 400
    assert event["error"]["code"] == "previous_response_not_found"


def test_websocket_failed_continuation_evicts_cache(socket_factory: Any) -> None:
    ws = socket_factory()
    first = _completed(_turn(ws, {"type": "response.create",
                                  **_body(_cases()["websocket-failed-continuation-evicts-cache"])}))  # fmt: skip
    orphan = [{"type": "function_call_output", "call_id": "call_openresponses_missing", "output": "{}"}]
    failed = _turn(ws, {"type": "response.create", "model": MODEL, "store": False,
                        "previous_response_id": first["id"], "input": orphan})  # fmt: skip
    assert failed["type"] == "error" and 400 <= failed["status"] < 600
    evicted = _turn(ws, {"type": "response.create", "model": MODEL, "store": False,
                         "previous_response_id": first["id"], "input": "What is the code word?"})  # fmt: skip
    assert evicted["type"] == "error" and evicted["error"]["code"] == "previous_response_not_found"


def test_websocket_compact_new_chain(socket_factory: Any, http: httpx2.Client) -> None:
    ws = socket_factory()
    seed = _completed(_turn(ws, {"type": "response.create",
                                 **_body(_cases()["websocket-compact-new-chain"])}))  # fmt: skip
    compacted = http.post("/responses/compact", json={"model": MODEL, "input": [
        {"type": "message", "role": "user", "content": "The launch is on Tuesday."},
        {"type": "message", "role": "assistant", "content": "Noted: Tuesday."},
    ]}).json()  # fmt: skip
    assert compacted["object"] == "response.compaction"
    turn = _turn(ws, {"type": "response.create", "model": MODEL, "store": False, "previous_response_id": None,
                      "input": [*compacted["output"], {"type": "message", "role": "user",
                                                       "content": "When is the launch?"}]})  # fmt: skip
    answer = _completed(turn)
    assert answer["id"] != seed["id"] and "tuesday" in answer["output"][-1]["content"][0]["text"].lower()


def test_websocket_forbidden_fields_and_connection_limit() -> None:
    # Beyond the runner: stream/background are refused, and an old connection gets websocket_connection_limit_reached.
    with offline_process("--db", ":memory:", "--websocket-limit", "0.5") as url:
        with connect(_ws_url(url)) as ws:
            ws.send(json.dumps({"type": "response.create", "model": MODEL, "input": "x", "stream": True}))
            refused = json.loads(ws.recv(timeout=30))
            assert refused["type"] == "error" and refused["error"]["param"] == "stream"
            limit = json.loads(ws.recv(timeout=30))  # sent when the limit passes, the connection idle
            assert limit["type"] == "error" and limit["error"]["code"] == "websocket_connection_limit_reached"
            assert errors("WebSocketErrorEvent", limit, "openresponses") == []
