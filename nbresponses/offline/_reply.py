"""What the offline server answers with: HTTP replies, API errors in OpenAI's shape, SSE frames, list pages (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._faults import Stall

__all__ = ["APIError", "OfflineReply", "error_reply", "json_reply", "page", "sse"]


@dataclass
class OfflineReply:
    """An HTTP answer: status, headers, and either ``body`` (JSON) or ``chunks`` (an SSE stream)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks: Iterator[bytes | Stall] | None = None


@dataclass(frozen=True)
class APIError:
    """An error the API answers with, for either transport: an HTTP body or a WebSocket error envelope."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def body(self) -> dict[str, Any]:
        """``{"error": {message, type, param, code}}``, as OpenAI sends it over HTTP."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def reply(self) -> OfflineReply:
        """The HTTP reply."""
        return json_reply(self.status, self.body(), dict(self.headers))

    def envelope(self) -> dict[str, Any]:
        """The WebSocket error envelope (Open Responses ``WebSocketErrorEvent``: a code is required there)."""
        error = {
            "type": self.type,
            "code": self.code or self.type,
            "message": self.message,
            "param": self.param,
        }
        return {"type": "error", "status": self.status, "error": error}


def json_reply(status: int, body: Any, headers: Mapping[str, str] | None = None) -> OfflineReply:
    """A JSON reply."""
    return OfflineReply(
        status, {"content-type": "application/json", **(headers or {})}, json.dumps(body).encode()
    )


def error_reply(
    status: int, message: str, *, type: str, code: str | None = None, param: str | None = None
) -> OfflineReply:
    """An error in OpenAI's body shape."""
    return APIError(status, message, type, code, param).reply()


def sse(event: Mapping[str, Any]) -> bytes:
    """One server-sent event whose ``event:`` line names its type, as OpenAI frames them."""
    return f"event: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n".encode()


def page(
    items: list[dict[str, Any]], query: Mapping[str, str], *, default_order: str = "desc"
) -> dict[str, Any]:
    """One page of a list endpoint: ``limit`` (1-100, default 20), ``order``, ``after`` and ``before`` ids."""
    ordered = list(items)
    if query.get("order", default_order) == "desc":
        ordered.reverse()
    ids = [item.get("id") for item in ordered]
    if query.get("after") in ids:
        ordered = ordered[ids.index(query["after"]) + 1 :]
    remaining = [item.get("id") for item in ordered]
    if query.get("before") in remaining:
        ordered = ordered[: remaining.index(query["before"])]
    try:
        limit = max(1, min(int(query.get("limit", "20") or 20), 100))
    except ValueError:
        limit = 20
    chunk = ordered[:limit]
    return {
        "object": "list",
        "data": chunk,
        "first_id": chunk[0].get("id") if chunk else None,
        "last_id": chunk[-1].get("id") if chunk else None,
        "has_more": len(ordered) > limit,
    }
