"""``client.responses``: create, stream, parse, retrieve, delete, cancel, compact; input items and token counts.

The same call shape as the official SDK, for the sync and async clients. What each call sends is in `_specs`;
sending (the router, the bridge, the WebSocket mode) is the client's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from nbresponses.transports.stream import AsyncResponseStream, AsyncResponseStreamManager, ResponseStream
from nbresponses.types.items import ItemResource
from nbresponses.types.response import (
    CompactResource,
    DeletedResponse,
    InputTokenCount,
    Response,
    ResponseItemList,
)

from . import _specs as specs
from ._specs import parse_reply

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = [
    "AsyncInputItems",
    "AsyncInputTokens",
    "AsyncResponses",
    "InputItems",
    "InputTokens",
    "Responses",
]


def _structured(params: dict[str, Any], text_format: Any) -> dict[str, Any]:
    """``params`` asking for an answer that follows ``text_format`` (a pydantic model or a JSON schema).

    The one conversion of ``text_format`` into ``text.format``, for ``parse`` and ``stream`` (sync and async);
    a ``text`` the caller gave keeps its other keys (``verbosity``).
    """
    from nbresponses.structured import schema_format

    text = {**(params.get("text") or {}), "format": schema_format(text_format)}
    return {**params, "text": text}


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

    def stream(self, *, text_format: Any = None, **params: Any) -> ResponseStream:
        """Start a streamed response; use it as a context manager and iterate its typed events.

        With ``text_format`` (a pydantic model or JSON schema, as in `parse`) the answer follows it and
        ``get_final_response()`` gives it parsed in ``.parsed`` / ``.output_parsed``; an answer that is not
        valid JSON for it raises `StructuredOutputError` there.
        """
        if text_format is not None:
            params = _structured(params, text_format)
        stream = cast(ResponseStream, self._client._create(specs.create_spec(params, stream=True)))
        return stream.parse_as(text_format) if text_format is not None else stream

    def parse(self, *, text_format: Any, **params: Any) -> Response:
        """Create a response whose answer follows ``text_format`` (a pydantic model or JSON schema).

        The answer is in ``.parsed``; an answer that is not valid JSON for it raises `StructuredOutputError`.
        """
        from nbresponses.structured import parse_into

        response = self.create(stream=False, **_structured(params, text_format))
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
        return parse_reply(Response, self._client._send(spec))

    def delete(self, response_id: str) -> DeletedResponse:
        """``DELETE /responses/{id}``."""
        return parse_reply(DeletedResponse, self._client._send(specs.delete_spec(response_id)))

    def cancel(self, response_id: str) -> Response:
        """``POST /responses/{id}/cancel``: stop a background response."""
        return parse_reply(Response, self._client._send(specs.cancel_spec(response_id)))

    def compact(self, **params: Any) -> CompactResource:
        """``POST /responses/compact``: shrink a conversation into a compaction item."""
        return parse_reply(CompactResource, self._client._send(specs.compact_spec(params)))


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
        return parse_reply(ResponseItemList, self._client._send(spec))

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
        return parse_reply(InputTokenCount, self._client._send(specs.input_tokens_spec(params)))


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

    def stream(self, *, text_format: Any = None, **params: Any) -> AsyncResponseStreamManager:
        """A streamed response: ``async with client.responses.stream(...) as stream`` (as in the openai SDK).

        ``await client.responses.stream(...)`` gives the stream too. The parameters are checked at once
        (`InvalidParamsError`); the request is sent on entering (or awaiting). ``text_format`` is as in
        `Responses.stream`: ``await stream.get_final_response()`` gives the answer parsed in ``.parsed``.
        """
        if text_format is not None:
            params = _structured(params, text_format)
        spec = specs.create_spec(params, stream=True)

        async def start() -> AsyncResponseStream:
            stream = cast(AsyncResponseStream, await self._client._create(spec))
            return stream.parse_as(text_format) if text_format is not None else stream

        return AsyncResponseStreamManager(start)

    async def parse(self, *, text_format: Any, **params: Any) -> Response:
        """Create a response whose answer follows ``text_format``; the answer is in ``.parsed``."""
        from nbresponses.structured import parse_into

        response = await self.create(stream=False, **_structured(params, text_format))
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
        return parse_reply(Response, await self._client._send(spec))

    async def delete(self, response_id: str) -> DeletedResponse:
        """``DELETE /responses/{id}``."""
        return parse_reply(DeletedResponse, await self._client._send(specs.delete_spec(response_id)))

    async def cancel(self, response_id: str) -> Response:
        """``POST /responses/{id}/cancel``."""
        return parse_reply(Response, await self._client._send(specs.cancel_spec(response_id)))

    async def compact(self, **params: Any) -> CompactResource:
        """``POST /responses/compact``."""
        return parse_reply(CompactResource, await self._client._send(specs.compact_spec(params)))


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
        return parse_reply(ResponseItemList, await self._client._send(spec))

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
        return parse_reply(InputTokenCount, await self._client._send(specs.input_tokens_spec(params)))
