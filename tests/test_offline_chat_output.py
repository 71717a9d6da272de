"""Tests of nbresponses.offline._chat_output: a plan as a chat.completion body and its chunks."""

from __future__ import annotations

from nbresponses import testing
from nbresponses.offline import Plan
from nbresponses.offline._chat_output import chat_answer, chat_usage, completion_body, completion_chunks


def test_text_refusal_reasoning_calls_and_finish_reasons() -> None:
    cited = testing.text("See the docs.", annotations=[
        {"type": "url_citation", "start_index": 8, "end_index": 12, "url": "https://docs.test", "title": "Docs"}])  # fmt: skip
    answer = chat_answer(testing.reply(testing.reasoning("Thinking.", "Still."), testing.text("Intro. "), cited,
                                       testing.function_call("f", {"a": 1}, call_id="call_9")))  # fmt: skip
    assert answer.content == "Intro. See the docs." and answer.reasoning == "Thinking.\n\nStill."
    assert answer.annotations == [{"type": "url_citation", "url_citation": {
        "start_index": 15, "end_index": 19, "url": "https://docs.test", "title": "Docs"}}]  # fmt: skip
    assert answer.tool_calls == [
        {"id": "call_9", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    ]
    assert answer.finish_reason == "tool_calls"
    refused = chat_answer(testing.reply(testing.refusal("I can't help with that.")))
    assert refused.content is None and refused.refusal == "I can't help with that."
    assert refused.finish_reason == "stop"
    assert chat_answer(testing.incomplete(testing.text("cut"))).finish_reason == "length"
    assert (
        chat_answer(testing.incomplete(testing.text(""), reason="content_filter")).finish_reason
        == "content_filter"
    )
    assert chat_answer(Plan()).content == ""  # nothing said is an empty message, not a missing one


def test_usage_counts_every_choice() -> None:
    usage = {"input_tokens": 10, "output_tokens": 4, "input_tokens_details": {"cached_tokens": 0},
             "output_tokens_details": {"reasoning_tokens": 1}}  # fmt: skip
    converted = chat_usage(usage, choices=2)
    assert (converted["prompt_tokens"], converted["completion_tokens"], converted["total_tokens"]) == (
        10,
        8,
        18,
    )
    assert converted["completion_tokens_details"]["reasoning_tokens"] == 2


def test_chunks_per_choice_then_usage() -> None:
    answer = chat_answer(testing.reply(testing.text("one two")))
    usage = chat_usage({"input_tokens": 1, "output_tokens": 2}, choices=2)
    chunks = completion_chunks(answer, chat_id="chatcmpl-1", model="m", created=1, usage=usage, choices=2)
    assert [c["choices"][0]["index"] for c in chunks[:-1]] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert [c["choices"][0]["delta"] for c in chunks[:4]] == [
        {"role": "assistant", "content": "", "refusal": None},
        {"content": "one"},
        {"content": " two"},
        {},
    ]
    assert chunks[3]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["usage"] == usage
    body = completion_body(answer, chat_id="chatcmpl-1", model="m", created=1, usage=usage)
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "one two", "refusal": None,
                                             "annotations": []}  # fmt: skip
