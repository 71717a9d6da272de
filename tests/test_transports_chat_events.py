"""Tests of nbresponses.transports._chat_events: chat chunks in, the Responses event grammar out."""

from __future__ import annotations

from typing import Any

import pytest

from nbresponses._accumulator import ResponseAccumulator
from nbresponses.transports._chat_events import ChatEventTranslator, fast_event
from nbresponses.types.events import (
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseReasoningTextDeltaEvent,
    ResponseRefusalDeltaEvent,
    ResponseTextDeltaEvent,
    parse_event,
)
from nbresponses.types.response import Response


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1770000000, "model": "m",
            "choices": choices, **extra}  # fmt: skip


def translate(*chunks: dict[str, Any], close: bool = True) -> tuple[list[Any], Response]:
    translator = ChatEventTranslator({"model": "m", "instructions": "Be brief."})
    for item in chunks:
        translator.feed(item)
    if close:
        translator.close()
    accumulator = ResponseAccumulator()
    for event in translator.events:
        accumulator.add(event)
    return translator.events, accumulator.snapshot()


def test_text_stream_has_the_grammar_of_a_responses_stream() -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    events, response = translate(chunk({"role": "assistant", "content": ""}), chunk({"content": "Hel"}),
                                 chunk({"content": "lo"}), chunk({}, "stop"), chunk(None, usage=usage))  # fmt: skip
    assert [e.type for e in events] == [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed",
    ]  # fmt: skip
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert response.output_text == "Hello" and response.status == "completed"
    assert response.id == "chatcmpl-1" and response.model == "m" and response.instructions == "Be brief."
    assert response.usage is not None and (response.usage.input_tokens, response.usage.output_tokens) == (
        5,
        2,
    )
    item_ids = {getattr(e, "item_id", None) for e in events} - {None}
    assert item_ids == {response.output[0].id}


def test_reasoning_then_text_are_two_items() -> None:
    events, response = translate(chunk({"reasoning_content": "Think"}), chunk({"reasoning_content": "ing."}),
                                 chunk({"content": "4"}), chunk({}, "stop"))  # fmt: skip
    assert [item.type for item in response.output] == ["reasoning", "message"]
    reasoning = response.output[0]
    assert reasoning.content is not None and reasoning.content[0].text == "Thinking."  # type: ignore[union-attr]
    assert "response.reasoning_text.done" in [e.type for e in events]
    assert response.output_text == "4"


def test_groq_reasoning_field_and_mistral_thinking_parts() -> None:
    _, groq = translate(chunk({"reasoning": "Hmm"}), chunk({"content": "ok"}), chunk({}, "stop"))
    assert groq.output[0].content[0].text == "Hmm"  # type: ignore[union-attr]
    thinking = [{"type": "thinking", "thinking": [{"type": "text", "text": "2+2"}]}]
    _, mistral = translate(chunk({"content": thinking}), chunk({"content": [{"type": "text", "text": "4"}]}),
                           chunk({"content": ""}, "stop"))  # fmt: skip
    assert [i.type for i in mistral.output] == ["reasoning", "message"] and mistral.output_text == "4"


def test_tool_calls_by_index_split_arguments_and_parallel_calls() -> None:
    events, response = translate(
        chunk({"content": "Checking."}),
        chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                               "function": {"name": "weather", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "call_b", "function": {"name": "time", "arguments": "{}"}}]}),
        chunk({"tool_calls": [{"index": 0, "id": "", "function": {"name": "", "arguments": '"Paris"}'}}]}),
        chunk({}, "tool_calls"),
    )  # fmt: skip
    calls = response.function_calls
    assert [(c.call_id, c.name, c.arguments) for c in calls] == [
        ("call_a", "weather", '{"city":"Paris"}'),
        ("call_b", "time", "{}"),
    ]
    assert response.output_text == "Checking."
    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    assert deltas == ['{"city":', "{}", '"Paris"}']


def test_tool_calls_without_index_and_with_a_late_id() -> None:
    _, mistral = translate(chunk({"tool_calls": [{"id": "gS1", "function": {"name": "w", "arguments": "{}"}}]},
                                 "tool_calls"))  # fmt: skip
    assert [(c.call_id, c.name) for c in mistral.function_calls] == [("gS1", "w")]
    _, late = translate(chunk({"tool_calls": [{"index": 1, "function": {"name": "w", "arguments": '{"a"'}}]}),
                        chunk({"tool_calls": [{"index": 1, "id": "call_9", "function": {"arguments": ":1}"}}]}),
                        chunk({}, "tool_calls"))  # fmt: skip
    (call,) = late.function_calls
    assert (call.call_id, call.arguments) == ("call_9", '{"a":1}')


def test_refusal_and_finish_reasons() -> None:
    _, refused = translate(chunk({"refusal": "I can't"}), chunk({"refusal": " help."}), chunk({}, "stop"))
    assert refused.refusal == "I can't help."
    _, cut = translate(chunk({"content": "Once upon"}), chunk({}, "length"))
    assert cut.status == "incomplete" and cut.incomplete_details is not None
    assert cut.incomplete_details.reason == "max_output_tokens"
    _, filtered = translate(chunk({"content": "x"}), chunk({}, "content_filter"))
    assert filtered.incomplete_details is not None and filtered.incomplete_details.reason == "content_filter"


def test_usage_is_read_from_the_last_chunk_that_has_it() -> None:
    _, response = translate(
        chunk({"content": "a"}, usage={"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}),
        chunk({"content": "b"}, usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}),
        chunk({}, "stop", x_groq={"usage": {"prompt_tokens": 3, "completion_tokens": 9, "total_tokens": 12}}),
    )  # fmt: skip
    assert response.usage is not None and response.usage.output_tokens == 9


def test_an_error_object_in_the_stream_fails_the_response() -> None:
    events, response = translate(chunk({"content": "par"}), {"error": {"message": "overloaded", "code": 503}},
                                 close=False)  # fmt: skip
    assert [e.type for e in events][-2:] == ["error", "response.failed"]
    assert response.status == "failed" and response.error is not None and response.error.code == "503"
    assert response.output_text == "par"


def test_first_chunks_without_choices_are_waited_out() -> None:
    filter_chunk = {"choices": [], "id": "", "model": "", "object": "", "prompt_filter_results": []}
    events, response = translate(filter_chunk, chunk({"content": "Hi"}), chunk({}, "stop"))
    assert events[0].type == "response.created" and response.id == "chatcmpl-1" and response.model == "m"


def test_an_empty_stream_closes_as_an_empty_completed_response() -> None:
    events, response = translate()
    assert [e.type for e in events] == ["response.created", "response.in_progress", "response.completed"]
    assert response.output == [] and response.status == "completed"


def test_logprobs_are_carried_on_the_text_deltas() -> None:
    logprobs = {"content": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}]}
    events, response = translate({**chunk({"content": "Hi"}), "choices": [
        {"index": 0, "delta": {"content": "Hi"}, "logprobs": logprobs, "finish_reason": "stop"}]})  # fmt: skip
    (delta,) = [e for e in events if e.type == "response.output_text.delta"]
    assert delta.logprobs is not None and delta.logprobs[0].token == "Hi"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (ResponseTextDeltaEvent, {"type": "response.output_text.delta", "sequence_number": 3, "item_id": "msg_1",
                                  "output_index": 0, "content_index": 0, "delta": "Hi"}),
        (ResponseReasoningTextDeltaEvent, {"type": "response.reasoning_text.delta", "sequence_number": 1,
                                           "item_id": "rs_1", "output_index": 0, "content_index": 0, "delta": "Hm"}),
        (ResponseRefusalDeltaEvent, {"type": "response.refusal.delta", "sequence_number": 1, "item_id": "msg_1",
                                     "output_index": 0, "content_index": 0, "delta": "No"}),
        (ResponseFunctionCallArgumentsDeltaEvent, {"type": "response.function_call_arguments.delta",
                                                   "sequence_number": 2, "item_id": "fc_1", "output_index": 1,
                                                   "delta": "{}"}),
    ],
)  # fmt: skip
def test_fast_events_equal_validated_ones(cls: type[Any], data: dict[str, Any]) -> None:
    full = dict.fromkeys(cls.model_fields) | data
    fast = fast_event(cls, full, set(data))
    validated = parse_event(__import__("json").dumps(data))
    assert type(fast) is type(validated) is cls
    assert fast == validated
    assert fast.to_dict() == validated.to_dict() == data
    assert fast.model_dump() == validated.model_dump()
    assert fast.model_fields_set == validated.model_fields_set
    assert repr(fast) == repr(validated)
