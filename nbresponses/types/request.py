"""Request parameters of ``POST /responses`` and the other endpoints, and tool normalisation.

The parameter models are lenient on purpose: unknown parameters pass through untouched (gateways and new API
versions add them), while the known ones are type-checked before anything is sent.

Tools copied from Chat Completions examples (``{"type": "function", "function": {...}}``, as in many gateway
docs) are accepted and rewritten to the flat Responses form by :func:`normalize_tool`, and the seed docs'
``{"type": "code_interpreter"}`` gets the ``container: {"type": "auto"}`` the API now requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, field_validator

from ._base import APIModel, UnknownModel

__all__ = [
    "CodeInterpreterToolParam",
    "ConversationParam",
    "CustomToolParam",
    "FileSearchToolParam",
    "FunctionToolParam",
    "ImageGenerationToolParam",
    "InputTokensParams",
    "JSONObjectFormat",
    "JSONSchemaFormat",
    "MCPToolParam",
    "PromptParam",
    "Reasoning",
    "ResponseCompactParams",
    "ResponseCreateParams",
    "StreamOptions",
    "TextConfig",
    "TextFormat",
    "ToolChoiceFunction",
    "ToolParam",
    "UnknownToolParam",
    "WebSearchToolParam",
    "normalize_tool",
    "normalize_tool_choice",
    "to_jsonable",
]


class FunctionToolParam(APIModel):
    """A function the model may call (flat Responses form)."""

    type: Literal["function"]
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class FileSearchToolParam(APIModel):
    """Search the given vector stores."""

    type: Literal["file_search"]
    vector_store_ids: list[str] = []
    max_num_results: int | None = None
    filters: dict[str, Any] | None = None
    ranking_options: dict[str, Any] | None = None


class WebSearchToolParam(APIModel):
    """Search the web (``web_search``, ``web_search_preview`` and their dated names)."""

    type: Literal[
        "web_search", "web_search_2025_08_26", "web_search_preview", "web_search_preview_2025_03_11"
    ]
    search_context_size: str | None = None
    user_location: dict[str, Any] | None = None
    filters: dict[str, Any] | None = None


class CodeInterpreterToolParam(APIModel):
    """Run Python in a sandboxed container."""

    type: Literal["code_interpreter"]
    container: str | dict[str, Any] = Field(default_factory=lambda: {"type": "auto"})


class ImageGenerationToolParam(APIModel):
    """Generate images."""

    type: Literal["image_generation"]
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    partial_images: int | None = None
    background: str | None = None


class MCPToolParam(APIModel):
    """Tools of a remote MCP server."""

    type: Literal["mcp"]
    server_label: str
    server_url: str | None = None
    connector_id: str | None = None
    allowed_tools: list[str] | dict[str, Any] | None = None
    require_approval: str | dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    server_description: str | None = None


class CustomToolParam(APIModel):
    """A free-form (grammar or text) custom tool."""

    type: Literal["custom"]
    name: str
    description: str | None = None
    format: dict[str, Any] | None = None


class UnknownToolParam(UnknownModel):
    """Any other tool type (computer, shell, apply_patch, ... and those added later), passed through as is."""


_WEB_SEARCH_TYPES = (
    "web_search",
    "web_search_2025_08_26",
    "web_search_preview",
    "web_search_preview_2025_03_11",
)
_KNOWN_TOOL_TYPES = {
    name: name
    for name in ("function", "file_search", "code_interpreter", "image_generation", "mcp", "custom")
} | dict.fromkeys(_WEB_SEARCH_TYPES, "web_search")


def _tool_tag(value: Any) -> str:
    # A known type with a wrong shape must be an error, not silently an unknown tool.
    tag = value.get("type") if isinstance(value, Mapping) else getattr(value, "type", None)
    return _KNOWN_TOOL_TYPES.get(tag, "unknown") if isinstance(tag, str) else "unknown"


ToolParam = Annotated[
    Annotated[FunctionToolParam, Tag("function")]
    | Annotated[FileSearchToolParam, Tag("file_search")]
    | Annotated[WebSearchToolParam, Tag("web_search")]
    | Annotated[CodeInterpreterToolParam, Tag("code_interpreter")]
    | Annotated[ImageGenerationToolParam, Tag("image_generation")]
    | Annotated[MCPToolParam, Tag("mcp")]
    | Annotated[CustomToolParam, Tag("custom")]
    | Annotated[UnknownToolParam, Tag("unknown")],
    Discriminator(_tool_tag),
]
"""One entry of ``tools``."""


class ToolChoiceFunction(APIModel):
    """Force a call of the named function."""

    type: Literal["function"]
    name: str


class Reasoning(APIModel):
    """Reasoning options: effort and summaries."""

    effort: str | None = None
    summary: str | None = None
    generate_summary: str | None = None


class JSONSchemaFormat(APIModel):
    """Structured output following a JSON schema."""

    type: Literal["json_schema"]
    name: str
    schema_: dict[str, Any] = Field(alias="schema")
    description: str | None = None
    strict: bool | None = None


class JSONObjectFormat(APIModel):
    """Any valid JSON object."""

    type: Literal["json_object"]


class _TextFormatText(APIModel):
    type: Literal["text"]


TextFormat = Annotated[
    Annotated[_TextFormatText | JSONSchemaFormat | JSONObjectFormat, Field(discriminator="type")]
    | UnknownModel,
    Field(union_mode="left_to_right"),
]


class TextConfig(APIModel):
    """The ``text`` parameter: output format and verbosity."""

    format: TextFormat | None = None
    verbosity: str | None = None


class PromptParam(APIModel):
    """A reusable prompt stored on the platform."""

    id: str
    version: str | None = None
    variables: dict[str, Any] | None = None


class ConversationParam(APIModel):
    """A conversation of the Conversations API, by id."""

    id: str


class StreamOptions(APIModel):
    """Options of a streamed response."""

    include_obfuscation: bool | None = None


class _ModelInputParams(APIModel):
    """Parameters shared by every endpoint that takes a model input (create, input_tokens, compact)."""

    model: str | None = None
    input: str | list[Any] | None = None
    instructions: str | None = None
    previous_response_id: str | None = None
    conversation: str | ConversationParam | None = None
    tools: list[ToolParam] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    reasoning: Reasoning | None = None
    text: TextConfig | None = None
    truncation: str | None = None

    @field_validator("tools", mode="before")
    @classmethod
    def _flatten_tools(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [normalize_tool(tool) for tool in value]
        return value

    @field_validator("tool_choice", mode="before")
    @classmethod
    def _flatten_tool_choice(cls, value: Any) -> Any:
        return normalize_tool_choice(value)

    @field_validator("input", mode="before")
    @classmethod
    def _jsonable_input(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [to_jsonable(item) for item in value]
        return value


class ResponseCreateParams(_ModelInputParams):
    """The body of ``POST /responses``. Unknown parameters are kept and sent as given."""

    max_tool_calls: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_logprobs: int | None = None
    max_output_tokens: int | None = None
    include: list[str] | None = None
    store: bool | None = None
    background: bool | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    metadata: dict[str, str] | None = None
    prompt: PromptParam | None = None
    prompt_cache_key: str | None = None
    safety_identifier: str | None = None
    service_tier: str | None = None
    user: str | None = None
    context_management: list[dict[str, Any]] | None = None


class InputTokensParams(_ModelInputParams):
    """The body of ``POST /responses/input_tokens``."""


class ResponseCompactParams(_ModelInputParams):
    """The body of ``POST /responses/compact``."""

    prompt_cache_key: str | None = None
    service_tier: str | None = None


def flat_function_tool(tool: Any) -> Any:
    """A Chat-Completions-style function tool in the flat Responses form; anything else unchanged.

    ``{"type": "function", "function": {"name", "description", "parameters", "strict"}}`` becomes
    ``{"type": "function", "name", "description", "parameters", "strict"}`` (models are turned into dicts).
    The client sends tools in this form (`normalize_tool`), and the offline server reads them so.
    """
    tool = to_jsonable(tool)
    nested = isinstance(tool, Mapping) and isinstance(tool.get("function"), Mapping)
    if nested and tool.get("type") == "function":
        flat = {key: value for key, value in tool.items() if key != "function"}
        flat.update(tool["function"])
        return flat
    return tool


def normalize_tool(tool: Any) -> Any:
    """Rewrite a tool into the form the Responses API takes.

    A Chat-Completions-style function tool is flattened (`flat_function_tool`); a ``code_interpreter`` without a
    container gets ``{"type": "auto"}`` (the API refuses it without one; gateway docs still show that form);
    anything else is returned unchanged (models are turned into dicts).
    """
    tool = flat_function_tool(tool)
    if isinstance(tool, Mapping) and tool.get("type") == "code_interpreter" and not tool.get("container"):
        return {**tool, "container": {"type": "auto"}}
    return tool


def normalize_tool_choice(choice: Any) -> Any:
    """Rewrite ``{"type": "function", "function": {"name": N}}`` into ``{"type": "function", "name": N}``."""
    choice = to_jsonable(choice)
    if (
        isinstance(choice, Mapping)
        and choice.get("type") == "function"
        and isinstance(choice.get("function"), Mapping)
        and "name" not in choice
    ):
        return {"type": "function", "name": choice["function"].get("name")}
    return choice


def to_jsonable(value: Any) -> Any:
    """Turn pydantic models (e.g. output items of an earlier response) into the JSON dicts the API expects."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True, by_alias=True)
    return value
