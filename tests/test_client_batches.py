"""``client.batches``: create, retrieve, cancel and list, sync and async, with the SDK's call shape."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest

from nbresponses import AsyncClient, Client, InvalidParamsError, NotFoundError

BATCH = {"id": "batch_1", "object": "batch", "endpoint": "/v1/responses", "input_file_id": "file-1",
         "completion_window": "24h", "status": "in_progress", "created_at": 1,
         "request_counts": {"total": 3, "completed": 1, "failed": 0}}  # fmt: skip


def transport(seen: list[httpx2.Request]) -> httpx2.MockTransport:
    def handle(request: httpx2.Request) -> httpx2.Response:
        request.read()
        seen.append(request)
        if request.url.path.endswith("/missing"):
            return httpx2.Response(
                404, json={"error": {"message": "No batch found", "type": "invalid_request_error"}}
            )
        if request.method == "GET" and request.url.path.endswith("/batches"):
            return httpx2.Response(200, json={"object": "list", "data": [BATCH], "has_more": False})
        status = "cancelling" if request.url.path.endswith("/cancel") else BATCH["status"]
        return httpx2.Response(200, json={**BATCH, "status": status})

    return httpx2.MockTransport(handle)


def test_create_sends_the_sdk_defaults() -> None:
    seen: list[httpx2.Request] = []
    client = Client(
        api_key="k", base_url="https://gw.example/v1", http_client=httpx2.Client(transport=transport(seen))
    )
    batch = client.batches.create(input_file_id="file-1", metadata={"job": "labels"})
    assert json.loads(seen[0].content) == {"input_file_id": "file-1", "endpoint": "/v1/responses",
                                          "completion_window": "24h", "metadata": {"job": "labels"}}  # fmt: skip
    assert batch.request_counts.completed == 1 and not batch.finished
    assert client.batches.retrieve("batch_1").status == "in_progress"
    assert client.batches.cancel("batch_1").status == "cancelling"
    assert client.batches.list(limit=2).data[0].id == "batch_1"
    assert [(r.method, r.url.path) for r in seen[1:]] == [("GET", "/v1/batches/batch_1"),
                                                          ("POST", "/v1/batches/batch_1/cancel"), ("GET", "/v1/batches")]  # fmt: skip
    with pytest.raises(NotFoundError):
        client.batches.retrieve("missing")
    with pytest.raises(InvalidParamsError):
        client.batches.create(input_file_id="")


def test_the_async_client_has_the_same_calls() -> None:
    seen: list[httpx2.Request] = []

    async def main() -> None:
        client = AsyncClient(api_key="k", base_url="https://gw.example/v1",
                             http_client=httpx2.AsyncClient(transport=transport(seen)))  # fmt: skip
        assert (await client.batches.create(input_file_id="file-1")).id == "batch_1"
        assert (await client.batches.retrieve("batch_1")).status == "in_progress"
        assert (await client.batches.cancel("batch_1")).status == "cancelling"
        assert (await client.batches.list()).data[0].endpoint == "/v1/responses"
        await client.close()

    asyncio.run(main())
    assert len(seen) == 4
