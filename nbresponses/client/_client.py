"""`Client` and `AsyncClient`: the Responses API with the same call shape as the official SDK.

```python
client = nbresponses.Client()                        # OPENAI_API_KEY / OPENAI_BASE_URL from the environment
response = client.responses.create(model="gpt-4.1", input="Hello")
print(response.output_text)
```
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

import httpx2
from pydantic import BaseModel, ValidationError

from . import _resources as specs
from ._batches import AsyncBatches, Batches
from ._config import ClientConfig, resolve_config
from ._conversations import AsyncConversations, Conversations
from ._exceptions import APIError, APIStatusError, ConfigurationError, NBResponsesError
from ._files import AsyncFiles, Files
from ._http import RequestSpec, request_id, send_async, send_sync
from ._models import AsyncModels, Models
from ._secrets import redact, redact_bytes
from ._stream import AsyncResponseStream, AsyncResponseStreamManager, ResponseStream
from .transports.routing import ApiMode, ApiRouter, RouteMemory
from .types.items import ItemResource
from .types.response import CompactResource, DeletedResponse, InputTokenCount, Response, ResponseItemList

if TYPE_CHECKING:
    from .transports.websocket import AsyncWebSocketTransport, Connector, WebSocketTransport

__all__ = ["AsyncClient", "Client"]

_M = TypeVar("_M", bound=BaseModel)


def _parse(model: type[_M], response: httpx2.Response, secrets: tuple[str, ...] = ()) -> _M:
    try:
        return model.model_validate_json(redact_bytes(response.content, secrets))
    except ValidationError:
        preview = redact(response.text[:200])
        raise APIError(
            f"The server answered {response.status_code} with a body that is not a {model.__name__}: {preview!r}",
            status=response.status_code,
            request_id=request_id(response.headers),
        ) from None


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
    from .transports.websocket import AsyncWebSocketTransport, WebSocketTransport

    return AsyncWebSocketTransport(config, connect) if asynchronous else WebSocketTransport(config, connect)


class _ClientBase:
    _config: ClientConfig
    _router: ApiRouter

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
    def timeout(self) -> httpx2.Timeout:
        """Connect and read timeouts of every request."""
        return self._config.timeout

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
        clone._owns_http = False  # type: ignore[attr-defined]
        clone._router = ApiRouter(api, base_url=self._config.base_url, memory=routes or self._router.memory)
        clone._bridge = None  # type: ignore[attr-defined]
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

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: float | httpx2.Timeout | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.Client | None = None,
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
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx2.Client()
        self._websocket = _websocket(self._config, transport, websocket_connect)
        self._owns_websocket = True
        self._router = ApiRouter(api, base_url=self._config.base_url, memory=routes)
        self._bridge: Any = None
        self.responses = Responses(self)
        self.models = Models(self._send, _parse)
        self.conversations = Conversations(self)
        self.files = Files(self)
        self.batches = Batches(self)

    def with_api(self, api: ApiMode, *, routes: RouteMemory | None = None) -> Client:
        """This client (same settings, same connection pool) sending to ``api``; ``routes`` for auto mode."""
        clone = cast(Client, self._with_api(api, routes))
        clone.responses = Responses(clone)
        clone.models = Models(clone._send, _parse)
        clone.conversations = Conversations(clone)
        clone.files = Files(clone)
        clone.batches = Batches(clone)
        clone._owns_websocket = False  # shared with this client, which closes it
        return clone

    def close(self) -> None:
        """Close the connection pool (only if this client created it) and any WebSocket connection."""
        if self._websocket is not None and self._owns_websocket:
            self._websocket.close()
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _send(self, spec: RequestSpec) -> httpx2.Response:
        return send_sync(self._http, self._config, spec)

    def _stream(self, spec: RequestSpec) -> ResponseStream:
        return ResponseStream(self._send(spec), secrets=self._config.secrets)

    def _create(self, spec: RequestSpec) -> Response | ResponseStream:
        """``POST /responses``, or the bridge, as the router decides for the body's model."""

        def native() -> Response | ResponseStream:
            if self._websocket is not None and spec.body is not None and not spec.body.get("background"):
                events = self._websocket.stream(spec.body)  # WebSocket mode (background is an HTTP feature)
                if spec.stream:
                    return events
                with events:
                    return events.get_final_response()
            return self._stream(spec) if spec.stream else _parse(Response, self._send(spec))

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
            from .transports.chat import ChatBridge

            self._bridge = ChatBridge(self._send, self._config)
        return self._bridge


class Responses:
    """``client.responses``: create, stream, retrieve, delete, cancel, compact; input items and token counts."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.input_items = InputItems(client)
        self.input_tokens = InputTokens(client)

    @overload
    def create(self, *, stream: Literal[True], **params: Any) -> ResponseStream: ...
    @overload
    def create(self, *, stream: Literal[False] = False, **params: Any) -> Response: ...
    @overload
    def create(self, *, stream: bool, **params: Any) -> Response | ResponseStream: ...
    def create(self, *, stream: bool = False, **params: Any) -> Response | ResponseStream:
        """``POST /responses``. Returns the `Response`, or a `ResponseStream` with ``stream=True``.

        Parameters are those of the API (``model``, ``input``, ``instructions``, ``tools``, ...); unknown ones
        are sent as given. ``None`` values are left out.
        """
        return self._client._create(specs.create_spec(params, stream=stream))

    def stream(self, **params: Any) -> ResponseStream:
        """Start a streamed response; use it as a context manager and iterate its typed events."""
        return cast(ResponseStream, self._client._create(specs.create_spec(params, stream=True)))

    def parse(self, *, text_format: Any, **params: Any) -> Response:
        """Create a response whose answer follows ``text_format`` (a pydantic model or JSON schema).

        The answer is in ``.parsed``; an answer that is not valid JSON for it raises `StructuredOutputError`.
        """
        from .structured import parse_into, schema_format

        text = {**(params.pop("text", None) or {}), "format": schema_format(text_format)}
        response = self.create(stream=False, text=text, **params)
        parse_into(response, text_format)
        return response

    @overload
    def retrieve(
        self, response_id: str, *, stream: Literal[False] = False, include: list[str] | None = None
    ) -> Response: ...
    @overload
    def retrieve(
        self,
        response_id: str,
        *,
        stream: Literal[True],
        starting_after: int | None = None,
        include: list[str] | None = None,
    ) -> ResponseStream: ...
    def retrieve(
        self,
        response_id: str,
        *,
        stream: bool = False,
        starting_after: int | None = None,
        include: list[str] | None = None,
    ) -> Response | ResponseStream:
        """``GET /responses/{id}``; with ``stream=True`` replays (or resumes after ``starting_after``) its events."""
        spec = specs.retrieve_spec(response_id, stream=stream, starting_after=starting_after, include=include)
        if stream:
            return self._client._stream(spec)
        return _parse(Response, self._client._send(spec))

    def delete(self, response_id: str) -> DeletedResponse:
        """``DELETE /responses/{id}``."""
        return _parse(DeletedResponse, self._client._send(specs.delete_spec(response_id)))

    def cancel(self, response_id: str) -> Response:
        """``POST /responses/{id}/cancel``: stop a background response."""
        return _parse(Response, self._client._send(specs.cancel_spec(response_id)))

    def compact(self, **params: Any) -> CompactResource:
        """``POST /responses/compact``: shrink a conversation into a compaction item."""
        return _parse(CompactResource, self._client._send(specs.compact_spec(params)))


class InputItems:
    """``client.responses.input_items``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(
        self,
        response_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        after: str | None = None,
        include: list[str] | None = None,
    ) -> ResponseItemList:
        """One page of the input items of a response."""
        spec = specs.input_items_spec(response_id, limit=limit, order=order, after=after, include=include)
        return _parse(ResponseItemList, self._client._send(spec))

    def iter(
        self, response_id: str, *, order: str | None = None, page_size: int = 100
    ) -> Iterator[ItemResource]:
        """Every input item of a response, following the pages."""
        after: str | None = None
        while True:
            page = self.list(response_id, limit=page_size, order=order, after=after)
            yield from page.data
            if not page.has_more or not page.last_id:
                return
            after = page.last_id


class InputTokens:
    """``client.responses.input_tokens``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def count(self, **params: Any) -> InputTokenCount:
        """``POST /responses/input_tokens``: how many input tokens these parameters would use."""
        return _parse(InputTokenCount, self._client._send(specs.input_tokens_spec(params)))


class AsyncClient(_ClientBase):
    """The asyncio twin of `Client`; same arguments, awaitable methods."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: float | httpx2.Timeout | None = None,
        connect_timeout: float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
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
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx2.AsyncClient()
        self._websocket = _websocket(self._config, transport, websocket_connect, asynchronous=True)
        self._owns_websocket = True
        self._router = ApiRouter(api, base_url=self._config.base_url, memory=routes)
        self._bridge: Any = None
        self.responses = AsyncResponses(self)
        self.models = AsyncModels(self._send, _parse)
        self.conversations = AsyncConversations(self)
        self.files = AsyncFiles(self)
        self.batches = AsyncBatches(self)

    def with_api(self, api: ApiMode, *, routes: RouteMemory | None = None) -> AsyncClient:
        """This client (same settings, same connection pool) sending to ``api``; ``routes`` for auto mode."""
        clone = cast(AsyncClient, self._with_api(api, routes))
        clone.responses = AsyncResponses(clone)
        clone.models = AsyncModels(clone._send, _parse)
        clone.conversations = AsyncConversations(clone)
        clone.files = AsyncFiles(clone)
        clone.batches = AsyncBatches(clone)
        clone._owns_websocket = False
        return clone

    async def close(self) -> None:
        """Close the connection pool (only if this client created it) and any WebSocket connection."""
        if self._websocket is not None and self._owns_websocket:
            await self._websocket.close()
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _send(self, spec: RequestSpec) -> httpx2.Response:
        return await send_async(self._http, self._config, spec)

    async def _stream(self, spec: RequestSpec) -> AsyncResponseStream:
        return AsyncResponseStream(await self._send(spec), secrets=self._config.secrets)

    async def _create(self, spec: RequestSpec) -> Response | AsyncResponseStream:
        """``POST /responses``, or the bridge, as the router decides for the body's model."""

        async def native() -> Response | AsyncResponseStream:
            if self._websocket is not None and spec.body is not None and not spec.body.get("background"):
                events = await self._websocket.stream(spec.body)
                if spec.stream:
                    return events
                async with events:
                    return await events.get_final_response()
            return await self._stream(spec) if spec.stream else _parse(Response, await self._send(spec))

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
            from .transports.chat import AsyncChatBridge

            self._bridge = AsyncChatBridge(self._send, self._config)
        return self._bridge


class AsyncResponses:
    """``client.responses`` of `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.input_items = AsyncInputItems(client)
        self.input_tokens = AsyncInputTokens(client)

    @overload
    async def create(self, *, stream: Literal[True], **params: Any) -> AsyncResponseStream: ...
    @overload
    async def create(self, *, stream: Literal[False] = False, **params: Any) -> Response: ...
    @overload
    async def create(self, *, stream: bool, **params: Any) -> Response | AsyncResponseStream: ...
    async def create(self, *, stream: bool = False, **params: Any) -> Response | AsyncResponseStream:
        """``POST /responses``; see `Responses.create`."""
        return await self._client._create(specs.create_spec(params, stream=stream))

    def stream(self, **params: Any) -> AsyncResponseStreamManager:
        """A streamed response: ``async with client.responses.stream(...) as stream`` (as in the openai SDK).

        ``await client.responses.stream(...)`` gives the stream too. The parameters are checked at once
        (`InvalidParamsError`); the request is sent on entering (or awaiting).
        """
        spec = specs.create_spec(params, stream=True)

        async def start() -> AsyncResponseStream:
            return cast(AsyncResponseStream, await self._client._create(spec))

        return AsyncResponseStreamManager(start)

    async def parse(self, *, text_format: Any, **params: Any) -> Response:
        """Create a response whose answer follows ``text_format``; the answer is in ``.parsed``."""
        from .structured import parse_into, schema_format

        text = {**(params.pop("text", None) or {}), "format": schema_format(text_format)}
        response = await self.create(stream=False, text=text, **params)
        parse_into(response, text_format)
        return response

    async def retrieve(
        self,
        response_id: str,
        *,
        stream: bool = False,
        starting_after: int | None = None,
        include: list[str] | None = None,
    ) -> Response | AsyncResponseStream:
        """``GET /responses/{id}``; see `Responses.retrieve`."""
        spec = specs.retrieve_spec(response_id, stream=stream, starting_after=starting_after, include=include)
        if stream:
            return await self._client._stream(spec)
        return _parse(Response, await self._client._send(spec))

    async def delete(self, response_id: str) -> DeletedResponse:
        """``DELETE /responses/{id}``."""
        return _parse(DeletedResponse, await self._client._send(specs.delete_spec(response_id)))

    async def cancel(self, response_id: str) -> Response:
        """``POST /responses/{id}/cancel``."""
        return _parse(Response, await self._client._send(specs.cancel_spec(response_id)))

    async def compact(self, **params: Any) -> CompactResource:
        """``POST /responses/compact``."""
        return _parse(CompactResource, await self._client._send(specs.compact_spec(params)))


class AsyncInputItems:
    """``client.responses.input_items`` of `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(
        self,
        response_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        after: str | None = None,
        include: list[str] | None = None,
    ) -> ResponseItemList:
        """One page of the input items of a response."""
        spec = specs.input_items_spec(response_id, limit=limit, order=order, after=after, include=include)
        return _parse(ResponseItemList, await self._client._send(spec))

    async def iter(
        self, response_id: str, *, order: str | None = None, page_size: int = 100
    ) -> AsyncIterator[ItemResource]:
        """Every input item of a response, following the pages."""
        after: str | None = None
        while True:
            page = await self.list(response_id, limit=page_size, order=order, after=after)
            for item in page.data:
                yield item
            if not page.has_more or not page.last_id:
                return
            after = page.last_id


class AsyncInputTokens:
    """``client.responses.input_tokens`` of `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def count(self, **params: Any) -> InputTokenCount:
        """``POST /responses/input_tokens``."""
        return _parse(InputTokenCount, await self._client._send(specs.input_tokens_spec(params)))
