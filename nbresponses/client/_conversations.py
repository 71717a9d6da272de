"""``client.conversations``: the Conversations API, with the call shape of the official SDK.

```python
conversation = client.conversations.create(metadata={"topic": "demo"})
client.responses.create(model="gpt-4.1", input="Hi, I am Ada.", conversation=conversation.id)
for item in client.conversations.items.list(conversation.id, order="asc").data:
    print(item.type)
```

A conversation keeps its items on the server; a response created with ``conversation=`` reads them as context
and appends its input and output (no ``previous_response_id`` with it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from nbresponses._exceptions import InvalidParamsError
from nbresponses.transports.base import AsyncReply, Reply, RequestSpec
from nbresponses.types.items import ItemResource
from nbresponses.types.request import to_jsonable
from nbresponses.types.response import ConversationItemList, ConversationResource, DeletedConversationResource

from ._specs import parse_reply

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from ._client import AsyncClient, Client

__all__ = ["AsyncConversationItems", "AsyncConversations", "ConversationItems", "Conversations"]

_M = TypeVar("_M", bound=BaseModel)
_ITEM_LIST = ConversationItemList


def _parse(model: type[_M], reply: Reply | AsyncReply) -> _M:
    return parse_reply(model, reply)


def _id(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidParamsError(f"A {what} id must be a non-empty string, got {value!r}.")
    return quote(value.strip(), safe="")


def _items(items: Iterable[Any] | None) -> list[Any] | None:
    if items is None:
        return None
    if isinstance(items, str | bytes | Mapping):
        raise InvalidParamsError(
            "items must be a list of input items, e.g. [{'role': 'user', 'content': 'hi'}]."
        )
    return [to_jsonable(item) for item in items]


def _metadata(metadata: Mapping[str, str] | None) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping) or not all(isinstance(v, str) for v in metadata.values()):
        raise InvalidParamsError("metadata must map names to strings, e.g. {'topic': 'demo'}.")
    return {str(k): v for k, v in metadata.items()}


def _query(include: Sequence[str] | None, **values: Any) -> dict[str, Any]:
    query = {key: value for key, value in values.items() if value is not None}
    if values.get("order") not in (None, "asc", "desc"):
        raise InvalidParamsError(f"order must be 'asc' or 'desc', got {values['order']!r}.")
    if include:
        query["include[]"] = list(include)
    return query


def create_spec(items: Iterable[Any] | None, metadata: Mapping[str, str] | None) -> RequestSpec:
    """``POST /conversations``."""
    body = {key: value for key, value in (("items", _items(items)), ("metadata", _metadata(metadata)))
            if value is not None}  # fmt: skip
    return RequestSpec("POST", "/conversations", body=body)


def update_spec(conversation_id: str, metadata: Mapping[str, str]) -> RequestSpec:
    """``POST /conversations/{id}`` (its metadata)."""
    return RequestSpec("POST", f"/conversations/{_id(conversation_id, 'conversation')}",
                       body={"metadata": _metadata(metadata) or {}})  # fmt: skip


def items_create_spec(
    conversation_id: str, items: Iterable[Any], include: Sequence[str] | None
) -> RequestSpec:
    """``POST /conversations/{id}/items``."""
    listed = _items(items)
    if not listed:
        raise InvalidParamsError("items.create needs at least one item.")
    return RequestSpec("POST", f"/conversations/{_id(conversation_id, 'conversation')}/items",
                       body={"items": listed}, params=_query(include))  # fmt: skip


def items_list_spec(
    conversation_id: str,
    *,
    after: str | None,
    limit: int | None,
    order: str | None,
    include: Sequence[str] | None,
) -> RequestSpec:
    """``GET /conversations/{id}/items`` (one page)."""
    return RequestSpec("GET", f"/conversations/{_id(conversation_id, 'conversation')}/items",
                       params=_query(include, after=after, limit=limit, order=order))  # fmt: skip


def item_spec(
    method: str, conversation_id: str, item_id: str, include: Sequence[str] | None = None
) -> RequestSpec:
    """``GET`` or ``DELETE /conversations/{id}/items/{item_id}``."""
    path = f"/conversations/{_id(conversation_id, 'conversation')}/items/{_id(item_id, 'item')}"
    return RequestSpec(method, path, params=_query(include))


class Conversations:
    """``client.conversations``: create, retrieve, update, delete; ``.items`` for their items."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.items = ConversationItems(client)

    def create(
        self, *, items: Iterable[Any] | None = None, metadata: Mapping[str, str] | None = None
    ) -> ConversationResource:
        """``POST /conversations``: a new conversation, optionally with first items and metadata."""
        return _parse(ConversationResource, self._client._send(create_spec(items, metadata)))

    def retrieve(self, conversation_id: str) -> ConversationResource:
        """``GET /conversations/{id}``."""
        spec = RequestSpec("GET", f"/conversations/{_id(conversation_id, 'conversation')}")
        return _parse(ConversationResource, self._client._send(spec))

    def update(self, conversation_id: str, *, metadata: Mapping[str, str]) -> ConversationResource:
        """``POST /conversations/{id}``: replace its metadata."""
        return _parse(ConversationResource, self._client._send(update_spec(conversation_id, metadata)))

    def delete(self, conversation_id: str) -> DeletedConversationResource:
        """``DELETE /conversations/{id}``."""
        spec = RequestSpec("DELETE", f"/conversations/{_id(conversation_id, 'conversation')}")
        return _parse(DeletedConversationResource, self._client._send(spec))


class ConversationItems:
    """``client.conversations.items``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self, conversation_id: str, *, items: Iterable[Any], include: Sequence[str] | None = None
    ) -> ConversationItemList:
        """``POST /conversations/{id}/items``: append items; returns the items added."""
        return _parse(_ITEM_LIST, self._client._send(items_create_spec(conversation_id, items, include)))

    def list(
        self,
        conversation_id: str,
        *,
        after: str | None = None,
        limit: int | None = None,
        order: str | None = None,
        include: Sequence[str] | None = None,
    ) -> ConversationItemList:
        """One page of a conversation's items (newest first unless ``order="asc"``)."""
        spec = items_list_spec(conversation_id, after=after, limit=limit, order=order, include=include)
        return _parse(_ITEM_LIST, self._client._send(spec))

    def iter(
        self, conversation_id: str, *, order: str | None = None, page_size: int = 100
    ) -> Iterator[ItemResource]:
        """Every item of a conversation, following the pages."""
        after: str | None = None
        while True:
            page = self.list(conversation_id, after=after, limit=page_size, order=order)
            yield from page.data
            if not page.has_more or not page.last_id:
                return
            after = page.last_id

    def retrieve(
        self, item_id: str, *, conversation_id: str, include: Sequence[str] | None = None
    ) -> ItemResource:
        """``GET /conversations/{id}/items/{item_id}``."""
        response = self._client._send(item_spec("GET", conversation_id, item_id, include))
        return _item(response)

    def delete(self, item_id: str, *, conversation_id: str) -> ConversationResource:
        """``DELETE /conversations/{id}/items/{item_id}``; returns the conversation."""
        return _parse(ConversationResource, self._client._send(item_spec("DELETE", conversation_id, item_id)))


@cache
def _item_adapter() -> TypeAdapter[ItemResource]:
    from pydantic import TypeAdapter

    return TypeAdapter(ItemResource)  # built once, on first use


def _item(response: Reply | AsyncReply) -> ItemResource:
    from pydantic import ValidationError

    from nbresponses._exceptions import APIError

    try:
        item: ItemResource = _item_adapter().validate_json(response.content)
    except ValidationError:
        raise APIError(
            f"The server answered {response.status_code} with a body that is not a conversation item: "
            f"{response.text[:200]!r}",
            status=response.status_code,
            request_id=response.headers.get("x-request-id"),
        ) from None
    return item


class AsyncConversations:
    """``client.conversations`` of `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.items = AsyncConversationItems(client)

    async def create(
        self, *, items: Iterable[Any] | None = None, metadata: Mapping[str, str] | None = None
    ) -> ConversationResource:
        """``POST /conversations``."""
        return _parse(ConversationResource, await self._client._send(create_spec(items, metadata)))

    async def retrieve(self, conversation_id: str) -> ConversationResource:
        """``GET /conversations/{id}``."""
        spec = RequestSpec("GET", f"/conversations/{_id(conversation_id, 'conversation')}")
        return _parse(ConversationResource, await self._client._send(spec))

    async def update(self, conversation_id: str, *, metadata: Mapping[str, str]) -> ConversationResource:
        """``POST /conversations/{id}``."""
        return _parse(ConversationResource, await self._client._send(update_spec(conversation_id, metadata)))

    async def delete(self, conversation_id: str) -> DeletedConversationResource:
        """``DELETE /conversations/{id}``."""
        spec = RequestSpec("DELETE", f"/conversations/{_id(conversation_id, 'conversation')}")
        return _parse(DeletedConversationResource, await self._client._send(spec))


class AsyncConversationItems:
    """``client.conversations.items`` of `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self, conversation_id: str, *, items: Iterable[Any], include: Sequence[str] | None = None
    ) -> ConversationItemList:
        """``POST /conversations/{id}/items``."""
        return _parse(
            _ITEM_LIST, await self._client._send(items_create_spec(conversation_id, items, include))
        )

    async def list(
        self,
        conversation_id: str,
        *,
        after: str | None = None,
        limit: int | None = None,
        order: str | None = None,
        include: Sequence[str] | None = None,
    ) -> ConversationItemList:
        """One page of a conversation's items."""
        spec = items_list_spec(conversation_id, after=after, limit=limit, order=order, include=include)
        return _parse(_ITEM_LIST, await self._client._send(spec))

    async def iter(
        self, conversation_id: str, *, order: str | None = None, page_size: int = 100
    ) -> AsyncIterator[ItemResource]:
        """Every item of a conversation, following the pages."""
        after: str | None = None
        while True:
            page = await self.list(conversation_id, after=after, limit=page_size, order=order)
            for item in page.data:
                yield item
            if not page.has_more or not page.last_id:
                return
            after = page.last_id

    async def retrieve(
        self, item_id: str, *, conversation_id: str, include: Sequence[str] | None = None
    ) -> ItemResource:
        """``GET /conversations/{id}/items/{item_id}``."""
        return _item(await self._client._send(item_spec("GET", conversation_id, item_id, include)))

    async def delete(self, item_id: str, *, conversation_id: str) -> ConversationResource:
        """``DELETE /conversations/{id}/items/{item_id}``."""
        spec = item_spec("DELETE", conversation_id, item_id)
        return _parse(ConversationResource, await self._client._send(spec))
