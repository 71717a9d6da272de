"""Tests of nbresponses._accumulator: folding events into a Response snapshot."""

from __future__ import annotations

import json
from typing import Any

from nbresponses._accumulator import ResponseAccumulator
from nbresponses.types.events import parse_event
from tests.sse_fixtures import ITEM_ID, response_object, text_events


def fold(events: list[dict[str, Any]]) -> ResponseAccumulator:
    acc = ResponseAccumulator()
    for event in events:
        acc.add(parse_event(json.dumps(event)))
    return acc


def without_done(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the deltas and the announcements: what a cut-off stream or a minimal gateway gives."""
    dropped = ("done", "response.completed")
    return [e for e in events if not e["type"].endswith(dropped)]


def test_text_from_deltas_alone() -> None:
    acc = fold(without_done(text_events(["Hel", "lo", ", ", "world"])))
    assert not acc.done
    assert acc.output_text() == "Hello, world"
    snapshot = acc.snapshot()
    assert snapshot.output_text == "Hello, world"
    assert snapshot.status == "in_progress"
    assert snapshot.id == "resp_test0001"


def test_terminal_response_wins_and_is_cached() -> None:
    acc = fold(text_events(["a", "b"]))
    assert acc.done
    first = acc.snapshot()
    assert first is acc.snapshot()
    assert first.status == "completed" and first.output_text == "ab"
    assert acc.rebuilt().output[0].to_dict() == first.output[0].to_dict()


def test_terminal_with_empty_output_is_filled_from_events() -> None:
    events = text_events(["filled"])
    events[-1]["response"]["output"] = []
    assert fold(events).snapshot().output_text == "filled"


def test_function_call_arguments_from_deltas() -> None:
    item = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": "",
        "status": "in_progress",
    }
    events = [
        {"type": "response.created", "response": response_object()},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_1",
            "output_index": 0,
            "delta": '{"ci',
        },
        {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_1",
            "output_index": 0,
            "delta": 'ty":"Paris"}',
        },
    ]
    snapshot = fold(events).snapshot()
    call = snapshot.function_calls[0]
    assert call.arguments == '{"city":"Paris"}' and call.name == "get_weather" and call.call_id == "call_1"


def test_reasoning_summary_and_refusal_and_annotations() -> None:
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": []}
    message = {"type": "message", "id": ITEM_ID, "role": "assistant", "status": "in_progress", "content": []}
    annotation = {
        "type": "url_citation",
        "url": "https://example.org",
        "title": "Ex",
        "start_index": 0,
        "end_index": 4,
    }
    events = [
        {"type": "response.created", "response": response_object()},
        {"type": "response.output_item.added", "output_index": 0, "item": reasoning},
        {
            "type": "response.reasoning_summary_part.added",
            "item_id": "rs_1",
            "output_index": 0,
            "summary_index": 0,
            "part": {"type": "summary_text", "text": ""},
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "item_id": "rs_1",
            "output_index": 0,
            "summary_index": 0,
            "delta": "**Thinking** ",
        },
        {
            "type": "response.reasoning_summary_text.delta",
            "item_id": "rs_1",
            "output_index": 0,
            "summary_index": 0,
            "delta": "hard",
        },
        {"type": "response.output_item.added", "output_index": 1, "item": message},
        {
            "type": "response.output_text.delta",
            "item_id": ITEM_ID,
            "output_index": 1,
            "content_index": 0,
            "delta": "Text",
        },
        {
            "type": "response.output_text.annotation.added",
            "item_id": ITEM_ID,
            "output_index": 1,
            "content_index": 0,
            "annotation_index": 0,
            "annotation": annotation,
        },
        {
            "type": "response.refusal.delta",
            "item_id": ITEM_ID,
            "output_index": 1,
            "content_index": 1,
            "delta": "I can't",
        },
        {
            "type": "response.refusal.delta",
            "item_id": ITEM_ID,
            "output_index": 1,
            "content_index": 1,
            "delta": " help.",
        },
    ]
    snapshot = fold(events).snapshot()
    assert snapshot.reasoning_summary == "**Thinking** hard"
    assert snapshot.output_text == "Text"
    assert snapshot.refusal == "I can't help."
    part = snapshot.output[1].content[0]  # type: ignore[union-attr]
    assert part.annotations[0].url == "https://example.org"  # type: ignore[union-attr]


def test_hosted_tool_status_events_and_partial_images() -> None:
    events = [
        {"type": "response.created", "response": response_object()},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"type": "web_search_call", "id": "ws_1", "status": "in_progress"},
        },
        {"type": "response.web_search_call.searching", "item_id": "ws_1", "output_index": 0},
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {"type": "image_generation_call", "id": "ig_1", "status": "in_progress", "result": None},
        },
        {
            "type": "response.image_generation_call.partial_image",
            "item_id": "ig_1",
            "output_index": 1,
            "partial_image_index": 0,
            "partial_image_b64": "aGVsbG8=",
        },
        {
            "type": "response.output_item.added",
            "output_index": 2,
            "item": {
                "type": "code_interpreter_call",
                "id": "ci_1",
                "status": "in_progress",
                "code": "",
                "container_id": "cntr_1",
                "outputs": None,
            },
        },
        {
            "type": "response.code_interpreter_call_code.delta",
            "item_id": "ci_1",
            "output_index": 2,
            "delta": "print(1",
        },
        {
            "type": "response.code_interpreter_call_code.delta",
            "item_id": "ci_1",
            "output_index": 2,
            "delta": ")",
        },
        {"type": "response.code_interpreter_call.interpreting", "item_id": "ci_1", "output_index": 2},
    ]
    acc = fold(events)
    snapshot = acc.snapshot()
    assert snapshot.output[0].status == "searching"  # type: ignore[union-attr]
    assert acc.partial_images == {"ig_1": "aGVsbG8="}
    assert snapshot.output[2].code == "print(1)"  # type: ignore[union-attr]
    assert snapshot.output[2].status == "interpreting"  # type: ignore[union-attr]


def test_unknown_events_are_counted_not_fatal() -> None:
    acc = fold(
        [
            {"type": "response.created", "response": response_object()},
            {"type": "response.hologram.delta", "output_index": 0, "delta": "?"},
        ]
    )
    assert acc.event_count == 2
    assert acc.snapshot().output == []


def test_error_event_details_are_kept() -> None:
    acc = fold([{"type": "error", "code": "server_error", "message": "boom", "param": None}])
    assert acc.error == {"code": "server_error", "message": "boom"}
