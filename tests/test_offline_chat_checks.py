"""Tests of nbresponses.offline._chat_checks: what the offline chat endpoint refuses, in OpenAI's error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from nbresponses.offline import OfflineServer
from nbresponses.offline._chat_checks import check_chat

USER = {"role": "user", "content": "Hello"}
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}


def body(**fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", "messages": [USER], **fields}


@pytest.mark.parametrize(
    ("payload", "code", "param", "message"),
    [
        ([1, 2], None, None, "must be a JSON object"),
        ({"messages": [USER]}, None, None, "you must provide a model parameter"),
        ({"model": "gpt-4.1"}, "missing_required_parameter", "messages", "Missing required parameter: 'messages'."),
        ({"model": "m", "messages": "hi"}, "invalid_type", "messages", "expected an array, but got a string"),
        ({"model": "m", "messages": []}, "empty_array", "messages", "empty array"),
        (body(messages=["hi"]), "invalid_type", "messages[0]", "expected an object"),
        (body(messages=[{"content": "x"}]), "missing_required_parameter", "messages[0].role", "'messages[0].role'"),
        (body(messages=[{"role": "bot", "content": "x"}]), "invalid_value", "messages[0].role",
         "Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and "
         "'developer'."),
        (body(messages=[{"role": "user"}]), "missing_required_parameter", "messages[0].content", "content"),
        (body(messages=[{"role": "user", "content": [{"type": "video"}]}]), "invalid_value",
         "messages[0].content[0].type", "Invalid value: 'video'"),
        (body(messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]),
         "missing_required_parameter", "messages[0].content[0].image_url.url", "image_url.url"),
        (body(messages=[USER, {"role": "tool", "content": "x"}]), "missing_required_parameter",
         "messages[1].tool_call_id", "tool_call_id"),
        (body(messages=[USER, {"role": "tool", "tool_call_id": "call_1", "content": "x"}]), None,
         "messages.[1].role", "messages with role 'tool' must be a response to a preceeding message with 'tool_calls'"),
        (body(messages=[USER, {"role": "assistant", "content": None, "tool_calls": [CALL]}, USER], tools=[TOOL]),
         None, "messages.[1].role", "The following tool_call_ids did not have response messages: call_1"),
        (body(messages=[USER, {"role": "assistant", "content": None, "tool_calls": [CALL]}]), None,
         "messages.[1].role", "did not have response messages"),
        (body(temperature=3), "decimal_above_max_value", "temperature", "Expected a value <= 2, but got 3"),
        (body(top_p="high"), "invalid_type", "top_p", "expected a decimal"),
        (body(n=0), "integer_below_min_value", "n", "Expected a value >= 1"),
        (body(max_tokens=0), "integer_below_min_value", "max_tokens", "Expected a value >= 1"),
        (body(max_completion_tokens=2.5), "invalid_type", "max_completion_tokens", "expected an integer"),
        (body(reasoning_effort="extreme"), "invalid_value", "reasoning_effort", "'extreme'"),
        (body(stream_options={"include_usage": True}), None, "stream_options",
         "The 'stream_options' parameter is only allowed when 'stream' is enabled."),
        (body(tool_choice="auto"), None, "tool_choice", "'tool_choice' is only allowed when 'tools' are specified"),
        (body(parallel_tool_calls=False), None, "parallel_tool_calls", "only allowed when 'tools' are specified"),
        (body(tools={"a": 1}), "invalid_type", "tools", "expected an array"),
        (body(tools=[{"type": "web_search"}]), "invalid_value", "tools[0].type", "'web_search'"),
        (body(tools=[{"type": "function"}]), "missing_required_parameter", "tools[0].function", "'tools[0].function'"),
        (body(tools=[{"type": "function", "function": {}}]), "missing_required_parameter", "tools[0].function.name",
         "'tools[0].function.name'"),
        (body(tools=[{"type": "function", "function": {"name": "get weather"}}]), "invalid_value",
         "tools[0].function.name", "does not match pattern"),
        (body(tools=[TOOL], tool_choice="sometimes"), "invalid_value", "tool_choice", "'none', 'auto', and 'required'"),
        (body(tools=[TOOL], tool_choice={"type": "function", "function": {"name": "other"}}), "invalid_value",
         "tool_choice", "no function named 'other'"),
        (body(response_format={"type": "yaml"}), "invalid_value", "response_format.type", "'yaml'"),
        (body(response_format={"type": "json_schema"}), "missing_required_parameter", "response_format.json_schema",
         "'response_format.json_schema'"),
        (body(response_format={"type": "json_schema", "json_schema": {"schema": {}}}), "missing_required_parameter",
         "response_format.json_schema.name", "'response_format.json_schema.name'"),
        (body(response_format={"type": "json_object"}), None, "messages",
         "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."),
    ],
)  # fmt: skip
def test_refused_with_openais_error(payload: Any, code: str | None, param: str | None, message: str) -> None:
    error = check_chat(payload)
    assert error is not None and error.status == 400 and error.type == "invalid_request_error"
    assert (error.code, error.param) == (code, param) and message in error.message


@pytest.mark.parametrize(
    "payload",
    [
        body(),
        body(tool_choice="none"),  # what the bridge sends to close a tool loop, with or without tools
        body(messages=[{"role": "developer", "content": "Be brief."}, USER,
                       {"role": "assistant", "content": None, "tool_calls": [CALL]},
                       {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}], tools=[TOOL],
             tool_choice={"type": "function", "function": {"name": "get_weather"}}, parallel_tool_calls=False),
        body(messages=[{"role": "user", "content": "Answer in JSON."}], response_format={"type": "json_object"}),
        body(stream=True, stream_options={"include_usage": True}, n=2, temperature=0, max_tokens=5,
             reasoning_effort="low"),
        body(messages=[{"role": "user", "content": [{"type": "text", "text": "see"},
                                                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
                                                    {"type": "file", "file": {"filename": "a.txt", "file_data": "x"}}]}]),
    ],
)  # fmt: skip
def test_accepted(payload: dict[str, Any]) -> None:
    assert check_chat(payload) is None


def test_the_endpoint_answers_a_refusal_with_the_error_body() -> None:
    reply = OfflineServer().handle("POST", "/v1/chat/completions", {}, json.dumps({"model": "m"}).encode())
    assert reply.status == 400
    assert json.loads(reply.body) == {"error": {"message": "Missing required parameter: 'messages'.",
                                                "type": "invalid_request_error", "param": "messages",
                                                "code": "missing_required_parameter"}}  # fmt: skip
    broken = OfflineServer().handle("POST", "/v1/chat/completions", {}, b"{not json")
    assert broken.status == 400 and "parse the JSON body" in json.loads(broken.body)["error"]["message"]
