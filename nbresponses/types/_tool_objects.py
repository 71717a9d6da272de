"""Objects nested inside tool-call items: actions, outputs, outcomes, callers, errors.

Kept apart from :mod:`nbresponses.types.items` so each module stays short; every name here is re-exported by
:mod:`nbresponses.types`. Each tagged union falls back to :class:`UnknownObject` (or a more specific
``Unknown*``) so a new action or outcome type never breaks the item that carries it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ._base import APIModel, UnknownModel

__all__ = [
    "ApplyPatchCreateFileOperation",
    "ApplyPatchDeleteFileOperation",
    "ApplyPatchOperation",
    "ApplyPatchUpdateFileOperation",
    "ClickParam",
    "CodeInterpreterOutput",
    "CodeInterpreterOutputImage",
    "CodeInterpreterOutputLogs",
    "ComputerAction",
    "ComputerCallSafetyCheckParam",
    "ContainerReferenceResource",
    "CoordParam",
    "DirectToolCallCaller",
    "DoubleClickAction",
    "DragParam",
    "FileSearchToolCallResult",
    "FunctionShellAction",
    "FunctionShellCallOutputContent",
    "FunctionShellCallOutputExitOutcome",
    "FunctionShellCallOutputTimeoutOutcome",
    "HTTPError",
    "KeyPressAction",
    "LocalEnvironmentResource",
    "LocalShellAction",
    "LocalShellExecAction",
    "MCPListToolsTool",
    "MCPProtocolError",
    "MCPToolCallError",
    "MCPToolExecutionError",
    "MoveParam",
    "ProgramToolCallCaller",
    "ScreenshotParam",
    "ScrollParam",
    "ShellCallOutcome",
    "ShellCallOutputDelta",
    "ShellEnvironment",
    "ToolCallCaller",
    "TypeParam",
    "UnknownAction",
    "UnknownCodeInterpreterOutput",
    "UnknownObject",
    "WaitParam",
    "WebSearchAction",
    "WebSearchActionFind",
    "WebSearchActionOpenPage",
    "WebSearchActionSearch",
    "WebSearchSource",
]


class UnknownObject(UnknownModel):
    """A nested object (caller, outcome, environment, operation, error) of an unknown type."""


class UnknownAction(UnknownModel):
    """A web-search, computer or shell action of a type this version does not know."""


# --- web search --------------------------------------------------------------------------------------------


class WebSearchSource(APIModel):
    """A source consulted by a search: ``{"type": "url", "url": ...}`` or ``{"type": "api", "name": ...}``."""

    # an open tag, not a union member: the recordings already show a type ("api") the spec does not list
    type: str
    url: str | None = None
    name: str | None = None


class WebSearchActionSearch(APIModel):
    """A search query (``sources`` only with ``include=["web_search_call.action.sources"]``)."""

    type: Literal["search"]
    query: str | None = None
    queries: list[str] | None = None
    sources: list[WebSearchSource] | None = None


class WebSearchActionOpenPage(APIModel):
    """A page opened by the search tool."""

    type: Literal["open_page"]
    url: str | None = None


class WebSearchActionFind(APIModel):
    """A pattern searched for inside an opened page."""

    type: Literal["find_in_page"]
    url: str | None = None
    pattern: str | None = None


WebSearchAction = Annotated[
    Annotated[
        WebSearchActionSearch | WebSearchActionOpenPage | WebSearchActionFind, Field(discriminator="type")
    ]
    | UnknownAction,
    Field(union_mode="left_to_right"),
]
"""The ``action`` of a web search call."""


class FileSearchToolCallResult(APIModel):
    """One chunk found by a file search."""

    file_id: str | None = None
    filename: str | None = None
    text: str | None = None
    score: float | None = None
    attributes: dict[str, Any] | None = None
    vector_store_id: str | None = None


# --- computer use ------------------------------------------------------------------------------------------


class CoordParam(APIModel):
    """A point on the screen."""

    x: int | None = None
    y: int | None = None


class ClickParam(APIModel):
    """Click a mouse button at a point."""

    type: Literal["click"]
    button: str | None = None
    x: int | None = None
    y: int | None = None
    keys: list[str] | None = None


class DoubleClickAction(APIModel):
    """Double-click at a point."""

    type: Literal["double_click"]
    x: int | None = None
    y: int | None = None
    keys: list[str] | None = None


class DragParam(APIModel):
    """Drag along a path."""

    type: Literal["drag"]
    path: list[CoordParam] | None = None
    keys: list[str] | None = None


class KeyPressAction(APIModel):
    """Press a key combination."""

    type: Literal["keypress"]
    keys: list[str] | None = None


class MoveParam(APIModel):
    """Move the mouse to a point."""

    type: Literal["move"]
    x: int | None = None
    y: int | None = None
    keys: list[str] | None = None


class ScreenshotParam(APIModel):
    """Take a screenshot."""

    type: Literal["screenshot"]


class ScrollParam(APIModel):
    """Scroll at a point."""

    type: Literal["scroll"]
    x: int | None = None
    y: int | None = None
    scroll_x: int | None = None
    scroll_y: int | None = None
    keys: list[str] | None = None


class TypeParam(APIModel):
    """Type text."""

    type: Literal["type"]
    text: str | None = None


class WaitParam(APIModel):
    """Wait a moment."""

    type: Literal["wait"]


ComputerAction = Annotated[
    Annotated[
        ClickParam
        | DoubleClickAction
        | DragParam
        | KeyPressAction
        | MoveParam
        | ScreenshotParam
        | ScrollParam
        | TypeParam
        | WaitParam,
        Field(discriminator="type"),
    ]
    | UnknownAction,
    Field(union_mode="left_to_right"),
]
"""One action of a computer call."""


class ComputerCallSafetyCheckParam(APIModel):
    """A safety check raised on a computer call, to acknowledge before continuing."""

    id: str | None = None
    code: str | None = None
    message: str | None = None


# --- code interpreter --------------------------------------------------------------------------------------


class UnknownCodeInterpreterOutput(UnknownModel):
    """A code interpreter output type this version does not know."""


class CodeInterpreterOutputLogs(APIModel):
    """Text printed by the code."""

    type: Literal["logs"]
    logs: str | None = None


class CodeInterpreterOutputImage(APIModel):
    """An image produced by the code."""

    type: Literal["image"]
    url: str | None = None


CodeInterpreterOutput = Annotated[
    Annotated[CodeInterpreterOutputLogs | CodeInterpreterOutputImage, Field(discriminator="type")]
    | UnknownCodeInterpreterOutput,
    Field(union_mode="left_to_right"),
]
"""One entry of ``code_interpreter_call.outputs``."""


# --- shells ------------------------------------------------------------------------------------------------


class LocalShellExecAction(APIModel):
    """Run a command in the client's local shell."""

    type: Literal["exec"]
    command: list[str] | None = None
    env: dict[str, str] | None = None
    timeout_ms: int | None = None
    working_directory: str | None = None
    user: str | None = None


LocalShellAction = Annotated[LocalShellExecAction | UnknownAction, Field(union_mode="left_to_right")]
"""The ``action`` of a local shell call."""


class FunctionShellAction(APIModel):
    """The commands of a shell call and their limits."""

    commands: list[str] | None = None
    timeout_ms: int | None = None
    max_output_length: int | None = None


class LocalEnvironmentResource(APIModel):
    """The shell runs on the client."""

    type: Literal["local"]


class ContainerReferenceResource(APIModel):
    """The shell runs in a hosted container."""

    type: Literal["container_reference"]
    container_id: str | None = None


ShellEnvironment = Annotated[
    Annotated[LocalEnvironmentResource | ContainerReferenceResource, Field(discriminator="type")]
    | UnknownObject,
    Field(union_mode="left_to_right"),
]
"""Where a shell call runs."""


class FunctionShellCallOutputTimeoutOutcome(APIModel):
    """The command timed out."""

    type: Literal["timeout"]


class FunctionShellCallOutputExitOutcome(APIModel):
    """The command exited."""

    type: Literal["exit"]
    exit_code: int | None = None


ShellCallOutcome = Annotated[
    Annotated[
        FunctionShellCallOutputTimeoutOutcome | FunctionShellCallOutputExitOutcome,
        Field(discriminator="type"),
    ]
    | UnknownObject,
    Field(union_mode="left_to_right"),
]
"""How a shell command ended."""


class FunctionShellCallOutputContent(APIModel):
    """What one command printed and how it ended."""

    stdout: str | None = None
    stderr: str | None = None
    outcome: ShellCallOutcome | None = None
    created_by: str | None = None


class ShellCallOutputDelta(APIModel):
    """A chunk of a shell command's output, streamed."""

    stdout: str | None = None
    stderr: str | None = None


# --- apply patch -------------------------------------------------------------------------------------------


class ApplyPatchCreateFileOperation(APIModel):
    """Create a file with the content in ``diff``."""

    type: Literal["create_file"]
    path: str | None = None
    diff: str | None = None


class ApplyPatchDeleteFileOperation(APIModel):
    """Delete a file."""

    type: Literal["delete_file"]
    path: str | None = None


class ApplyPatchUpdateFileOperation(APIModel):
    """Apply ``diff`` to a file."""

    type: Literal["update_file"]
    path: str | None = None
    diff: str | None = None


ApplyPatchOperation = Annotated[
    Annotated[
        ApplyPatchCreateFileOperation | ApplyPatchDeleteFileOperation | ApplyPatchUpdateFileOperation,
        Field(discriminator="type"),
    ]
    | UnknownObject,
    Field(union_mode="left_to_right"),
]
"""The file operation of an apply-patch call."""


# --- callers and MCP ---------------------------------------------------------------------------------------


class DirectToolCallCaller(APIModel):
    """The model called the tool itself."""

    type: Literal["direct"]


class ProgramToolCallCaller(APIModel):
    """A program (programmatic tool calling) called the tool."""

    type: Literal["program"]
    caller_id: str | None = None


ToolCallCaller = Annotated[
    Annotated[DirectToolCallCaller | ProgramToolCallCaller, Field(discriminator="type")] | UnknownObject,
    Field(union_mode="left_to_right"),
]
"""Who called a tool."""


class MCPListToolsTool(APIModel):
    """A tool offered by an MCP server."""

    name: str | None = None
    description: str | None = None
    input_schema: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None


class MCPProtocolError(APIModel):
    """The MCP server broke the protocol."""

    type: Literal["mcp_protocol_error"]
    code: int | None = None
    message: str | None = None


class MCPToolExecutionError(APIModel):
    """The MCP tool ran and failed."""

    type: Literal["mcp_tool_execution_error"]
    content: Any = None


class HTTPError(APIModel):
    """The MCP server answered with an HTTP error."""

    type: Literal["http_error"]
    code: int | None = None
    message: str | None = None


MCPToolCallError = Annotated[
    Annotated[MCPProtocolError | MCPToolExecutionError | HTTPError, Field(discriminator="type")]
    | UnknownObject,
    Field(union_mode="left_to_right"),
]
"""Why an MCP call failed."""
