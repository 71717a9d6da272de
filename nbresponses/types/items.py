"""Output items: the entries of ``Response.output`` (and of input-item listings and conversations).

One model per item type of the spec's ``OutputItem`` union, named after its schema. :data:`OutputItem` is the
union of the 28 output item types; :data:`ItemResource` is the union that listings return, which differs in
one place only: its ``message`` items may have any role and hold input or output content (:class:`Message`).
Unknown item types parse as :class:`UnknownItem`, nested objects with an unknown ``type`` as
:class:`UnknownObject`; nothing raises on an API addition.

Statuses and roles are plain ``str``: the API adds values to them, and a new value must not break parsing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Field

from ._base import APIModel, UnknownModel
from ._tool_objects import (
    ApplyPatchOperation,
    CodeInterpreterOutput,
    ComputerAction,
    ComputerCallSafetyCheckParam,
    FileSearchToolCallResult,
    FunctionShellAction,
    FunctionShellCallOutputContent,
    LocalShellAction,
    MCPListToolsTool,
    MCPToolCallError,
    ShellEnvironment,
    ToolCallCaller,
    WebSearchAction,
)
from .content import (
    ComputerScreenshotImage,
    InputContent,
    MessageContent,
    OutputContent,
    ReasoningContent,
    SummaryContent,
)

__all__ = [
    "OUTPUT_ITEM_TYPES",
    "AdditionalTools",
    "ApplyPatchToolCall",
    "ApplyPatchToolCallOutput",
    "CodeInterpreterToolCall",
    "CompactionBody",
    "ComputerToolCall",
    "ComputerToolCallOutputResource",
    "CustomToolCall",
    "CustomToolCallOutputResource",
    "FileSearchToolCall",
    "FunctionShellCall",
    "FunctionShellCallOutput",
    "FunctionToolCall",
    "FunctionToolCallOutputResource",
    "ImageGenToolCall",
    "ItemResource",
    "LocalShellToolCall",
    "LocalShellToolCallOutput",
    "MCPApprovalRequest",
    "MCPApprovalResponseResource",
    "MCPListTools",
    "MCPToolCall",
    "Message",
    "OutputItem",
    "OutputMessage",
    "Program",
    "ProgramOutput",
    "ReasoningItem",
    "ToolSearchCall",
    "ToolSearchOutput",
    "UnknownItem",
    "WebSearchToolCall",
]

# the output of a function or custom tool call: a string, or a list of input content parts
_ToolOutput = str | list[InputContent]


def type_tags(*models: type[APIModel]) -> frozenset[str]:
    """Return the ``type`` tags declared by ``models`` (each has a ``type: Literal[...]`` field)."""
    return frozenset(tag for model in models for tag in get_args(model.model_fields["type"].annotation))


class OutputMessage(APIModel):
    """An assistant message: text and refusal parts."""

    type: Literal["message"]
    id: str | None = None
    role: str | None = None
    status: str | None = None
    phase: str | None = None
    content: list[OutputContent] = []


class Message(APIModel):
    """A stored message of any role (user, system, developer, assistant), as listings return it."""

    type: Literal["message"]
    id: str | None = None
    role: str | None = None
    status: str | None = None
    phase: str | None = None
    content: list[MessageContent] = []


class FileSearchToolCall(APIModel):
    """A file search; ``results`` only with ``include=["file_search_call.results"]``."""

    type: Literal["file_search_call"]
    id: str | None = None
    status: str | None = None
    queries: list[str] | None = None
    results: list[FileSearchToolCallResult] | None = None


class FunctionToolCall(APIModel):
    """A call of a function tool; ``arguments`` is a JSON string."""

    type: Literal["function_call"]
    id: str | None = None
    call_id: str | None = None
    name: str | None = None
    namespace: str | None = None
    arguments: str | None = None
    status: str | None = None
    caller: ToolCallCaller | None = None
    created_by: str | None = None


class FunctionToolCallOutputResource(APIModel):
    """The output of a function call, as stored."""

    type: Literal["function_call_output"]
    id: str | None = None
    call_id: str | None = None
    name: str | None = None
    namespace: str | None = None
    output: _ToolOutput | None = None
    status: str | None = None
    caller: ToolCallCaller | None = None
    created_by: str | None = None


class WebSearchToolCall(APIModel):
    """A web search; ``action`` says what was searched, opened or found."""

    type: Literal["web_search_call"]
    id: str | None = None
    status: str | None = None
    action: WebSearchAction | None = None


class ComputerToolCall(APIModel):
    """An action the computer-use model asks the client to perform."""

    type: Literal["computer_call"]
    id: str | None = None
    call_id: str | None = None
    action: ComputerAction | None = None
    actions: list[ComputerAction] | None = None
    pending_safety_checks: list[ComputerCallSafetyCheckParam] | None = None
    status: str | None = None


class ComputerToolCallOutputResource(APIModel):
    """The screenshot sent back after a computer call, as stored."""

    type: Literal["computer_call_output"]
    id: str | None = None
    call_id: str | None = None
    output: ComputerScreenshotImage | None = None
    acknowledged_safety_checks: list[ComputerCallSafetyCheckParam] | None = None
    status: str | None = None
    created_by: str | None = None


class ReasoningItem(APIModel):
    """The model's reasoning: summary parts, raw text parts, and/or encrypted content."""

    type: Literal["reasoning"]
    id: str | None = None
    summary: list[SummaryContent] = []
    content: list[ReasoningContent] | None = None
    encrypted_content: str | None = None
    status: str | None = None


class Program(APIModel):
    """A program written by the model under programmatic tool calling."""

    type: Literal["program"]
    id: str | None = None
    call_id: str | None = None
    code: str | None = None
    fingerprint: str | None = None


class ProgramOutput(APIModel):
    """The result of a program run under programmatic tool calling."""

    type: Literal["program_output"]
    id: str | None = None
    call_id: str | None = None
    result: str | None = None
    status: str | None = None


class ToolSearchCall(APIModel):
    """A search among deferred tools."""

    type: Literal["tool_search_call"]
    id: str | None = None
    call_id: str | None = None
    execution: str | None = None
    arguments: Any = None
    status: str | None = None
    created_by: str | None = None


class ToolSearchOutput(APIModel):
    """The tools a tool search loaded (tool definitions, as sent in ``tools``)."""

    type: Literal["tool_search_output"]
    id: str | None = None
    call_id: str | None = None
    execution: str | None = None
    tools: list[dict[str, Any]] | None = None
    status: str | None = None
    created_by: str | None = None


class AdditionalTools(APIModel):
    """Tool definitions added to the conversation."""

    type: Literal["additional_tools"]
    id: str | None = None
    role: str | None = None
    tools: list[dict[str, Any]] | None = None


class CompactionBody(APIModel):
    """Compacted conversation state, opaque to the client."""

    type: Literal["compaction"]
    id: str | None = None
    encrypted_content: str | None = None
    created_by: str | None = None


class ImageGenToolCall(APIModel):
    """An image generation; ``result`` is the base64 image once done."""

    type: Literal["image_generation_call"]
    id: str | None = None
    status: str | None = None
    result: str | None = None
    revised_prompt: str | None = None
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None


class CodeInterpreterToolCall(APIModel):
    """Code run in a container; ``outputs`` only with ``include=["code_interpreter_call.outputs"]``."""

    type: Literal["code_interpreter_call"]
    id: str | None = None
    status: str | None = None
    container_id: str | None = None
    code: str | None = None
    outputs: list[CodeInterpreterOutput] | None = None


class LocalShellToolCall(APIModel):
    """A command the model asks the client to run in a local shell."""

    type: Literal["local_shell_call"]
    id: str | None = None
    call_id: str | None = None
    action: LocalShellAction | None = None
    status: str | None = None


class LocalShellToolCallOutput(APIModel):
    """The output of a local shell call."""

    type: Literal["local_shell_call_output"]
    id: str | None = None
    call_id: str | None = None
    output: str | None = None
    status: str | None = None


class FunctionShellCall(APIModel):
    """Commands the model runs with the ``shell`` tool."""

    type: Literal["shell_call"]
    id: str | None = None
    call_id: str | None = None
    action: FunctionShellAction | None = None
    status: str | None = None
    environment: ShellEnvironment | None = None
    caller: ToolCallCaller | None = None
    created_by: str | None = None


class FunctionShellCallOutput(APIModel):
    """What the commands of a shell call printed, and how they ended."""

    type: Literal["shell_call_output"]
    id: str | None = None
    call_id: str | None = None
    status: str | None = None
    output: list[FunctionShellCallOutputContent] | None = None
    max_output_length: int | None = None
    caller: ToolCallCaller | None = None
    created_by: str | None = None


class ApplyPatchToolCall(APIModel):
    """A file operation the model asks the client to apply (create, update or delete a file)."""

    type: Literal["apply_patch_call"]
    id: str | None = None
    call_id: str | None = None
    status: str | None = None
    operation: ApplyPatchOperation | None = None
    caller: ToolCallCaller | None = None
    created_by: str | None = None


class ApplyPatchToolCallOutput(APIModel):
    """The result of applying a patch."""

    type: Literal["apply_patch_call_output"]
    id: str | None = None
    call_id: str | None = None
    status: str | None = None
    output: str | None = None
    caller: ToolCallCaller | None = None
    created_by: str | None = None


class MCPToolCall(APIModel):
    """A call of a tool on a remote MCP server; ``output`` or ``error`` once done."""

    type: Literal["mcp_call"]
    id: str | None = None
    server_label: str | None = None
    name: str | None = None
    arguments: str | None = None
    output: str | None = None
    # older responses carry the error as a plain string
    error: MCPToolCallError | str | None = None
    status: str | None = None
    approval_request_id: str | None = None


class MCPListTools(APIModel):
    """The tools an MCP server offers."""

    type: Literal["mcp_list_tools"]
    id: str | None = None
    server_label: str | None = None
    tools: list[MCPListToolsTool] | None = None
    error: str | None = None


class MCPApprovalRequest(APIModel):
    """The model asks for approval before calling an MCP tool."""

    type: Literal["mcp_approval_request"]
    id: str | None = None
    server_label: str | None = None
    name: str | None = None
    arguments: str | None = None


class MCPApprovalResponseResource(APIModel):
    """The user's answer to an MCP approval request, as stored."""

    type: Literal["mcp_approval_response"]
    id: str | None = None
    approval_request_id: str | None = None
    approve: bool | None = None
    reason: str | None = None


class CustomToolCall(APIModel):
    """A call of a custom (free-form input) tool."""

    type: Literal["custom_tool_call"]
    id: str | None = None
    call_id: str | None = None
    name: str | None = None
    namespace: str | None = None
    input: str | None = None
    status: str | None = None
    caller: ToolCallCaller | None = None
    created_by: str | None = None


class CustomToolCallOutputResource(APIModel):
    """The output of a custom tool call, as stored."""

    type: Literal["custom_tool_call_output"]
    id: str | None = None
    call_id: str | None = None
    output: _ToolOutput | None = None
    status: str | None = None
    caller: ToolCallCaller | None = None
    created_by: str | None = None


class UnknownItem(UnknownModel):
    """An item type this version does not know; its fields are kept as extras."""


_ToolItem = (
    FileSearchToolCall
    | FunctionToolCall
    | FunctionToolCallOutputResource
    | WebSearchToolCall
    | ComputerToolCall
    | ComputerToolCallOutputResource
    | ReasoningItem
    | Program
    | ProgramOutput
    | ToolSearchCall
    | ToolSearchOutput
    | AdditionalTools
    | CompactionBody
    | ImageGenToolCall
    | CodeInterpreterToolCall
    | LocalShellToolCall
    | LocalShellToolCallOutput
    | FunctionShellCall
    | FunctionShellCallOutput
    | ApplyPatchToolCall
    | ApplyPatchToolCallOutput
    | MCPToolCall
    | MCPListTools
    | MCPApprovalRequest
    | MCPApprovalResponseResource
    | CustomToolCall
    | CustomToolCallOutputResource
)

OutputItem = Annotated[
    Annotated[OutputMessage | _ToolItem, Field(discriminator="type")] | UnknownItem,
    Field(union_mode="left_to_right"),
]
"""One entry of ``Response.output`` (and the ``item`` of ``response.output_item.*`` events)."""

ItemResource = Annotated[
    Annotated[Message | _ToolItem, Field(discriminator="type")] | UnknownItem,
    Field(union_mode="left_to_right"),
]
"""One stored item: input-item listings, conversation items, compaction output."""

OUTPUT_ITEM_TYPES: frozenset[str] = type_tags(OutputMessage, *get_args(_ToolItem))
"""The ``type`` tags of the output items this version knows."""
