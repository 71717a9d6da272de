"""Stream events of tool calls: progress, streamed arguments, code, commands, diffs and partial images.

Re-exported by :mod:`nbresponses.types.events`, which holds the union of all events and the parser; the split
only keeps each module short. Also home of the private bases every event model derives from.
"""

from __future__ import annotations

from typing import Literal

from ._base import APIModel
from ._tool_objects import FunctionShellCallOutputContent, ShellCallOutputDelta

__all__ = [
    "ResponseApplyPatchCallOperationDiffDeltaEvent",
    "ResponseApplyPatchCallOperationDiffDoneEvent",
    "ResponseCodeInterpreterCallCodeDeltaEvent",
    "ResponseCodeInterpreterCallCodeDoneEvent",
    "ResponseCodeInterpreterCallCompletedEvent",
    "ResponseCodeInterpreterCallInProgressEvent",
    "ResponseCodeInterpreterCallInterpretingEvent",
    "ResponseCustomToolCallInputDeltaEvent",
    "ResponseCustomToolCallInputDoneEvent",
    "ResponseFileSearchCallCompletedEvent",
    "ResponseFileSearchCallInProgressEvent",
    "ResponseFileSearchCallSearchingEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent",
    "ResponseImageGenCallCompletedEvent",
    "ResponseImageGenCallGeneratingEvent",
    "ResponseImageGenCallInProgressEvent",
    "ResponseImageGenCallPartialImageEvent",
    "ResponseMCPCallArgumentsDeltaEvent",
    "ResponseMCPCallArgumentsDoneEvent",
    "ResponseMCPCallCompletedEvent",
    "ResponseMCPCallFailedEvent",
    "ResponseMCPCallInProgressEvent",
    "ResponseMCPListToolsCompletedEvent",
    "ResponseMCPListToolsFailedEvent",
    "ResponseMCPListToolsInProgressEvent",
    "ResponseShellCallCommandAddedStreamingEvent",
    "ResponseShellCallCommandDeltaStreamingEvent",
    "ResponseShellCallCommandDoneStreamingEvent",
    "ResponseShellCallOutputContentDeltaStreamingEvent",
    "ResponseShellCallOutputContentDoneStreamingEvent",
    "ResponseWebSearchCallCompletedEvent",
    "ResponseWebSearchCallInProgressEvent",
    "ResponseWebSearchCallSearchingEvent",
]


class _Event(APIModel):
    """Base of every event: the position in the stream (absent in early-2025 streams)."""

    sequence_number: int | None = None


class _ItemEvent(_Event):
    """Base of the events about one output item."""

    item_id: str | None = None
    output_index: int | None = None


class _ContentEvent(_ItemEvent):
    """Base of the events about one content part of a message."""

    content_index: int | None = None


class ResponseCodeInterpreterCallInProgressEvent(_ItemEvent):
    """A code interpreter call started."""

    type: Literal["response.code_interpreter_call.in_progress"]


class ResponseCodeInterpreterCallInterpretingEvent(_ItemEvent):
    """The code interpreter is running the code."""

    type: Literal["response.code_interpreter_call.interpreting"]


class ResponseCodeInterpreterCallCompletedEvent(_ItemEvent):
    """A code interpreter call finished."""

    type: Literal["response.code_interpreter_call.completed"]


class ResponseCodeInterpreterCallCodeDeltaEvent(_ItemEvent):
    """A chunk of the code being written."""

    type: Literal["response.code_interpreter_call_code.delta"]
    delta: str | None = None
    obfuscation: str | None = None


class ResponseCodeInterpreterCallCodeDoneEvent(_ItemEvent):
    """The full code."""

    type: Literal["response.code_interpreter_call_code.done"]
    code: str | None = None


class ResponseCustomToolCallInputDeltaEvent(_ItemEvent):
    """A chunk of a custom tool call's input."""

    type: Literal["response.custom_tool_call_input.delta"]
    delta: str | None = None
    obfuscation: str | None = None


class ResponseCustomToolCallInputDoneEvent(_ItemEvent):
    """The full input of a custom tool call."""

    type: Literal["response.custom_tool_call_input.done"]
    input: str | None = None


class ResponseFileSearchCallInProgressEvent(_ItemEvent):
    """A file search started."""

    type: Literal["response.file_search_call.in_progress"]


class ResponseFileSearchCallSearchingEvent(_ItemEvent):
    """A file search is searching."""

    type: Literal["response.file_search_call.searching"]


class ResponseFileSearchCallCompletedEvent(_ItemEvent):
    """A file search finished."""

    type: Literal["response.file_search_call.completed"]


class ResponseFunctionCallArgumentsDeltaEvent(_ItemEvent):
    """A chunk of a function call's JSON arguments."""

    type: Literal["response.function_call_arguments.delta"]
    delta: str | None = None
    obfuscation: str | None = None


class ResponseFunctionCallArgumentsDoneEvent(_ItemEvent):
    """The full arguments of a function call."""

    type: Literal["response.function_call_arguments.done"]
    name: str | None = None
    arguments: str | None = None


class ResponseImageGenCallInProgressEvent(_ItemEvent):
    """An image generation started."""

    type: Literal["response.image_generation_call.in_progress"]


class ResponseImageGenCallGeneratingEvent(_ItemEvent):
    """An image is being generated."""

    type: Literal["response.image_generation_call.generating"]


class ResponseImageGenCallPartialImageEvent(_ItemEvent):
    """A partial (preview) image, base64."""

    type: Literal["response.image_generation_call.partial_image"]
    partial_image_index: int | None = None
    partial_image_b64: str | None = None
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None


class ResponseImageGenCallCompletedEvent(_ItemEvent):
    """An image generation finished."""

    type: Literal["response.image_generation_call.completed"]


class ResponseMCPCallInProgressEvent(_ItemEvent):
    """An MCP tool call started."""

    type: Literal["response.mcp_call.in_progress"]


class ResponseMCPCallCompletedEvent(_ItemEvent):
    """An MCP tool call succeeded."""

    type: Literal["response.mcp_call.completed"]


class ResponseMCPCallFailedEvent(_ItemEvent):
    """An MCP tool call failed."""

    type: Literal["response.mcp_call.failed"]


class ResponseMCPCallArgumentsDeltaEvent(_ItemEvent):
    """A chunk of an MCP call's JSON arguments."""

    type: Literal["response.mcp_call_arguments.delta"]
    delta: str | None = None
    obfuscation: str | None = None


class ResponseMCPCallArgumentsDoneEvent(_ItemEvent):
    """The full arguments of an MCP call."""

    type: Literal["response.mcp_call_arguments.done"]
    arguments: str | None = None


class ResponseMCPListToolsInProgressEvent(_ItemEvent):
    """Listing the tools of an MCP server started."""

    type: Literal["response.mcp_list_tools.in_progress"]


class ResponseMCPListToolsCompletedEvent(_ItemEvent):
    """The tools of an MCP server are listed."""

    type: Literal["response.mcp_list_tools.completed"]


class ResponseMCPListToolsFailedEvent(_ItemEvent):
    """Listing the tools of an MCP server failed."""

    type: Literal["response.mcp_list_tools.failed"]


class ResponseShellCallCommandAddedStreamingEvent(_Event):
    """A shell command was added to a shell call."""

    type: Literal["response.shell_call_command.added"]
    output_index: int | None = None
    command_index: int | None = None
    command: str | None = None


class ResponseShellCallCommandDeltaStreamingEvent(_Event):
    """A chunk of a shell command."""

    type: Literal["response.shell_call_command.delta"]
    output_index: int | None = None
    command_index: int | None = None
    delta: str | None = None
    obfuscation: str | None = None


class ResponseShellCallCommandDoneStreamingEvent(_Event):
    """The full shell command."""

    type: Literal["response.shell_call_command.done"]
    output_index: int | None = None
    command_index: int | None = None
    command: str | None = None


class ResponseShellCallOutputContentDeltaStreamingEvent(_ItemEvent):
    """A chunk of a shell command's output."""

    type: Literal["response.shell_call_output_content.delta"]
    command_index: int | None = None
    delta: ShellCallOutputDelta | None = None


class ResponseShellCallOutputContentDoneStreamingEvent(_ItemEvent):
    """The full output of a shell command."""

    type: Literal["response.shell_call_output_content.done"]
    command_index: int | None = None
    output: list[FunctionShellCallOutputContent] | None = None


class ResponseWebSearchCallInProgressEvent(_ItemEvent):
    """A web search started."""

    type: Literal["response.web_search_call.in_progress"]


class ResponseWebSearchCallSearchingEvent(_ItemEvent):
    """A web search is searching."""

    type: Literal["response.web_search_call.searching"]


class ResponseWebSearchCallCompletedEvent(_ItemEvent):
    """A web search finished."""

    type: Literal["response.web_search_call.completed"]


class ResponseApplyPatchCallOperationDiffDeltaEvent(_ItemEvent):
    """A chunk of an apply-patch operation's diff (seen in traffic; not in the spec)."""

    type: Literal["response.apply_patch_call_operation_diff.delta"]
    delta: str | None = None
    obfuscation: str | None = None


class ResponseApplyPatchCallOperationDiffDoneEvent(_ItemEvent):
    """The full diff of an apply-patch operation (seen in traffic; not in the spec)."""

    type: Literal["response.apply_patch_call_operation_diff.done"]
    diff: str | None = None
