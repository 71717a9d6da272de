"""The offline model: deterministic answers that use the input, tools, formats and limits."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from nbresponses.offline import ModelRequest, default_model
from nbresponses.offline._items import normalize_input
from nbresponses.testing import offline_client

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


# ----- the stand-in is hard to catch out -----


def _server_chain(*prompts: str, **body: object) -> list[str]:
    from nbresponses.offline import OfflineServer

    client = offline_client(OfflineServer())
    previous = None
    answers = []
    for prompt in prompts:
        response = client.responses.create(model="m", input=prompt, previous_response_id=previous, **body)
        previous = response.id
        answers.append(response.output_text)
    return answers


def test_chinese_two_turn_recall() -> None:
    _, answer = _server_chain("我叫李雷，我住在上海。", "我叫什么名字？")
    assert "你叫李雷" in answer and "我住在上海" in answer
    _, where = _server_chain("我叫李雷，我住在上海。", "我住在哪里？")
    assert "上海" in where


def test_recall_of_a_fact_without_recall_words_in_any_script() -> None:
    _, code = _server_chain("Remember the code word: cobalt. Reply with OK.", "What is the code word?")
    assert "cobalt" in code
    _, russian = _server_chain("Мой город — Казань.", "Какой мой город?")
    assert "Казань" in russian
    _, plain = _server_chain("The launch is on Tuesday.", "Tell me a joke.")
    assert "Tuesday" not in plain  # no question about it, nothing shared: nothing recalled


def test_recall_over_a_chain_matches_possessives_skips_questions_and_keeps_the_language() -> None:
    _, dog = _server_chain("My dog is called Rex.", "What's my dog's name?")
    assert dog == "Earlier you said: “My dog is called Rex.”."
    *_, fact = _server_chain(
        "What is my favourite colour and my dog's name?", "My dog is called Rex.", "What's my dog's name?"
    )
    assert fact == "Earlier you said: “My dog is called Rex.”."  # the earlier question is not a fact
    *_, pet = _server_chain("My name is Zed.", "My dog is called Rex.", "Do you remember my dog's name?")
    assert "Rex" in pet and "Zed" not in pet  # the dog's name is not mine
    _, japanese = _server_chain("私の名前は田中です。", "私の名前は何ですか？")
    assert japanese.startswith("あなたの名前は田中です。") and "你" not in japanese
    (unknown,) = _server_chain("東京の天気は？")
    assert unknown.startswith("「東京の天気は？」")  # Japanese is answered in Japanese, not in Chinese


def test_answers_carry_no_offline_footer() -> None:
    text = default_model(request("Hello")).output[0]["content"][0]["text"]
    assert "Offline backend" not in text and "OPENAI_API_KEY" not in text


def test_no_reply_path_writes_the_backend_into_the_answer() -> None:
    """Every kind of answer, over /responses (streamed or not) and /chat/completions: the notice that the offline
    backend answered is the magic's to show, never part of ``output_text`` (issue 16)."""
    from nbresponses.offline import OfflineServer

    server = OfflineServer()
    client = offline_client(server)
    include = ["web_search_call.action.sources", "file_search_call.results", "code_interpreter_call.outputs"]
    hosted = [{"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1"]},
              {"type": "code_interpreter", "container": {"type": "auto"}}, {"type": "image_generation"}]  # fmt: skip
    person = {
        "type": "json_schema",
        "name": "p",
        "schema": {"type": "object", "properties": {"n": {"type": "string"}}},
    }
    cases: list[dict[str, Any]] = [
        {"input": "Hello"},
        {"input": "你好，今天怎么样"},
        {"input": "こんにちは"},
        {"input": "Summarise this", "instructions": "Reply with code only."},
        {"input": "Give me a person", "text": {"format": person}},
        {"input": "Summarize this data in JSON format", "text": {"format": {"type": "json_object"}}},
        {"input": "Explain entropy at length", "max_output_tokens": 5},
        {"input": "Think about it", "reasoning": {"effort": "low", "summary": "auto"}},
        *({"input": p, "tools": hosted, "include": include} for p in (
            "Search the web for the latest news", "Search my documents for the refund policy",
            "Create a chart showing sales data: Jan:100, Feb:150", "Create a chart showing sales data",
            "run code that reads my emails", "Calculate 2 + 2", "Draw a red fox",
        )),
    ]  # fmt: skip
    texts = []
    for case in cases:
        texts.append(client.responses.create(model="gpt-4.1", **case).output_text)
        with client.responses.stream(model="gpt-4.1", **case) as stream:
            texts.append(stream.get_final_response().output_text)
    first = client.responses.create(model="m", input="My name is Ada.")
    texts.append(
        client.responses.create(
            model="m", input="What is my name?", previous_response_id=first.id
        ).output_text
    )
    called = client.responses.create(model="m", input="What's the weather in Paris?", tools=[WEATHER])
    (call,) = called.output
    output = {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}  # type: ignore[union-attr]
    texts.append(
        client.responses.create(model="m", input=[output], previous_response_id=called.id).output_text
    )
    for prompt in ("Hello", "What is my name?"):
        body = {"model": "offline-chat", "messages": [{"role": "user", "content": prompt}]}
        reply = server.handle("POST", "/v1/chat/completions", {}, json.dumps(body).encode())
        texts.append(json.loads(reply.body)["choices"][0]["message"]["content"])
    assert all(texts) and len(texts) == 2 * len(cases) + 4
    leaking = [text for text in texts if "offline" in text.lower() or "OPENAI_API_KEY" in text]
    assert leaking == []


def test_function_called_by_the_words_of_its_description() -> None:
    lookup = {
        "type": "function",
        "name": "lookup_population",
        "description": "Population of a country",
        "parameters": {
            "type": "object",
            "properties": {"country": {"type": "string"}},
            "required": ["country"],
        },
    }
    plan = default_model(request("How many people live in Norway? I need the population.", tools=[lookup]))
    assert [item["type"] for item in plan.output] == ["function_call"]
    assert json.loads(plan.output[0]["arguments"]) == {"country": "Norway"}
    chinese = {
        "type": "function",
        "name": "query_weather",
        "description": "查询城市天气",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
    assert (
        default_model(request("上海今天天气怎么样？", tools=[chinese])).output[0]["type"] == "function_call"
    )
    assert default_model(request("Tell me a story.", tools=[lookup])).output[0]["type"] == "message"


def test_one_call_per_listed_value_for_parallel_calls() -> None:
    plan = default_model(request("What's the weather in Beijing and Shanghai?", tools=[WEATHER]))
    cities = [json.loads(item["arguments"])["city"] for item in plan.output]
    assert cities == ["Beijing", "Shanghai"]
    assert len({item["call_id"] for item in plan.output}) == 2
    three = default_model(request("Weather in Paris, Rome and Oslo?", tools=[WEATHER]))
    assert [json.loads(i["arguments"])["city"] for i in three.output] == ["Paris", "Rome", "Oslo"]
    chinese = default_model(request("北京和上海的天气怎么样？", tools=[WEATHER]))
    assert [json.loads(i["arguments"])["city"] for i in chinese.output] == ["北京", "上海"]
    single = default_model(
        request("What's the weather in Beijing and Shanghai?", tools=[WEATHER], parallel_tool_calls=False)
    )
    assert [json.loads(i["arguments"])["city"] for i in single.output] == ["Beijing"]


def test_hosted_tools_emit_their_real_items() -> None:
    include = ["file_search_call.results", "code_interpreter_call.outputs", "web_search_call.action.sources"]
    web = default_model(
        request("Search the web for the latest Python release", tools=[{"type": "web_search"}])
    )
    assert [i["type"] for i in web.output] == ["web_search_call", "message"]
    assert (
        web.output[0]["action"]["query"]
        and web.output[1]["content"][0]["annotations"][0]["type"] == "url_citation"
    )
    files = default_model(
        request(
            "What do my documents say about SSA?",
            include=include,
            tools=[{"type": "file_search", "vector_store_ids": ["vs_1"]}],
        )
    )
    assert (
        files.output[0]["type"] == "file_search_call"
        and files.output[0]["results"][0]["vector_store_id"] == "vs_1"
    )
    code = default_model(
        request(
            "Calculate 6 * 7 + 1",
            include=include,
            tools=[{"type": "code_interpreter", "container": {"type": "auto"}}],
        )
    )
    assert code.output[0]["type"] == "code_interpreter_call" and "6 * 7 + 1" in code.output[0]["code"]
    assert (
        code.output[0]["outputs"] == [{"type": "logs", "logs": "43"}]
        and "43" in code.output[1]["content"][0]["text"]
    )
    without = default_model(
        request("Calculate 6 * 7 + 1", tools=[{"type": "code_interpreter", "container": {"type": "auto"}}])
    )
    assert without.output[0]["outputs"] is None  # only with include, as the API does


def test_image_generation_returns_a_small_png() -> None:
    import base64
    import io

    from PIL import Image

    plan = default_model(request("Draw a picture of a lighthouse", tools=[{"type": "image_generation"}]))
    call = plan.output[0]
    assert call["type"] == "image_generation_call" and call["status"] == "completed"
    image = Image.open(io.BytesIO(base64.b64decode(call["result"])))
    assert image.format == "PNG" and image.size == (64, 64)
    other = default_model(request("Draw a picture of a cat", tools=[{"type": "image_generation"}]))
    assert other.output[0]["result"] != call["result"]


def answer_text(plan: object) -> str:
    return "".join(p["text"] for item in plan.output if item["type"] == "message" for p in item["content"])  # type: ignore[attr-defined]


def test_asked_for_code_only_it_answers_one_runnable_python_block() -> None:
    text = answer_text(default_model(request("Print one to three", instructions="Reply with code only: ...")))
    assert text.startswith("```python\n# You asked: Print one to three") and text.endswith("\n```")
    code = text.removeprefix("```python\n").removesuffix("\n```")
    compile(code, "<cell>", "exec")


def test_asked_to_fix_code_it_sends_the_first_python_block_back() -> None:
    prompt = "Fix it.\n\n```python\nx = {}\nx['k']\n```\n\nThe error:\n\n```\nKeyError: 'k'\n```"
    text = answer_text(default_model(request(prompt, instructions="Reply with code only, please")))
    assert "x = {}\nx['k']" in text and "KeyError" not in text
    assert "You asked" in answer_text(default_model(request(prompt)))  # without the instruction: prose
