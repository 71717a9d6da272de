"""Tests of nbresponses.offline._shapes: the response object the offline server builds for a request (its
configuration echoed as OpenAI echoes it) and its usage estimate."""

from __future__ import annotations

from nbresponses.offline._model import ModelRequest, Plan, message
from nbresponses.offline._shapes import response_body, usage
from nbresponses.types.response import Response


def test_the_response_echoes_the_requests_configuration() -> None:
    body = {"model": "gpt-4.1-mini", "instructions": "Be brief.", "store": False, "temperature": 0.2,
            "reasoning": {"effort": "low"}, "text": {"format": {"type": "json_object"}}, "user": "u1",
            "tools": [{"type": "function", "function": {"name": "f"}}], "metadata": {"k": "v"}}  # fmt: skip
    shaped = response_body(body, "resp_1", "in_progress", now=1700000000)
    assert (
        shaped["id"] == "resp_1" and shaped["status"] == "in_progress" and shaped["created_at"] == 1700000000
    )
    assert (shaped["model"], shaped["instructions"], shaped["store"], shaped["temperature"]) == (
        "gpt-4.1-mini", "Be brief.", False, 0.2
    )  # fmt: skip
    assert shaped["reasoning"] == {"effort": "low", "summary": None}
    assert shaped["text"] == {"format": {"type": "json_object"}, "verbosity": "medium"}
    assert shaped["tools"] == [{"type": "function", "name": "f", "description": None,
                                "parameters": {"type": "object", "properties": {}}, "strict": False}]  # fmt: skip
    assert shaped["user"] == "u1" and shaped["metadata"] == {"k": "v"} and "conversation" not in shaped
    assert Response.model_validate(shaped).status == "in_progress"  # a valid response object


def test_defaults_of_a_bare_request() -> None:
    shaped = response_body({}, "resp_2", "completed", now=1)
    assert shaped["model"] and shaped["store"] is True and shaped["tools"] == [] and "user" not in shaped
    with_conversation = response_body({"conversation": "conv_1"}, "resp_3", "completed", now=1)
    assert with_conversation["conversation"] == {"id": "conv_1"}


def test_usage_counts_the_context_caches_long_prefixes_and_respects_the_output_limit() -> None:
    def said(text: str) -> dict[str, object]:  # items as the server normalises them
        return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}

    request = ModelRequest(
        body={}, context=[said("word " * 3000), said("and now?")], new_items=[said("and now?")]
    )
    plan = Plan(output=[message("An answer of a few words.")], reasoning_tokens=7)
    counted = usage({}, plan, request, added=1)
    assert counted["input_tokens"] > counted["input_tokens_details"]["cached_tokens"] >= 1024
    assert counted["input_tokens_details"]["cached_tokens"] % 128 == 0
    assert counted["output_tokens_details"]["reasoning_tokens"] == 7
    assert counted["total_tokens"] == counted["input_tokens"] + counted["output_tokens"]
    short = ModelRequest(body={}, context=[said("hi")], new_items=[said("hi")])
    assert usage({}, plan, short, added=1)["input_tokens_details"]["cached_tokens"] == 0
    assert usage({"max_output_tokens": 3}, plan, short, added=1)["output_tokens"] == 3
