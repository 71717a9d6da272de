"""Tests of nbresponses.types.events: the event models, EVENT_TYPES and parse_event, against the recordings."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from nbresponses.types import events
from nbresponses.types.content import OutputTextContent, SummaryTextContent, UrlCitationBody
from nbresponses.types.events import (
    EVENT_TYPES,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseErrorEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputTextAnnotationAddedEvent,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseShellCallOutputContentDoneStreamingEvent,
    ResponseTextDeltaEvent,
    UnknownEvent,
    parse_event,
)
from nbresponses.types.items import FunctionToolCall, OutputMessage
from nbresponses.types.response import Response
from tests.recordings import is_stream, iter_sse_payloads, load_recordings, require_recordings, unknown_models

# the 58 event types of ResponseStreamEvent in the spec, plus the two apply_patch diff events seen in traffic
SPEC_EVENT_TYPES = {
    "error",
    "response.audio.delta",
    "response.audio.done",
    "response.audio.transcript.delta",
    "response.audio.transcript.done",
    "response.code_interpreter_call.completed",
    "response.code_interpreter_call.in_progress",
    "response.code_interpreter_call.interpreting",
    "response.code_interpreter_call_code.delta",
    "response.code_interpreter_call_code.done",
    "response.completed",
    "response.content_part.added",
    "response.content_part.done",
    "response.created",
    "response.custom_tool_call_input.delta",
    "response.custom_tool_call_input.done",
    "response.failed",
    "response.file_search_call.completed",
    "response.file_search_call.in_progress",
    "response.file_search_call.searching",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.image_generation_call.completed",
    "response.image_generation_call.generating",
    "response.image_generation_call.in_progress",
    "response.image_generation_call.partial_image",
    "response.in_progress",
    "response.incomplete",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
    "response.mcp_call.in_progress",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_list_tools.completed",
    "response.mcp_list_tools.failed",
    "response.mcp_list_tools.in_progress",
    "response.output_item.added",
    "response.output_item.done",
    "response.output_text.annotation.added",
    "response.output_text.delta",
    "response.output_text.done",
    "response.queued",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_part.done",
    "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done",
    "response.reasoning_text.delta",
    "response.reasoning_text.done",
    "response.refusal.delta",
    "response.refusal.done",
    "response.shell_call_command.added",
    "response.shell_call_command.delta",
    "response.shell_call_command.done",
    "response.shell_call_output_content.delta",
    "response.shell_call_output_content.done",
    "response.web_search_call.completed",
    "response.web_search_call.in_progress",
    "response.web_search_call.searching",
}
RECORDED_ONLY = {
    "response.apply_patch_call_operation_diff.delta",
    "response.apply_patch_call_operation_diff.done",
}


def _streams() -> list[dict[str, Any]]:
    require_recordings()
    return [r for r in load_recordings() if is_stream(r)]


# --- the set of known events ---------------------------------------------------------------------------------


def test_event_types_are_the_spec_plus_the_recorded_extras() -> None:
    assert len(SPEC_EVENT_TYPES) == 58
    assert EVENT_TYPES == SPEC_EVENT_TYPES | RECORDED_ONLY


@pytest.mark.parametrize("event_type", sorted(SPEC_EVENT_TYPES | RECORDED_ONLY))
def test_each_known_type_parses_to_its_own_model(event_type: str) -> None:
    event = parse_event(json.dumps({"type": event_type}))
    assert not isinstance(event, UnknownEvent)
    assert event.type == event_type
    assert type(event).__name__.endswith("Event")
    assert event.to_dict() == {"type": event_type}


def test_every_event_model_is_exported_and_named_like_the_spec() -> None:
    known = get_args(events.ResponseStreamEvent)[0]  # Annotated[<the union>, the discriminator]
    models = get_args(known)
    assert len(models) == 60
    assert all(
        getattr(events, model.__name__) is model and model.__name__ in events.__all__ for model in models
    )
    assert {"ResponseTextDeltaEvent", "ResponseCompletedEvent", "ResponseErrorEvent"} <= set(events.__all__)


# --- the recordings ------------------------------------------------------------------------------------------


def test_every_recorded_event_parses_round_trips_and_never_falls_back() -> None:
    failures: list[str] = []
    seen: set[str] = set()
    total = 0
    for recording in _streams():
        for index, data in enumerate(iter_sse_payloads(recording)):
            total += 1
            where = f"{recording['name']}#{index}"
            event = parse_event(data)
            seen.add(event.type)
            if event.model_dump(mode="json", exclude_unset=True) != json.loads(data):
                failures.append(f"{where} ({event.type}): round trip differs")
            if event.type in EVENT_TYPES and (unknowns := unknown_models(event)):
                failures.append(f"{where} ({event.type}): fell back to Unknown* at {unknowns[:3]}")
    assert not failures, "\n".join(failures[:20])
    assert total > 2500
    assert seen <= EVENT_TYPES, f"recorded event types not modelled: {seen - EVENT_TYPES}"
    assert RECORDED_ONLY <= seen


def test_recorded_streams_end_with_a_typed_response() -> None:
    for recording in _streams():
        parsed = [parse_event(data) for data in iter_sse_payloads(recording)]
        terminal = [
            e for e in parsed if e.type in ("response.completed", "response.failed", "response.incomplete")
        ]
        assert terminal, recording["name"]
        response = getattr(terminal[-1], "response", None)
        assert isinstance(response, Response), recording["name"]


def test_legacy_stream_without_sequence_numbers() -> None:
    recording = next(r for r in _streams() if r["name"] == "stream-function-call-legacy-no-seq")
    parsed = [parse_event(data) for data in iter_sse_payloads(recording)]
    assert all(getattr(e, "sequence_number", None) is None for e in parsed)
    assert all("sequence_number" not in e.to_dict() for e in parsed)
    done = [e for e in parsed if isinstance(e, ResponseOutputItemAddedEvent)]
    assert done and isinstance(done[0].item, FunctionToolCall)


def test_recorded_error_event_nests_its_details() -> None:
    recording = next(r for r in _streams() if r["name"] == "stream-error-insufficient-quota-failed-jsonl")
    errors = [e for e in map(parse_event, iter_sse_payloads(recording)) if isinstance(e, ResponseErrorEvent)]
    assert len(errors) == 1
    error = errors[0].error
    assert error is not None and error.code == "insufficient_quota" and error.type == "insufficient_quota"
    assert errors[0].code is None and errors[0].message is None


# --- individual events ---------------------------------------------------------------------------------------


def test_error_event_in_the_spec_form() -> None:
    event = parse_event(
        '{"type":"error","code":"server_error","message":"boom","param":null,"sequence_number":4}'
    )
    assert isinstance(event, ResponseErrorEvent)
    assert (event.code, event.message, event.param, event.error) == ("server_error", "boom", None, None)


def test_text_delta_with_logprobs_and_obfuscation() -> None:
    data = {
        "type": "response.output_text.delta",
        "sequence_number": 7,
        "item_id": "msg_1",
        "output_index": 0,
        "content_index": 0,
        "delta": "Hi",
        "logprobs": [{"token": "Hi", "logprob": -0.1, "top_logprobs": [{"token": "Hi", "logprob": -0.1}]}],
        "obfuscation": "xYz",
    }
    event = parse_event(json.dumps(data).encode())
    assert isinstance(event, ResponseTextDeltaEvent)
    assert event.delta == "Hi" and event.obfuscation == "xYz" and event.sequence_number == 7
    assert event.logprobs is not None and event.logprobs[0].top_logprobs is not None
    assert event.to_dict() == data


def test_nested_objects_are_typed() -> None:
    added = parse_event(
        '{"type":"response.content_part.added","item_id":"m","output_index":0,"content_index":0,'
        '"part":{"type":"output_text","text":"","annotations":[]}}'
    )
    assert isinstance(added, ResponseContentPartAddedEvent) and isinstance(added.part, OutputTextContent)
    item = parse_event(
        '{"type":"response.output_item.added","output_index":0,"item":{"type":"message","id":"m"}}'
    )
    assert isinstance(item, ResponseOutputItemAddedEvent) and isinstance(item.item, OutputMessage)
    annotation = parse_event(
        '{"type":"response.output_text.annotation.added","annotation":{"type":"url_citation","url":"https://x"}}'
    )
    assert isinstance(annotation, ResponseOutputTextAnnotationAddedEvent)
    assert isinstance(annotation.annotation, UrlCitationBody)
    summary = parse_event(
        '{"type":"response.reasoning_summary_part.added","part":{"type":"summary_text","text":""}}'
    )
    assert isinstance(summary, ResponseReasoningSummaryPartAddedEvent) and isinstance(
        summary.part, SummaryTextContent
    )
    shell = parse_event(
        '{"type":"response.shell_call_output_content.done","output":[{"stdout":"a","stderr":"",'
        '"outcome":{"type":"exit","exit_code":0}}]}'
    )
    assert isinstance(shell, ResponseShellCallOutputContentDoneStreamingEvent)
    assert shell.output is not None and shell.output[0].stdout == "a"
    completed = parse_event('{"type":"response.completed","response":{"id":"r","output":[]}}')
    assert isinstance(completed, ResponseCompletedEvent) and isinstance(completed.response, Response)


def test_unknown_event_type_is_kept_whole() -> None:
    data = {"type": "response.hologram.delta", "sequence_number": 3, "delta": {"x": [1, 2]}, "item_id": "h"}
    event = parse_event(json.dumps(data))
    assert isinstance(event, UnknownEvent)
    assert event.type == "response.hologram.delta"
    assert event.model_extra == {"sequence_number": 3, "delta": {"x": [1, 2]}, "item_id": "h"}
    assert event.to_dict() == data


def test_unknown_fields_on_known_events_are_kept() -> None:
    data = {"type": "response.output_text.done", "text": "t", "new_field": True}
    event = parse_event(json.dumps(data))
    assert type(event).__name__ == "ResponseTextDoneEvent"
    assert event.to_dict() == data


def test_unknown_item_inside_a_known_event() -> None:
    data = {
        "type": "response.output_item.done",
        "output_index": 2,
        "item": {"type": "teleport_call", "id": "t"},
    }
    event = parse_event(json.dumps(data))
    assert isinstance(event, events.ResponseOutputItemDoneEvent)
    assert type(event.item).__name__ == "UnknownItem"
    assert event.to_dict() == data


@pytest.mark.parametrize("data", ["not json", "{}", '{"type": 5}', "[]"])
def test_malformed_payloads_raise_validation_error(data: str) -> None:
    with pytest.raises(ValidationError):
        parse_event(data)


def test_adapter_is_built_once() -> None:
    assert events._event_adapter() is events._event_adapter()


def test_import_builds_no_validator() -> None:
    code = textwrap.dedent(
        """
        import nbresponses.types as t
        from nbresponses.types import events
        assert events._event_adapter.cache_info().currsize == 0
        assert not t.Response.__pydantic_complete__
        assert not t.ResponseTextDeltaEvent.__pydantic_complete__
        events.parse_event('{"type": "response.output_text.delta", "delta": "x"}')
        assert events._event_adapter.cache_info().currsize == 1
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
