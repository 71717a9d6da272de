"""Fold stream events into a `Response` snapshot.

Pure: no I/O, no clocks. The accumulator is the only per-event work besides parsing, so it is built for that:
each event costs one dict lookup and a small method; deltas are appended to lists of fragments and joined only
when a snapshot is asked for (never ``+=`` on a growing string, never a model rebuilt per event). The view asks
for snapshots at its refresh rate, not per event, and a snapshot is cached until the next event changes it.

Events that carry a whole object (``output_item.done``, ``content_part.done``, ``*.done`` with the full text)
replace what the deltas built, so the server's final word wins; the deltas alone still rebuild everything when
those events are missing (a cut-off stream, a gateway that drops them).

Not thread-safe, and it need not be: one thread adds. A live view that snapshots from a helper thread while
the stream pauses takes the snapshot through the stream (`EventPump.snapshot`), which holds the pump's lock;
the pump holds it around its adds, once per chunk.

Partial images (``image_generation_call.partial_image``) are not part of a `Response`: the view that shows
them keeps them from the events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from .types._tool_events import (
    ResponseApplyPatchCallOperationDiffDeltaEvent,
    ResponseApplyPatchCallOperationDiffDoneEvent,
    ResponseCodeInterpreterCallCodeDeltaEvent,
    ResponseCodeInterpreterCallCodeDoneEvent,
    ResponseCustomToolCallInputDeltaEvent,
    ResponseCustomToolCallInputDoneEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseMCPCallArgumentsDeltaEvent,
    ResponseMCPCallArgumentsDoneEvent,
    _ContentEvent,
    _ItemEvent,
)
from .types.events import (
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseErrorEvent,
    ResponseFailedEvent,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputTextAnnotationAddedEvent,
    ResponseQueuedEvent,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseReasoningTextDeltaEvent,
    ResponseReasoningTextDoneEvent,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)
from .types.response import Response

__all__ = ["TERMINAL_EVENTS", "ResponseAccumulator"]

TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})
"""Event types that end a response stream."""

_STATUS_EVENTS = {
    "response.web_search_call.in_progress": "in_progress",
    "response.web_search_call.searching": "searching",
    "response.web_search_call.completed": "completed",
    "response.file_search_call.in_progress": "in_progress",
    "response.file_search_call.searching": "searching",
    "response.file_search_call.completed": "completed",
    "response.code_interpreter_call.in_progress": "in_progress",
    "response.code_interpreter_call.interpreting": "interpreting",
    "response.code_interpreter_call.completed": "completed",
    "response.image_generation_call.in_progress": "in_progress",
    "response.image_generation_call.generating": "generating",
    "response.image_generation_call.completed": "completed",
    "response.mcp_call.in_progress": "in_progress",
    "response.mcp_call.completed": "completed",
    "response.mcp_call.failed": "failed",
    "response.mcp_list_tools.in_progress": "in_progress",
    "response.mcp_list_tools.completed": "completed",
    "response.mcp_list_tools.failed": "failed",
}

_DIFF = "operation.diff"  # apply_patch diffs stream into item["operation"]["diff"]

_TerminalEvent: TypeAlias = ResponseCompletedEvent | ResponseIncompleteEvent | ResponseFailedEvent
_ResponseEvent: TypeAlias = (
    ResponseCreatedEvent | ResponseQueuedEvent | ResponseInProgressEvent | _TerminalEvent
)
_ItemStringDelta: TypeAlias = (
    ResponseFunctionCallArgumentsDeltaEvent
    | ResponseCustomToolCallInputDeltaEvent
    | ResponseMCPCallArgumentsDeltaEvent
    | ResponseCodeInterpreterCallCodeDeltaEvent
    | ResponseApplyPatchCallOperationDiffDeltaEvent
)


class _Item:
    """The mutable state of one output item while it streams."""

    __slots__ = ("data", "fragments", "parts", "summaries")

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        # item field -> text fragments not yet joined into data[field]
        self.fragments: dict[str, list[str]] = {}
        # content_index -> (part dict, field the deltas build, fragments)
        self.parts: dict[int, tuple[dict[str, Any], str, list[str]]] = {}
        # summary_index -> (summary part dict, fragments)
        self.summaries: dict[int, tuple[dict[str, Any], list[str]]] = {}

    def part(self, index: int, field: str, kind: str) -> list[str]:
        """Return the fragment list of content part ``index``, creating the part if no event announced it."""
        entry = self.parts.get(index)
        if entry is None:
            content = self.data.setdefault("content", [])
            part: dict[str, Any] = {"type": kind, field: ""}
            if kind == "output_text":
                part["annotations"] = []
            while len(content) <= index:
                content.append(part if len(content) == index else {"type": kind, field: ""})
            content[index] = part
            entry = (part, field, [])
            self.parts[index] = entry
        return entry[2]

    def summary(self, index: int) -> list[str]:
        """Return the fragment list of reasoning summary ``index``, creating the part if needed."""
        entry = self.summaries.get(index)
        if entry is None:
            summary = self.data.setdefault("summary", [])
            part: dict[str, Any] = {"type": "summary_text", "text": ""}
            while len(summary) <= index:
                summary.append(part if len(summary) == index else {"type": "summary_text", "text": ""})
            summary[index] = part
            entry = (part, [])
            self.summaries[index] = entry
        return entry[1]

    def materialize(self) -> dict[str, Any]:
        """Join pending fragments into the item dict and return it."""
        for field, fragments in self.fragments.items():
            if not fragments:
                continue
            if field == _DIFF:
                operation = self.data.setdefault("operation", {})
                if isinstance(operation, dict):
                    operation["diff"] = "".join(fragments)
            else:
                self.data[field] = "".join(fragments)
        for part, field, fragments in self.parts.values():
            if fragments:
                part[field] = "".join(fragments)
        for part, fragments in self.summaries.values():
            if fragments:
                part["text"] = "".join(fragments)
        return self.data


class ResponseAccumulator:
    """Builds a `Response` from stream events, one `add` per event.

    Example:
        >>> acc = ResponseAccumulator()
        >>> for event in events:
        ...     acc.add(event)
        >>> acc.snapshot().output_text
    """

    def __init__(self) -> None:
        self._base: dict[str, Any] = {"object": "response", "output": []}
        self._items: dict[int, _Item] = {}
        self._done_items: set[int] = set()
        self._terminal: Response | None = None
        self._error: dict[str, Any] | None = None
        self._snapshot: Response | None = None
        self._dirty = True
        self.event_count = 0
        # event type -> handler taking that type's event class (one dict lookup per event, no isinstance chain)
        self._handlers: dict[str, Callable[[Any], None]] = {
            "response.created": self._on_response,
            "response.queued": self._on_response,
            "response.in_progress": self._on_response,
            "response.completed": self._on_terminal,
            "response.incomplete": self._on_terminal,
            "response.failed": self._on_terminal,
            "error": self._on_error,
            "response.output_item.added": self._on_item,
            "response.output_item.done": self._on_item_done,
            "response.content_part.added": self._on_part_added,
            "response.content_part.done": self._on_part_done,
            "response.output_text.delta": self._on_text_delta,
            "response.output_text.done": self._on_text_done,
            "response.refusal.delta": self._on_refusal_delta,
            "response.refusal.done": self._on_refusal_done,
            "response.reasoning_text.delta": self._on_reasoning_text_delta,
            "response.reasoning_text.done": self._on_reasoning_text_done,
            "response.output_text.annotation.added": self._on_annotation,
            "response.reasoning_summary_part.added": self._on_summary_part_added,
            "response.reasoning_summary_part.done": self._on_summary_part_done,
            "response.reasoning_summary_text.delta": self._on_summary_delta,
            "response.reasoning_summary_text.done": self._on_summary_done,
            "response.function_call_arguments.delta": self._string_delta("arguments"),
            "response.function_call_arguments.done": self._on_function_arguments_done,
            "response.custom_tool_call_input.delta": self._string_delta("input"),
            "response.custom_tool_call_input.done": self._on_custom_input_done,
            "response.mcp_call_arguments.delta": self._string_delta("arguments"),
            "response.mcp_call_arguments.done": self._on_mcp_arguments_done,
            "response.code_interpreter_call_code.delta": self._string_delta("code"),
            "response.code_interpreter_call_code.done": self._on_code_done,
            "response.apply_patch_call_operation_diff.delta": self._string_delta(_DIFF),
            "response.apply_patch_call_operation_diff.done": self._on_patch_done,
        }
        for event_type, status in _STATUS_EVENTS.items():
            self._handlers[event_type] = self._status(status)

    # -- public API -------------------------------------------------------------------------------------

    def add(self, event: ResponseStreamEvent) -> None:
        """Fold one event into the state. Unknown event types are counted and otherwise ignored."""
        self.event_count += 1
        self._dirty = True
        handler = self._handlers.get(event.type)
        if handler is not None:
            handler(event)

    @property
    def done(self) -> bool:
        """True once a terminal event (completed, incomplete, failed) has arrived."""
        return self._terminal is not None

    @property
    def items_complete(self) -> bool:
        """True when at least one item arrived and every item that was added is done (``output_item.done``)."""
        return bool(self._items) and self._done_items.issuperset(self._items)

    @property
    def error(self) -> dict[str, Any] | None:
        """The details of an `error` event, if one arrived (``type``, ``code``, ``message``, ``param``)."""
        return self._error

    @property
    def response_id(self) -> str | None:
        """The id of the response being streamed, once `response.created` arrived."""
        value = self._base.get("id")
        return value if isinstance(value, str) else None

    def rebuilt(self) -> Response:
        """The response built from the events alone, ignoring the output of the terminal event."""
        data = dict(self._base)
        data["output"] = [self._items[index].materialize() for index in sorted(self._items)]
        return Response.model_validate(data)

    def snapshot(self) -> Response:
        """The response as it stands: the terminal event's response once it arrived, else the rebuilt one.

        A terminal response with an empty ``output`` (some gateways send that) is filled from the events.
        The snapshot is cached until the next event.
        """
        if not self._dirty and self._snapshot is not None:
            return self._snapshot
        if self._terminal is not None:
            snapshot = self._terminal
            if not snapshot.output and self._items:
                data = snapshot.to_dict()
                data["output"] = [self._items[index].materialize() for index in sorted(self._items)]
                snapshot = Response.model_validate(data)
        else:
            snapshot = self.rebuilt()
        self._snapshot = snapshot
        self._dirty = False
        return snapshot

    # -- handlers: the response and errors -----------------------------------------------------------------

    def _on_response(self, event: _ResponseEvent) -> None:
        if event.response is not None:
            base = event.response.to_dict()
            base.pop("output", None)
            self._base = base

    def _on_terminal(self, event: _TerminalEvent) -> None:
        self._on_response(event)
        if event.response is not None:
            self._terminal = event.response

    def _on_error(self, event: ResponseErrorEvent) -> None:
        details: dict[str, Any] = event.error.to_dict() if event.error is not None else {}
        for key, value in (("code", event.code), ("message", event.message), ("param", event.param)):
            if value is not None:
                details.setdefault(key, value)
        self._error = details

    # -- handlers: items and content parts -----------------------------------------------------------------

    def _item(self, event: _ItemEvent) -> _Item:
        index = event.output_index if event.output_index is not None else len(self._items)
        item = self._items.get(index)
        if item is None:
            item = self._items[index] = _Item({"type": "message", "id": event.item_id})
        return item

    def _on_item(self, event: ResponseOutputItemAddedEvent) -> None:
        self._set_item(event)

    def _on_item_done(self, event: ResponseOutputItemDoneEvent) -> None:
        self._done_items.add(self._set_item(event))

    def _set_item(self, event: ResponseOutputItemAddedEvent | ResponseOutputItemDoneEvent) -> int:
        index = event.output_index if event.output_index is not None else len(self._items)
        if event.item is not None:  # (a gateway that leaves it out: the deltas still build the item)
            self._items[index] = _Item(event.item.to_dict())
        return index

    def _on_part_added(self, event: ResponseContentPartAddedEvent) -> None:
        self._set_part(event, keep_fragments=True)

    def _on_part_done(self, event: ResponseContentPartDoneEvent) -> None:
        self._set_part(event, keep_fragments=False)

    def _set_part(
        self, event: ResponseContentPartAddedEvent | ResponseContentPartDoneEvent, *, keep_fragments: bool
    ) -> None:
        item = self._item(event)
        part = event.part.to_dict() if event.part is not None else {}
        kind = part.get("type", "output_text")
        field = "refusal" if kind == "refusal" else "text"
        index = event.content_index or 0
        fragments = item.part(index, field, kind)
        item.data["content"][index] = part
        item.parts[index] = (part, field, fragments if keep_fragments else [])

    def _on_text_delta(self, event: ResponseTextDeltaEvent) -> None:
        self._item(event).part(event.content_index or 0, "text", "output_text").append(event.delta or "")
        if event.logprobs:
            part = self._item(event).parts[event.content_index or 0][0]
            part.setdefault("logprobs", []).extend(lp.to_dict() for lp in event.logprobs)

    def _on_text_done(self, event: ResponseTextDoneEvent) -> None:
        self._set_part_text(event, "text", "output_text", event.text)

    def _on_refusal_delta(self, event: ResponseRefusalDeltaEvent) -> None:
        self._item(event).part(event.content_index or 0, "refusal", "refusal").append(event.delta or "")

    def _on_refusal_done(self, event: ResponseRefusalDoneEvent) -> None:
        self._set_part_text(event, "refusal", "refusal", event.refusal)

    def _on_reasoning_text_delta(self, event: ResponseReasoningTextDeltaEvent) -> None:
        self._item(event).part(event.content_index or 0, "text", "reasoning_text").append(event.delta or "")

    def _on_reasoning_text_done(self, event: ResponseReasoningTextDoneEvent) -> None:
        self._set_part_text(event, "text", "reasoning_text", event.text)

    def _set_part_text(self, event: _ContentEvent, field: str, kind: str, value: str | None) -> None:
        if value is None:
            return
        item = self._item(event)
        fragments = item.part(event.content_index or 0, field, kind)
        fragments.clear()
        fragments.append(value)

    def _on_annotation(self, event: ResponseOutputTextAnnotationAddedEvent) -> None:
        if event.annotation is None:
            return
        item = self._item(event)
        item.part(event.content_index or 0, "text", "output_text")
        part = item.parts[event.content_index or 0][0]
        annotations = part.setdefault("annotations", [])
        annotation = event.annotation.to_dict()
        index = event.annotation_index
        if index is not None and index < len(annotations):
            annotations[index] = annotation
        else:
            annotations.append(annotation)

    # -- handlers: reasoning summaries ---------------------------------------------------------------------

    def _on_summary_part_added(self, event: ResponseReasoningSummaryPartAddedEvent) -> None:
        self._set_summary_part(event, keep_fragments=True)

    def _on_summary_part_done(self, event: ResponseReasoningSummaryPartDoneEvent) -> None:
        self._set_summary_part(event, keep_fragments=False)

    def _set_summary_part(
        self,
        event: ResponseReasoningSummaryPartAddedEvent | ResponseReasoningSummaryPartDoneEvent,
        *,
        keep_fragments: bool,
    ) -> None:
        item = self._item(event)
        index = event.summary_index or 0
        fragments = item.summary(index)
        if event.part is not None:
            part = event.part.to_dict()
            item.data["summary"][index] = part
            item.summaries[index] = (part, fragments if keep_fragments else [])

    def _on_summary_delta(self, event: ResponseReasoningSummaryTextDeltaEvent) -> None:
        self._item(event).summary(event.summary_index or 0).append(event.delta or "")

    def _on_summary_done(self, event: ResponseReasoningSummaryTextDoneEvent) -> None:
        if event.text is not None:
            fragments = self._item(event).summary(event.summary_index or 0)
            fragments.clear()
            fragments.append(event.text)

    # -- handlers: tool calls ------------------------------------------------------------------------------

    def _string_delta(self, field: str) -> Callable[[_ItemStringDelta], None]:
        """The handler of the deltas that build the string ``field`` of an item (arguments, input, code...)."""

        def handle(event: _ItemStringDelta) -> None:
            self._item(event).fragments.setdefault(field, []).append(event.delta or "")

        return handle

    def _set_string(self, event: _ItemEvent, field: str, value: str | None) -> None:
        if value is not None:
            self._item(event).fragments[field] = [value]

    def _on_function_arguments_done(self, event: ResponseFunctionCallArgumentsDoneEvent) -> None:
        self._set_string(event, "arguments", event.arguments)

    def _on_custom_input_done(self, event: ResponseCustomToolCallInputDoneEvent) -> None:
        self._set_string(event, "input", event.input)

    def _on_mcp_arguments_done(self, event: ResponseMCPCallArgumentsDoneEvent) -> None:
        self._set_string(event, "arguments", event.arguments)

    def _on_code_done(self, event: ResponseCodeInterpreterCallCodeDoneEvent) -> None:
        self._set_string(event, "code", event.code)

    def _on_patch_done(self, event: ResponseApplyPatchCallOperationDiffDoneEvent) -> None:
        self._set_string(event, _DIFF, event.diff)

    def _status(self, status: str) -> Callable[[_ItemEvent], None]:
        """The handler of a hosted tool's progress events: the item's ``status`` becomes ``status``."""

        def handle(event: _ItemEvent) -> None:
            self._item(event).data["status"] = status

        return handle
