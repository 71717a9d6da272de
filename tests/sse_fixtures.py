"""Small builders of Responses API SSE bodies and mock HTTP transports, shared by the client tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx2

RESPONSE_ID = "resp_test0001"
ITEM_ID = "msg_test0001"


def response_object(
    status: str = "in_progress", output: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A Response object as the API sends it."""
    return {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": 1757718500,
        "status": status,
        "model": "gpt-4.1-2025-04-14",
        "output": output or [],
        "usage": None,
        **extra,
    }


def text_events(text_pieces: Iterable[str], *, status: str = "completed") -> list[dict[str, Any]]:
    """The event payloads of a one-message text response."""
    pieces = list(text_pieces)
    text = "".join(pieces)
    part = {"type": "output_text", "annotations": [], "text": ""}
    item = {"id": ITEM_ID, "type": "message", "status": "in_progress", "role": "assistant", "content": []}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": response_object()},
        {"type": "response.in_progress", "response": response_object()},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {
            "type": "response.content_part.added",
            "item_id": ITEM_ID,
            "output_index": 0,
            "content_index": 0,
            "part": part,
        },
    ]
    for piece in pieces:
        events.append(
            {
                "type": "response.output_text.delta",
                "item_id": ITEM_ID,
                "output_index": 0,
                "content_index": 0,
                "delta": piece,
            }
        )
    done_part = {**part, "text": text}
    done_item = {**item, "status": "completed", "content": [done_part]}
    usage = {
        "input_tokens": 5,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": len(pieces),
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 5 + len(pieces),
    }
    events += [
        {
            "type": "response.output_text.done",
            "item_id": ITEM_ID,
            "output_index": 0,
            "content_index": 0,
            "text": text,
        },
        {
            "type": "response.content_part.done",
            "item_id": ITEM_ID,
            "output_index": 0,
            "content_index": 0,
            "part": done_part,
        },
        {"type": "response.output_item.done", "output_index": 0, "item": done_item},
        {"type": f"response.{status}", "response": response_object(status, [done_item], usage=usage)},
    ]
    return [{**event, "sequence_number": index} for index, event in enumerate(events)]


def sse(events: Iterable[dict[str, Any]], *, named: bool = True) -> bytes:
    """Frame event payloads as an SSE body (with ``event:`` lines like OpenAI, or data-only)."""
    out = []
    for event in events:
        head = f"event: {event['type']}\n" if named else ""
        out.append(f"{head}data: {json.dumps(event)}\n\n")
    return "".join(out).encode()


class RecordingStream(httpx2.SyncByteStream):
    """A response body delivered in chunks that records whether it was closed.

    ``fail_with`` is raised after the chunks are exhausted (e.g. a ReadError for a dropped connection,
    or KeyboardInterrupt for a kernel interrupt).
    """

    def __init__(self, chunks: Iterable[bytes], fail_with: BaseException | None = None) -> None:
        self.chunks = list(chunks)
        self.fail_with = fail_with
        self.closed = False
        self.chunks_read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.chunks_read += 1
            yield chunk
        if self.fail_with is not None:
            raise self.fail_with

    def close(self) -> None:
        self.closed = True


def split(body: bytes, size: int) -> list[bytes]:
    """Cut a body into chunks of ``size`` bytes."""
    return [body[start : start + size] for start in range(0, len(body), size)]


class Recorder:
    """A MockTransport handler that answers from a queue of replies and records every request."""

    def __init__(self, *replies: httpx2.Response | Callable[[httpx2.Request], httpx2.Response]) -> None:
        self.replies = list(replies)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return reply(request) if callable(reply) else reply

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests if request.content]


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, json=body, headers=headers or {})


def sse_reply(body: bytes | RecordingStream, headers: dict[str, str] | None = None) -> httpx2.Response:
    all_headers = {"content-type": "text/event-stream", **(headers or {})}
    if isinstance(body, RecordingStream):
        return httpx2.Response(200, headers=all_headers, stream=body)
    return httpx2.Response(200, headers=all_headers, content=body)
