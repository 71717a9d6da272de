"""The offline server refuses what the real API refuses, with OpenAI's error bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nbresponses.offline import OfflineServer
from nbresponses.testing import offline_client


def _error(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    reply = OfflineServer().handle("POST", "/v1/responses", {}, json.dumps(body).encode())
    return reply.status, json.loads(reply.body).get("error") or {}


@pytest.mark.parametrize(
    ("tool", "param"),
    [
        ({"type": "file_search"}, "tools[0].vector_store_ids"),
        ({"type": "file_search", "vector_store_ids": []}, "tools[0].vector_store_ids"),
        ({"type": "code_interpreter"}, "tools[0].container"),
        ({"type": "function", "parameters": {}}, "tools[0].name"),
        ({"type": "mcp", "server_url": "https://x.invalid"}, "tools[0].server_label"),
    ],
)
def test_tools_missing_what_they_need(tool: dict[str, Any], param: str) -> None:
    status, error = _error({"model": "m", "input": "x", "tools": [tool]})
    assert status == 400
    assert error == {"message": f"Missing required parameter: '{param}'.", "type": "invalid_request_error",
                     "param": param, "code": "missing_required_parameter"}  # fmt: skip


def test_temperature_out_of_range_reads_like_the_recorded_error() -> None:
    status, error = _error({"model": "m", "input": "x", "temperature": -1})
    assert status == 400 and error["code"] == "decimal_below_min_value"
    assert (
        error["message"]
        == "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -1 instead."
    )
    assert _error({"model": "m", "input": "x", "top_p": 2})[1]["code"] == "decimal_above_max_value"


def test_tool_outputs_must_match_calls_and_calls_need_outputs() -> None:
    server = OfflineServer()
    client = offline_client(server)
    status, error = _error(
        {"model": "m", "input": [{"type": "function_call_output", "call_id": "call_x", "output": "1"}]}
    )
    assert (
        status == 400
        and error["message"] == "No tool call found for function call output with call_id call_x."
    )
    assert error["param"] == "input" and error["code"] is None
    tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    called = client.responses.create(model="m", input="use get_weather", tools=[tool])
    call_id = called.function_calls[0].call_id
    reply = server.handle("POST", "/v1/responses", {}, json.dumps(
        {"model": "m", "previous_response_id": called.id, "input": "never mind"}).encode())  # fmt: skip
    assert reply.status == 400
    assert json.loads(reply.body)["error"]["message"] == f"No tool output found for function call {call_id}."


def test_background_needs_store_and_conversation_excludes_previous_response_id() -> None:
    assert (
        _error({"model": "m", "input": "x", "background": True, "store": False})[1]["param"] == "background"
    )
    status, error = _error(
        {"model": "m", "input": "x", "conversation": "conv_1", "previous_response_id": "resp_1"}
    )
    assert status == 400 and error["code"] == "mutually_exclusive_parameters"


def test_unknown_routes_and_bad_json() -> None:
    server = OfflineServer()
    assert server.handle("GET", "/v1/nothing", {}, b"").status == 404
    assert server.handle("POST", "/v1/responses", {}, b"{oops").status == 400


def test_routes_can_be_added() -> None:
    from nbresponses.offline import OfflineReply

    server = OfflineServer()
    server.add_route(
        "GET",
        "vector_stores/{store_id}",  # (files/... is served by the Files API now)
        lambda params, query, body: OfflineReply(200, body=params["store_id"].encode()),
    )
    assert server.handle("GET", "/openai/v1/vector_stores/vs_1", {}, b"").body == b"vs_1"
