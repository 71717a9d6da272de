"""Everything the offline server emits validates against the OpenAI spec, and it passes the Open Responses
HTTP compliance tests (../shared/reference; skipped outside CI when absent, failing under CI=true)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nbresponses import testing
from nbresponses._sse import iter_sse
from nbresponses.offline import OfflineServer, default_model
from tests.spec_schemas import COMPLIANCE_TESTS, errors, event_errors, require

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "strict": False,
}
SCHEMA_FORMAT = {
    "type": "json_schema",
    "name": "person",
    "strict": True,
    "schema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"],
               "additionalProperties": False},
}  # fmt: skip

REQUESTS: list[dict[str, Any]] = [
    {"model": "gpt-4.1", "input": "Hello"},
    {"model": "gpt-4.1", "input": "Use get_weather for Paris", "tools": [WEATHER]},
    {"model": "o4-mini", "input": "Think", "reasoning": {"effort": "low", "summary": "detailed"}},
    {"model": "gpt-4.1", "input": "Name someone", "text": {"format": SCHEMA_FORMAT}},
    {"model": "gpt-4.1", "input": "long " * 50, "max_output_tokens": 8},
    {"model": "gpt-4.1", "input": "scripted hosted tools"},
    {"model": "gpt-4.1", "input": "scripted failure"},
    # the offline model's own hosted tool calls (the script is used up by now)
    {
        "model": "gpt-4.1",
        "input": "Search the web for news",
        "tools": [{"type": "web_search"}],
        "include": ["web_search_call.action.sources"],
    },
    {
        "model": "gpt-4.1",
        "input": "What do the documents say?",
        "include": ["file_search_call.results"],
        "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}],
    },
    {
        "model": "gpt-4.1",
        "input": "Calculate 2 ** 10",
        "include": ["code_interpreter_call.outputs"],
        "tools": [{"type": "code_interpreter", "container": {"type": "auto"}}],
    },
    {
        "model": "gpt-4.1",
        "input": "Draw an image of a fox",
        "tools": [{"type": "image_generation", "partial_images": 2}],
    },
    {"model": "gpt-4.1", "input": "Weather in Paris and Rome?", "tools": [WEATHER]},
]


def _backend() -> testing.OfflineBackend:
    hosted = testing.reply(
        testing.reasoning("Looking things up."),
        testing.web_search("nbresponses", sources=("https://example.org",)),
        testing.file_search(
            "notes", results=[{"file_id": "file_1", "filename": "a.txt", "score": 0.9, "text": "hi"}]
        ),
        testing.code_interpreter("print(6 * 7)", logs="42\n"),
        testing.image_generation(),
        testing.mcp_call("docs", "search", {"q": "x"}, output="found"),
        testing.refusal("I can't help with that."),
        testing.text("Done."),
    )
    return testing.OfflineBackend().script(
        [default_model] * 5 + [hosted, testing.failed("server_error", "boom")]
    )


def _stream_events(server: OfflineServer, body: dict[str, Any]) -> list[dict[str, Any]]:
    reply = server.handle("POST", "/v1/responses", {}, json.dumps({**body, "stream": True}).encode())
    assert reply.chunks is not None
    return [json.loads(m.data) for m in iter_sse(c for c in reply.chunks if isinstance(c, bytes))]


def test_every_emitted_event_and_response_validates() -> None:
    backend = _backend()
    seen: set[str] = set()
    for body in REQUESTS:
        events = _stream_events(backend.server, body)
        for event in events:
            seen.add(event["type"])
            assert event_errors(event) == [], (body["input"], event["type"])
        terminal = events[-1]["response"]
        assert errors("Response", terminal) == [], body["input"]
    assert {"response.function_call_arguments.done", "response.reasoning_summary_text.delta",
            "response.web_search_call.completed", "response.code_interpreter_call_code.delta",
            "response.image_generation_call.partial_image", "response.mcp_call.completed", "response.refusal.done",
            "response.incomplete", "response.failed", "error", "response.output_text.annotation.added",
            "response.file_search_call.searching", "response.code_interpreter_call.interpreting"} <= seen  # fmt: skip


def test_non_stream_bodies_validate() -> None:
    server = OfflineServer()
    reply = server.handle("POST", "/v1/responses", {}, json.dumps(REQUESTS[1]).encode())
    response = json.loads(reply.body)
    assert errors("Response", response) == []
    listing = server.handle("GET", f"/v1/responses/{response['id']}/input_items", {}, b"")
    assert errors("ResponseItemList", json.loads(listing.body)) == []
    compact = server.handle("POST", "/v1/responses/compact", {}, json.dumps(REQUESTS[0]).encode())
    assert errors("CompactResource", json.loads(compact.body)) == []
    counted = server.handle("POST", "/v1/responses/input_tokens", {}, json.dumps(REQUESTS[0]).encode())
    assert errors("TokenCountsResource", json.loads(counted.body)) == []
    missing = server.handle("GET", "/v1/responses/resp_nope", {}, b"")
    assert missing.status == 404 and errors("ErrorResponse", json.loads(missing.body)) == []


def _compliance_cases() -> list[dict[str, Any]]:
    require(COMPLIANCE_TESTS)
    cases = json.loads(COMPLIANCE_TESTS.read_text(encoding="utf-8"))["tests"]
    return [case for case in cases if case.get("transport") == "http"]


def _substitute(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("<model>", "gpt-4.1")
    if isinstance(value, list):
        return [_substitute(v) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v) for k, v in value.items()}
    return value


def test_open_responses_http_compliance() -> None:
    cases = _compliance_cases()
    assert len(cases) >= 9
    for case in cases:
        server = OfflineServer()
        body = _substitute(case["request"])
        if case.get("streaming"):
            events = _stream_events(server, body)
            assert events, case["id"]
            for event in events:
                assert event_errors(event, "openresponses") == [], (case["id"], event["type"])
            terminal = events[-1]
            assert terminal["type"] in ("response.completed", "response.failed", "response.incomplete")
            assert errors("ResponseResource", terminal["response"], "openresponses") == [], case["id"]
            assert terminal["response"]["status"] == "completed"
            continue
        reply = server.handle("POST", "/v1" + case["endpoint"], {}, json.dumps(body).encode())
        assert reply.status in case["expected_statuses"], case["id"]
        if reply.status != 200:
            continue
        data = json.loads(reply.body)
        checks = " ".join(case["checks"])
        schema = "CompactResource" if "CompactResource" in checks else "ResponseResource"
        assert errors(schema, data, "openresponses") == [], case["id"]
        assert data["output"], case["id"]
        if schema == "ResponseResource":
            assert data["status"] == "completed", case["id"]
        if "function_call" in checks:
            assert any(item["type"] == "function_call" for item in data["output"]), case["id"]
        if "compaction" in checks:
            assert data["object"] == "response.compaction"
            assert any(item["type"] == "compaction" for item in data["output"]), case["id"]


@pytest.mark.parametrize("which", ["openai", "openresponses"])
def test_validators_reject_a_broken_event(which: str) -> None:
    broken = {
        "type": "response.output_text.delta",
        "item_id": "msg_1",
        "output_index": "zero",
        "sequence_number": 1,
    }
    assert event_errors(broken, which) != []
