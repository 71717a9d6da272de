"""A server in this process as an ``httpx2`` transport: no socket, so it works inside a Jupyter kernel and in tests.

It serves any `InProcessServer` (the offline backend, `nbresponses.offline.OfflineServer`, is one) and knows
nothing else of it. Streams are real byte streams. A pause in a stream (a chunk that is not bytes, with
``seconds``) waits (in small steps, so Ctrl-C stops it) until the request's read timeout and then raises
``httpx2.ReadTimeout``, as a real stalled server would; a ``ConnectionError`` raised by the chunks becomes
``httpx2.RemoteProtocolError`` mid-body.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Protocol

import httpx2

__all__ = ["InProcessReply", "InProcessServer", "InProcessTransport", "Pause"]

_STEP = 0.05


class Pause(Protocol):
    """A chunk of a stream that sends nothing for ``seconds``."""

    @property
    def seconds(self) -> float: ...


class InProcessReply(Protocol):
    """What an in-process server answers: status, headers, and a JSON ``body`` or a stream of ``chunks``."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def body(self) -> bytes: ...
    @property
    def chunks(self) -> Iterator[bytes | Pause] | None: ...


class InProcessServer(Protocol):
    """A server this transport can call directly: one method per HTTP request."""

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> InProcessReply: ...


def _read_timeout(request: httpx2.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read") if isinstance(timeout, dict) else None
    return float(value) if value is not None else None


def _broken() -> httpx2.RemoteProtocolError:
    return httpx2.RemoteProtocolError("peer closed connection without sending complete message body")


class _SyncStream(httpx2.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes | Pause], request: httpx2.Request) -> None:
        self._chunks = chunks
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._chunks:
                if not isinstance(chunk, bytes):  # a pause
                    limit = _read_timeout(self._request)
                    wait = chunk.seconds if limit is None else min(chunk.seconds, limit)
                    deadline = time.monotonic() + wait
                    while (left := deadline - time.monotonic()) > 0:
                        time.sleep(min(_STEP, left))
                    if limit is not None and chunk.seconds > limit:
                        raise httpx2.ReadTimeout(
                            "timed out waiting for the offline server", request=self._request
                        )
                    continue
                yield chunk
        except ConnectionError:
            raise _broken() from None

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class _AsyncStream(httpx2.AsyncByteStream):
    def __init__(self, chunks: Iterator[bytes | Pause], request: httpx2.Request) -> None:
        self._chunks = chunks
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            for chunk in self._chunks:
                if not isinstance(chunk, bytes):  # a pause
                    limit = _read_timeout(self._request)
                    await asyncio.sleep(chunk.seconds if limit is None else min(chunk.seconds, limit))
                    if limit is not None and chunk.seconds > limit:
                        raise httpx2.ReadTimeout(
                            "timed out waiting for the offline server", request=self._request
                        )
                    continue
                yield chunk
        except ConnectionError:
            raise _broken() from None

    async def aclose(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class InProcessTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Serves requests from a server in this process, for ``httpx2.Client`` and ``httpx2.AsyncClient``."""

    def __init__(self, server: InProcessServer) -> None:
        self.server = server

    def _reply(self, request: httpx2.Request, body: bytes) -> InProcessReply:
        query = dict(request.url.params.multi_items())
        return self.server.handle(request.method, request.url.path, query, body)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        reply = self._reply(request, request.read())
        if reply.chunks is None:
            return httpx2.Response(reply.status, headers=reply.headers, content=reply.body, request=request)
        return httpx2.Response(reply.status, headers=reply.headers, stream=_SyncStream(reply.chunks, request))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        reply = self._reply(request, await request.aread())
        if reply.chunks is None:
            return httpx2.Response(reply.status, headers=reply.headers, content=reply.body, request=request)
        return httpx2.Response(
            reply.status, headers=reply.headers, stream=_AsyncStream(reply.chunks, request)
        )
