"""Tests of nbresponses.transports._chat_request: a Responses request, translated into a chat request."""

from __future__ import annotations

from typing import Any

import pytest

from nbresponses._exceptions import BridgeStateError, InvalidParamsError
from nbresponses.client._specs import create_spec
from nbresponses.transports._chat_request import chat_request, hosted_tools, messages, token_limit_field

WEATHER = {"type": "function", "name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}  # fmt: skip


def chat(stream: bool = False, **params: Any) -> dict[str, Any]:
    """What the bridge sends for these create() parameters (validated as create() validates them)."""
    return chat_request(
        create_spec({"model": "deepseek-chat", **params}, stream=stream).body or {}, stream=stream
    )


def test_plain_text_and_instructions() -> None:
    assert chat(input="Hello", instructions="Be brief.") == {
        "model": "deepseek-chat",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
    }


def test_stream_asks_for_usage_in_the_last_chunk() -> None:
    body = chat(stream=True, input="Hi")
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_items_of_a_thread_become_messages() -> None:
    items = [
        {"role": "developer", "content": "Answer in French."},
        {"role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "opaque"},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Let me look."}],
        },
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"city":"Paris"}',
        },
        {"type": "function_call", "call_id": "call_2", "name": "get_weather", "arguments": '{"city":"Lyon"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
        {
            "type": "function_call_output",
            "call_id": "call_2",
            "output": [{"type": "input_text", "text": "rain"}],
        },
        {"type": "web_search_call", "id": "ws_1", "status": "completed"},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Il fait beau."}],
        },
        {"role": "user", "content": "Merci"},
    ]
    assert chat(input=items)["messages"] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "Let me look.", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
            {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Lyon"}'}},
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "call_2", "content": "rain"},
        {"role": "assistant", "content": "Il fait beau."},
        {"role": "user", "content": "Merci"},
    ]  # fmt: skip


def test_function_calls_without_a_message_before_them() -> None:
    items = [{"type": "function_call", "call_id": "c", "name": "f", "arguments": ""}]
    assert messages(None, items) == [
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}
    ]  # fmt: skip


def test_images_and_files_become_chat_parts() -> None:
    content = [
        {"type": "input_text", "text": "What is this?"},
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
        {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,BBBB"},
    ]
    (message,) = chat(input=[{"role": "user", "content": content}])["messages"]
    assert message == {"role": "user", "content": [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
        {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,BBBB"}},
    ]}  # fmt: skip


@pytest.mark.parametrize(
    "part",
    [
        {"type": "input_image", "file_id": "file-1"},
        {"type": "input_file", "file_url": "https://x.test/a.pdf"},
    ],
)
def test_parts_a_chat_endpoint_cannot_take_are_refused_before_sending(part: dict[str, Any]) -> None:
    with pytest.raises(InvalidParamsError, match="Nothing was sent"):
        chat(input=[{"role": "user", "content": [part]}])


def test_flat_and_nested_function_tools_and_tool_choice() -> None:
    nested = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    body = chat(input="x", tools=[WEATHER, nested], tool_choice={"type": "function", "name": "get_weather"},
                parallel_tool_calls=False)  # fmt: skip
    assert body["tools"] == [
        {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                          "parameters": WEATHER["parameters"]}},
        {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}},
    ]  # fmt: skip
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert body["parallel_tool_calls"] is False
    assert chat(input="x", tools=[WEATHER], tool_choice="required")["tool_choice"] == "required"
    assert "tool_choice" not in chat(input="x", tool_choice="auto")  # no tools: nothing to choose from


@pytest.mark.parametrize(
    "tool", [{"type": "web_search"}, {"type": "code_interpreter"}, {"type": "file_search", "vector_store_ids": ["v"]},
             {"type": "image_generation"}, {"type": "mcp", "server_label": "x", "server_url": "https://x.test"}],
)  # fmt: skip
def test_a_hosted_tool_is_a_clear_error_before_sending(tool: dict[str, Any]) -> None:
    with pytest.raises(InvalidParamsError, match=rf"no hosted tools: {tool['type']} cannot be used"):
        chat(input="x", tools=[WEATHER, tool])
    assert hosted_tools([WEATHER, tool]) == [tool["type"]]


def test_structured_output_reasoning_and_limits() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    body = chat(input="x", text={"format": {"type": "json_schema", "name": "A", "schema": schema, "strict": True}},
                reasoning={"effort": "high", "summary": "auto"}, max_output_tokens=50, top_logprobs=3,
                temperature=0.2, top_p=0.9)  # fmt: skip
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "A", "schema": schema, "strict": True}}  # fmt: skip
    assert body["reasoning_effort"] == "high"
    assert body["max_tokens"] == 50
    assert (body["logprobs"], body["top_logprobs"], body["temperature"], body["top_p"]) == (True, 3, 0.2, 0.9)
    assert chat(input="x", text={"format": {"type": "json_object"}})["response_format"] == {
        "type": "json_object"
    }
    assert "response_format" not in chat(input="x", text={"format": {"type": "text"}})


def test_the_output_cap_goes_where_each_server_reads_it() -> None:
    assert token_limit_field("https://api.openai.com/v1") == "max_completion_tokens"
    assert token_limit_field("https://myres.openai.azure.com/openai/v1") == "max_completion_tokens"
    for url in ("http://localhost:11434/v1", "https://api.deepseek.com/v1", "https://api.apiyi.com/v1"):
        assert token_limit_field(url) == "max_tokens"
    body = create_spec({"model": "m", "input": "x", "max_output_tokens": 9}, stream=False).body or {}
    assert (
        chat_request(body, stream=False, max_tokens_field="max_completion_tokens")["max_completion_tokens"]
        == 9
    )


def test_responses_only_settings_are_dropped_and_gateway_extras_kept() -> None:
    body = chat(input="x", store=True, include=["reasoning.encrypted_content"], metadata={"k": "v"},
                truncation="auto", service_tier="auto", top_k=5, enable_thinking=False)  # fmt: skip
    assert body == {"model": "deepseek-chat", "messages": [{"role": "user", "content": "x"}], "top_k": 5,
                    "enable_thinking": False}  # fmt: skip


def test_server_side_state_is_refused_with_the_parameter_named() -> None:
    with pytest.raises(BridgeStateError, match="previous_response_id cannot be sent") as info:
        chat(input="x", previous_response_id="resp_1")
    assert info.value.param == "previous_response_id" and isinstance(info.value, InvalidParamsError)
    with pytest.raises(BridgeStateError) as info:
        chat(input="x", conversation="conv_1")
    assert info.value.param == "conversation"
    with pytest.raises(InvalidParamsError, match="background"):
        chat(input="x", background=True)
    with pytest.raises(InvalidParamsError, match="stored prompt"):
        chat(input="x", prompt={"id": "pmpt_1"})
