"""Tests of nbresponses.offline._calls: which function tools the stand-in calls, and arguments from the prompt."""

from __future__ import annotations

import json
from typing import Any

from nbresponses.offline._calls import chosen_tools, function_calls, function_tools, listed_values

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
STOCK = {
    "type": "function",
    "name": "stock_price",
    "description": "The latest price of a stock ticker",
    "parameters": {"type": "object", "properties": {"ticker": {"type": "string"}}, "required": ["ticker"]},
}


def test_nested_chat_completions_tools_are_unwrapped() -> None:
    nested = {"type": "function", "function": {"name": "f", "parameters": {}}}
    assert [t["name"] for t in function_tools([nested, {"type": "web_search"}, WEATHER])] == [
        "f",
        "get_weather",
    ]


def test_the_tool_a_prompt_is_about_is_chosen() -> None:
    tools = [STOCK, WEATHER]
    assert [t["name"] for t in chosen_tools(tools, {}, "What's the weather in Paris?")] == ["get_weather"]
    assert [t["name"] for t in chosen_tools(tools, {}, "call stock_price for ACME")] == ["stock_price"]
    assert chosen_tools(tools, {}, "Write a haiku.") == []
    assert chosen_tools(tools, {"tool_choice": "none"}, "weather in Paris") == []


def test_tool_choice_forces_a_tool_or_any_tool() -> None:
    tools: list[dict[str, Any]] = [STOCK, WEATHER]
    forced = chosen_tools(tools, {"tool_choice": {"type": "function", "name": "stock_price"}}, "weather?")
    assert [t["name"] for t in forced] == ["stock_price"]
    assert len(chosen_tools(tools, {"tool_choice": "required"}, "Write a haiku.")) == 1


def test_listed_values_in_several_scripts() -> None:
    assert listed_values("please compare Paris, Rome and Oslo") == ["Paris", "Rome", "Oslo"]
    assert listed_values("北京和上海的天气怎么样？") == ["北京", "上海"]
    assert listed_values("just one city") == []


def test_one_call_per_listed_value_when_parallel() -> None:
    calls = function_calls(WEATHER, "Weather in Beijing and Shanghai?", parallel=True, first_index=0)
    assert [json.loads(c["arguments"])["city"] for c in calls] == ["Beijing", "Shanghai"]
    assert [c["call_id"] for c in calls] == ["call_offline0000", "call_offline0001"]
    single = function_calls(WEATHER, "Weather in Beijing and Shanghai?", parallel=False, first_index=7)
    assert len(single) == 1 and single[0]["call_id"] == "call_offline0007"


def test_arguments_are_valid_for_the_schema_without_a_listed_value() -> None:
    (call,) = function_calls(WEATHER, "What's the weather?", parallel=True, first_index=0)
    arguments = json.loads(call["arguments"])
    assert isinstance(arguments["city"], str) and call["status"] == "completed"


def _arguments(tool: dict[str, Any], prompt: str) -> list[dict[str, Any]]:
    return [json.loads(c["arguments"]) for c in function_calls(tool, prompt, parallel=True, first_index=0)]


def test_a_tool_is_called_for_what_it_does_in_any_language_and_not_for_unrelated_lists() -> None:
    assert (
        chosen_tools([WEATHER], {}, "苹果和香蕉有什么区别？") == []
    )  # two listed things, nothing about weather
    assert (
        chosen_tools([WEATHER], {}, "Which city is the largest in Europe?") == []
    )  # only the parameter's word
    for prompt in ("北京天气怎么样？", "北京和上海的天气怎么样？", "東京の天気はどうですか？"):
        assert [t["name"] for t in chosen_tools([STOCK, WEATHER], {}, prompt)] == ["get_weather"]
    assert [t["name"] for t in chosen_tools([WEATHER, STOCK], {}, "苹果公司的股价是多少？")] == [
        "stock_price"
    ]
    chinese = {**WEATHER, "name": "weather_lookup", "description": "查询城市天气"}  # described in Chinese
    assert chosen_tools([chinese], {}, "What's the weather like in Oslo?") == [chinese]


def test_cjk_arguments_are_the_names_asked_about() -> None:
    assert _arguments(WEATHER, "北京天气怎么样？") == [{"city": "北京"}]
    assert _arguments(WEATHER, "北京和上海的天气怎么样？") == [{"city": "北京"}, {"city": "上海"}]
    assert _arguments(WEATHER, "帮我查一下北京、上海和广州今天的天气") == [
        {"city": "北京"}, {"city": "上海"}, {"city": "广州"},
    ]  # fmt: skip
    assert _arguments(WEATHER, "東京の天気は？") == [{"city": "東京"}]


def test_a_tool_taking_two_of_the_listed_things_is_called_once_with_both() -> None:
    distance = {
        "type": "function",
        "name": "calculate_distance",
        "parameters": {
            "type": "object",
            "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}},
            "required": ["origin", "destination"],
        },
    }
    prompt = "Get weather for Beijing and Shanghai, then calculate travel time between them"
    assert [t["name"] for t in chosen_tools([WEATHER, distance], {}, prompt)] == [
        "get_weather",
        "calculate_distance",
    ]
    assert _arguments(WEATHER, prompt) == [{"city": "Beijing"}, {"city": "Shanghai"}]
    assert _arguments(distance, prompt) == [{"origin": "Beijing", "destination": "Shanghai"}]
    assert _arguments(distance, "从北京到上海的距离是多少？") == [{"origin": "北京", "destination": "上海"}]
    numbered = {"type": "object", "properties": {"city1": {"type": "string"}, "city2": {"type": "string"}}}
    assert _arguments({**distance, "parameters": numbered}, "Compare Paris and Rome") == [
        {"city1": "Paris", "city2": "Rome"}
    ]
    add = {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        "required": ["a", "b"],
    }
    assert _arguments({**distance, "name": "add", "parameters": add}, "add 3 and 4.5") == [
        {"a": 3.0, "b": 4.5}
    ]
    # different kinds of value: one call per listed city, the other parameter filled on its own
    search = {"type": "object", "properties": {"city": {"type": "string"}, "query": {"type": "string"}}}
    assert [a["city"] for a in _arguments({**distance, "parameters": search}, "Hotels in Paris and Rome")] == [
        "Paris", "Rome",
    ]  # fmt: skip


def test_words_about_a_topic_call_its_tool_and_the_things_it_acts_on_do_not() -> None:
    distance = {"type": "function", "name": "calculate_distance", "description": "Distance between two cities",
                "parameters": {"type": "object", "properties": {"origin": {"type": "string"},
                                                                "destination": {"type": "string"}}}}  # fmt: skip
    tools = [WEATHER, distance]
    assert [t["name"] for t in chosen_tools(tools, {}, "Is it raining in London or Paris?")] == [
        "get_weather"
    ]
    assert [t["name"] for t in chosen_tools(tools, {}, "明天东京会下雨吗？")] == ["get_weather"]
    assert [t["name"] for t in chosen_tools(tools, {}, "How far is Lyon from Nice?")] == [
        "calculate_distance"
    ]
    assert chosen_tools(tools, {}, "Which cities are the largest in Europe?") == []
    assert _arguments(distance, "How far is Lyon from Nice?") == [{"origin": "Lyon", "destination": "Nice"}]
    assert _arguments(WEATHER, "明天东京会下雨吗？") == [{"city": "东京"}]


def test_a_sentences_capitalized_first_word_is_not_part_of_a_listed_name() -> None:
    assert listed_values("Compare Paris and Rome") == ["Paris", "Rome"]
    assert listed_values("Email Bob and Alice about it") == ["Bob", "Alice"]
    assert listed_values("New York and Boston weather") == ["New York", "Boston"]
