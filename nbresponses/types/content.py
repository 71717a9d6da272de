"""Content parts and annotations: what goes inside messages and reasoning items.

Output side: ``output_text`` (with annotations and logprobs), ``refusal``, ``reasoning_text``,
``summary_text``. Input side, as echoed back by input-item listings and tool outputs: ``input_text``,
``input_image``, ``input_file``. Every union keeps an ``Unknown*`` fallback so a part type added by the API
parses instead of raising; see :mod:`nbresponses.types._base`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ._base import APIModel, UnknownModel

__all__ = [
    "Annotation",
    "ComputerScreenshotContent",
    "ComputerScreenshotImage",
    "ContainerFileCitationBody",
    "FileCitationBody",
    "FilePath",
    "InputContent",
    "InputFileContent",
    "InputImageContent",
    "InputTextContent",
    "LogProb",
    "MessageContent",
    "OutputContent",
    "OutputTextContent",
    "PromptCacheBreakpointConfig",
    "ReasoningContent",
    "ReasoningTextContent",
    "RefusalContent",
    "ResponseLogProb",
    "SummaryContent",
    "SummaryTextContent",
    "TextContent",
    "TopLogProb",
    "UnknownAnnotation",
    "UnknownContent",
    "UrlCitationBody",
]


# --- annotations -------------------------------------------------------------------------------------------


class FileCitationBody(APIModel):
    """A citation of an uploaded file (file search)."""

    type: Literal["file_citation"]
    file_id: str | None = None
    filename: str | None = None
    index: int | None = None


class UrlCitationBody(APIModel):
    """A citation of a web page (web search); the indices delimit the cited span of the text."""

    type: Literal["url_citation"]
    url: str | None = None
    title: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class ContainerFileCitationBody(APIModel):
    """A citation of a file written in a code interpreter container."""

    type: Literal["container_file_citation"]
    container_id: str | None = None
    file_id: str | None = None
    filename: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class FilePath(APIModel):
    """A path to a file produced by a tool."""

    type: Literal["file_path"]
    file_id: str | None = None
    index: int | None = None


class UnknownAnnotation(UnknownModel):
    """An annotation type this version does not know; its fields are kept as extras."""


Annotation = Annotated[
    Annotated[
        FileCitationBody | UrlCitationBody | ContainerFileCitationBody | FilePath,
        Field(discriminator="type"),
    ]
    | UnknownAnnotation,
    Field(union_mode="left_to_right"),
]
"""One entry of ``output_text.annotations``."""


# --- logprobs ----------------------------------------------------------------------------------------------


class TopLogProb(APIModel):
    """One of the most likely alternatives for a token."""

    token: str | None = None
    logprob: float | None = None
    bytes: list[int] | None = None


class LogProb(APIModel):
    """The log probability of one output token, with its top alternatives."""

    token: str | None = None
    logprob: float | None = None
    bytes: list[int] | None = None
    top_logprobs: list[TopLogProb] | None = None


ResponseLogProb = LogProb
"""The spec's name for the logprob entries of ``response.output_text.delta`` / ``.done`` (same shape)."""


# --- output content ----------------------------------------------------------------------------------------


class UnknownContent(UnknownModel):
    """A content part type this version does not know; its fields are kept as extras."""


class OutputTextContent(APIModel):
    """Text written by the model."""

    type: Literal["output_text"]
    text: str | None = None
    annotations: list[Annotation] = []
    logprobs: list[LogProb] | None = None


class RefusalContent(APIModel):
    """The model declined to answer; ``refusal`` says why."""

    type: Literal["refusal"]
    refusal: str | None = None


class ReasoningTextContent(APIModel):
    """Raw reasoning text (open-weight reasoning models)."""

    type: Literal["reasoning_text"]
    text: str | None = None


class SummaryTextContent(APIModel):
    """One part of a reasoning summary."""

    type: Literal["summary_text"]
    text: str | None = None


class TextContent(APIModel):
    """Plain text, as stored in conversation items."""

    type: Literal["text"]
    text: str | None = None


OutputContent = Annotated[
    Annotated[OutputTextContent | RefusalContent | ReasoningTextContent, Field(discriminator="type")]
    | UnknownContent,
    Field(union_mode="left_to_right"),
]
"""One content part of an assistant message (and of ``response.content_part.*`` events)."""

SummaryContent = Annotated[SummaryTextContent | UnknownContent, Field(union_mode="left_to_right")]
"""One entry of ``reasoning.summary``."""

ReasoningContent = Annotated[ReasoningTextContent | UnknownContent, Field(union_mode="left_to_right")]
"""One entry of ``reasoning.content``."""


# --- input content -----------------------------------------------------------------------------------------


class PromptCacheBreakpointConfig(APIModel):
    """Marks a content part as an explicit prompt-cache breakpoint."""

    mode: str | None = None


class InputTextContent(APIModel):
    """Text sent by the user (or developer/system)."""

    type: Literal["input_text"]
    text: str | None = None
    prompt_cache_breakpoint: PromptCacheBreakpointConfig | None = None


class InputImageContent(APIModel):
    """An image given by URL (or data URL) or by file id."""

    type: Literal["input_image"]
    image_url: str | None = None
    file_id: str | None = None
    detail: str | None = None
    prompt_cache_breakpoint: PromptCacheBreakpointConfig | None = None


class InputFileContent(APIModel):
    """A file given by id, URL or inline data."""

    type: Literal["input_file"]
    file_id: str | None = None
    filename: str | None = None
    file_data: str | None = None
    file_url: str | None = None
    detail: str | None = None
    prompt_cache_breakpoint: PromptCacheBreakpointConfig | None = None


class ComputerScreenshotContent(APIModel):
    """A screenshot inside a stored message."""

    type: Literal["computer_screenshot"]
    image_url: str | None = None
    file_id: str | None = None
    detail: str | None = None
    prompt_cache_breakpoint: PromptCacheBreakpointConfig | None = None


class ComputerScreenshotImage(APIModel):
    """The screenshot returned as the output of a computer call."""

    type: Literal["computer_screenshot"]
    image_url: str | None = None
    file_id: str | None = None


InputContent = Annotated[
    Annotated[InputTextContent | InputImageContent | InputFileContent, Field(discriminator="type")]
    | UnknownContent,
    Field(union_mode="left_to_right"),
]
"""One input content part; also the array form of function and custom tool outputs."""

MessageContent = Annotated[
    Annotated[
        InputTextContent
        | OutputTextContent
        | TextContent
        | SummaryTextContent
        | ReasoningTextContent
        | RefusalContent
        | InputImageContent
        | ComputerScreenshotContent
        | InputFileContent,
        Field(discriminator="type"),
    ]
    | UnknownContent,
    Field(union_mode="left_to_right"),
]
"""One content part of a stored message of any role (input item listings, conversations, compaction)."""
