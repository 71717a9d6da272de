"""Tests of nbresponses.transports._chat_response: a whole chat answer as a Responses `Response`."""

from __future__ import annotations

from typing import Any

import pytest

from nbresponses.transports._chat_response import chat_response, citation_annotations, response_usage
from nbresponses.types.response import Response


def body(message: dict[str, Any], finish: str = "stop", **extra: Any) -> dict[str, Any]:
    return {"id": "chatcmpl-7", "object": "chat.completion", "created": 1770000000, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}], **extra}  # fmt: skip


def response(data: dict[str, Any], **request: Any) -> Response:
    return Response.model_validate(chat_response(data, request=request or None))


def test_text_with_reasoning_content() -> None:
    r = response(body({"content": "Three.", "reasoning_content": "Count r."}), instructions="Brief.")
    assert [i.type for i in r.output] == ["reasoning", "message"]
    assert r.output_text == "Three." and r.output[0].content[0].text == "Count r."  # type: ignore[union-attr]
    assert (r.id, r.model, r.created_at, r.status, r.instructions) == ("chatcmpl-7", "m", 1770000000, "completed",
                                                                       "Brief.")  # fmt: skip


def test_mistral_thinking_parts() -> None:
    content = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "2+2"}]},
        {"type": "text", "text": "4"},
    ]
    r = response(body({"content": content}))
    assert r.output_text == "4" and r.output[0].type == "reasoning"


def test_tool_calls_legacy_function_call_and_object_arguments() -> None:
    r = response(body({"content": None, "tool_calls": [
        {"id": "a", "function": {"name": "f", "arguments": '{"x":1}'}},
        {"id": "b", "type": "function", "function": {"name": "g", "arguments": {"y": 2}}},
    ]}, "tool_calls"))  # fmt: skip
    assert [(c.call_id, c.name, c.arguments) for c in r.function_calls] == [
        ("a", "f", '{"x":1}'),
        ("b", "g", '{"y": 2}'),
    ]
    legacy = response(
        body({"content": None, "function_call": {"name": "h", "arguments": "{}"}}, "function_call")
    )
    (call,) = legacy.function_calls
    assert call.name == "h" and call.call_id


def test_refusal_and_cut_off() -> None:
    assert response(body({"content": None, "refusal": "No."})).refusal == "No."
    cut = response(body({"content": "Once"}, "length"))
    assert cut.status == "incomplete" and cut.incomplete_details is not None
    assert cut.incomplete_details.reason == "max_output_tokens"


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"prompt_tokens": 18, "completion_tokens": 219, "total_tokens": 237,
          "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 205},
          "prompt_cache_hit_tokens": 10},  # DeepSeek: the cache hit count when the details say 0
         (18, 10, 219, 205, 237)),
        ({"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50, "cached_tokens": 10,
          "completion_tokens_details": {"reasoning_tokens": 22}},  # Kimi: cached tokens at the top level
         (20, 10, 30, 22, 50)),
        ({"prompt_tokens": 291, "completion_tokens": 26, "total_tokens": 513,
          "completion_tokens_details": {"reasoning_tokens": 196}},  # xAI: reasoning outside completion_tokens
         (291, 0, 222, 196, 513)),
        ({"prompt_tokens": 19, "total_tokens": 1739, "completion_tokens": 1720, "prompt_tokens_details": None,
          "reasoning_tokens": 9},  # Azure: reasoning at the top level, null details
         (19, 0, 1720, 9, 1739)),
        ({"prompt_tokens": 5, "completion_tokens": 2}, (5, 0, 2, 0, 7)),  # no total
    ],
)  # fmt: skip
def test_usage_quirks(usage: dict[str, Any], expected: tuple[int, ...]) -> None:
    mapped = response_usage(usage)
    assert mapped is not None
    assert (mapped["input_tokens"], mapped["input_tokens_details"]["cached_tokens"], mapped["output_tokens"],
            mapped["output_tokens_details"]["reasoning_tokens"], mapped["total_tokens"]) == expected  # fmt: skip


def test_no_usage() -> None:
    assert response_usage(None) is None and response_usage({"queue_time": 0.1}) is None
    assert response(body({"content": "x"})).usage is None


def test_perplexity_citations_become_url_citations() -> None:
    urls = ["https://a.test/1", "https://b.test/2", "https://c.test/3"]
    r = response(body({"content": "Big city.[2] Really.[1]"}, citations=urls))
    part = r.output[0].content[0]  # type: ignore[union-attr]
    notes = [(a.url, a.start_index, a.end_index) for a in part.annotations]  # type: ignore[union-attr]
    assert notes == [("https://a.test/1", 20, 23), ("https://b.test/2", 9, 12), ("https://c.test/3", 23, 23)]
    assert citation_annotations("x", None) == [] and citation_annotations("x", "nope") == []


def test_a_body_without_choices_has_no_output() -> None:
    r = response({"id": "", "object": "chat.completion", "choices": []})
    assert r.output == [] and r.id and r.id.startswith("chatcmpl-")
