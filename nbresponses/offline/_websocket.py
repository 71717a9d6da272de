"""WebSocket mode of the offline server (Open Responses "WebSocket Transport"), for the ASGI app and in process.

A `WebSocketSession` is one connection: it takes ``response.create`` messages one at a time (the caller sends the
next only after the previous response's events), answers with the same event objects as the SSE stream, and
keeps the most recent response's context in connection-local memory, so a ``store=false`` chain continues on the
same socket and nowhere else. A continuation that fails (a 4xx/5xx error or a failed response) evicts the
response it continued. Errors are sent as ``{"type": "error", "status", "error": {code, message, ...}}``, among
them ``previous_response_not_found`` and, once the connection is older than its limit (60 minutes by default),
``websocket_connection_limit_reached``.

`InProcessConnector` gives a client in-process connections to a server: no socket, as
``transports.in_process.InProcessTransport`` does for HTTP.
"""

from __future__ import annotations

import asyncio
import json
import queue
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._body import BodyError, parse_body
from ._faults import Disconnect, Stall
from ._reply import APIError
from ._validate import check_websocket

if TYPE_CHECKING:
    from ._server import OfflineServer

__all__ = ["CONNECTION_LIMIT_SECONDS", "InProcessConnector", "WebSocketSession"]

CONNECTION_LIMIT_SECONDS = 3600.0
"""WebSocket connections are limited to 60 minutes (Open Responses, "WebSocket Reconnects")."""
_STEP = 0.05

Outgoing = dict[str, Any] | str | Stall
"""What a session sends: an event or error object, raw text (a scripted malformed message), or a pause."""


class WebSocketSession:
    """The state of one WebSocket connection to an `OfflineServer`.

    Args:
        server: the server whose responses and store the connection uses.
        limit_seconds: how long the connection may live before ``websocket_connection_limit_reached``.
        clock: a monotonic clock (seconds).
    """

    def __init__(
        self,
        server: OfflineServer,
        *,
        limit_seconds: float = CONNECTION_LIMIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server
        self.limit_seconds = limit_seconds
        self._clock = clock
        self.opened_at = clock()
        self._local: tuple[str, list[dict[str, Any]]] | None = (
            None  # the most recent response and its context
        )
        with server._lock:
            server.websocket_connections += 1

    def remaining(self) -> float:
        """Seconds until the connection reaches its limit."""
        return self.limit_seconds - (self._clock() - self.opened_at)

    def limit_error(self) -> dict[str, Any]:
        """The error sent when the connection has reached its limit (the caller then closes it)."""
        minutes = f"{self.limit_seconds / 60:g}"
        return APIError(400, f"WebSocket connections are limited to {minutes} minutes. Open a new connection to "
                             "continue.", code="websocket_connection_limit_reached").envelope()  # fmt: skip

    def _lookup(self, response_id: str) -> list[dict[str, Any]] | None:
        if self._local is not None and self._local[0] == response_id:
            return list(self._local[1])
        return None

    def _evict(self, response_id: object) -> None:
        if self._local is not None and self._local[0] == response_id:
            self._local = None

    def handle(self, text: str | bytes) -> Iterator[Outgoing]:
        """What to send for one client message, in order (raises `Disconnect` for a scripted drop)."""
        if self.remaining() <= 0:
            yield self.limit_error()
            return
        try:  # malformed, too deep or oversized: a 400 like the HTTP path's
            message = parse_body(text.encode("utf-8", "replace") if isinstance(text, str) else text)
        except BodyError as error:
            yield APIError(400, str(error), code="invalid_json").envelope()
            return
        invalid = check_websocket(message)
        if invalid is not None:
            yield invalid.envelope()
            return
        payload = {key: value for key, value in message.items() if key != "type"}
        self.server.journal.append({"method": "WS", "path": "/v1/responses", "query": {}, "body": payload})
        previous = payload.get("previous_response_id")
        made = self.server.respond(payload, lookup=self._lookup)
        if isinstance(made, APIError):
            self._evict(previous)
            yield made.envelope()
            return
        for index, event in enumerate(made.events):
            if made.fault is not None and index == made.fault.after:
                self._evict(previous)
                for piece in made.fault.stream_break():
                    yield piece if isinstance(piece, Stall) else piece.decode("utf-8", "replace")
                return
            wait = self.server.delay(event, index)
            if wait:
                yield Stall(wait)
            yield event
        if made.stored.final.get("status") == "failed":
            self._evict(previous)
        else:
            self._local = (made.stored.id, made.context)


class _Connection:
    """An in-process WebSocket connection (sync): ``send`` a message, ``recv`` what the server sends."""

    def __init__(self, session: WebSocketSession) -> None:
        self.session = session
        self._pending: queue.SimpleQueue[Iterator[Outgoing]] = queue.SimpleQueue()
        self._current: Iterator[Outgoing] | None = None
        self.closed = False

    def send(self, text: str) -> None:
        if self.closed:
            raise ConnectionError("the WebSocket connection is closed")
        self._pending.put(self.session.handle(text))

    def _next(self) -> Outgoing | None:
        while True:
            if self._current is None:
                if self._pending.empty():
                    return None
                self._current = self._pending.get()
            try:
                return next(self._current)
            except StopIteration:
                self._current = None
            except Disconnect:
                self.close()
                raise ConnectionError("the offline server dropped the connection (scripted fault)") from None

    def recv(self, timeout: float | None = None) -> str:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self.closed:
                raise ConnectionError("the WebSocket connection is closed")
            item = self._next()
            if item is None:
                raise TimeoutError("no message: nothing was sent that the server answers")
            if isinstance(item, Stall):
                until = time.monotonic() + item.seconds
                while (left := until - time.monotonic()) > 0:  # in small steps, so Ctrl-C stops it
                    if deadline is not None and time.monotonic() >= deadline:
                        raise TimeoutError("timed out waiting for the offline server")
                    time.sleep(min(_STEP, left))
                continue
            return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)

    def close(self) -> None:
        self.closed = True
        if self._current is not None and hasattr(self._current, "close"):
            self._current.close()
        self._current = None


class _AsyncConnection:
    """The asyncio twin of `_Connection`."""

    def __init__(self, session: WebSocketSession) -> None:
        self._sync = _Connection(session)

    async def send(self, text: str) -> None:
        self._sync.send(text)

    async def recv(self, timeout: float | None = None) -> str:
        deadline = None if timeout is None else time.monotonic() + timeout
        sync = self._sync
        while True:
            if sync.closed:
                raise ConnectionError("the WebSocket connection is closed")
            item = sync._next()
            if item is None:
                raise TimeoutError("no message: nothing was sent that the server answers")
            if isinstance(item, Stall):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and item.seconds > left:
                    await asyncio.sleep(max(left, 0))
                    raise TimeoutError("timed out waiting for the offline server")
                await asyncio.sleep(item.seconds)
                continue
            return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)

    async def close(self) -> None:
        self._sync.close()


class InProcessConnector:
    """Opens in-process WebSocket connections to an `OfflineServer` (each counts as a connection)."""

    def __init__(self, server: OfflineServer, *, limit_seconds: float = CONNECTION_LIMIT_SECONDS) -> None:
        self.server = server
        self.limit_seconds = limit_seconds

    def connect(self, url: str, headers: dict[str, str], timeout: float | None) -> _Connection:
        """A new connection (``url``, ``headers`` and ``timeout`` are what a network connector would use)."""
        return _Connection(WebSocketSession(self.server, limit_seconds=self.limit_seconds))

    async def connect_async(
        self, url: str, headers: dict[str, str], timeout: float | None
    ) -> _AsyncConnection:
        """A new asyncio connection."""
        return _AsyncConnection(WebSocketSession(self.server, limit_seconds=self.limit_seconds))
