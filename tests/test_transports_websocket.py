"""The WebSocket transport: responses over one reused connection, errors as over HTTP, no leftovers."""

from __future__ import annotations

import time

import pytest

import nbresponses
from nbresponses import testing
from nbresponses.conversation import Conversation
from nbresponses.offline import InProcessConnector, OfflineServer, create_app
from nbresponses.store import HistoryStore
from nbresponses.testing import async_offline_client, offline_client
from nbresponses.transports.websocket import websocket_url
from tests.loopback import serve


def test_websocket_url() -> None:
    assert websocket_url("https://api.openai.com/v1") == "wss://api.openai.com/v1/responses"
    assert websocket_url("http://127.0.0.1:8000/v1/") == "ws://127.0.0.1:8000/v1/responses"


def test_transport_must_be_known() -> None:
    with pytest.raises(nbresponses.ConfigurationError, match="transport"):
        nbresponses.Client(api_key="k", base_url="http://x.invalid/v1", transport="carrier-pigeon")  # type: ignore[arg-type]


def test_create_and_stream_reuse_one_connection() -> None:
    server = OfflineServer()
    client = offline_client(server, transport="websocket")
    created = client.responses.create(model="m", input="My name is Ada.")
    with client.responses.stream(
        model="m", input="What is my name?", previous_response_id=created.id
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "Your name is Ada" in final.output_text
    assert client.responses.retrieve(final.id).output_text == final.output_text  # other calls go over HTTP
    assert server.websocket_connections == 1 and client._websocket.connections_opened == 1  # type: ignore[union-attr]
    client.close()


def test_an_error_envelope_raises_the_http_exception_and_keeps_the_connection() -> None:
    server = OfflineServer()
    client = offline_client(server, transport="websocket")
    with pytest.raises(nbresponses.BadRequestError) as info:
        client.responses.create(model="m", input="x", previous_response_id="resp_missing")
    assert info.value.code == "previous_response_not_found" and info.value.param == "previous_response_id"
    assert client.responses.create(model="m", input="fine").status == "completed"
    assert server.websocket_connections == 1


def test_a_store_false_thread_resends_its_items_after_a_new_connection() -> None:
    server = OfflineServer()
    client = offline_client(server, transport="websocket")
    chat = Conversation(client, store=HistoryStore(":memory:"), notebook="nb", model="m")
    chat.send("My name is Lin.", store=False)
    client.close()  # the connection (and its connection-local state) is gone
    answer = chat.send("What is my name?", store=False)  # client state: the items are resent
    assert "Your name is Lin" in answer.output_text and chat.mode == "client"


def test_connection_limit_reconnects_once_transparently() -> None:
    server = OfflineServer()
    client = offline_client(
        server, transport="websocket", websocket_connect=InProcessConnector(server, limit_seconds=0.2)
    )
    client.responses.create(model="m", input="one")
    time.sleep(0.3)  # the idle connection passes its limit; the next request is answered on a new one
    assert client.responses.create(model="m", input="two").status == "completed"
    assert server.websocket_connections == 2


def test_a_drop_mid_stream_keeps_the_partial_and_the_next_response_uses_a_new_connection() -> None:
    backend = testing.OfflineBackend().script(
        [testing.disconnect(after=6, reply=testing.text("a b c d e f g h"))]
    )
    client = backend.client(transport="websocket")
    with pytest.raises(nbresponses.StreamError) as info:
        client.responses.create(model="m", input="x", stream=True).get_final_response()
    assert info.value.response is not None and info.value.response.id
    assert client.responses.create(model="m", input="again").status == "completed"
    assert backend.server.websocket_connections == 2


def test_a_stream_left_early_closes_its_connection_so_nothing_leaks_into_the_next() -> None:
    server = OfflineServer()
    client = offline_client(server, transport="websocket")
    with client.responses.stream(model="m", input="long answer " * 20) as stream:
        next(iter(stream))  # the reader stops after the first event
    second = client.responses.create(model="m", input="second")
    assert "second" in second.output_text
    assert server.websocket_connections == 2


def test_background_goes_over_http() -> None:
    server = OfflineServer()
    client = offline_client(server, transport="websocket")
    assert client.responses.create(model="m", input="job", background=True).status == "queued"
    assert server.websocket_connections == 0


def test_over_a_real_socket_on_loopback() -> None:
    server = OfflineServer()
    with serve(create_app(server)) as url:
        client = nbresponses.Client(api_key="sk-loopback", base_url=url, transport="websocket")
        first = client.responses.create(model="m", input="Remember the code word: cobalt.", store=False)
        second = client.responses.create(model="m", input="What is the code word?", store=False,
                                         previous_response_id=first.id)  # fmt: skip
        assert "cobalt" in second.output_text
        client.close()
    assert server.websocket_connections == 1


async def test_async_client_over_a_websocket() -> None:
    server = OfflineServer()
    client = async_offline_client(server, transport="websocket")
    first = await client.responses.create(model="m", input="My name is Ada.", store=False)
    stream = await client.responses.stream(model="m", input="What is my name?", store=False,
                                           previous_response_id=first.id)  # fmt: skip
    async with stream:
        final = await stream.get_final_response()
    assert "Your name is Ada" in final.output_text and server.websocket_connections == 1
    await client.close()


async def test_async_client_over_a_real_socket() -> None:
    server = OfflineServer()
    with serve(create_app(server)) as url:
        client = nbresponses.AsyncClient(api_key="sk-loopback", base_url=url, transport="websocket")
        answer = await client.responses.create(model="m", input="Hello there")
        assert "Hello there" in answer.output_text
        await client.close()


pytestmark = pytest.mark.anyio
