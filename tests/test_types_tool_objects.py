"""Tests of nbresponses.types._tool_objects: each tagged union picks its class by ``type``, and a type this version
does not know falls back to an ``Unknown*`` object that keeps every field (so the item carrying it still parses)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from nbresponses.types import _tool_objects as objects

UNIONS: list[tuple[Any, dict[str, Any], type]] = [
    (objects.WebSearchAction, {"type": "search", "query": "python 3.14", "sources": []}, objects.WebSearchActionSearch),
    (objects.WebSearchAction, {"type": "open_page", "url": "https://example.org"}, objects.WebSearchActionOpenPage),
    (objects.WebSearchAction, {"type": "find_in_page", "url": "u", "pattern": "p"}, objects.WebSearchActionFind),
    (objects.ComputerAction, {"type": "click", "button": "left", "x": 1, "y": 2}, objects.ClickParam),
    (objects.ComputerAction, {"type": "keypress", "keys": ["CTRL", "C"]}, objects.KeyPressAction),
    (objects.ComputerAction, {"type": "drag", "path": [{"x": 0, "y": 0}, {"x": 5, "y": 5}]}, objects.DragParam),
    (objects.ComputerAction, {"type": "wait"}, objects.WaitParam),
    (objects.CodeInterpreterOutput, {"type": "logs", "logs": "42\n"}, objects.CodeInterpreterOutputLogs),
    (objects.CodeInterpreterOutput, {"type": "image", "url": "https://x/y.png"}, objects.CodeInterpreterOutputImage),
    (objects.LocalShellAction, {"type": "exec", "command": ["ls", "-l"], "env": {}}, objects.LocalShellExecAction),
    (objects.ShellEnvironment, {"type": "local"}, objects.LocalEnvironmentResource),
    (objects.ShellEnvironment, {"type": "container_reference", "container_id": "c"}, objects.ContainerReferenceResource),
    (objects.ShellCallOutcome, {"type": "exit", "exit_code": 1}, objects.FunctionShellCallOutputExitOutcome),
    (objects.ShellCallOutcome, {"type": "timeout"}, objects.FunctionShellCallOutputTimeoutOutcome),
    (objects.ApplyPatchOperation, {"type": "create_file", "path": "a.py", "diff": "+x"}, objects.ApplyPatchCreateFileOperation),
    (objects.ApplyPatchOperation, {"type": "delete_file", "path": "a.py"}, objects.ApplyPatchDeleteFileOperation),
    (objects.ApplyPatchOperation, {"type": "update_file", "path": "a.py", "diff": "-x"}, objects.ApplyPatchUpdateFileOperation),
    (objects.ToolCallCaller, {"type": "direct"}, objects.DirectToolCallCaller),
    (objects.ToolCallCaller, {"type": "program", "caller_id": "p1"}, objects.ProgramToolCallCaller),
    (objects.MCPToolCallError, {"type": "mcp_protocol_error", "code": -32600, "message": "bad"}, objects.MCPProtocolError),
    (objects.MCPToolCallError, {"type": "mcp_tool_execution_error", "content": [{"text": "x"}]}, objects.MCPToolExecutionError),
    (objects.MCPToolCallError, {"type": "http_error", "code": 502, "message": "gateway"}, objects.HTTPError),
]  # fmt: skip


@pytest.mark.parametrize(("union", "data", "cls"), UNIONS, ids=[f"{c.__name__}" for _, _, c in UNIONS])
def test_each_union_picks_its_class_and_round_trips(union: Any, data: dict[str, Any], cls: type) -> None:
    value = TypeAdapter(union).validate_python(data)
    assert type(value) is cls
    assert value.to_dict() == data


@pytest.mark.parametrize(
    ("union", "fallback"),
    [
        (objects.WebSearchAction, objects.UnknownAction),
        (objects.ComputerAction, objects.UnknownAction),
        (objects.LocalShellAction, objects.UnknownAction),
        (objects.CodeInterpreterOutput, objects.UnknownCodeInterpreterOutput),
        (objects.ShellEnvironment, objects.UnknownObject),
        (objects.ShellCallOutcome, objects.UnknownObject),
        (objects.ApplyPatchOperation, objects.UnknownObject),
        (objects.ToolCallCaller, objects.UnknownObject),
        (objects.MCPToolCallError, objects.UnknownObject),
    ],
)
def test_an_unknown_type_is_kept_whole(union: Any, fallback: type) -> None:
    data = {"type": "hologram_2027", "depth": 3, "nested": {"a": [1, 2]}}
    value = TypeAdapter(union).validate_python(data)
    assert type(value) is fallback and value.type == "hologram_2027"
    assert value.to_dict() == data


def test_a_known_type_with_fields_of_a_newer_api_keeps_them() -> None:
    value = TypeAdapter(objects.ComputerAction).validate_python(
        {"type": "scroll", "x": 1, "y": 2, "speed": "fast"}
    )
    assert isinstance(value, objects.ScrollParam) and value.model_extra == {"speed": "fast"}


def test_plain_objects_take_partial_data() -> None:
    result = objects.FileSearchToolCallResult.model_validate({"file_id": "f1", "score": 0.5})
    assert result.filename is None and result.score == 0.5
    tool = objects.MCPListToolsTool.model_validate({"name": "search", "input_schema": {"type": "object"}})
    assert tool.description is None and tool.input_schema == {"type": "object"}
    content = objects.FunctionShellCallOutputContent.model_validate(
        {"stdout": "ok", "outcome": {"type": "exit", "exit_code": 0}}
    )
    assert (
        isinstance(content.outcome, objects.FunctionShellCallOutputExitOutcome)
        and content.outcome.exit_code == 0
    )


def test_every_name_is_re_exported_by_nbresponses_types() -> None:
    import nbresponses.types as types

    for name in objects.__all__:
        assert getattr(types, name) is getattr(objects, name), name
