"""Streamed Chat Completions chunks, translated into Responses API stream events (pure: no I/O).

`ChatEventTranslator` takes the parsed ``chat.completion.chunk`` objects of one stream and appends to `events`
the typed events a Responses stream would have carried, in the grammar of the recorded OpenAI streams::

    response.created, response.in_progress
    per item:  output_item.added
               message:   content_part.added, output_text.delta..., output_text.done, content_part.done
               reasoning: content_part.added, reasoning_text.delta..., reasoning_text.done, content_part.done
               function:  function_call_arguments.delta..., function_call_arguments.done
               output_item.done
    response.completed | response.incomplete (finish_reason "length" / "content_filter") | response.failed

so the accumulator, the views, the tool loop, usage and budgets work unchanged. Content deltas become a
message, ``reasoning_content`` / ``reasoning`` deltas (and Mistral ``thinking`` parts) a reasoning item with
raw reasoning text, tool-call deltas (keyed by ``index``, or by ``id`` where a server sends none) function
calls. Usage is read from whichever chunk carries it last (the ``include_usage`` chunk, or every chunk).

Cost per chunk matters (streams are parsed in the kernel's only thread): the delta events, one per chunk, are
built without validation (`_fast`), as ``model_construct`` would build them but about five times faster, since
their fields are plain strings and ints this module sets itself; the rare events that carry nested objects
(items, parts, responses) are validated as usual.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from nbresponses.transports._chat_response import (
    as_dict,
    citation_annotations,
    finish_status,
    item_ids,
    response_base,
    response_usage,
    thinking_text,
)
from nbresponses.types.events import (
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseErrorEvent,
    ResponseFailedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputTextAnnotationAddedEvent,
    ResponseReasoningTextDeltaEvent,
    ResponseReasoningTextDoneEvent,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)

__all__ = ["ChatEventTranslator", "fast_event"]

_new = object.__new__
_set = object.__setattr__
_TEXT_DELTA = "response.output_text.delta"
_REASONING_DELTA = "response.reasoning_text.delta"
_ARGUMENTS_DELTA = "response.function_call_arguments.delta"
_REFUSAL_DELTA = "response.refusal.delta"
_TEXT_GIVEN = {"sequence_number", "item_id", "output_index", "content_index", "type", "delta"}
_CONTENT_DELTA_GIVEN = _TEXT_GIVEN
_ITEM_DELTA_GIVEN = {"sequence_number", "item_id", "output_index", "type", "delta"}
_TEMPLATES: dict[type[Any], dict[str, Any]] = {
    cls: dict.fromkeys(cls.model_fields)
    for cls in (ResponseReasoningTextDeltaEvent, ResponseRefusalDeltaEvent, ResponseFunctionCallArgumentsDeltaEvent,
                ResponseTextDeltaEvent)
}  # fmt: skip


def fast_event(cls: type[Any], data: dict[str, Any], given: set[str]) -> Any:
    """An event of class ``cls`` from ``data`` (every field, defaults included), without validation.

    The same object ``cls.model_construct(**{k: data[k] for k in given})`` builds; ``given`` are the fields
    set explicitly (what ``to_dict()`` shows). Only for flat events whose values the caller controls.
    """
    event = _new(cls)
    _set(event, "__dict__", data)
    _set(event, "__pydantic_fields_set__", given)
    _set(event, "__pydantic_extra__", {})
    _set(event, "__pydantic_private__", None)
    return event


class _Item:
    """One output item while it streams: its JSON (without the joined text) and the text fragments."""

    __slots__ = ("call_id", "data", "fragments", "id", "index", "kind", "name", "part_kind")

    def __init__(self, kind: str, item_id: str, index: int, data: dict[str, Any]) -> None:
        self.kind = kind
        self.id = item_id
        self.index = index
        self.data = data
        self.fragments: list[str] = []
        self.part_kind = ""  # message items: "output_text" or "refusal", the part open now
        self.call_id: str | None = None
        self.name = ""


class ChatEventTranslator:
    """Turns the chunks of one Chat Completions stream into Responses events (appended to `events`).

    Args:
        request: the Responses request the stream answers (its settings are echoed in the response).

    Call `feed` with each parsed chunk, then `close` when the stream ended normally (``[DONE]`` or the body's
    end after a ``finish_reason``); take the events from `events` as they come (clear it after reading).
    """

    def __init__(self, request: Mapping[str, Any] | None = None) -> None:
        self.events: list[ResponseStreamEvent] = []
        self.finish_reason: str | None = None
        self.terminal = False
        self._request = request
        self._seq = 0
        self._base: dict[str, Any] | None = None
        self._stem = ""
        self._items: list[_Item] = []
        self._current: _Item | None = None  # the open message or reasoning item
        self._text: _Item | None = None  # the open message item while its output_text part is open
        self._reasoning: _Item | None = None  # the open reasoning item
        self._calls: dict[Any, _Item] = {}
        self._call_keys: dict[str, Any] = {}
        self._last_call: Any = None
        self._usage: Any = None
        self._citations: Any = None
        self._first: Mapping[str, Any] | None = None

    @property
    def started(self) -> bool:
        """Whether ``response.created`` was emitted (a chunk with choices arrived)."""
        return self._base is not None

    # -- chunks -----------------------------------------------------------------------------------------

    def feed(self, chunk: Any) -> None:
        """Translate one parsed chunk (a ``chat.completion.chunk`` object, or an ``{"error": ...}`` object)."""
        if not isinstance(chunk, dict):
            raise ValueError("a chunk must be a JSON object")
        if self._first is None:
            self._first = chunk
        usage = chunk.get("usage")
        if usage:
            self._usage = usage
        elif "x_groq" in chunk and isinstance(chunk["x_groq"], dict) and chunk["x_groq"].get("usage"):
            self._usage = chunk["x_groq"]["usage"]
        if "citations" in chunk:
            self._citations = chunk["citations"]
        error = chunk.get("error")
        if error:
            self.fail(error if isinstance(error, dict) else {"message": str(error)})
            return
        choices = chunk.get("choices")
        if not choices:
            return
        if self._base is None:
            self._start(chunk)
        choice = choices[0]
        if len(choices) > 1 or choice.get("index", 0):  # n > 1: follow the first choice only
            choice = next((c for c in choices if c.get("index", 0) == 0), None)
            if choice is None:
                return
        delta = choice.get("delta")
        if delta:
            thought = delta.get("reasoning_content") or delta.get("reasoning")
            if thought and thought.__class__ is str:
                self._reasoning_delta(thought)
            content = delta.get("content")
            if content:
                if content.__class__ is str:
                    item = self._text
                    if item is None:
                        item = self._open_message("output_text")
                    item.fragments.append(content)
                    logprobs = choice.get("logprobs")
                    if logprobs:
                        self._logprob_delta(item, content, logprobs)
                    else:
                        seq = self._seq
                        self._seq = seq + 1
                        data = {"sequence_number": seq, "item_id": item.id, "output_index": item.index,
                                "content_index": 0, "type": _TEXT_DELTA, "delta": content, "logprobs": None,
                                "obfuscation": None}  # fmt: skip
                        self.events.append(fast_event(ResponseTextDeltaEvent, data, _TEXT_GIVEN.copy()))
                elif isinstance(content, list):
                    self._content_parts(content)
            refusal = delta.get("refusal")
            if refusal and refusal.__class__ is str:
                self._refusal_delta(refusal)
            calls = delta.get("tool_calls")
            if calls:
                self._tool_deltas(calls)
            legacy = delta.get("function_call")
            if legacy and not calls:
                self._tool_deltas([{"index": "function_call", "function": legacy}])
        finish = choice.get("finish_reason")
        if finish:
            self.finish_reason = finish

    def _start(self, chunk: Mapping[str, Any]) -> None:
        chat_id = chunk.get("id") or (self._first or {}).get("id")
        self._stem = item_ids(chat_id)
        response_id = chat_id if isinstance(chat_id, str) and chat_id else f"chatcmpl-{self._stem}"
        self._base = response_base(self._request, response_id=response_id, model=chunk.get("model"),
                                   created=chunk.get("created"))  # fmt: skip
        self._emit(
            ResponseCreatedEvent, {"type": "response.created", "response": {**self._base, "output": []}}
        )
        self._emit(
            ResponseInProgressEvent,
            {"type": "response.in_progress", "response": {**self._base, "output": []}},
        )

    def _emit(self, cls: type[Any], payload: dict[str, Any]) -> None:
        payload["sequence_number"] = self._seq
        self._seq += 1
        self.events.append(cls.model_validate(payload))

    def _delta(
        self, cls: type[Any], kind: str, item: _Item, text: str, *, content_index: int | None = 0
    ) -> None:
        seq = self._seq
        self._seq = seq + 1
        data = _TEMPLATES[cls].copy()
        data.update(sequence_number=seq, item_id=item.id, output_index=item.index, type=kind, delta=text)
        if content_index is None:
            self.events.append(fast_event(cls, data, _ITEM_DELTA_GIVEN.copy()))
        else:
            data["content_index"] = content_index
            self.events.append(fast_event(cls, data, _CONTENT_DELTA_GIVEN.copy()))

    # -- items ------------------------------------------------------------------------------------------

    def _open(self, kind: str, prefix: str, data: dict[str, Any]) -> _Item:
        index = len(self._items)
        item_id = f"{prefix}_{self._stem}_{index}"
        item = _Item(kind, item_id, index, {"id": item_id, **data})
        self._items.append(item)
        self._emit(ResponseOutputItemAddedEvent, {"type": "response.output_item.added", "output_index": index,
                                                  "item": {**item.data, "status": "in_progress"}})  # fmt: skip
        return item

    def _close_current(self) -> None:
        item = self._current
        if item is not None:
            self._current = self._text = self._reasoning = None
            self._finish_item(item)

    def _open_message(self, part_kind: str) -> _Item:
        item = self._current
        if item is None or item.kind != "message" or item.part_kind == "refusal":
            self._close_current()
            item = self._open("message", "msg", {"type": "message", "role": "assistant", "content": []})
            self._current = item
        elif item.part_kind:
            self._close_part(item)
        item.part_kind = part_kind
        part: dict[str, Any] = {"type": part_kind, part_kind if part_kind == "refusal" else "text": ""}
        if part_kind == "output_text":
            part.update(annotations=[], logprobs=[])
            self._text = item
        self._emit(ResponseContentPartAddedEvent, {"type": "response.content_part.added", "item_id": item.id,
                   "output_index": item.index, "content_index": len(item.data["content"]), "part": part})  # fmt: skip
        item.data["content"].append(part)
        return item

    def _close_part(self, item: _Item) -> None:
        content = item.data["content"]
        index = len(content) - 1
        part = content[index]
        text = "".join(item.fragments)
        item.fragments = []
        where = {"item_id": item.id, "output_index": item.index, "content_index": index}
        if item.part_kind == "refusal":
            part["refusal"] = text
            self._emit(ResponseRefusalDoneEvent, {"type": "response.refusal.done", **where, "refusal": text})
        else:
            part["text"] = text
            annotations = citation_annotations(text, self._citations)
            for number, annotation in enumerate(annotations):
                self._emit(ResponseOutputTextAnnotationAddedEvent, {"type": "response.output_text.annotation.added",
                           **where, "annotation_index": number, "annotation": annotation})  # fmt: skip
            part["annotations"] = annotations
            self._emit(ResponseTextDoneEvent, {"type": "response.output_text.done", **where, "text": text})
        self._emit(
            ResponseContentPartDoneEvent, {"type": "response.content_part.done", **where, "part": part}
        )
        item.part_kind = ""
        self._text = None

    def _reasoning_delta(self, text: str) -> None:
        item = self._reasoning
        if item is None:
            self._close_current()
            item = self._open("reasoning", "rs", {"type": "reasoning", "summary": [], "content": []})
            self._current = self._reasoning = item
            part = {"type": "reasoning_text", "text": ""}
            item.data["content"].append(part)
            self._emit(ResponseContentPartAddedEvent, {"type": "response.content_part.added", "item_id": item.id,
                       "output_index": item.index, "content_index": 0, "part": part})  # fmt: skip
        item.fragments.append(text)
        self._delta(ResponseReasoningTextDeltaEvent, _REASONING_DELTA, item, text)

    def _refusal_delta(self, text: str) -> None:
        item = self._current
        if item is None or item.kind != "message" or item.part_kind != "refusal":
            item = self._open_message("refusal")
        item.fragments.append(text)
        self._delta(
            ResponseRefusalDeltaEvent, _REFUSAL_DELTA, item, text, content_index=len(item.data["content"]) - 1
        )

    def _logprob_delta(self, item: _Item, text: str, logprobs: Any) -> None:
        tokens = logprobs.get("content") if isinstance(logprobs, dict) else None
        self._emit(ResponseTextDeltaEvent, {"type": _TEXT_DELTA, "item_id": item.id, "output_index": item.index,
                   "content_index": len(item.data["content"]) - 1, "delta": text,
                   "logprobs": tokens if isinstance(tokens, list) else None})  # fmt: skip

    def _content_parts(self, parts: list[Any]) -> None:
        for part in parts:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "thinking":
                text = thinking_text(part.get("thinking"))
                if text:
                    self._reasoning_delta(text)
            elif isinstance(part.get("text"), str) and part["text"]:
                item = self._text or self._open_message("output_text")
                item.fragments.append(part["text"])
                self._delta(ResponseTextDeltaEvent, _TEXT_DELTA, item, part["text"])

    def _tool_deltas(self, calls: list[Any]) -> None:
        for position, call in enumerate(calls):
            if not isinstance(call, dict):
                continue
            call_id = call.get("id")
            key = call.get("index")
            if key is None:  # no index (Mistral): an id names a new call, no id continues the last one
                if call_id:
                    key = self._call_keys.get(call_id, f"id:{call_id}")
                else:
                    key = self._last_call if self._last_call is not None else position
            function = as_dict(call.get("function"))
            name = function.get("name")
            item = self._calls.get(key)
            if item is None:
                self._close_current()
                item_call_id = call_id or f"call_{self._stem}_{len(self._items)}"
                item = self._open("function_call", "fc", {"type": "function_call", "call_id": item_call_id,
                                                          "name": name or "", "arguments": ""})  # fmt: skip
                item.call_id = item_call_id
                item.name = name or ""
                self._calls[key] = item
            else:
                if call_id and item.call_id != call_id and call_id not in self._call_keys:
                    item.call_id = call_id  # an id that came after the first delta
                if name and not item.name:
                    item.name = name
            if call_id:
                self._call_keys[call_id] = key
            self._last_call = key
            arguments = function.get("arguments")
            if arguments is not None and arguments.__class__ is not str:
                arguments = json.dumps(arguments)  # a server that sends the arguments as an object
            if arguments:
                item.fragments.append(arguments)
                self._delta(ResponseFunctionCallArgumentsDeltaEvent, _ARGUMENTS_DELTA, item, arguments,
                            content_index=None)  # fmt: skip

    def _finish_item(self, item: _Item) -> None:
        data = item.data
        if item.kind == "message":
            if item.part_kind:
                self._close_part(item)
        elif item.kind == "reasoning":
            text = "".join(item.fragments)
            data["content"][0]["text"] = text
            where = {"item_id": item.id, "output_index": item.index, "content_index": 0}
            item.fragments = []
            self._emit(
                ResponseReasoningTextDoneEvent,
                {"type": "response.reasoning_text.done", **where, "text": text},
            )
            self._emit(ResponseContentPartDoneEvent, {"type": "response.content_part.done", **where,
                                                      "part": data["content"][0]})  # fmt: skip
        else:
            arguments = "".join(item.fragments)
            item.fragments = []
            data.update(arguments=arguments, call_id=item.call_id, name=item.name)
            self._emit(ResponseFunctionCallArgumentsDoneEvent, {"type": "response.function_call_arguments.done",
                       "item_id": item.id, "output_index": item.index, "arguments": arguments})  # fmt: skip
        data["status"] = "completed"
        self._emit(ResponseOutputItemDoneEvent, {"type": "response.output_item.done", "output_index": item.index,
                                                 "item": data})  # fmt: skip

    # -- the end ----------------------------------------------------------------------------------------

    def _ensure_started(self) -> None:
        if self._base is None:
            self._start(self._first or {})

    def close(self) -> None:
        """The stream ended normally: close the open items and emit ``response.completed`` / ``.incomplete``."""
        if self.terminal:
            return
        self._ensure_started()
        self._close_current()
        for item in self._items:
            if item.data.get("status") != "completed":
                self._finish_item(item)
        status, incomplete = finish_status(self.finish_reason)
        response = self.response(status)
        if incomplete is not None:
            response["incomplete_details"] = incomplete
        kind = "response.incomplete" if status == "incomplete" else "response.completed"
        cls = ResponseIncompleteEvent if status == "incomplete" else ResponseCompletedEvent
        self._emit(cls, {"type": kind, "response": response})
        self.terminal = True

    def fail(self, error: Mapping[str, Any]) -> None:
        """An error object in the stream: emit ``error`` and ``response.failed`` with what arrived."""
        if self.terminal:
            return
        self._ensure_started()
        code = error.get("code")
        details = {
            "type": error.get("type") if isinstance(error.get("type"), str) else None,
            "code": str(code) if code is not None else None,
            "message": str(error.get("message") or "The server reported an error in the stream."),
            "param": error.get("param") if isinstance(error.get("param"), str) else None,
        }
        self._emit(ResponseErrorEvent, {"type": "error", "code": details["code"], "message": details["message"],
                                        "param": details["param"], "error": details})  # fmt: skip
        response = self.response("failed")
        response["error"] = {"code": details["code"] or "server_error", "message": details["message"]}
        self._emit(ResponseFailedEvent, {"type": "response.failed", "response": response})
        self.terminal = True

    def response(self, status: str) -> dict[str, Any]:
        """The Response JSON as it stands (items as built so far), with ``status``."""
        output = []
        for item in self._items:
            data = dict(item.data)
            if item.fragments:
                text = "".join(item.fragments)
                if item.kind == "function_call":
                    data["arguments"] = text
                elif data.get("content"):
                    last = dict(data["content"][-1])
                    last["refusal" if last.get("type") == "refusal" else "text"] = text
                    data["content"] = [*data["content"][:-1], last]
            if item.kind == "function_call":
                data.update(call_id=item.call_id, name=item.name)
            output.append(data)
        response = {**(self._base or {}), "status": status, "output": output}
        usage = response_usage(self._usage)
        if usage is not None:
            response["usage"] = usage
        return response
