"""An `AsyncClient` with the settings of a given client, and a way to watch the HTTP answers it gets.

Mapping a prompt over a table sends its rows concurrently from an event loop of its own, so it needs an
asyncio client whatever the caller holds. The twin keeps the base URL, key, headers, timeouts and API routing
(the Chat Completions bridge, auto mode's memory); it always sends over HTTP (a WebSocket connection takes one
response at a time, a map many at once). It reuses an
in-process or mock transport (the offline backend, a test double), runs any other custom synchronous
transport (a cassette) in worker threads, and otherwise opens its own connection pool sized for the
concurrency asked for. Its answers can be watched (`observe_responses`) for rate-limit headers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx2

from ._client import AsyncClient, Client

__all__ = ["ResponseObserver", "async_twin", "observe_responses"]

ResponseObserver = Callable[[int, Mapping[str, str]], None]
"""Called with the status and headers of every HTTP answer (before its body is read)."""


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


def _transport_of(http: httpx2.Client | httpx2.AsyncClient) -> Any:
    return getattr(http, "_transport", None)  # httpx2 keeps the client's transport here (no public accessor)


def async_twin(
    client: Client | AsyncClient,
    *,
    max_retries: int | None = None,
    max_connections: int = 100,
    share_transport: bool = False,
) -> AsyncClient:
    """An `AsyncClient` with ``client``'s settings, to be closed by the caller.

    Args:
        client: the client whose base URL, key, organization, project, headers and timeouts are used.
        max_retries: the twin's retries (None: the client's).
        max_connections: the size of a new connection pool (keep-alive for all of them, so concurrent rows reuse
            connections instead of reconnecting).
        share_transport: reuse an `AsyncClient`'s network transport (only from the event loop it was used in).
    """
    config = client._config
    transport = _transport_of(client._http)
    if isinstance(transport, httpx2.AsyncBaseTransport) and (
        share_transport or not isinstance(transport, httpx2.AsyncHTTPTransport)
    ):
        http = httpx2.AsyncClient(transport=transport)  # in-process, mock, or the caller's own loop
    elif isinstance(transport, httpx2.BaseTransport) and not isinstance(transport, httpx2.HTTPTransport):
        http = httpx2.AsyncClient(transport=_ThreadedTransport(transport))
    else:
        limits = httpx2.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        http = httpx2.AsyncClient(limits=limits)
    twin = AsyncClient(
        api_key=config.api_key.reveal() if config.api_key else None,
        base_url=config.base_url,
        organization=config.organization,
        project=config.project,
        timeout=config.timeout,
        max_retries=config.max_retries if max_retries is None else max_retries,
        default_headers=config.default_headers,
        http_client=http,
        api=client.api,  # a model answered through the Chat Completions bridge is mapped through it too
        routes=client._router.memory,
    )
    twin._owns_http = True  # the pool above is the twin's own (a shared transport is not closed with it)
    if http._transport is transport:
        twin._owns_http = False
    return twin


@contextmanager
def observe_responses(client: AsyncClient, observer: ResponseObserver) -> Iterator[None]:
    """Call ``observer(status, headers)`` for every HTTP answer ``client`` gets inside the ``with`` block."""

    async def hook(response: httpx2.Response) -> None:
        observer(response.status_code, response.headers)

    hooks = client._http.event_hooks
    hooks["response"].append(hook)
    try:
        yield
    finally:
        hooks["response"].remove(hook)
