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
