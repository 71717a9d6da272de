"""An asyncio twin of a client (its settings, its in-process or synchronous transport), and watching answers."""

from __future__ import annotations

import asyncio

import httpx2

from nbresponses import AsyncClient, Client
from nbresponses.client._twin import async_twin, observe_responses
from nbresponses.offline import OfflineServer
from nbresponses.testing import offline_client


def test_the_twin_keeps_the_settings_and_has_no_retries_when_asked() -> None:
    client = Client(api_key="sk-test-123456", base_url="https://gw.example/v1", organization="org", project="p",
                    timeout=12, default_headers={"x-extra": "1"})  # fmt: skip
    twin = async_twin(client, max_retries=0)
    assert (
        isinstance(twin, AsyncClient) and twin.base_url == "https://gw.example/v1" and twin.max_retries == 0
    )
    assert twin._config.headers() == client._config.headers() and twin.timeout == client.timeout
    assert "sk-test" not in repr(twin)
    asyncio.run(twin.close())


def test_an_in_process_server_is_reached_from_the_twin_and_answers_are_watched() -> None:
    server = OfflineServer()
    seen: list[tuple[int, str]] = []

    async def main() -> str:
        twin = async_twin(offline_client(server))
        with observe_responses(twin, lambda status, headers: seen.append((status, headers["content-type"]))):
            response = await twin.responses.create(model="m", input="hello")
        await twin.responses.create(model="m", input="unwatched")
        await twin.close()
        return response.output_text

    assert "hello" in asyncio.run(main())
    assert seen == [(200, "application/json")] and len(server.journal) == 2


def test_a_synchronous_transport_runs_in_worker_threads() -> None:
    calls: list[str] = []

    class SyncOnly(httpx2.BaseTransport):
        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            calls.append(request.url.path)
            body = {"id": "resp_1", "object": "response", "status": "completed", "output": []}
            return httpx2.Response(200, json=body)

    client = Client(
        api_key="k", base_url="https://gw.example/v1", http_client=httpx2.Client(transport=SyncOnly())
    )

    async def main() -> str | None:
        twin = async_twin(client)
        try:
            return (await twin.responses.create(model="m", input="x")).id
        finally:
            await twin.close()

    assert asyncio.run(main()) == "resp_1" and calls == ["/v1/responses"]
