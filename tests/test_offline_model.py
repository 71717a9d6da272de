"""The offline model: deterministic answers that use the input, tools, formats and limits."""

from __future__ import annotations

import json

import jsonschema

from nbresponses.offline import ModelRequest, default_model
from nbresponses.offline._items import normalize_input

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
}


def request(prompt: str, **body: object) -> ModelRequest:
    items = normalize_input(prompt)
    return ModelRequest(body={"model": "gpt-4.1", **body}, context=items, new_items=items)


def test_restates_the_question() -> None:
    plan = default_model(request("What is the capital of France?"))
    text = plan.output[0]["content"][0]["text"]
    assert "What is the capital of France?" in text
    assert plan.status == "completed"


def test_same_input_same_answer() -> None:
    assert default_model(request("Hello")).output == default_model(request("Hello")).output


def test_calls_a_tool_when_asked_with_schema_valid_arguments() -> None:
    plan = default_model(request("Use get_weather for Paris in celsius please", tools=[WEATHER]))
    (call,) = plan.output
    assert call["type"] == "function_call" and call["name"] == "get_weather"
    arguments = json.loads(call["arguments"])
    jsonschema.validate(arguments, WEATHER["parameters"])
    assert arguments == {"city": "Paris", "unit": "celsius"}


def test_chat_completions_style_tool_is_understood() -> None:
    nested = {"type": "function", "function": {k: v for k, v in WEATHER.items() if k != "type"}}
    plan = default_model(request("What's the weather in Rome? check it", tools=[nested]))
    assert plan.output[0]["type"] == "function_call"


def test_no_tool_call_when_tool_choice_none() -> None:
    plan = default_model(request("Use get_weather for Paris", tools=[WEATHER], tool_choice="none"))
    assert plan.output[0]["type"] == "message"


def test_answers_after_function_call_output() -> None:
    call = {
        "type": "function_call",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
    }
    output = {"type": "function_call_output", "call_id": "call_1", "output": "18 degrees and sunny"}
    req = ModelRequest(body={"model": "m", "tools": [WEATHER]}, context=[*normalize_input("weather?"), call, output],
                       new_items=[output])  # fmt: skip
    text = default_model(req).output[0]["content"][0]["text"]
    assert "get_weather" in text and "18 degrees and sunny" in text


def test_recalls_earlier_turns() -> None:
    context = normalize_input("My name is Ada and I like graphs.") + normalize_input("What is my name?")
    req = ModelRequest(body={"model": "m"}, context=context, new_items=context[-1:])
    text = default_model(req).output[0]["content"][0]["text"]
    assert "Your name is Ada" in text and "I like graphs" in text


def test_json_schema_format_gives_valid_json() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
              "required": ["name", "age"], "additionalProperties": False}  # fmt: skip
    fmt = {"type": "json_schema", "name": "person", "schema": schema, "strict": True}
    text = default_model(request("Alice is 31", text={"format": fmt})).output[0]["content"][0]["text"]
    value = json.loads(text)
    jsonschema.validate(value, schema)
    assert value == {"name": "Alice", "age": 31}


def test_json_object_format() -> None:
    text = default_model(request("Give JSON", text={"format": {"type": "json_object"}})).output[0]["content"][
        0
    ]["text"]
    assert isinstance(json.loads(text), dict)


def test_reasoning_summary_when_requested() -> None:
    plan = default_model(request("Think about it", reasoning={"effort": "low", "summary": "auto"}))
    assert plan.output[0]["type"] == "reasoning" and len(plan.output[0]["summary"]) == 2
    assert plan.reasoning_tokens > 0


def test_max_output_tokens_makes_it_incomplete() -> None:
    plan = default_model(request("Tell me everything " * 10, max_output_tokens=5))
    assert plan.status == "incomplete" and plan.incomplete_reason == "max_output_tokens"
    assert len(plan.output[0]["content"][0]["text"]) <= 20


def test_describes_tables_and_attachments() -> None:
    png = (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + (640).to_bytes(4, "big")
        + (480).to_bytes(4, "big")
        + b"\x08\x02"
    )
    import base64

    url = "data:image/png;base64," + base64.b64encode(png).decode()
    content = [{"type": "input_text", "text": "Look:\n| a | b |\n|---|---|\n| 1 | 2 |\n"},
               {"type": "input_image", "image_url": url}, {"type": "input_file", "filename": "r.pdf",
               "file_data": "data:application/pdf;base64,JVBERi0="}]  # fmt: skip
    items = normalize_input([{"role": "user", "content": content}])
    text = default_model(ModelRequest(body={"model": "m"}, context=items, new_items=items)).output[0][
        "content"
    ][0]["text"]
    assert "table with 1 row and columns a, b" in text
    assert "image/png, 640x480 px" in text
    assert "r.pdf (application/pdf" in text


def test_a_capped_table_counts_its_shown_rows_and_says_how_many_it_stands_for() -> None:
    import pandas as pd

    from nbresponses.inputs import build_input

    frame = pd.DataFrame({"a": range(30), "b": ["x"] * 30})
    prompt = build_input("Compare {big} with {small}", {"big": frame, "small": frame.head(3)}, max_rows=6)
    text = default_model(request(prompt.text)).output[0]["content"][0]["text"]
    assert "a table with 6 rows (of 30) and columns a, b" in text
    assert "a table with 3 rows and columns a, b" in text
