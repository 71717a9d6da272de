"""``client.batches``: run many requests from an uploaded JSONL file at the Batch API's lower price.

The same call shape as the official SDK: ``client.batches.create(input_file_id=..., endpoint="/v1/responses",
completion_window="24h")``, ``retrieve``, ``cancel``, ``list``. A backend without the Batch API answers 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote

from nbresponses._exceptions import InvalidParamsError
from nbresponses.transports.base import AsyncReply, Reply, RequestSpec
from nbresponses.types.batch import Batch, BatchList

from ._specs import parse_reply

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ._client import AsyncClient, Client

__all__ = ["AsyncBatches", "Batches"]

_M = TypeVar("_M", bound="BaseModel")


def _parse(model: type[_M], reply: Reply | AsyncReply) -> _M:
    return parse_reply(model, reply)


def _batch_path(batch_id: str, suffix: str = "") -> str:
    if not isinstance(batch_id, str) or not batch_id.strip():
        raise InvalidParamsError(f"A batch id must be a non-empty string, got {batch_id!r}.")
    return f"/batches/{quote(batch_id.strip(), safe='')}{suffix}"


def create_spec(
    input_file_id: str, endpoint: str, completion_window: str, metadata: Mapping[str, str] | None
) -> RequestSpec:
    """``POST /batches``."""
    if not input_file_id:
        raise InvalidParamsError("A batch needs the id of an uploaded input file (purpose='batch').")
    body: dict[str, object] = {
        "input_file_id": input_file_id,
        "endpoint": endpoint,
        "completion_window": completion_window,
    }
    if metadata:
        body["metadata"] = dict(metadata)
    return RequestSpec("POST", "/batches", body=body)


def list_spec(limit: int | None, after: str | None) -> RequestSpec:
    """``GET /batches`` (one page, newest first)."""
    return RequestSpec("GET", "/batches", params={"limit": limit, "after": after})


class Batches:
    """``client.batches``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        *,
        input_file_id: str,
        endpoint: str = "/v1/responses",
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
    ) -> Batch:
        """Start a batch over the requests in an uploaded JSONL file."""
        spec = create_spec(input_file_id, endpoint, completion_window, metadata)
        return _parse(Batch, self._client._send(spec))

    def retrieve(self, batch_id: str) -> Batch:
        """``GET /batches/{id}``: status, request counts, output and error files."""
        return _parse(Batch, self._client._send(RequestSpec("GET", _batch_path(batch_id))))

    def cancel(self, batch_id: str) -> Batch:
        """``POST /batches/{id}/cancel``: stop it (``cancelling``, then ``cancelled``); done work is kept."""
        return _parse(Batch, self._client._send(RequestSpec("POST", _batch_path(batch_id, "/cancel"))))

    def list(self, *, limit: int | None = None, after: str | None = None) -> BatchList:
        """One page of this organization's batches, newest first."""
        return _parse(BatchList, self._client._send(list_spec(limit, after)))


class AsyncBatches:
    """``client.batches`` of `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        *,
        input_file_id: str,
        endpoint: str = "/v1/responses",
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
    ) -> Batch:
        """Start a batch over the requests in an uploaded JSONL file."""
        spec = create_spec(input_file_id, endpoint, completion_window, metadata)
        return _parse(Batch, await self._client._send(spec))

    async def retrieve(self, batch_id: str) -> Batch:
        """``GET /batches/{id}``."""
        return _parse(Batch, await self._client._send(RequestSpec("GET", _batch_path(batch_id))))

    async def cancel(self, batch_id: str) -> Batch:
        """``POST /batches/{id}/cancel``."""
        return _parse(Batch, await self._client._send(RequestSpec("POST", _batch_path(batch_id, "/cancel"))))

    async def list(self, *, limit: int | None = None, after: str | None = None) -> BatchList:
        """One page of batches, newest first."""
        return _parse(BatchList, await self._client._send(list_spec(limit, after)))
