"""WebSocket mode of the offline server, in process: one response at a time, connection-local state, errors."""

from __future__ import annotations

import json
from typing import Any

from nbresponses import testing
from nbresponses.offline import OfflineServer, Stall, WebSocketSession


def _turn(session: WebSocketSession, **body: Any) -> list[dict[str, Any]]:
    sent = [
        m for m in session.handle(json.dumps({"type": "response.create", **body})) if not isinstance(m, Stall)
    ]
    return [m if isinstance(m, dict) else json.loads(m) for m in sent]


def test_events_are_the_sse_events() -> None:
    server = OfflineServer()
    over_socket = _turn(WebSocketSession(server), model="m", input="Hello")
    reply = OfflineServer().handle("POST", "/v1/responses", {}, json.dumps({"model": "m", "input": "Hello",
                                                                         "stream": True}).encode())  # fmt: skip
    assert reply.chunks is not None
    over_http = [json.loads(c.split(b"data: ", 1)[1]) for c in reply.chunks if isinstance(c, bytes)]
    assert [e["type"] for e in over_socket] == [e["type"] for e in over_http]
    assert [e["sequence_number"] for e in over_socket] == list(range(len(over_socket)))


def test_store_false_continues_on_the_same_connection_only() -> None:
    server = OfflineServer()
    session = WebSocketSession(server)
    first = _turn(session, model="m", store=False, input="My name is Ada.")[-1]["response"]
    second = _turn(
        session, model="m", store=False, previous_response_id=first["id"], input="What is my name?"
    )
    assert "Your name is Ada" in second[-1]["response"]["output"][0]["content"][0]["text"]
    assert server.state.count() == 0  # nothing written
    other = _turn(
        WebSocketSession(server), model="m", store=False, previous_response_id=first["id"], input="x"
    )
    assert other == [{"type": "error", "status": 400, "error": {
        "type": "invalid_request_error", "code": "previous_response_not_found",
        "message": f"Response with id '{first['id']}' not found.", "param": "previous_response_id"}}]  # fmt: skip


def test_only_the_most_recent_response_is_kept_on_the_connection() -> None:
    session = WebSocketSession(OfflineServer())
    one = _turn(session, model="m", store=False, input="one")[-1]["response"]["id"]
    _turn(session, model="m", store=False, input="two")
    older = _turn(session, model="m", store=False, previous_response_id=one, input="three")
    assert older[0]["error"]["code"] == "previous_response_not_found"


def test_stored_responses_continue_from_any_connection() -> None:
    server = OfflineServer()
    first = _turn(WebSocketSession(server), model="m", input="My name is Grace.")[-1]["response"]["id"]
    answer = _turn(WebSocketSession(server), model="m", previous_response_id=first, input="What is my name?")
    assert "Grace" in answer[-1]["response"]["output"][0]["content"][0]["text"]


def test_a_failed_continuation_evicts_what_it_continued() -> None:
    backend = testing.OfflineBackend().script([testing.text("ok"), testing.failed("server_error", "boom")])
    session = WebSocketSession(backend.server)
    first = _turn(session, model="m", store=False, input="hi")[-1]["response"]["id"]
    failed = _turn(session, model="m", store=False, previous_response_id=first, input="again")
    assert failed[-1]["type"] == "response.failed"
    evicted = _turn(session, model="m", store=False, previous_response_id=first, input="once more")
    assert evicted[0]["error"]["code"] == "previous_response_not_found"


def test_forbidden_fields_bad_json_and_wrong_type_are_error_envelopes() -> None:
    session = WebSocketSession(OfflineServer())
    for field in ("stream", "stream_options", "background"):
        (error,) = _turn(session, model="m", input="x", **{field: True})
        assert error["status"] == 400 and error["error"]["param"] == field
    assert json.loads(json.dumps(next(iter(session.handle("{not json")))))["error"]["code"] == "invalid_json"
    (wrong,) = [m for m in session.handle(json.dumps({"type": "session.update"})) if isinstance(m, dict)]
    assert wrong["error"]["param"] == "type"


def test_the_connection_limit_is_an_error_envelope() -> None:
    now = [0.0]
    session = WebSocketSession(OfflineServer(), limit_seconds=60, clock=lambda: now[0])
    assert _turn(session, model="m", input="x")[-1]["type"] == "response.completed"
    now[0] = 61.0
    (error,) = _turn(session, model="m", input="x")
    assert error["error"]["code"] == "websocket_connection_limit_reached" and session.remaining() < 0


def test_connections_are_counted_and_journaled() -> None:
    server = OfflineServer()
    session = WebSocketSession(server)
    _turn(session, model="m", input="counted")
    WebSocketSession(server)
    assert server.websocket_connections == 2
    assert server.journal[-1] == {"method": "WS", "path": "/v1/responses", "query": {},
                                  "body": {"model": "m", "input": "counted"}}  # fmt: skip


def test_pacing_waits_before_each_delta() -> None:
    session = WebSocketSession(OfflineServer(pace=20))
    sent = list(
        session.handle(json.dumps({"type": "response.create", "model": "m", "input": "one two three"}))
    )
    stalls = [m for m in sent if isinstance(m, Stall)]
    deltas = [m for m in sent if isinstance(m, dict) and m["type"].endswith(".delta")]
    assert stalls and len(stalls) == len(deltas) and all(s.seconds == 0.05 for s in stalls)


def test_pace_comes_from_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("NBRESPONSES_OFFLINE_PACE", "8")
    assert OfflineServer().pace == 8.0
    monkeypatch.setenv("NBRESPONSES_OFFLINE_PACE", "fast")
    assert OfflineServer().pace == 0.0
    reply = OfflineServer(pace=10).handle(
        "POST", "/v1/responses", {}, b'{"model": "m", "input": "a b", "stream": true}'
    )
    assert reply.chunks is not None
    assert any(isinstance(c, Stall) and c.seconds == 0.1 for c in reply.chunks)


def test_malformed_or_too_deep_messages_are_a_400_error_event() -> None:
    session = WebSocketSession(OfflineServer())
    for text, message in [
        ("{not json", "We could not parse the JSON body of your request."),
        ("[" * 100_000 + "]" * 100_000, "The JSON body nests deeper than 64 levels."),
    ]:
        (error,) = list(session.handle(text))  # an envelope (a dict)
        assert error["type"] == "error" and error["status"] == 400
        assert error["error"]["message"] == message and error["error"]["code"] == "invalid_json"
