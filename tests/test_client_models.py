"""Tests of nbresponses.client._models: ``client.models.list()``, and the model list in a model_not_supported hint."""

from __future__ import annotations

import httpx2
import pytest

import nbresponses
from tests.chat_server import ChatGateway

BASE = "http://gateway.test/v1"


def test_list_models() -> None:
    http = httpx2.Client(transport=ChatGateway().transport())
    models = nbresponses.Client(api_key="sk-x-0123456789", base_url=BASE, http_client=http).models.list()
    assert models.ids == ["deepseek-chat", "deepseek-reasoner", "qwen-max", "llama3.2", "gpt-4.1"]
    assert models.data[0].owned_by == "gateway"


def test_an_endpoint_without_a_model_list_raises_its_error() -> None:
    http = httpx2.Client(
        transport=httpx2.MockTransport(lambda request: httpx2.Response(404, text="Not Found"))
    )
    with pytest.raises(nbresponses.NotFoundError):
        nbresponses.Client(
            api_key="sk-x-0123456789", base_url=BASE, http_client=http, max_retries=0
        ).models.list()


def test_model_not_supported_names_the_bridge_and_the_listed_models() -> None:
    gateway = ChatGateway()
    http = httpx2.Client(transport=gateway.transport())
    client = nbresponses.Client(api_key="sk-x-0123456789", base_url=BASE, http_client=http, api="responses")
    with pytest.raises(nbresponses.BadRequestError) as info:
        client.responses.create(model="deepseek-chat", input="x")
    hint = info.value.hint
    assert "Chat Completions bridge" in hint and "--api chat" in hint
    assert "It lists: deepseek-chat, deepseek-reasoner, qwen-max, llama3.2, gpt-4.1." in hint
    assert gateway.paths() == ["POST /v1/responses", "GET /v1/models"]


@pytest.mark.anyio
async def test_async_list_models() -> None:
    gateway = ChatGateway()

    def handler(request: httpx2.Request) -> httpx2.Response:
        reply = gateway.handle(request.method, request.url.path, request.read())
        return httpx2.Response(reply.status, headers=reply.headers, content=reply.body)

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    async with nbresponses.AsyncClient(api_key="sk-x-0123456789", base_url=BASE, http_client=http) as client:
        assert "qwen-max" in (await client.models.list()).ids
