"""What the client and a transport say to each other: a request spec, a reply, a broken body.

Transport-neutral (no httpx2 here): the client's resources build `RequestSpec` objects and read `Reply` objects;
a transport (`http`, the in-process and cassette transports under it, the Chat Completions bridge over it)
sends the one and hands back the other. A streamed reply's body is read by `stream.ResponseStream`, which sees
a dropped connection or a read timeout as `BodyBroken` whatever library raised it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from nbresponses._secrets import redact

__all__ = [
    "AsyncReply",
    "AsyncTransport",
    "BodyBroken",
    "Reply",
    "RequestSpec",
    "SyncTransport",
    "request_id",
]


@dataclass(frozen=True)
class RequestSpec:
    """One API call: method, path under the base URL, JSON body and query parameters."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    stream: bool = False
    files: dict[str, tuple[str, bytes, str]] | None = None
    """Multipart form upload (``POST /files``): field name -> (filename, bytes, media type); ``body`` then
    holds the plain form fields."""


class BodyBroken(Exception):
    """The body of a reply stopped arriving: the connection dropped, or no data came within the read timeout."""

    def __init__(self, reason: str, *, timeout: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timeout = timeout


class _ReplyHead(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes:
        """The whole body (a reply that was not streamed has been read)."""

    @property
    def text(self) -> str: ...
    @property
    def raw(self) -> Any:
        """The transport's own answer object (``httpx2.Response`` over HTTP)."""


class Reply(_ReplyHead, Protocol):
    """A 2xx answer of a sync transport; a streamed one is read with `iter_bytes` and must be closed."""

    def read(self) -> bytes: ...
    def iter_bytes(self) -> Iterator[bytes]:
        """The body's chunks; raises `BodyBroken` when the body stops arriving."""

    def close(self) -> None: ...


class AsyncReply(_ReplyHead, Protocol):
    """A 2xx answer of an asyncio transport."""

    async def aread(self) -> bytes: ...
    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body's chunks; raises `BodyBroken` when the body stops arriving."""

    async def aclose(self) -> None: ...


class SyncTransport(Protocol):
    """Sends a `RequestSpec` (retries, timeouts and the exception tree included) and returns its `Reply`."""

    def send(self, spec: RequestSpec) -> Reply: ...
    def close(self) -> None: ...


class AsyncTransport(Protocol):
    """The asyncio twin of `SyncTransport`."""

    async def send(self, spec: RequestSpec) -> AsyncReply: ...
    async def close(self) -> None: ...


def request_id(headers: Mapping[str, str]) -> str | None:
    """The ``x-request-id`` header (to quote to support), redacted: a server may echo anything in it."""
    value = headers.get("x-request-id")
    return redact(value) if value else None
