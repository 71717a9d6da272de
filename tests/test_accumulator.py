"""Tests of nbresponses._accumulator: folding events into a Response snapshot."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, get_args, get_type_hints

import pytest

from nbresponses import _accumulator
from nbresponses._accumulator import _STATUS_EVENTS, ResponseAccumulator
from nbresponses.types.events import EVENT_TYPES, ResponseStreamEvent, parse_event
from tests.sse_fixtures import ITEM_ID, RESPONSE_ID, response_object, text_events

KNOWN_EVENTS = get_args(ResponseStreamEvent)[0]  # Annotated[<the union of the known events>, discriminator]


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


def test_hosted_tool_status_events_and_code_deltas() -> None:
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
    assert snapshot.output[1].to_dict() == events[3]["item"]  # a partial image is the view's, not the item's
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


# --- one test per handler ------------------------------------------------------------------------------------


def output(acc: ResponseAccumulator, index: int = 0) -> dict[str, Any]:
    """Output item ``index`` of the snapshot, as JSON."""
    return acc.snapshot().to_dict()["output"][index]


def test_every_handler_takes_the_event_class_of_its_type() -> None:
    classes = {model.model_fields["type"].annotation.__args__[0]: model for model in get_args(KNOWN_EVENTS)}
    handlers = ResponseAccumulator()._handlers
    assert set(handlers) <= EVENT_TYPES
    assert len(handlers) >= 40
    for event_type, handler in handlers.items():
        hint = get_type_hints(handler)["event"]
        accepted = get_args(hint) or (hint,)
        assert any(issubclass(classes[event_type], cls) for cls in accepted), (event_type, hint)


@pytest.mark.parametrize("kind", ["response.created", "response.queued", "response.in_progress"])
def test_response_events_set_the_response_fields_not_its_output(kind: str) -> None:
    late = {"type": "message", "id": "m_late", "role": "assistant", "content": []}
    acc = fold([{"type": kind, "response": response_object(status="queued", output=[late], model="m-1")}])
    snapshot = acc.snapshot()
    assert (snapshot.id, snapshot.status, snapshot.model, snapshot.output) == (
        RESPONSE_ID,
        "queued",
        "m-1",
        [],
    )
    assert acc.response_id == RESPONSE_ID and not acc.done


@pytest.mark.parametrize("kind", ["response.completed", "response.incomplete", "response.failed"])
def test_terminal_events_end_the_stream_with_their_response(kind: str) -> None:
    status = kind.removeprefix("response.")
    final = {
        "type": "message",
        "id": ITEM_ID,
        "role": "assistant",
        "content": [{"type": "output_text", "text": "F"}],
    }
    events = text_events(["a", "b"])[:-1] + [{"type": kind, "response": response_object(status, [final])}]
    acc = fold(events)
    assert acc.done
    assert acc.snapshot().status == status and acc.snapshot().output_text == "F"  # the server's final word
    assert acc.rebuilt().output_text == "ab"  # the events' own


def test_error_event_merges_nested_and_top_level_details() -> None:
    acc = fold(
        [
            {
                "type": "error",
                "error": {"type": "server_error", "message": "nested"},
                "message": "top",
                "code": "c",
            }
        ]
    )
    assert acc.error == {"type": "server_error", "message": "nested", "code": "c"}
    assert not acc.done


def test_output_item_added_and_done() -> None:
    call = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "c1",
        "name": "f",
        "arguments": "",
        "status": "in_progress",
    }
    acc = fold([{"type": "response.output_item.added", "output_index": 0, "item": call}])
    assert output(acc) == call and not acc.items_complete
    done = {**call, "arguments": "{}", "status": "completed"}
    acc.add(parse_event(json.dumps({"type": "response.output_item.done", "output_index": 0, "item": done})))
    assert output(acc) == done and acc.items_complete


def test_output_items_without_an_index_are_appended() -> None:
    first = {"type": "message", "id": "m1", "role": "assistant", "content": []}
    second = {"type": "reasoning", "id": "rs1", "summary": []}
    acc = fold([
        {"type": "response.output_item.added", "item": first},
        {"type": "response.output_item.done", "item": second},
    ])  # fmt: skip
    assert [item["id"] for item in acc.snapshot().to_dict()["output"]] == ["m1", "rs1"]
    assert not acc.items_complete  # the first one never finished


def test_output_item_events_without_their_item_are_survived() -> None:
    acc = fold([
        {"type": "response.output_item.added", "output_index": 0},
        {"type": "response.output_text.delta", "item_id": "m1", "output_index": 0, "content_index": 0, "delta": "x"},
        {"type": "response.output_item.done", "output_index": 0},
    ])  # fmt: skip
    assert acc.snapshot().output_text == "x" and acc.items_complete


def test_content_part_added_then_done_replaces_the_deltas() -> None:
    events = text_events(["a", "b"])[
        :-4
    ]  # up to the last delta: no text.done, part.done, item.done, completed
    acc = fold(events)
    assert output(acc)["content"] == [{"type": "output_text", "annotations": [], "text": "ab"}]
    part = {"type": "output_text", "annotations": [], "text": "the part"}
    acc.add(parse_event(json.dumps({"type": "response.content_part.done", "item_id": ITEM_ID, "output_index": 0,
                                    "content_index": 0, "part": part})))  # fmt: skip
    assert output(acc)["content"] == [part]


def test_a_refusal_part_is_built_from_refusal_deltas() -> None:
    acc = fold([
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "message", "id": "m", "content": []}},
        {"type": "response.content_part.added", "item_id": "m", "output_index": 0, "content_index": 0,
         "part": {"type": "refusal", "refusal": ""}},
        {"type": "response.refusal.delta", "item_id": "m", "output_index": 0, "content_index": 0, "delta": "No."},
    ])  # fmt: skip
    assert output(acc)["content"] == [{"type": "refusal", "refusal": "No."}]


def test_text_deltas_keep_their_logprobs() -> None:
    logprob = {"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}
    acc = fold([
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "message", "id": "m", "content": []}},
        {"type": "response.output_text.delta", "item_id": "m", "output_index": 0, "content_index": 0, "delta": "Hi",
         "logprobs": [logprob]},
    ])  # fmt: skip
    assert output(acc)["content"][0]["logprobs"] == [logprob]


def test_annotations_are_set_at_their_index_or_appended() -> None:
    def citation(url: str, index: int | None) -> dict[str, Any]:
        return {"type": "response.output_text.annotation.added", "item_id": "m", "output_index": 0, "content_index": 0,
                "annotation_index": index, "annotation": {"type": "url_citation", "url": url}}  # fmt: skip

    acc = fold(
        [
            citation("https://a.example", 0),
            citation("https://b.example", None),
            citation("https://c.example", 0),
        ]
    )
    urls = [a["url"] for a in output(acc)["content"][0]["annotations"]]
    assert urls == ["https://c.example", "https://b.example"]


def test_reasoning_summary_part_added_then_done_replaces_the_deltas() -> None:
    def event(kind: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, "item_id": "rs", "output_index": 0, "summary_index": 1, **fields}

    acc = fold([
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "rs", "summary": []}},
        event("response.reasoning_summary_part.added", part={"type": "summary_text", "text": ""}),
        event("response.reasoning_summary_text.delta", delta="Thin"),
        event("response.reasoning_summary_text.delta", delta="king"),
    ])  # fmt: skip
    assert output(acc)["summary"] == [
        {"type": "summary_text", "text": ""},
        {"type": "summary_text", "text": "Thinking"},
    ]
    acc.add(parse_event(json.dumps(event("response.reasoning_summary_part.done",
                                         part={"type": "summary_text", "text": "Done."}))))  # fmt: skip
    assert output(acc)["summary"][1] == {"type": "summary_text", "text": "Done."}


@pytest.mark.parametrize("status_event", sorted(_STATUS_EVENTS))
def test_hosted_tool_progress_sets_the_item_status(status_event: str) -> None:
    kind = status_event.removeprefix("response.").rsplit(".", 1)[0]
    acc = fold([
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": kind, "id": "t1", "status": "in_progress"}},
        {"type": status_event, "item_id": "t1", "output_index": 0},
    ])  # fmt: skip
    assert output(acc) == {"type": kind, "id": "t1", "status": _STATUS_EVENTS[status_event]}


def test_partial_images_leave_the_response_alone() -> None:
    item = {"type": "image_generation_call", "id": "ig", "status": "generating"}
    acc = fold([
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.image_generation_call.partial_image", "item_id": "ig", "output_index": 0,
         "partial_image_index": 0, "partial_image_b64": "aGVsbG8="},
    ])  # fmt: skip
    assert output(acc) == item and acc.event_count == 2


def test_deltas_without_their_text_add_nothing() -> None:
    acc = fold([
        {"type": "response.output_text.delta", "item_id": "m", "output_index": 0, "content_index": 0, "delta": "a"},
        {"type": "response.output_text.delta", "item_id": "m", "output_index": 0, "content_index": 0},
        {"type": "response.function_call_arguments.delta", "item_id": "fc", "output_index": 1},
    ])  # fmt: skip
    assert acc.snapshot().output_text == "a"


# --- every delta/done pair: the deltas build the value, the .done event replaces it -----------------------------

# kind -> (item, delta event, done event, field of the done event, path of the value in the output item)
DELTA_KINDS: dict[str, tuple[dict[str, Any], str, str, str, tuple[str | int, ...]]] = {
    "output_text": (
        {"type": "message", "id": "i", "role": "assistant", "content": []},
        "response.output_text.delta", "response.output_text.done", "text", ("content", 0, "text"),
    ),
    "refusal": (
        {"type": "message", "id": "i", "role": "assistant", "content": []},
        "response.refusal.delta", "response.refusal.done", "refusal", ("content", 0, "refusal"),
    ),
    "reasoning_text": (
        {"type": "reasoning", "id": "i", "summary": []},
        "response.reasoning_text.delta", "response.reasoning_text.done", "text", ("content", 0, "text"),
    ),
    "reasoning_summary_text": (
        {"type": "reasoning", "id": "i", "summary": []},
        "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done", "text",
        ("summary", 0, "text"),
    ),
    "function_call_arguments": (
        {"type": "function_call", "id": "i", "call_id": "c", "name": "f", "arguments": ""},
        "response.function_call_arguments.delta", "response.function_call_arguments.done", "arguments",
        ("arguments",),
    ),
    "custom_tool_call_input": (
        {"type": "custom_tool_call", "id": "i", "call_id": "c", "name": "f", "input": ""},
        "response.custom_tool_call_input.delta", "response.custom_tool_call_input.done", "input", ("input",),
    ),
    "mcp_call_arguments": (
        {"type": "mcp_call", "id": "i", "name": "t", "server_label": "s", "arguments": ""},
        "response.mcp_call_arguments.delta", "response.mcp_call_arguments.done", "arguments", ("arguments",),
    ),
    "code_interpreter_call_code": (
        {"type": "code_interpreter_call", "id": "i", "code": "", "container_id": "c", "status": "in_progress"},
        "response.code_interpreter_call_code.delta", "response.code_interpreter_call_code.done", "code", ("code",),
    ),
    "apply_patch_call_operation_diff": (
        {"type": "apply_patch_call", "id": "i", "call_id": "c", "status": "in_progress",
         "operation": {"type": "update_file", "path": "a.py", "diff": ""}},
        "response.apply_patch_call_operation_diff.delta", "response.apply_patch_call_operation_diff.done", "diff",
        ("operation", "diff"),
    ),
}  # fmt: skip


def _value(item: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    value: Any = item
    for key in path:
        value = value[key]
    return value


def _pair_events(kind: str, deltas: list[str], done: str | None) -> list[dict[str, Any]]:
    item, delta_type, done_type, done_field, _path = DELTA_KINDS[kind]
    where = {"item_id": "i", "output_index": 0, "content_index": 0, "summary_index": 0}
    events = [{"type": "response.output_item.added", "output_index": 0, "item": item}]
    events += [{"type": delta_type, **where, "delta": delta} for delta in deltas]
    if done is not None:
        events.append({"type": done_type, **where, done_field: done})
    return events


def test_the_table_covers_every_delta_event_with_a_done_twin() -> None:
    paired = {
        t for t in EVENT_TYPES if t.endswith(".delta") and t.removesuffix(".delta") + ".done" in EVENT_TYPES
    }
    not_folded = {  # no Response field to build: audio is not in Responses output, shell output is the item's
        "response.audio.delta", "response.audio.transcript.delta", "response.shell_call_command.delta",
        "response.shell_call_output_content.delta",
    }  # fmt: skip
    assert {kind[1] for kind in DELTA_KINDS.values()} == paired - not_folded


@pytest.mark.parametrize("kind", sorted(DELTA_KINDS))
def test_deltas_alone_build_the_value(kind: str) -> None:
    acc = fold(_pair_events(kind, ["ab", "c", "", "d"], None))
    assert _value(output(acc), DELTA_KINDS[kind][4]) == "abcd"
    assert acc.event_count == 5


@pytest.mark.parametrize("kind", sorted(DELTA_KINDS))
def test_a_done_event_replaces_the_deltas(kind: str) -> None:
    acc = fold(_pair_events(kind, ["typo", "d"], "the server's word"))
    assert _value(output(acc), DELTA_KINDS[kind][4]) == "the server's word"


@pytest.mark.parametrize("kind", sorted(DELTA_KINDS))
def test_deltas_after_a_snapshot_extend_it_and_a_done_without_its_value_keeps_them(kind: str) -> None:
    acc = fold(_pair_events(kind, ["x"], None))
    first = acc.snapshot()
    acc.add(parse_event(json.dumps(_pair_events(kind, ["y"], None)[-1])))
    assert _value(output(acc), DELTA_KINDS[kind][4]) == "xy" and acc.snapshot() is not first
    done_type = DELTA_KINDS[kind][2]
    acc.add(parse_event(json.dumps({"type": done_type, "item_id": "i", "output_index": 0, "content_index": 0,
                                    "summary_index": 0})))  # fmt: skip
    assert _value(output(acc), DELTA_KINDS[kind][4]) == "xy"


@pytest.mark.parametrize("kind", sorted(DELTA_KINDS))
def test_output_item_done_replaces_everything_the_deltas_built(kind: str) -> None:
    final = _value_item(kind, "final")
    acc = fold(
        [
            *_pair_events(kind, ["a", "b"], None),
            {"type": "response.output_item.done", "output_index": 0, "item": final},
        ]
    )
    assert _value(output(acc), DELTA_KINDS[kind][4]) == "final"
    assert acc.items_complete


def _value_item(kind: str, value: str) -> dict[str, Any]:
    """The kind's item holding ``value`` where the deltas would build it."""
    item = json.loads(json.dumps(DELTA_KINDS[kind][0]))
    path = DELTA_KINDS[kind][4]
    if path[0] in ("content", "summary"):
        part_type = {"output_text": "output_text", "refusal": "refusal", "reasoning_text": "reasoning_text"}
        part: dict[str, Any] = {"type": part_type.get(kind, "summary_text"), str(path[2]): value}
        item[str(path[0])] = [part]
    elif len(path) == 2:
        item[path[0]][path[1]] = value
    else:
        item[path[0]] = value
    return item


def test_the_accumulator_is_pure_and_single_threaded() -> None:
    """The lock between the stream and a view's helper thread is the stream pump's (see test_stream)."""
    tree = ast.parse(Path(_accumulator.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {"__future__", "collections", "typing", "types"}, imported
    assert not hasattr(ResponseAccumulator(), "lock")
