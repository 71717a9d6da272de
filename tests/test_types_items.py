"""Tests of nbresponses.types.items (and the nested tool objects): the output item and item resource unions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from nbresponses import types as t
from nbresponses.types.items import OUTPUT_ITEM_TYPES, ItemResource, OutputItem
from tests.recordings import (
    is_stream,
    iter_sse_payloads,
    json_body,
    load_recordings,
    require_recordings,
    unknown_models,
)

OUTPUT_ITEMS = TypeAdapter(OutputItem)
ITEM_RESOURCES = TypeAdapter(ItemResource)

# the 28 output item types of the spec's OutputItem union and their schema names
SPEC_ITEMS: dict[str, type[BaseModel]] = {
    "message": t.OutputMessage,
    "file_search_call": t.FileSearchToolCall,
    "function_call": t.FunctionToolCall,
    "function_call_output": t.FunctionToolCallOutputResource,
    "web_search_call": t.WebSearchToolCall,
    "computer_call": t.ComputerToolCall,
    "computer_call_output": t.ComputerToolCallOutputResource,
    "reasoning": t.ReasoningItem,
    "program": t.Program,
    "program_output": t.ProgramOutput,
    "tool_search_call": t.ToolSearchCall,
    "tool_search_output": t.ToolSearchOutput,
    "additional_tools": t.AdditionalTools,
    "compaction": t.CompactionBody,
    "image_generation_call": t.ImageGenToolCall,
    "code_interpreter_call": t.CodeInterpreterToolCall,
    "local_shell_call": t.LocalShellToolCall,
    "local_shell_call_output": t.LocalShellToolCallOutput,
    "shell_call": t.FunctionShellCall,
    "shell_call_output": t.FunctionShellCallOutput,
    "apply_patch_call": t.ApplyPatchToolCall,
    "apply_patch_call_output": t.ApplyPatchToolCallOutput,
    "mcp_call": t.MCPToolCall,
    "mcp_list_tools": t.MCPListTools,
    "mcp_approval_request": t.MCPApprovalRequest,
    "mcp_approval_response": t.MCPApprovalResponseResource,
    "custom_tool_call": t.CustomToolCall,
    "custom_tool_call_output": t.CustomToolCallOutputResource,
}


def test_output_item_types_are_the_28_of_the_spec() -> None:
    assert len(SPEC_ITEMS) == 28
    assert OUTPUT_ITEM_TYPES == set(SPEC_ITEMS)


@pytest.mark.parametrize(("item_type", "model"), sorted(SPEC_ITEMS.items()))
def test_minimal_item_of_each_type_parses_to_its_model(item_type: str, model: type[BaseModel]) -> None:
    item = OUTPUT_ITEMS.validate_python({"type": item_type})
    assert type(item) is model
    assert item.model_dump(mode="json", exclude_unset=True) == {"type": item_type}


@pytest.mark.parametrize("item_type", sorted(set(SPEC_ITEMS) - {"message"}))
def test_item_resources_share_the_tool_item_models(item_type: str) -> None:
    assert type(ITEM_RESOURCES.validate_python({"type": item_type})) is SPEC_ITEMS[item_type]


def test_type_is_required_and_always_dumped() -> None:
    with pytest.raises(ValueError, match="type"):
        t.FunctionToolCall.model_validate({"call_id": "c"})
    call = t.FunctionToolCall(type="function_call", call_id="c", name="f", arguments="{}")
    assert call.to_dict() == {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}


def test_unknown_item_type_is_kept_whole() -> None:
    data = {"type": "hologram_call", "id": "h_1", "status": "completed", "payload": {"beams": [1, 2]}}
    item = OUTPUT_ITEMS.validate_json(json.dumps(data))
    assert isinstance(item, t.UnknownItem) and item.type == "hologram_call"
    assert item.model_extra == {"id": "h_1", "status": "completed", "payload": {"beams": [1, 2]}}
    assert item.to_dict() == data


def test_known_item_that_does_not_validate_falls_back_instead_of_raising() -> None:
    data = {"type": "function_call", "call_id": "c", "arguments": {"not": "a string"}}
    item = OUTPUT_ITEMS.validate_python(data)
    assert isinstance(item, t.UnknownItem)
    assert item.to_dict() == data


def test_unknown_fields_on_known_items_are_kept() -> None:
    data = {
        "type": "message",
        "id": "m",
        "role": "assistant",
        "content": [],
        "phase": "final_answer",
        "new": 1,
    }
    item = OUTPUT_ITEMS.validate_python(data)
    assert isinstance(item, t.OutputMessage) and item.phase == "final_answer"
    assert item.to_dict() == data


def test_item_resource_messages_hold_input_or_output_content() -> None:
    user = ITEM_RESOURCES.validate_python(
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "hi"},
                {"type": "input_image", "detail": "auto", "image_url": None, "file_id": None},
                {"type": "input_file", "file_id": None, "filename": "a.pdf"},
            ],
        }
    )
    assert isinstance(user, t.Message)
    assert [type(part) for part in user.content] == [
        t.InputTextContent,
        t.InputImageContent,
        t.InputFileContent,
    ]
    assistant = ITEM_RESOURCES.validate_python(
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "yo", "annotations": []}],
        }
    )
    assert isinstance(assistant, t.Message) and isinstance(assistant.content[0], t.OutputTextContent)


def test_tool_outputs_are_strings_or_content_lists() -> None:
    as_text = OUTPUT_ITEMS.validate_python({"type": "function_call_output", "call_id": "c", "output": "42"})
    assert isinstance(as_text, t.FunctionToolCallOutputResource) and as_text.output == "42"
    as_parts = OUTPUT_ITEMS.validate_python(
        {"type": "custom_tool_call_output", "call_id": "c", "output": [{"type": "input_text", "text": "42"}]}
    )
    assert isinstance(as_parts, t.CustomToolCallOutputResource)
    assert isinstance(as_parts.output, list) and isinstance(as_parts.output[0], t.InputTextContent)


# --- nested tool objects -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "model"),
    [
        (
            {
                "type": "search",
                "query": "q",
                "sources": [{"type": "url", "url": "u"}, {"type": "api", "name": "x"}],
            },
            t.WebSearchActionSearch,
        ),
        ({"type": "open_page", "url": "https://example.com"}, t.WebSearchActionOpenPage),
        ({"type": "find_in_page", "url": "https://example.com", "pattern": "p"}, t.WebSearchActionFind),
        ({"type": "teleport", "to": "mars"}, t.UnknownAction),
    ],
)
def test_web_search_actions(action: dict[str, Any], model: type[BaseModel]) -> None:
    item = OUTPUT_ITEMS.validate_python({"type": "web_search_call", "id": "ws", "action": action})
    assert isinstance(item, t.WebSearchToolCall) and type(item.action) is model
    assert item.to_dict()["action"] == action


def test_computer_call_actions() -> None:
    item = OUTPUT_ITEMS.validate_python(
        {
            "type": "computer_call",
            "action": {"type": "click", "button": "left", "x": 1, "y": 2},
            "actions": [{"type": "drag", "path": [{"x": 1, "y": 2}]}, {"type": "zoom", "factor": 2}],
            "pending_safety_checks": [{"id": "sc", "code": "malicious_instructions", "message": "careful"}],
        }
    )
    assert isinstance(item, t.ComputerToolCall)
    assert isinstance(item.action, t.ClickParam) and item.action.x == 1
    assert item.actions is not None
    assert isinstance(item.actions[0], t.DragParam) and isinstance(item.actions[1], t.UnknownAction)
    assert (
        item.pending_safety_checks is not None
        and item.pending_safety_checks[0].code == "malicious_instructions"
    )


def test_code_interpreter_outputs() -> None:
    item = OUTPUT_ITEMS.validate_python(
        {
            "type": "code_interpreter_call",
            "outputs": [
                {"type": "logs", "logs": "4\n"},
                {"type": "image", "url": "u"},
                {"type": "video", "url": "v"},
            ],
        }
    )
    assert isinstance(item, t.CodeInterpreterToolCall) and item.outputs is not None
    assert [type(o) for o in item.outputs] == [
        t.CodeInterpreterOutputLogs,
        t.CodeInterpreterOutputImage,
        t.UnknownCodeInterpreterOutput,
    ]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "http_error", "code": 424, "message": "424: "}, t.HTTPError),
        ({"type": "mcp_protocol_error", "code": -32600, "message": "bad"}, t.MCPProtocolError),
        (
            {"type": "mcp_tool_execution_error", "content": [{"type": "text", "text": "x"}]},
            t.MCPToolExecutionError,
        ),
        ("Error retrieving tool list", str),
        (None, type(None)),
    ],
)
def test_mcp_call_errors(error: Any, expected: type) -> None:
    item = OUTPUT_ITEMS.validate_python({"type": "mcp_call", "error": error})
    assert isinstance(item, t.MCPToolCall) and type(item.error) is expected
    assert item.to_dict() == {"type": "mcp_call", "error": error}


def test_shell_and_patch_objects() -> None:
    shell = OUTPUT_ITEMS.validate_python(
        {
            "type": "shell_call_output",
            "output": [
                {"stdout": "a", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}},
                {"stdout": "", "stderr": "", "outcome": {"type": "timeout"}},
            ],
        }
    )
    assert isinstance(shell, t.FunctionShellCallOutput) and shell.output is not None
    assert isinstance(shell.output[0].outcome, t.FunctionShellCallOutputExitOutcome)
    assert isinstance(shell.output[1].outcome, t.FunctionShellCallOutputTimeoutOutcome)
    call = OUTPUT_ITEMS.validate_python(
        {
            "type": "shell_call",
            "environment": {"type": "container_reference", "container_id": "cntr"},
            "caller": {"type": "program", "caller_id": "call_1"},
        }
    )
    assert isinstance(call, t.FunctionShellCall)
    assert isinstance(call.environment, t.ContainerReferenceResource)
    assert isinstance(call.caller, t.ProgramToolCallCaller)
    patch = OUTPUT_ITEMS.validate_python(
        {"type": "apply_patch_call", "operation": {"type": "delete_file", "path": "a.py"}}
    )
    assert isinstance(patch, t.ApplyPatchToolCall) and isinstance(
        patch.operation, t.ApplyPatchDeleteFileOperation
    )


# --- recordings ----------------------------------------------------------------------------------------------


def _recorded_items() -> list[tuple[str, dict[str, Any]]]:
    """Every item object in the recordings: response outputs, listed items, and items of stream events."""
    require_recordings()
    found: list[tuple[str, dict[str, Any]]] = []
    for recording in load_recordings():
        name = recording["name"]
        if is_stream(recording):
            for data in iter_sse_payloads(recording):
                event = json.loads(data)
                if isinstance(event.get("item"), dict):
                    found.append((f"{name}:{event['type']}", event["item"]))
                found += [
                    (f"{name}:{event['type']}", i) for i in (event.get("response") or {}).get("output", [])
                ]
            continue
        body = json_body(recording)
        if isinstance(body, dict):
            for key in ("output", "data"):
                found += [(f"{name}:{key}", i) for i in body.get(key) or [] if isinstance(i, dict)]
    return found


def test_every_recorded_output_item_parses_to_its_known_model() -> None:
    failures = []
    kinds = set()
    for where, data in _recorded_items():
        adapter = ITEM_RESOURCES if data.get("role") not in (None, "assistant") else OUTPUT_ITEMS
        item = adapter.validate_python(data)
        kinds.add(data["type"])
        if unknowns := unknown_models(item):
            failures.append(f"{where}: fell back to Unknown* at {unknowns}")
        elif item.model_dump(mode="json", exclude_unset=True) != data:
            failures.append(f"{where}: {data['type']} does not round-trip")
    assert not failures, "\n".join(failures[:20])
    assert len(kinds) >= 20
