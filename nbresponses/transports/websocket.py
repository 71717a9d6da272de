"""Responses over a WebSocket (Open Responses "WebSocket Transport"; OpenAI's WebSocket mode).

``Client(transport="websocket")`` creates responses by sending ``{"type": "response.create", ...}`` on a
persistent connection to ``wss://HOST/v1/responses`` and reading the same stream events the SSE stream carries,
one response at a time per connection. A connection is kept open between responses and reused, so a tool loop's
rounds (and a notebook's turns) share one connection and the server's connection-local state, which is what
lets ``store=false`` continue by ``previous_response_id``. Everything else (retrieve, conversations, ...) stays
on HTTP.

Errors: an error envelope before the response starts raises the same `APIStatusError` subclass an HTTP status
would (so ``previous_response_not_found`` switches a thread to client state as it does over HTTP);
``websocket_connection_limit_reached`` or a connection found closed is answered by reconnecting once; a
connection that drops mid-response is a `StreamError` with the partial response; no message within the read
timeout is a `StreamTimeoutError`. A stream left before its end (Ctrl-C, ``break``) closes its connection, so
the next response never reads the rest of an old one.

The library is ``websockets`` (maintained, sync and asyncio clients, headers on the handshake); httpx2 has no
WebSocket support and httpx-ws is tied to httpx. Tests and the offline backend plug in other connectors
(`Connector`).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from nbresponses._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    error_body_message,
    one_line,
    redact,
    status_error_class,
)
from nbresponses.transports.stream import AsyncResponseStream, EventPump, ResponseStream

if TYPE_CHECKING:
    from nbresponses._config import ClientConfig

__all__ = [
    "AsyncConnection",
    "AsyncWebSocketResponseStream",
    "AsyncWebSocketTransport",
    "Connection",
    "Connector",
    "WebSocketResponseStream",
    "WebSocketTransport",
    "WebsocketsConnector",
    "websocket_url",
]

_HTTP_ONLY = ("stream", "stream_options", "background")  # Open Responses: MUST NOT be sent on a WebSocket
_STEP = 0.25  # seconds per wait, so a kernel interrupt is seen within a second
_MAX_MESSAGE = 64 * 1024 * 1024  # an event with a generated image can be several MB


class Connection(Protocol):
    """A WebSocket connection (sync): ``recv`` raises ``TimeoutError`` and ``ConnectionError``."""

    def send(self, text: str) -> None: ...
    def recv(self, timeout: float | None = None) -> str: ...
    def close(self) -> None: ...


class AsyncConnection(Protocol):
    """A WebSocket connection (asyncio)."""

    async def send(self, text: str) -> None: ...
    async def recv(self, timeout: float | None = None) -> str: ...
    async def close(self) -> None: ...


class Connector(Protocol):
    """Opens connections: `WebsocketsConnector` over the network, ``OfflineServer.websocket_connector()`` in process."""

    def connect(self, url: str, headers: dict[str, str], timeout: float | None) -> Connection: ...
    async def connect_async(
        self, url: str, headers: dict[str, str], timeout: float | None
    ) -> AsyncConnection: ...


def websocket_url(base_url: str) -> str:
    """``https://api.openai.com/v1`` → ``wss://api.openai.com/v1/responses``."""
    scheme, rest = base_url.split("://", 1)
    return ("wss" if scheme == "https" else "ws") + "://" + rest.rstrip("/") + "/responses"


class _SyncSocket:
    def __init__(self, url: str, headers: dict[str, str], timeout: float | None) -> None:
        from websockets.sync.client import connect

        self._stack = contextlib.ExitStack()
        user_agent = headers.pop("User-Agent", None)
        self._ws = self._stack.enter_context(
            connect(url, additional_headers=headers, user_agent_header=user_agent, open_timeout=timeout,
                    max_size=_MAX_MESSAGE, close_timeout=2)
        )  # fmt: skip

    def send(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            self._ws.send(text)
        except ConnectionClosed as error:
            raise ConnectionError(f"the connection closed ({error})") from None

    def recv(self, timeout: float | None = None) -> str:
        from websockets.exceptions import ConnectionClosed

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            step = _STEP if deadline is None else min(_STEP, max(deadline - time.monotonic(), 0))
            try:
                data = self._ws.recv(timeout=step)
            except TimeoutError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise
                continue
            except ConnectionClosed as error:
                raise ConnectionError(f"the connection closed ({error})") from None
            return data if isinstance(data, str) else data.decode("utf-8", "replace")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stack.close()


class _AsyncSocket:
    def __init__(self, ws: Any, stack: contextlib.AsyncExitStack) -> None:
        self._ws, self._stack = ws, stack

    async def send(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._ws.send(text)
        except ConnectionClosed as error:
            raise ConnectionError(f"the connection closed ({error})") from None

    async def recv(self, timeout: float | None = None) -> str:
        import asyncio

        from websockets.exceptions import ConnectionClosed

        try:
            data = await asyncio.wait_for(self._ws.recv(), timeout)
        except TimeoutError:
            raise TimeoutError("no message within the read timeout") from None
        except ConnectionClosed as error:
            raise ConnectionError(f"the connection closed ({error})") from None
        return data if isinstance(data, str) else data.decode("utf-8", "replace")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._stack.aclose()


class WebsocketsConnector:
    """Connections over the network with the ``websockets`` library."""

    def connect(self, url: str, headers: dict[str, str], timeout: float | None) -> Connection:
        """Open a connection (the handshake carries ``headers``, the bearer key among them)."""
        return _SyncSocket(url, dict(headers), timeout)

    async def connect_async(
        self, url: str, headers: dict[str, str], timeout: float | None
    ) -> AsyncConnection:
        """Open an asyncio connection."""
        from websockets.asyncio.client import connect

        headers = dict(headers)
        user_agent = headers.pop("User-Agent", None)
        stack = contextlib.AsyncExitStack()
        ws = await stack.enter_async_context(
            connect(url, additional_headers=headers, user_agent_header=user_agent, open_timeout=timeout,
                    max_size=_MAX_MESSAGE, close_timeout=2)
        )  # fmt: skip
        return _AsyncSocket(ws, stack)


def _message(body: dict[str, Any]) -> str:
    return json.dumps({"type": "response.create", **{k: v for k, v in body.items() if k not in _HTTP_ONLY}},
                      ensure_ascii=False, separators=(",", ":"))  # fmt: skip


def _envelope(text: str) -> dict[str, Any] | None:
    """The error envelope a server sends instead of a response (None for a stream event)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("type") == "error" and isinstance(data.get("error"), dict):
        return data
    return None


def _status_error(envelope: dict[str, Any], secrets: tuple[str, ...]) -> APIStatusError:
    error = envelope["error"]
    given = envelope.get("status")
    status = given if isinstance(given, int) and 400 <= given < 600 else 400
    message = one_line(redact(error_body_message(error) or f"WebSocket error {status}", secrets))
    return status_error_class(status)(
        message, status=status, type=error.get("type"), code=error.get("code"), param=error.get("param"),
        request_id=None, body={"error": {k: redact(v, secrets) if isinstance(v, str) else v for k, v in error.items()}},
    )  # fmt: skip


def _read_timeout(config: ClientConfig) -> float | None:
    return config.timeout.read


def _connect_timeout(config: ClientConfig) -> float | None:
    return config.timeout.connect


class _Pool:
    """Idle connections waiting for the next response (one response at a time on each)."""

    def __init__(self) -> None:
        self.idle: list[Any] = []
        self.lock = threading.Lock()
        self.opened = 0
        """Connections opened by this client so far."""

    def count(self) -> None:
        with self.lock:
            self.opened += 1

    def take(self) -> Any | None:
        with self.lock:
            return self.idle.pop() if self.idle else None

    def give_back(self, connection: Any) -> None:
        with self.lock:
            self.idle.append(connection)

    def drain(self) -> list[Any]:
        with self.lock:
            idle, self.idle = self.idle, []
            return idle


class WebSocketTransport:
    """Creates responses over reused WebSocket connections (see the module docstring)."""

    def __init__(self, config: ClientConfig, connector: Connector | None = None) -> None:
        self._config = config
        self._connector: Connector = connector if connector is not None else WebsocketsConnector()
        self._pool = _Pool()
        self.url = websocket_url(config.base_url)

    @property
    def connections_opened(self) -> int:
        """How many connections this transport has opened (a tool loop on one connection: 1)."""
        return self._pool.opened

    def _open(self) -> Connection:
        try:
            connection = self._connector.connect(
                self.url, self._config.headers(), _connect_timeout(self._config)
            )
        except TimeoutError:
            raise APITimeoutError(f"Request timed out (WebSocket handshake with {self.url}).") from None
        except Exception as error:  # the library's handshake errors (InvalidStatus, InvalidURI, OSError, ...)
            detail = redact(str(error), self._config.secrets)
            raise APIConnectionError(
                f"Connection error (WebSocket {self.url}: {type(error).__name__}: {detail})."
            ) from None
        self._pool.count()
        return connection

    def stream(self, body: dict[str, Any]) -> WebSocketResponseStream:
        """Send ``response.create`` and return the stream of its events (raises for an error envelope)."""
        text = _message(body)
        for attempt in range(2):
            reused = self._pool.take()
            connection = reused if reused is not None else self._open()
            try:
                connection.send(text)
                first = connection.recv(_read_timeout(self._config))
            except TimeoutError:
                connection.close()
                raise APITimeoutError(f"Request timed out (no WebSocket message from {self.url}).") from None
            except (ConnectionError, OSError) as error:
                connection.close()
                if reused is not None or attempt == 0:
                    continue  # an idle connection the server had closed: once more on a new one
                raise APIConnectionError(f"Connection error (WebSocket {self.url}: {error}).") from None
            envelope = _envelope(first)
            if envelope is None:
                return WebSocketResponseStream(first, connection, self)
            if envelope["error"].get("code") == "websocket_connection_limit_reached" and attempt == 0:
                connection.close()
                continue
            self._pool.give_back(connection)  # an error before the response leaves the connection usable
            raise _status_error(envelope, self._config.secrets)
        raise APIConnectionError(f"Connection error (WebSocket {self.url}: no connection could be used).")

    def release(self, connection: Connection, *, clean: bool) -> None:
        """Take back a connection after a response: reused if it ended cleanly, else closed."""
        if clean:
            self._pool.give_back(connection)
        else:
            connection.close()

    def close(self) -> None:
        """Close the idle connections."""
        for connection in self._pool.drain():
            connection.close()


class WebSocketResponseStream(ResponseStream):
    """A `ResponseStream` whose events arrive as WebSocket messages (same events, same final response)."""

    def __init__(self, first: str, connection: Connection, transport: WebSocketTransport) -> None:
        self._pump = EventPump(request_id=None, secrets=transport._config.secrets)
        self._first: str | None = first
        self._connection: Connection | None = connection
        self._transport = transport
        self._iterator = self._iterate()

    @property
    def http_response(self) -> Any:
        """A WebSocket stream has no HTTP response."""
        raise AttributeError("a WebSocket stream has no HTTP response")

    def close(self) -> None:
        """Give the connection back (or close it, if the response did not end). Safe to call more than once."""
        connection, self._connection = self._connection, None
        if connection is not None:
            self._transport.release(connection, clean=self._pump.finished)

    def _iterate(self) -> Iterator[Any]:
        pump = self._pump
        timeout = _read_timeout(self._transport._config)
        try:
            while not pump.finished and self._connection is not None:
                if self._first is not None:
                    data, self._first = self._first, None
                else:
                    data = self._connection.recv(timeout)
                envelope = _envelope(data)
                if envelope is not None:  # an error after the response started: the stream's error event
                    error = envelope["error"]
                    data = json.dumps({"type": "error", "code": error.get("code"), "message": error.get("message"),
                                       "param": error.get("param"), "sequence_number": -1})  # fmt: skip
                yield from pump.feed_message(data.encode())
                if envelope is not None:
                    break  # nothing follows an error envelope
        except TimeoutError:
            raise pump.broken("no message within the read timeout", timeout=True) from None
        except (ConnectionError, OSError) as error:
            raise pump.broken(f"connection lost: {error}") from None
        finally:
            self.close()
        pump.final()


class AsyncWebSocketTransport:
    """The asyncio twin of `WebSocketTransport`."""

    def __init__(self, config: ClientConfig, connector: Connector | None = None) -> None:
        self._config = config
        self._connector: Connector = connector if connector is not None else WebsocketsConnector()
        self._pool = _Pool()
        self.url = websocket_url(config.base_url)

    @property
    def connections_opened(self) -> int:
        """How many connections this transport has opened."""
        return self._pool.opened

    async def _open(self) -> AsyncConnection:
        try:
            connection = await self._connector.connect_async(
                self.url, self._config.headers(), _connect_timeout(self._config)
            )
        except TimeoutError:
            raise APITimeoutError(f"Request timed out (WebSocket handshake with {self.url}).") from None
        except Exception as error:
            detail = redact(str(error), self._config.secrets)
            raise APIConnectionError(
                f"Connection error (WebSocket {self.url}: {type(error).__name__}: {detail})."
            ) from None
        self._pool.count()
        return connection

    async def stream(self, body: dict[str, Any]) -> AsyncWebSocketResponseStream:
        """Send ``response.create`` and return the stream of its events."""
        text = _message(body)
        for attempt in range(2):
            reused = self._pool.take()
            connection = reused if reused is not None else await self._open()
            try:
                await connection.send(text)
                first = await connection.recv(_read_timeout(self._config))
            except TimeoutError:
                await connection.close()
                raise APITimeoutError(f"Request timed out (no WebSocket message from {self.url}).") from None
            except (ConnectionError, OSError) as error:
                await connection.close()
                if reused is not None or attempt == 0:
                    continue
                raise APIConnectionError(f"Connection error (WebSocket {self.url}: {error}).") from None
            envelope = _envelope(first)
            if envelope is None:
                return AsyncWebSocketResponseStream(first, connection, self)
            if envelope["error"].get("code") == "websocket_connection_limit_reached" and attempt == 0:
                await connection.close()
                continue
            self._pool.give_back(connection)
            raise _status_error(envelope, self._config.secrets)
        raise APIConnectionError(f"Connection error (WebSocket {self.url}: no connection could be used).")

    async def release(self, connection: AsyncConnection, *, clean: bool) -> None:
        """Take back a connection after a response."""
        if clean:
            self._pool.give_back(connection)
        else:
            await connection.close()

    async def close(self) -> None:
        """Close the idle connections."""
        for connection in self._pool.drain():
            await connection.close()


class AsyncWebSocketResponseStream(AsyncResponseStream):
    """The asyncio twin of `WebSocketResponseStream`."""

    def __init__(self, first: str, connection: AsyncConnection, transport: AsyncWebSocketTransport) -> None:
        self._pump = EventPump(request_id=None, secrets=transport._config.secrets)
        self._first: str | None = first
        self._connection: AsyncConnection | None = connection
        self._transport = transport
        self._iterator = self._iterate()

    @property
    def http_response(self) -> Any:
        """A WebSocket stream has no HTTP response."""
        raise AttributeError("a WebSocket stream has no HTTP response")

    async def close(self) -> None:
        """Give the connection back (or close it, if the response did not end)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._transport.release(connection, clean=self._pump.finished)

    async def _iterate(self) -> AsyncIterator[Any]:
        pump = self._pump
        timeout = _read_timeout(self._transport._config)
        try:
            while not pump.finished and self._connection is not None:
                if self._first is not None:
                    data, self._first = self._first, None
                else:
                    data = await self._connection.recv(timeout)
                envelope = _envelope(data)
                if envelope is not None:
                    error = envelope["error"]
                    data = json.dumps({"type": "error", "code": error.get("code"), "message": error.get("message"),
                                       "param": error.get("param"), "sequence_number": -1})  # fmt: skip
                for event in pump.feed_message(data.encode()):
                    yield event
                if envelope is not None:
                    break
        except TimeoutError:
            raise pump.broken("no message within the read timeout", timeout=True) from None
        except (ConnectionError, OSError) as error:
            raise pump.broken(f"connection lost: {error}") from None
        finally:
            await self.close()
        pump.final()
