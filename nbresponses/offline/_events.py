"""A response's stream events, in the order and shape of the recorded OpenAI streams (pure).

``response.created`` and ``response.in_progress``; per output item ``output_item.added``, its content or
summary parts with their deltas and ``*.done`` events, ``output_item.done``; then ``response.completed`` (or
``incomplete`` / ``failed``) with usage. ``sequence_number`` counts from 0; no ``obfuscation`` fields.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from ._png import png_base64

__all__ = ["chunks", "in_progress_form", "response_events"]

_PIECE = re.compile(r"\s*\S+|\s+")


def chunks(text: str, *, words: int = 1) -> list[str]:
    """Word-sized deltas whose concatenation is ``text``."""
    pieces = _PIECE.findall(text)
    return ["".join(pieces[i : i + words]) for i in range(0, len(pieces), words)] or ([text] if text else [])


def in_progress_form(final: dict[str, Any]) -> dict[str, Any]:
    """How a response looks in ``response.created``: in progress, no output, the usage of its input alone.

    (OpenAI sends ``usage: null`` there, but both specs want an object.)
    """
    usage = final.get("usage") or {}
    pending = {**usage, "output_tokens": 0, "total_tokens": usage.get("input_tokens", 0),
               "output_tokens_details": {"reasoning_tokens": 0}}  # fmt: skip
    return {**final, "status": "in_progress", "output": [], "completed_at": None, "incomplete_details": None,
            "error": None, "usage": pending}  # fmt: skip


def _pending(item: dict[str, Any]) -> dict[str, Any]:
    """How an item looks in ``output_item.added``: in progress, its streamed fields still empty."""
    added = copy.deepcopy(item)
    kind = added.get("type")
    if "status" in added:
        added["status"] = "in_progress"
    if kind == "message":
        added["content"] = []
    elif kind == "reasoning":
        added["summary"] = []
    elif kind in ("function_call", "custom_tool_call", "mcp_call"):
        for key in ("arguments", "input"):
            if key in added:
                added[key] = ""
        added.pop("output", None)
    elif kind == "code_interpreter_call":
        added["code"], added["outputs"] = "", None
    elif kind == "image_generation_call":
        added["result"] = None
    elif kind == "file_search_call":
        added["results"] = None
    elif kind == "web_search_call":
        added["action"] = {"type": "search"}  # what it searched for is known once it is done
    return added


class _Emitter:
    def __init__(self) -> None:
        self.sequence = 0

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"type": kind, **fields, "sequence_number": self.sequence}
        self.sequence += 1
        return event


def _annotations(  # noqa: PLR0917 (a private helper of _item_events, called twice)
    e: _Emitter,
    where: dict[str, Any],
    c: int,
    pending: list[dict[str, Any]],
    part: dict[str, Any],
    sent: int | None,
) -> Iterator[dict[str, Any]]:
    """``annotation.added`` for each annotation whose cited text has been sent (all of them when ``sent`` is None)."""
    total = len(part.get("annotations") or [])
    while pending:
        annotation = pending[0]
        end = annotation.get("end_index", annotation.get("index", 0))
        if sent is not None and (not isinstance(end, int) or end > sent):
            return
        pending.pop(0)
        yield e.event("response.output_text.annotation.added", **where, content_index=c,
                      annotation_index=total - len(pending) - 1, annotation=annotation)  # fmt: skip


def _partial_images(item: dict[str, Any], tools: list[dict[str, Any]]) -> list[str]:
    """The partial images of an image generation: as many as the tool asks (at least the final one)."""
    result = item.get("result")
    if not result:
        return []
    asked = max(
        (int(t.get("partial_images") or 0) for t in tools if t.get("type") == "image_generation"), default=0
    )
    count = max(1, min(asked, 3))
    prompt = str(item.get("revised_prompt") or "")
    if count == 1 or not prompt or png_base64(prompt) != result:
        return [result] * count  # a scripted image: its partials are itself
    return [
        png_base64(prompt, rows=64 * (k + 1) // count) for k in range(count)
    ]  # the offline model's: filling in


def _item_events(
    e: _Emitter, item: dict[str, Any], index: int, tools: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    kind, item_id = item.get("type"), item.get("id")
    where = {"item_id": item_id, "output_index": index}
    yield e.event("response.output_item.added", output_index=index, item=_pending(item))
    if kind == "message":
        for c, part in enumerate(item.get("content") or []):
            field = "refusal" if part.get("type") == "refusal" else "text"
            empty = {**part, field: ""}
            yield e.event("response.content_part.added", **where, content_index=c, part=empty)
            stem = "response.refusal" if field == "refusal" else "response.output_text"
            extra: dict[str, Any] = {} if field == "refusal" else {"logprobs": []}
            annotations = list(part.get("annotations") or []) if field == "text" else []
            sent = 0
            for piece in chunks(part.get(field, "")):
                yield e.event(f"{stem}.delta", **where, content_index=c, delta=piece, **extra)
                sent += len(piece)
                yield from _annotations(e, where, c, annotations, part, sent)
            yield from _annotations(e, where, c, annotations, part, None)
            yield e.event(f"{stem}.done", **where, content_index=c, **{field: part.get(field, "")}, **extra)
            yield e.event("response.content_part.done", **where, content_index=c, part=part)
    elif kind == "reasoning":
        for s, part in enumerate(item.get("summary") or []):
            yield e.event(
                "response.reasoning_summary_part.added", **where, summary_index=s, part={**part, "text": ""}
            )
            for piece in chunks(part.get("text", ""), words=3):
                yield e.event("response.reasoning_summary_text.delta", **where, summary_index=s, delta=piece)
            yield e.event(
                "response.reasoning_summary_text.done", **where, summary_index=s, text=part.get("text", "")
            )
            yield e.event("response.reasoning_summary_part.done", **where, summary_index=s, part=part)
    elif kind == "function_call":
        for piece in chunks(item.get("arguments", ""), words=2):
            yield e.event("response.function_call_arguments.delta", **where, delta=piece)
        yield e.event(
            "response.function_call_arguments.done",
            **where,
            name=item.get("name"),
            arguments=item.get("arguments"),
        )
    elif kind in ("web_search_call", "file_search_call"):
        stem = f"response.{kind}"
        for phase in ("in_progress", "searching", "completed"):
            yield e.event(f"{stem}.{phase}", **where)
    elif kind == "code_interpreter_call":
        yield e.event("response.code_interpreter_call.in_progress", **where)
        for piece in chunks(item.get("code") or "", words=3):
            yield e.event("response.code_interpreter_call_code.delta", **where, delta=piece)
        yield e.event("response.code_interpreter_call_code.done", **where, code=item.get("code") or "")
        yield e.event("response.code_interpreter_call.interpreting", **where)
        yield e.event("response.code_interpreter_call.completed", **where)
    elif kind == "image_generation_call":
        yield e.event("response.image_generation_call.in_progress", **where)
        yield e.event("response.image_generation_call.generating", **where)
        for n, image in enumerate(_partial_images(item, tools)):
            yield e.event(
                "response.image_generation_call.partial_image",
                **where,
                partial_image_index=n,
                partial_image_b64=image,
            )
        yield e.event("response.image_generation_call.completed", **where)
    elif kind == "mcp_call":
        yield e.event("response.mcp_call.in_progress", **where)
        yield e.event("response.mcp_call_arguments.delta", **where, delta=item.get("arguments", ""))
        yield e.event("response.mcp_call_arguments.done", **where, arguments=item.get("arguments", ""))
        yield e.event(
            "response.mcp_call.completed" if not item.get("error") else "response.mcp_call.failed", **where
        )
    yield e.event("response.output_item.done", output_index=index, item=item)


def response_events(
    initial: dict[str, Any], final: dict[str, Any], *, error: dict[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """Every event of a response, from its in-progress form ``initial`` to its final form ``final``.

    With ``error`` (a failed response), an ``error`` event precedes ``response.failed``, as OpenAI sends them.
    """
    e = _Emitter()
    yield e.event("response.created", response=initial)
    yield e.event("response.in_progress", response=initial)
    for index, item in enumerate(final.get("output") or []):
        yield from _item_events(e, item, index, [t for t in final.get("tools") or [] if isinstance(t, dict)])
    status = final.get("status")
    if status == "failed":
        if error is not None:
            yield e.event("error", code=error.get("code"), message=error.get("message", ""), param=None)
        yield e.event("response.failed", response=final)
    elif status == "incomplete":
        yield e.event("response.incomplete", response=final)
    else:
        yield e.event("response.completed", response=final)
