"""Tests of nbresponses.types.request: parameter validation, pass-through and tool normalisation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nbresponses.types.request import (
    FunctionToolParam,
    InputTokensParams,
    ResponseCreateParams,
    UnknownToolParam,
    normalize_tool,
    normalize_tool_choice,
)
from tests.recordings import load_recordings, require_recordings

SEED_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def dump(params: ResponseCreateParams | InputTokensParams) -> dict[str, object]:
    return params.model_dump(mode="json", exclude_unset=True, by_alias=True)


def test_chat_completions_function_tool_is_flattened() -> None:
    flat = normalize_tool(SEED_TOOL)
    assert flat == {"type": "function", **SEED_TOOL["function"]}  # type: ignore[dict-item]
    params = ResponseCreateParams.model_validate({"model": "gpt-4.1", "tools": [SEED_TOOL]})
    assert isinstance(params.tools[0], FunctionToolParam)  # type: ignore[index]
    assert dump(params)["tools"] == [flat]


def test_flat_tools_and_hosted_tools_are_unchanged() -> None:
    tools = [
        {"type": "function", "name": "f", "parameters": {"type": "object"}, "strict": True},
        {"type": "web_search_preview"},
        {"type": "file_search", "vector_store_ids": ["vs_1"]},
        {"type": "code_interpreter", "container": {"type": "auto"}},
        {
            "type": "mcp",
            "server_label": "deepwiki",
            "server_url": "https://mcp.example/sse",
            "require_approval": "never",
        },
        {
            "type": "computer_use_preview",
            "display_width": 1024,
            "display_height": 768,
            "environment": "browser",
        },
    ]
    params = ResponseCreateParams.model_validate({"tools": tools})
    assert dump(params)["tools"] == tools
    assert isinstance(params.tools[-1], UnknownToolParam)  # type: ignore[index]


def test_tool_choice_nested_function_is_flattened() -> None:
    assert normalize_tool_choice({"type": "function", "function": {"name": "f"}}) == {
        "type": "function",
        "name": "f",
    }
    assert normalize_tool_choice("required") == "required"


def test_unknown_parameters_pass_through() -> None:
    params = ResponseCreateParams.model_validate({"model": "m", "new_param_2027": {"x": 1}})
    assert dump(params) == {"model": "m", "new_param_2027": {"x": 1}}


def test_wrong_types_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ResponseCreateParams.model_validate({"temperature": "hot"})
    with pytest.raises(ValidationError):
        ResponseCreateParams.model_validate({"tools": [{"type": "function"}]})


def test_json_schema_format_keeps_schema_key() -> None:
    text = {"format": {"type": "json_schema", "name": "person", "schema": {"type": "object"}, "strict": True}}
    assert dump(ResponseCreateParams.model_validate({"text": text}))["text"] == text


def test_models_in_input_become_dicts() -> None:
    tool = FunctionToolParam(type="function", name="f")
    params = InputTokensParams.model_validate({"input": [tool, {"role": "user", "content": "hi"}]})
    assert dump(params)["input"] == [{"type": "function", "name": "f"}, {"role": "user", "content": "hi"}]


def test_every_recorded_request_body_validates_and_round_trips() -> None:
    require_recordings()
    checked = 0
    for recording in load_recordings():
        body = recording["request"]["body"]
        path = recording["request"].get("url_path") or ""
        if not body or not path.endswith("/responses") or recording["request"].get("method") != "POST":
            continue
        assert dump(ResponseCreateParams.model_validate(body)) == body, recording["name"]
        checked += 1
    assert checked >= 50
