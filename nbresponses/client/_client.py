"""`Client` and `AsyncClient`: the Responses API with the same call shape as the official SDK.

```python
client = nbresponses.Client()                        # OPENAI_API_KEY / OPENAI_BASE_URL from the environment
response = client.responses.create(model="gpt-4.1", input="Hello")
print(response.output_text)
```

A client holds its settings, its transport (HTTP, and optionally a WebSocket connection) and the API router;
its resources (``responses``, ``conversations``, ``files``, ``batches``, ``models``) are built on first access,
so importing and creating a client loads none of the response models.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from nbresponses._config import ClientConfig, resolve_config
from nbresponses._exceptions import APIStatusError, ConfigurationError, NBResponsesError
from nbresponses.transports.base import AsyncReply, Reply, RequestSpec
from nbresponses.transports.http import AsyncHttpTransport, HttpTransport
from nbresponses.transports.routing import ApiMode, ApiRouter, RouteMemory

from ._specs import parse_reply

if TYPE_CHECKING:
    from nbresponses.transports.http import AsyncHTTPClient, HTTPClient, HTTPTimeout
    from nbresponses.transports.stream import AsyncResponseStream, ResponseStream
    from nbresponses.transports.websocket import AsyncWebSocketTransport, Connector, WebSocketTransport
    from nbresponses.types.response import Response

    from ._batches import AsyncBatches, Batches
    from ._conversations import AsyncConversations, Conversations
    from ._files import AsyncFiles, Files
    from ._models import AsyncModels, Models
    from ._responses import AsyncResponses, Responses

__all__ = ["AsyncClient", "Client"]

_RESOURCES = ("responses", "models", "conversations", "files", "batches")
"""The resource attributes, built on first access (a clone of a client builds its own)."""


@overload
def _websocket(
    config: ClientConfig, transport: str, connect: Connector | None, *, asynchronous: Literal[False] = False
) -> WebSocketTransport | None: ...
@overload
def _websocket(
    config: ClientConfig, transport: str, connect: Connector | None, *, asynchronous: Literal[True]
) -> AsyncWebSocketTransport | None: ...
def _websocket(
    config: ClientConfig, transport: str, connect: Connector | None, *, asynchronous: bool = False
) -> WebSocketTransport | AsyncWebSocketTransport | None:
    if transport not in ("http", "websocket"):
        raise ConfigurationError(f"transport must be 'http' or 'websocket', got {transport!r}.")
    if transport == "http":
        return None
    from nbresponses.transports.websocket import AsyncWebSocketTransport, WebSocketTransport

    return AsyncWebSocketTransport(config, connect) if asynchronous else WebSocketTransport(config, connect)


class _ClientBase:
    _config: ClientConfig
    _router: ApiRouter
    _http: HttpTransport | AsyncHttpTransport

    @property
    def api(self) -> ApiMode:
        """Which API ``responses.create/stream/parse`` use: ``"responses"``, ``"chat"`` (the bridge) or ``"auto"``."""
        return self._router.api

    def api_for(self, model: str | None) -> str | None:
        """The API ``model`` is sent to (``"responses"`` / ``"chat"``), or None while auto mode has not tried it."""
        return self._router.api_for(model)

    @property
    def base_url(self) -> str:
        """The API base URL requests go to (e.g. ``https://api.openai.com/v1``)."""
        return self._config.base_url

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried before its error is raised."""
        return self._config.max_retries

    @property
    def timeout(self) -> HTTPTimeout:
        """Connect and read timeouts of every request (an ``httpx2.Timeout``)."""
        return self._http.timeout

    @property
    def has_api_key(self) -> bool:
        """Whether a key is configured (the key itself is never exposed)."""
        return bool(self._config.api_key)

    def __repr__(self) -> str:
        key = "set" if self._config.api_key else "none"
        api = "" if self._router.api == "responses" else f", api={self._router.api!r}"
        return f"{type(self).__name__}(base_url={self._config.base_url!r}, api_key=<{key}>{api})"

    def _with_api(self, api: ApiMode, routes: RouteMemory | None) -> Any:
        clone = copy.copy(self)
        for name in _RESOURCES:  # built again for the clone, on first access
            clone.__dict__.pop(name, None)
        clone._http = self._http.shared()
        clone._router = ApiRouter(api, base_url=self._config.base_url, memory=routes or self._router.memory)
        clone._bridge = None  # type: ignore[attr-defined]
        clone._owns_websocket = False  # type: ignore[attr-defined]  # shared with this client, which closes it
        return clone


class Client(_ClientBase):
    """A synchronous Responses API client.

    Args:
        api_key: bearer key; defaults to ``OPENAI_API_KEY``. Not needed for gateways that take none.
        base_url: API root; defaults to ``OPENAI_BASE_URL``, then ``https://api.openai.com/v1``.
        organization: ``OpenAI-Organization`` header; defaults to ``OPENAI_ORG_ID``.
        project: ``OpenAI-Project`` header; defaults to ``OPENAI_PROJECT_ID``.
        timeout: read timeout in seconds (between two chunks of a stream), or an ``httpx2.Timeout``.
        connect_timeout: connect timeout in seconds.
        max_retries: retries of connection errors, 408, 409, 429 and 5xx before any byte was read.
        default_headers: extra headers sent with every request.
        http_client: an ``httpx2.Client`` to use (e.g. with a ``MockTransport`` or a proxy); not closed by us.
        api: ``"responses"`` (``POST /responses``), ``"chat"`` (the Chat Completions bridge: ``/chat/completions``
            answers, the same `Response` objects and events come back) or ``"auto"`` (``/responses`` first, the
            bridge for a model the server refuses there, remembered per base URL and model).
        routes: where auto mode remembers its choices (a `RouteMemory`; in memory by default).
        transport: ``"http"`` (SSE) or ``"websocket"``: responses are created over one persistent WebSocket
            connection (reused by every response and tool round; other calls stay on HTTP).
        websocket_connect: what opens WebSocket connections (default: the ``websockets`` library).
    """

    _http: HttpTransport

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: float | HTTPTimeout | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: HTTPClient | None = None,
        api: ApiMode = "responses",
        routes: RouteMemory | None = None,
        transport: Literal["http", "websocket"] = "http",
        websocket_connect: Connector | None = None,
    ) -> None:
        self._config = resolve_config(
            api_key=api_key,
            base_url=base_url,
            organization=organization,
            project=project,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        self._http = HttpTransport(self._config, http_client)
        self._websocket = _websocket(self._config, transport, websocket_connect)
        self._owns_websocket = True
        self._router = ApiRouter(api, base_url=self._config.base_url, memory=routes)
        self._bridge: Any = None

    @cached_property
    def responses(self) -> Responses:
        """``client.responses``: create, stream, parse, retrieve, delete, cancel, compact, input items, tokens."""
        from ._responses import Responses

        return Responses(self)

    @cached_property
    def models(self) -> Models:
        """``client.models``: the models the endpoint lists."""
        from ._models import Models

        return Models(self._send, parse_reply)

    @cached_property
    def conversations(self) -> Conversations:
        """``client.conversations``: server-side conversations and their items."""
        from ._conversations import Conversations

        return Conversations(self)

    @cached_property
    def files(self) -> Files:
        """``client.files``: upload, read and delete files."""
        from ._files import Files

        return Files(self)

    @cached_property
    def batches(self) -> Batches:
        """``client.batches``: the Batch API."""
        from ._batches import Batches

        return Batches(self)

    def with_api(self, api: ApiMode, *, routes: RouteMemory | None = None) -> Client:
        """This client (same settings, same connection pool) sending to ``api``; ``routes`` for auto mode."""
        return cast(Client, self._with_api(api, routes))

    def close(self) -> None:
        """Close the connection pool (only if this client created it) and any WebSocket connection."""
        if self._websocket is not None and self._owns_websocket:
            self._websocket.close()
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _send(self, spec: RequestSpec) -> Reply:
        return self._http.send(spec)

    def _stream(self, spec: RequestSpec) -> ResponseStream:
        from nbresponses.transports.stream import ResponseStream

        return ResponseStream(self._send(spec), secrets=self._config.secrets)

    def _create(self, spec: RequestSpec) -> Response | ResponseStream:
        """``POST /responses``, or the bridge, as the router decides for the body's model."""
        from nbresponses.types.response import Response

        def native() -> Response | ResponseStream:
            if self._websocket is not None and spec.body is not None and not spec.body.get("background"):
                events = self._websocket.stream(spec.body)  # WebSocket mode (background is an HTTP feature)
                if spec.stream:
                    return events
                with events:
                    return events.get_final_response()
            return self._stream(spec) if spec.stream else parse_reply(Response, self._send(spec))

        body = spec.body or {}
        try:
            if self._router.api == "responses":
                return native()
            return self._router.run(body.get("model"), native, lambda: self._bridged(body, spec.stream))
        except APIStatusError as error:
            if error.code == "model_not_supported" and error.available_models is None:
                try:
                    error.available_models = self.models.list().ids
                except NBResponsesError:
                    error.available_models = []
            raise

    def _bridged(self, body: dict[str, Any], stream: bool) -> Response | ResponseStream:
        return cast("Response | ResponseStream", self._chat().create(body, stream=stream))

    def _chat(self) -> Any:
        if self._bridge is None:
            from nbresponses.transports.chat import ChatBridge

            self._bridge = ChatBridge(self._send, self._config)
        return self._bridge


class AsyncClient(_ClientBase):
    """The asyncio twin of `Client`; same arguments, awaitable methods."""

    _http: AsyncHttpTransport

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: float | HTTPTimeout | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: AsyncHTTPClient | None = None,
        api: ApiMode = "responses",
        routes: RouteMemory | None = None,
        transport: Literal["http", "websocket"] = "http",
        websocket_connect: Connector | None = None,
    ) -> None:
        self._config = resolve_config(
            api_key=api_key,
            base_url=base_url,
            organization=organization,
            project=project,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        self._http = AsyncHttpTransport(self._config, http_client)
        self._websocket = _websocket(self._config, transport, websocket_connect, asynchronous=True)
        self._owns_websocket = True
        self._router = ApiRouter(api, base_url=self._config.base_url, memory=routes)
        self._bridge: Any = None

    @cached_property
    def responses(self) -> AsyncResponses:
        """``client.responses`` (awaitable methods); see `Client.responses`."""
        from ._responses import AsyncResponses

        return AsyncResponses(self)

    @cached_property
    def models(self) -> AsyncModels:
        """``client.models``: the models the endpoint lists."""
        from ._models import AsyncModels

        return AsyncModels(self._send, parse_reply)

    @cached_property
    def conversations(self) -> AsyncConversations:
        """``client.conversations``: server-side conversations and their items."""
        from ._conversations import AsyncConversations

        return AsyncConversations(self)

    @cached_property
    def files(self) -> AsyncFiles:
        """``client.files``: upload, read and delete files."""
        from ._files import AsyncFiles

        return AsyncFiles(self)

    @cached_property
    def batches(self) -> AsyncBatches:
        """``client.batches``: the Batch API."""
        from ._batches import AsyncBatches

        return AsyncBatches(self)

    def with_api(self, api: ApiMode, *, routes: RouteMemory | None = None) -> AsyncClient:
        """This client (same settings, same connection pool) sending to ``api``; ``routes`` for auto mode."""
        return cast(AsyncClient, self._with_api(api, routes))

    async def close(self) -> None:
        """Close the connection pool (only if this client created it) and any WebSocket connection."""
        if self._websocket is not None and self._owns_websocket:
            await self._websocket.close()
        await self._http.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _send(self, spec: RequestSpec) -> AsyncReply:
        return await self._http.send(spec)

    async def _stream(self, spec: RequestSpec) -> AsyncResponseStream:
        from nbresponses.transports.stream import AsyncResponseStream

        return AsyncResponseStream(await self._send(spec), secrets=self._config.secrets)

    async def _create(self, spec: RequestSpec) -> Response | AsyncResponseStream:
        """``POST /responses``, or the bridge, as the router decides for the body's model."""
        from nbresponses.types.response import Response

        async def native() -> Response | AsyncResponseStream:
            if self._websocket is not None and spec.body is not None and not spec.body.get("background"):
                events = await self._websocket.stream(spec.body)
                if spec.stream:
                    return events
                async with events:
                    return await events.get_final_response()
            return await self._stream(spec) if spec.stream else parse_reply(Response, await self._send(spec))

        body = spec.body or {}

        def bridged() -> Awaitable[Response | AsyncResponseStream]:
            return cast(
                "Awaitable[Response | AsyncResponseStream]", self._chat().create(body, stream=spec.stream)
            )

        try:
            if self._router.api == "responses":
                return await native()
            return await self._router.arun(body.get("model"), native, bridged)
        except APIStatusError as error:
            if error.code == "model_not_supported" and error.available_models is None:
                try:
                    error.available_models = (await self.models.list()).ids
                except NBResponsesError:
                    error.available_models = []
            raise

    def _chat(self) -> Any:
        if self._bridge is None:
            from nbresponses.transports.chat import AsyncChatBridge

            self._bridge = AsyncChatBridge(self._send, self._config)
        return self._bridge
