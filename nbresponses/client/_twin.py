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

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from ._client import AsyncClient, Client

__all__ = ["ResponseObserver", "async_twin", "observe_responses"]

ResponseObserver = Callable[[int, Mapping[str, str]], None]
"""Called with the status and headers of every HTTP answer (before its body is read)."""


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
    http = client._http.async_twin(max_connections=max_connections, share_transport=share_transport)
    twin = AsyncClient(
        api_key=config.api_key.reveal() if config.api_key else None,
        base_url=config.base_url,
        organization=config.organization,
        project=config.project,
        timeout=http.timeout,
        max_retries=config.max_retries if max_retries is None else max_retries,
        default_headers=config.default_headers,
        http_client=http.http,
        api=client.api,  # a model answered through the Chat Completions bridge is mapped through it too
        routes=client._router.memory,
    )
    twin._http.owns_client = http.owns_client  # the pool is the twin's own unless it was shared
    return twin


@contextmanager
def observe_responses(client: AsyncClient, observer: ResponseObserver) -> Iterator[None]:
    """Call ``observer(status, headers)`` for every HTTP answer ``client`` gets inside the ``with`` block."""
    with client._http.observe(observer):
        yield
