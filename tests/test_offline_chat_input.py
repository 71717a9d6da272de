"""Tests of nbresponses.offline._chat_input: a chat body as the stand-in model's `ModelRequest`."""

from __future__ import annotations

from nbresponses.offline._chat_input import chat_model_request

CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
}


def test_messages_become_instructions_items_and_new_items() -> None:
    chat = chat_model_request({
        "model": "deepseek-chat",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Use metric units."}]},
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "12 °C"}]},
            {"role": "system", "content": "Answer in one line."},
        ],
    })  # fmt: skip
    request = chat.request
    assert request.body["instructions"] == "Be brief.\n\nUse metric units."
    kinds = [item["type"] for item in request.context]
    assert kinds == ["message", "function_call", "function_call_output", "message"]
    assert request.context[1] == {"type": "function_call", "call_id": "call_1", "name": "get_weather",
                                  "arguments": '{"city": "Oslo"}'}  # fmt: skip
    assert request.context[2] == {"type": "function_call_output", "call_id": "call_1", "output": "12 °C"}
    assert request.context[3]["role"] == "system"
    # what the model answers: the turn since it last spoke (no message yet: the question, its call, the output)
    assert request.new_items == request.context
    assert (chat.model, chat.stream, chat.include_usage, chat.choices) == ("deepseek-chat", False, False, 1)


def test_parts_tools_formats_limits_and_reasoning() -> None:
    chat = chat_model_request({
        "model": "m", "stream": True, "stream_options": {"include_usage": True}, "n": 3,
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe"},
            {"type": "image_url", "image_url": {"url": "https://example.test/a.png", "detail": "low"}},
            {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,AA"}},
            {"type": "input_audio", "input_audio": {"data": "AA", "format": "wav"}},
        ]}],
        "tools": [{"type": "function", "function": {"name": "f", "description": "Does f.", "strict": True}}],
        "tool_choice": "required", "parallel_tool_calls": False, "temperature": 0.2,
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
        "max_tokens": 50, "max_completion_tokens": 20, "reasoning_effort": "high",
    })  # fmt: skip
    body = chat.request.body
    assert chat.request.new_items[0]["content"] == [
        {"type": "input_text", "text": "Describe"},
        {"type": "input_image", "image_url": "https://example.test/a.png", "detail": "low"},
        {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,AA"},
    ]  # the stand-in model hears no audio
    assert body["tools"] == [{"type": "function", "name": "f", "description": "Does f.",
                              "parameters": {"type": "object", "properties": {}}, "strict": True}]  # fmt: skip
    assert (body["tool_choice"], body["parallel_tool_calls"], body["temperature"]) == ("required", False, 0.2)
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "x", "schema": {"type": "object"}, "strict": False}
    }
    assert body["max_output_tokens"] == 20  # max_completion_tokens wins over the older max_tokens
    assert body["reasoning"] == {"effort": "high", "summary": "auto"}
    assert (chat.stream, chat.include_usage, chat.choices) == (True, True, 3)


def test_no_reasoning_unless_asked_and_json_object() -> None:
    chat = chat_model_request({"model": "m", "messages": [{"role": "user", "content": "json please"}],
                               "reasoning_effort": "none", "response_format": {"type": "json_object"}})  # fmt: skip
    assert "reasoning" not in chat.request.body and "instructions" not in chat.request.body
    assert chat.request.body["text"] == {"format": {"type": "json_object"}}
    assert chat.request.new_items == chat.request.context  # the model has not spoken yet
