"""The HTTP transport: one API request sent with httpx2, with retries, and HTTP failures turned into exceptions.

`HttpTransport` / `AsyncHttpTransport` are what a client sends through (over its own ``httpx2`` connection pool
or the one it is given, whose inner transport may be the in-process offline server, a cassette or a mock).
A request is retried (connection errors, 408, 409, 429, 5xx) only while no response byte has been consumed: a
streamed body is handed to the caller after the headers, and from then on nothing is retried. Above this module
nothing sees httpx2: answers are `HttpReply` objects (the `transports.base.Reply` shape), and a body that stops
arriving raises `BodyBroken`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx2

from nbresponses._config import ClientConfig, Timeouts
from nbresponses._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    error_body_message,
    one_line,
    status_error_class,
)
from nbresponses._secrets import install_log_filter, redact

from .base import BodyBroken, RequestSpec, request_id
from .retries import backoff_delay, retry_after, should_retry_status

__all__ = [
    "AsyncHTTPClient",
    "AsyncHttpTransport",
    "HTTPClient",
    "HTTPTimeout",
    "HttpReply",
    "HttpTransport",
    "send_async",
    "send_sync",
    "status_error",
]

HTTPClient = httpx2.Client
"""What ``Client(http_client=...)`` takes: an ``httpx2.Client`` (proxies, mock or in-process transports)."""
AsyncHTTPClient = httpx2.AsyncClient
"""What ``AsyncClient(http_client=...)`` takes."""
HTTPTimeout = httpx2.Timeout
"""A client's timeouts as httpx2 takes them (``Client(timeout=httpx2.Timeout(...))`` is accepted too)."""
ResponseObserver = Callable[[int, Mapping[str, str]], None]

logger = logging.getLogger("nbresponses")
install_log_filter()  # httpcore2 logs response headers at DEBUG: a server echoing the key must not reach a log


def _build(
    client: httpx2.Client | httpx2.AsyncClient,
    config: ClientConfig,
    spec: RequestSpec,
    timeout: httpx2.Timeout,
) -> httpx2.Request:
    headers = config.headers()
    content = None
    if spec.files is not None:  # multipart: httpx2 encodes it and sets the boundary
        return client.build_request(
            spec.method, config.url(spec.path), headers=headers, data=spec.body, files=spec.files,
            timeout=timeout,
        )  # fmt: skip
    if spec.body is not None:
        headers["Content-Type"] = "application/json"
        content = _utf8(json.dumps(spec.body, ensure_ascii=False, separators=(",", ":")))
    if spec.stream:
        headers["Accept"] = "text/event-stream"
    params = {key: _query_value(value) for key, value in spec.params.items() if value is not None}
    return client.build_request(
        spec.method,
        config.url(spec.path),
        headers=headers,
        content=content,
        params=params,
        timeout=timeout,
    )


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:  # lone surrogates cannot be sent: U+FFFD in their place (callers say so first)
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _error_code(body: bytes) -> str | None:
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _text_message(text: str) -> str | None:
    """A body that is not JSON: an HTML error page (a proxy's) by its title, other text as it is."""
    title = _TITLE.search(text) if text.lstrip().startswith("<") else None
    return (title.group(1) if title else text).strip() or None


def status_error(response: httpx2.Response, body: bytes, secrets: tuple[str, ...]) -> APIStatusError:
    """Build the exception for a non-2xx response from its status, headers and body."""
    error: dict[str, Any] = {}
    message: str | None = None
    try:
        parsed = json.loads(body)
        message = error_body_message(parsed)
        if isinstance(parsed, dict):
            nested = parsed.get("error", parsed)
            error = nested if isinstance(nested, dict) else {"message": message}
    except ValueError:
        message = _text_message(body.decode("utf-8", "replace"))
        error = {"message": message}
    shown = one_line(redact(message or f"HTTP {response.status_code} {response.reason_phrase}", secrets))
    code = error.get("code")
    exception = status_error_class(response.status_code)(
        shown,
        status=response.status_code,
        type=error.get("type") if isinstance(error.get("type"), str) else None,
        code=str(code) if code is not None else None,
        param=error.get("param") if isinstance(error.get("param"), str) else None,
        request_id=request_id(response.headers),
        body={"error": {k: redact(v, secrets) if isinstance(v, str) else v for k, v in error.items()}},
    )
    with contextlib.suppress(
        RuntimeError
    ):  # a response built by hand (tests, a transport) may have no request
        exception.endpoint = response.request.url.path
    return exception


_CONNECT_FAILURES = (
    httpx2.ConnectError,
    httpx2.ConnectTimeout,
    httpx2.ProxyError,
    httpx2.UnsupportedProtocol,
)
"""Transport errors before a connection was open: the server was never reached."""


def _connection_error(exc: httpx2.TransportError, config: ClientConfig) -> APIConnectionError:
    what = f"{type(exc).__name__} talking to {config.base_url}"
    detail = redact(str(exc), config.secrets)
    message = f"{what}: {detail}" if detail else what
    error = (
        APITimeoutError(f"Request timed out ({message}).")
        if isinstance(exc, httpx2.TimeoutException)
        else APIConnectionError(f"Connection error ({message}).")
    )
    error.connect_failed = isinstance(exc, _CONNECT_FAILURES)
    return error


def _retry_wait(response: httpx2.Response | None, retries_done: int) -> float:
    server_wait = retry_after(response.headers, now=time.time()) if response is not None else None
    return server_wait if server_wait is not None else backoff_delay(retries_done)


def send_sync(
    client: httpx2.Client, config: ClientConfig, spec: RequestSpec, timeout: httpx2.Timeout | None = None
) -> httpx2.Response:
    """Send with retries; return a 2xx response (body unread when ``spec.stream``), else raise."""
    timeout = timeout if timeout is not None else httpx_timeout(config.timeout)
    retries_done = 0
    while True:
        request = _build(client, config, spec, timeout)
        try:
            response = client.send(request, stream=True)
        except httpx2.TransportError as exc:
            if retries_done >= config.max_retries:
                raise _connection_error(exc, config) from None
            wait = _retry_wait(None, retries_done)
        else:
            if response.is_success:
                if not spec.stream:
                    try:
                        response.read()
                    except httpx2.TransportError as exc:
                        raise _connection_error(exc, config) from None
                    finally:
                        response.close()
                return response
            try:
                body = response.read()
            finally:
                response.close()
            retryable = should_retry_status(response.status_code, response.headers, _error_code(body))
            if not retryable or retries_done >= config.max_retries:
                raise status_error(response, body, config.secrets)
            wait = _retry_wait(response, retries_done)
        retries_done += 1
        logger.info("Retrying %s %s in %.2fs (retry %d)", spec.method, spec.path, wait, retries_done)
        time.sleep(wait)


async def send_async(
    client: httpx2.AsyncClient, config: ClientConfig, spec: RequestSpec, timeout: httpx2.Timeout | None = None
) -> httpx2.Response:
    """The asyncio twin of `send_sync`."""
    timeout = timeout if timeout is not None else httpx_timeout(config.timeout)
    retries_done = 0
    while True:
        request = _build(client, config, spec, timeout)
        try:
            response = await client.send(request, stream=True)
        except httpx2.TransportError as exc:
            if retries_done >= config.max_retries:
                raise _connection_error(exc, config) from None
            wait = _retry_wait(None, retries_done)
        else:
            if response.is_success:
                if not spec.stream:
                    try:
                        await response.aread()
                    except httpx2.TransportError as exc:
                        raise _connection_error(exc, config) from None
                    finally:
                        await response.aclose()
                return response
            try:
                body = await response.aread()
            finally:
                await response.aclose()
            retryable = should_retry_status(response.status_code, response.headers, _error_code(body))
            if not retryable or retries_done >= config.max_retries:
                raise status_error(response, body, config.secrets)
            wait = _retry_wait(response, retries_done)
        retries_done += 1
        logger.info("Retrying %s %s in %.2fs (retry %d)", spec.method, spec.path, wait, retries_done)
        await asyncio.sleep(wait)


def httpx_timeout(timeouts: Timeouts) -> httpx2.Timeout:
    """The client's `Timeouts` as httpx2 takes them."""
    return httpx2.Timeout(
        connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
    )


def _broken(exc: httpx2.TransportError) -> BodyBroken:
    if isinstance(exc, httpx2.TimeoutException):
        return BodyBroken("no data within the read timeout", timeout=True)
    return BodyBroken(f"connection lost: {type(exc).__name__}")


class HttpReply:
    """A 2xx answer over HTTP in the transport-neutral shape (`transports.base.Reply` and ``AsyncReply``).

    Reading a streamed body turns httpx2's read timeouts and transport errors into `BodyBroken`.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: httpx2.Response) -> None:
        self.raw = raw

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        return self.raw.status_code

    @property
    def headers(self) -> httpx2.Headers:
        """The response headers (case-insensitive)."""
        return self.raw.headers

    @property
    def content(self) -> bytes:
        """The whole body (read already unless the request was streamed)."""
        return self.raw.content

    @property
    def text(self) -> str:
        """The body decoded as text."""
        return self.raw.text

    def read(self) -> bytes:
        """Read the whole body."""
        try:
            return self.raw.read()
        except httpx2.TransportError as exc:
            raise _broken(exc) from None

    def iter_bytes(self) -> Iterator[bytes]:
        """The body's chunks as they arrive."""
        try:
            yield from self.raw.iter_bytes()
        except httpx2.TransportError as exc:
            raise _broken(exc) from None

    def close(self) -> None:
        """Release the connection."""
        self.raw.close()

    async def aread(self) -> bytes:
        """Read the whole body."""
        try:
            return await self.raw.aread()
        except httpx2.TransportError as exc:
            raise _broken(exc) from None

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body's chunks as they arrive."""
        try:
            async for chunk in self.raw.aiter_bytes():
                yield chunk
        except httpx2.TransportError as exc:
            raise _broken(exc) from None

    async def aclose(self) -> None:
        """Release the connection."""
        await self.raw.aclose()


class HttpTransport:
    """Sends a sync client's requests over an ``httpx2.Client`` (its own, or the one it was given).

    Args:
        config: the client's settings (base URL, headers, timeouts, retries).
        http_client: an ``httpx2.Client`` to use; not closed by us. None: a pool of our own.
    """

    def __init__(self, config: ClientConfig, http_client: httpx2.Client | None = None) -> None:
        self.config = config
        self.timeout = httpx_timeout(config.timeout)
        self.owns_client = http_client is None
        self.http = http_client if http_client is not None else httpx2.Client()

    def send(self, spec: RequestSpec) -> HttpReply:
        """Send with retries; a 2xx reply (body unread when ``spec.stream``), else the exception of the error."""
        return HttpReply(send_sync(self.http, self.config, spec, self.timeout))

    def shared(self) -> HttpTransport:
        """This transport, over the same connection pool, for a client that must not close it."""
        clone = HttpTransport(self.config, self.http)
        clone.timeout = self.timeout
        return clone

    def async_twin(self, *, max_connections: int, share_transport: bool) -> AsyncHttpTransport:
        """An `AsyncHttpTransport` reaching the same server (see `_async_twin`)."""
        return _async_twin(self.config, self.timeout, self.http, max_connections, share_transport)

    def close(self) -> None:
        """Close the connection pool, if it is ours."""
        if self.owns_client:
            self.http.close()


class AsyncHttpTransport:
    """The asyncio twin of `HttpTransport` (over an ``httpx2.AsyncClient``)."""

    def __init__(self, config: ClientConfig, http_client: httpx2.AsyncClient | None = None) -> None:
        self.config = config
        self.timeout = httpx_timeout(config.timeout)
        self.owns_client = http_client is None
        self.http = http_client if http_client is not None else httpx2.AsyncClient()

    async def send(self, spec: RequestSpec) -> HttpReply:
        """Send with retries; see `HttpTransport.send`."""
        return HttpReply(await send_async(self.http, self.config, spec, self.timeout))

    def shared(self) -> AsyncHttpTransport:
        """This transport, over the same connection pool, for a client that must not close it."""
        clone = AsyncHttpTransport(self.config, self.http)
        clone.timeout = self.timeout
        return clone

    def async_twin(self, *, max_connections: int, share_transport: bool) -> AsyncHttpTransport:
        """An `AsyncHttpTransport` reaching the same server (see `_async_twin`)."""
        return _async_twin(self.config, self.timeout, self.http, max_connections, share_transport)

    @contextmanager
    def observe(self, observer: ResponseObserver) -> Iterator[None]:
        """Call ``observer(status, headers)`` for every HTTP answer inside the ``with`` block."""

        async def hook(response: httpx2.Response) -> None:
            observer(response.status_code, response.headers)

        hooks = self.http.event_hooks
        hooks["response"].append(hook)
        try:
            yield
        finally:
            hooks["response"].remove(hook)

    async def close(self) -> None:
        """Close the connection pool, if it is ours."""
        if self.owns_client:
            await self.http.aclose()


class _ThreadedTransport(httpx2.AsyncBaseTransport):
    """A synchronous transport (e.g. a cassette) used from asyncio: each request runs in a worker thread."""

    def __init__(self, transport: httpx2.BaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()

        def send() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            sync_request = httpx2.Request(
                request.method,
                request.url,
                headers=request.headers,
                content=body,
                extensions=request.extensions,
            )
            response = self._transport.handle_request(sync_request)
            try:
                return response.status_code, response.headers.raw, response.read()
            finally:
                response.close()

        status, headers, content = await asyncio.to_thread(send)
        return httpx2.Response(status, headers=headers, content=content, request=request)


def _async_twin(
    config: ClientConfig,
    timeout: httpx2.Timeout,
    http: httpx2.Client | httpx2.AsyncClient,
    max_connections: int,
    share_transport: bool,
) -> AsyncHttpTransport:
    """An asyncio transport to the server ``http`` reaches, closed by its owner.

    It reuses an in-process or mock transport (the offline backend, a test double) and, with
    ``share_transport``, an ``AsyncClient``'s network transport (only from the event loop it was used in); it
    runs any other custom synchronous transport (a cassette) in worker threads; otherwise it opens its own
    connection pool of ``max_connections`` (keep-alive for all, so concurrent requests reuse connections).
    """
    transport = getattr(http, "_transport", None)  # httpx2 keeps the client's transport here (no accessor)
    if isinstance(transport, httpx2.AsyncBaseTransport) and (
        share_transport or not isinstance(transport, httpx2.AsyncHTTPTransport)
    ):
        client = httpx2.AsyncClient(transport=transport)  # in-process, mock, or the caller's own loop
    elif isinstance(transport, httpx2.BaseTransport) and not isinstance(transport, httpx2.HTTPTransport):
        client = httpx2.AsyncClient(transport=_ThreadedTransport(transport))
    else:
        limits = httpx2.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        client = httpx2.AsyncClient(limits=limits)
    twin = AsyncHttpTransport(config, client)
    twin.timeout = timeout
    # The pool above is the twin's own; a transport shared with the original is not closed with it.
    twin.owns_client = client._transport is not transport
    return twin
