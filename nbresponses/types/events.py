"""Streaming events: one model per event type, and the parser the stream runs on every event.

:func:`parse_event` turns the JSON ``data`` of one server-sent event into a typed event with a single call
into pydantic-core (one cached ``TypeAdapter``, built on first use). The union is discriminated on ``type``;
an event type this version does not know parses as :class:`UnknownEvent` with every field kept, so a stream
never breaks on an API addition.

:data:`ResponseStreamEvent`, the static type of every event, is the union of the known events only, as on the
openai SDK: a type checker narrows a union on a literal tag (``if event.type == "response.output_text.delta":
event.delta``) only when every member's tag is a literal, and ``UnknownEvent.type`` is any string. So an
`UnknownEvent` is what this static type leaves out: code that must see API additions tests
``isinstance(event, UnknownEvent)`` (or ``event.type not in EVENT_TYPES``) first.

Every field but ``type`` is optional: streams recorded in early 2025 have no ``sequence_number``, and gateways
drop fields. Delta events may carry an ``obfuscation`` string (random padding against length side channels).
"""

from __future__ import annotations

import functools
from typing import Annotated, Literal, TypeAlias, cast, get_args

from pydantic import Field, TypeAdapter

from ._base import UnknownModel
from ._tool_events import (
    ResponseApplyPatchCallOperationDiffDeltaEvent,
    ResponseApplyPatchCallOperationDiffDoneEvent,
    ResponseCodeInterpreterCallCodeDeltaEvent,
    ResponseCodeInterpreterCallCodeDoneEvent,
    ResponseCodeInterpreterCallCompletedEvent,
    ResponseCodeInterpreterCallInProgressEvent,
    ResponseCodeInterpreterCallInterpretingEvent,
    ResponseCustomToolCallInputDeltaEvent,
    ResponseCustomToolCallInputDoneEvent,
    ResponseFileSearchCallCompletedEvent,
    ResponseFileSearchCallInProgressEvent,
    ResponseFileSearchCallSearchingEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseImageGenCallCompletedEvent,
    ResponseImageGenCallGeneratingEvent,
    ResponseImageGenCallInProgressEvent,
    ResponseImageGenCallPartialImageEvent,
    ResponseMCPCallArgumentsDeltaEvent,
    ResponseMCPCallArgumentsDoneEvent,
    ResponseMCPCallCompletedEvent,
    ResponseMCPCallFailedEvent,
    ResponseMCPCallInProgressEvent,
    ResponseMCPListToolsCompletedEvent,
    ResponseMCPListToolsFailedEvent,
    ResponseMCPListToolsInProgressEvent,
    ResponseShellCallCommandAddedStreamingEvent,
    ResponseShellCallCommandDeltaStreamingEvent,
    ResponseShellCallCommandDoneStreamingEvent,
    ResponseShellCallOutputContentDeltaStreamingEvent,
    ResponseShellCallOutputContentDoneStreamingEvent,
    ResponseWebSearchCallCompletedEvent,
    ResponseWebSearchCallInProgressEvent,
    ResponseWebSearchCallSearchingEvent,
    _ContentEvent,
    _Event,
    _ItemEvent,
)
from .content import Annotation, LogProb, OutputContent, SummaryContent
from .items import OutputItem, type_tags
from .response import ErrorObject, Response

__all__ = [
    "EVENT_TYPES",
    "ResponseApplyPatchCallOperationDiffDeltaEvent",
    "ResponseApplyPatchCallOperationDiffDoneEvent",
    "ResponseAudioDeltaEvent",
    "ResponseAudioDoneEvent",
    "ResponseAudioTranscriptDeltaEvent",
    "ResponseAudioTranscriptDoneEvent",
    "ResponseCodeInterpreterCallCodeDeltaEvent",
    "ResponseCodeInterpreterCallCodeDoneEvent",
    "ResponseCodeInterpreterCallCompletedEvent",
    "ResponseCodeInterpreterCallInProgressEvent",
    "ResponseCodeInterpreterCallInterpretingEvent",
    "ResponseCompletedEvent",
    "ResponseContentPartAddedEvent",
    "ResponseContentPartDoneEvent",
    "ResponseCreatedEvent",
    "ResponseCustomToolCallInputDeltaEvent",
    "ResponseCustomToolCallInputDoneEvent",
    "ResponseErrorEvent",
    "ResponseFailedEvent",
    "ResponseFileSearchCallCompletedEvent",
    "ResponseFileSearchCallInProgressEvent",
    "ResponseFileSearchCallSearchingEvent",
    "ResponseFunctionCallArgumentsDeltaEvent",
    "ResponseFunctionCallArgumentsDoneEvent",
    "ResponseImageGenCallCompletedEvent",
    "ResponseImageGenCallGeneratingEvent",
    "ResponseImageGenCallInProgressEvent",
    "ResponseImageGenCallPartialImageEvent",
    "ResponseInProgressEvent",
    "ResponseIncompleteEvent",
    "ResponseMCPCallArgumentsDeltaEvent",
    "ResponseMCPCallArgumentsDoneEvent",
    "ResponseMCPCallCompletedEvent",
    "ResponseMCPCallFailedEvent",
    "ResponseMCPCallInProgressEvent",
    "ResponseMCPListToolsCompletedEvent",
    "ResponseMCPListToolsFailedEvent",
    "ResponseMCPListToolsInProgressEvent",
    "ResponseOutputItemAddedEvent",
    "ResponseOutputItemDoneEvent",
    "ResponseOutputTextAnnotationAddedEvent",
    "ResponseQueuedEvent",
    "ResponseReasoningSummaryPartAddedEvent",
    "ResponseReasoningSummaryPartDoneEvent",
    "ResponseReasoningSummaryTextDeltaEvent",
    "ResponseReasoningSummaryTextDoneEvent",
    "ResponseReasoningTextDeltaEvent",
    "ResponseReasoningTextDoneEvent",
    "ResponseRefusalDeltaEvent",
    "ResponseRefusalDoneEvent",
    "ResponseShellCallCommandAddedStreamingEvent",
    "ResponseShellCallCommandDeltaStreamingEvent",
    "ResponseShellCallCommandDoneStreamingEvent",
    "ResponseShellCallOutputContentDeltaStreamingEvent",
    "ResponseShellCallOutputContentDoneStreamingEvent",
    "ResponseStreamEvent",
    "ResponseTextDeltaEvent",
    "ResponseTextDoneEvent",
    "ResponseWebSearchCallCompletedEvent",
    "ResponseWebSearchCallInProgressEvent",
    "ResponseWebSearchCallSearchingEvent",
    "UnknownEvent",
    "parse_event",
]


class UnknownEvent(UnknownModel):
    """An event type this version does not know; its fields are kept as extras."""


class ResponseErrorEvent(_Event):
    """An error in the stream; details at the top level (spec) or under ``error`` (as recorded)."""

    type: Literal["error"]
    code: str | None = None
    message: str | None = None
    param: str | None = None
    error: ErrorObject | None = None


class ResponseAudioDeltaEvent(_Event):
    """A chunk of base64 audio."""

    type: Literal["response.audio.delta"]
    response_id: str | None = None
    delta: str | None = None


class ResponseAudioDoneEvent(_Event):
    """The audio is complete."""

    type: Literal["response.audio.done"]
    response_id: str | None = None


class ResponseAudioTranscriptDeltaEvent(_Event):
    """A chunk of the audio transcript."""

    type: Literal["response.audio.transcript.delta"]
    response_id: str | None = None
    delta: str | None = None


class ResponseAudioTranscriptDoneEvent(_Event):
    """The audio transcript is complete."""

    type: Literal["response.audio.transcript.done"]
    response_id: str | None = None


class ResponseCreatedEvent(_Event):
    """The response was created."""

    type: Literal["response.created"]
    response: Response | None = None


class ResponseQueuedEvent(_Event):
    """A background response is queued."""

    type: Literal["response.queued"]
    response: Response | None = None


class ResponseInProgressEvent(_Event):
    """The response is being generated."""

    type: Literal["response.in_progress"]
    response: Response | None = None


class ResponseCompletedEvent(_Event):
    """The response is complete (terminal)."""

    type: Literal["response.completed"]
    response: Response | None = None


class ResponseIncompleteEvent(_Event):
    """The response stopped early (terminal)."""

    type: Literal["response.incomplete"]
    response: Response | None = None


class ResponseFailedEvent(_Event):
    """The response failed (terminal)."""

    type: Literal["response.failed"]
    response: Response | None = None


class ResponseContentPartAddedEvent(_ContentEvent):
    """A content part was added to a message."""

    type: Literal["response.content_part.added"]
    part: OutputContent | None = None


class ResponseContentPartDoneEvent(_ContentEvent):
    """A content part is complete."""

    type: Literal["response.content_part.done"]
    part: OutputContent | None = None


class ResponseOutputItemAddedEvent(_Event):
    """An output item was added."""

    type: Literal["response.output_item.added"]
    output_index: int | None = None
    item: OutputItem | None = None


class ResponseOutputItemDoneEvent(_Event):
    """An output item is complete."""

    type: Literal["response.output_item.done"]
    output_index: int | None = None
    item: OutputItem | None = None


class ResponseOutputTextAnnotationAddedEvent(_ContentEvent):
    """An annotation (citation) was added to an output text."""

    type: Literal["response.output_text.annotation.added"]
    annotation_index: int | None = None
    annotation: Annotation | None = None


class ResponseTextDeltaEvent(_ContentEvent):
    """A chunk of output text."""

    type: Literal["response.output_text.delta"]
    delta: str | None = None
    logprobs: list[LogProb] | None = None
    obfuscation: str | None = None


class ResponseTextDoneEvent(_ContentEvent):
    """The full output text of a content part."""

    type: Literal["response.output_text.done"]
    text: str | None = None
    logprobs: list[LogProb] | None = None


class ResponseReasoningSummaryPartAddedEvent(_ItemEvent):
    """A reasoning summary part was added."""

    type: Literal["response.reasoning_summary_part.added"]
    summary_index: int | None = None
    part: SummaryContent | None = None


class ResponseReasoningSummaryPartDoneEvent(_ItemEvent):
    """A reasoning summary part is complete."""

    type: Literal["response.reasoning_summary_part.done"]
    summary_index: int | None = None
    part: SummaryContent | None = None
    status: str | None = None


class ResponseReasoningSummaryTextDeltaEvent(_ItemEvent):
    """A chunk of reasoning summary text."""

    type: Literal["response.reasoning_summary_text.delta"]
    summary_index: int | None = None
    delta: str | None = None
    obfuscation: str | None = None


class ResponseReasoningSummaryTextDoneEvent(_ItemEvent):
    """The full text of a reasoning summary part."""

    type: Literal["response.reasoning_summary_text.done"]
    summary_index: int | None = None
    text: str | None = None


class ResponseReasoningTextDeltaEvent(_ContentEvent):
    """A chunk of raw reasoning text."""

    type: Literal["response.reasoning_text.delta"]
    delta: str | None = None
    obfuscation: str | None = None


class ResponseReasoningTextDoneEvent(_ContentEvent):
    """The full raw reasoning text of a content part."""

    type: Literal["response.reasoning_text.done"]
    text: str | None = None


class ResponseRefusalDeltaEvent(_ContentEvent):
    """A chunk of refusal text."""

    type: Literal["response.refusal.delta"]
    delta: str | None = None
    obfuscation: str | None = None


class ResponseRefusalDoneEvent(_ContentEvent):
    """The full refusal text."""

    type: Literal["response.refusal.done"]
    refusal: str | None = None


_KnownEvent = (
    ResponseErrorEvent
    | ResponseAudioDeltaEvent
    | ResponseAudioDoneEvent
    | ResponseAudioTranscriptDeltaEvent
    | ResponseAudioTranscriptDoneEvent
    | ResponseCodeInterpreterCallInProgressEvent
    | ResponseCodeInterpreterCallInterpretingEvent
    | ResponseCodeInterpreterCallCompletedEvent
    | ResponseCodeInterpreterCallCodeDeltaEvent
    | ResponseCodeInterpreterCallCodeDoneEvent
    | ResponseCreatedEvent
    | ResponseQueuedEvent
    | ResponseInProgressEvent
    | ResponseCompletedEvent
    | ResponseIncompleteEvent
    | ResponseFailedEvent
    | ResponseContentPartAddedEvent
    | ResponseContentPartDoneEvent
    | ResponseCustomToolCallInputDeltaEvent
    | ResponseCustomToolCallInputDoneEvent
    | ResponseFileSearchCallInProgressEvent
    | ResponseFileSearchCallSearchingEvent
    | ResponseFileSearchCallCompletedEvent
    | ResponseFunctionCallArgumentsDeltaEvent
    | ResponseFunctionCallArgumentsDoneEvent
    | ResponseImageGenCallInProgressEvent
    | ResponseImageGenCallGeneratingEvent
    | ResponseImageGenCallPartialImageEvent
    | ResponseImageGenCallCompletedEvent
    | ResponseMCPCallInProgressEvent
    | ResponseMCPCallCompletedEvent
    | ResponseMCPCallFailedEvent
    | ResponseMCPCallArgumentsDeltaEvent
    | ResponseMCPCallArgumentsDoneEvent
    | ResponseMCPListToolsInProgressEvent
    | ResponseMCPListToolsCompletedEvent
    | ResponseMCPListToolsFailedEvent
    | ResponseOutputItemAddedEvent
    | ResponseOutputItemDoneEvent
    | ResponseOutputTextAnnotationAddedEvent
    | ResponseTextDeltaEvent
    | ResponseTextDoneEvent
    | ResponseReasoningSummaryPartAddedEvent
    | ResponseReasoningSummaryPartDoneEvent
    | ResponseReasoningSummaryTextDeltaEvent
    | ResponseReasoningSummaryTextDoneEvent
    | ResponseReasoningTextDeltaEvent
    | ResponseReasoningTextDoneEvent
    | ResponseRefusalDeltaEvent
    | ResponseRefusalDoneEvent
    | ResponseShellCallCommandAddedStreamingEvent
    | ResponseShellCallCommandDeltaStreamingEvent
    | ResponseShellCallCommandDoneStreamingEvent
    | ResponseShellCallOutputContentDeltaStreamingEvent
    | ResponseShellCallOutputContentDoneStreamingEvent
    | ResponseWebSearchCallInProgressEvent
    | ResponseWebSearchCallSearchingEvent
    | ResponseWebSearchCallCompletedEvent
    | ResponseApplyPatchCallOperationDiffDeltaEvent
    | ResponseApplyPatchCallOperationDiffDoneEvent
)


ResponseStreamEvent: TypeAlias = Annotated[_KnownEvent, Field(discriminator="type")]
"""Any event of a Responses API stream, narrowed by its ``type``; at run time, also `UnknownEvent` (see above)."""

# What the parser validates against: the known events, else UnknownEvent (every field kept).
_ParsedEvent: TypeAlias = Annotated[ResponseStreamEvent | UnknownEvent, Field(union_mode="left_to_right")]

EVENT_TYPES: frozenset[str] = type_tags(*get_args(_KnownEvent))
"""The ``type`` of every event this version knows."""


@functools.cache
def _event_adapter() -> TypeAdapter[ResponseStreamEvent]:
    # built on first use, not at import: building the validator of the whole union takes a while.
    # Typed as the known union on purpose: UnknownEvent stays out of the static type (see the module docstring).
    return cast("TypeAdapter[ResponseStreamEvent]", TypeAdapter(_ParsedEvent))


def parse_event(data: bytes | str) -> ResponseStreamEvent:
    """Parse the JSON ``data`` of one server-sent event into a typed event.

    Args:
        data: The ``data`` field of the event, as bytes or text.

    Returns:
        The event model for its ``type``, or an :class:`UnknownEvent` for a type this version does not know
        (which the static type leaves out, so that ``event.type`` narrows: see the module docstring).

    Raises:
        pydantic.ValidationError: If ``data`` is not JSON or not an object with a string ``type``.
    """
    return _event_adapter().validate_json(data)
