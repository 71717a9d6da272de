"""Tests of nbresponses.offline._transport: the offline server as an httpx2 transport, sync and async, with real
byte streams, scripted stalls that end in a read timeout and disconnects that end in a protocol error."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest

from nbresponses import testing
from nbresponses.transports.in_process import InProcessTransport

BASE = "http://offline.test/v1"


def _backend(*entries: object) -> testing.OfflineBackend:
    return testing.OfflineBackend().script(list(entries))  # type: ignore[arg-type]


def test_a_json_request_and_a_stream_over_the_sync_transport() -> None:
    backend = _backend(testing.text("one"), testing.text("two"))
    with httpx2.Client(transport=InProcessTransport(backend.server), base_url=BASE) as http:
        answer = http.post("/responses", json={"model": "m", "input": "hi"})
        assert answer.status_code == 200 and answer.json()["output"][0]["content"][0]["text"] == "one"
        with http.stream(
            "POST", "/responses", json={"model": "m", "input": "hi", "stream": True}
        ) as streamed:
            body = b"".join(streamed.iter_bytes())
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ")]
    assert events[0]["type"] == "response.created" and events[-1]["type"] == "response.completed"
    assert "two" in "".join(e.get("delta", "") for e in events)
    assert [r["input"] for r in backend.requests] == ["hi", "hi"]


def test_query_parameters_reach_the_server() -> None:
    backend = testing.OfflineBackend()
    with httpx2.Client(transport=InProcessTransport(backend.server), base_url=BASE) as http:
        created = http.post("/responses", json={"model": "m", "input": "hi"}).json()
        page = http.get(f"/responses/{created['id']}/input_items", params={"limit": "1", "order": "asc"})
    assert page.status_code == 200 and len(page.json()["data"]) == 1
    assert backend.journal[-1]["query"] == {"limit": "1", "order": "asc"}


def test_a_stall_longer_than_the_read_timeout_is_a_read_timeout() -> None:
    backend = _backend(testing.stall(1, testing.text("never"), seconds=30))
    transport = InProcessTransport(backend.server)
    with httpx2.Client(transport=transport, base_url=BASE, timeout=httpx2.Timeout(5, read=0.1)) as http:
        with http.stream("POST", "/responses", json={"model": "m", "input": "x", "stream": True}) as streamed:
            with pytest.raises(httpx2.ReadTimeout):
                b"".join(streamed.iter_bytes())


def test_a_disconnect_is_a_protocol_error_mid_body() -> None:
    backend = _backend(testing.disconnect(2, testing.text("a b c d")))
    with httpx2.Client(transport=InProcessTransport(backend.server), base_url=BASE) as http:
        with http.stream("POST", "/responses", json={"model": "m", "input": "x", "stream": True}) as streamed:
            received = []
            with pytest.raises(httpx2.RemoteProtocolError, match="without sending complete message body"):
                for chunk in streamed.iter_bytes():
                    received.append(chunk)
    assert b"response.created" in b"".join(received)  # the events before the fault arrived


def test_the_async_transport_streams_stalls_and_disconnects() -> None:
    async def main() -> tuple[bytes, type[BaseException], type[BaseException]]:
        backend = _backend(
            testing.text("async answer"),
            testing.stall(1, seconds=30),
            testing.disconnect(1),
        )
        timeout = httpx2.Timeout(5, read=0.1)
        async with httpx2.AsyncClient(
            transport=InProcessTransport(backend.server), base_url=BASE, timeout=timeout
        ) as http:
            body = {"model": "m", "input": "x", "stream": True}
            async with http.stream("POST", "/responses", json=body) as streamed:
                data = b"".join([chunk async for chunk in streamed.aiter_bytes()])
            failures = []
            for _ in range(2):
                try:
                    async with http.stream("POST", "/responses", json=body) as streamed:
                        async for _chunk in streamed.aiter_bytes():
                            pass
                except (httpx2.ReadTimeout, httpx2.RemoteProtocolError) as error:
                    failures.append(type(error))
            return data, failures[0], failures[1]

    data, stalled, dropped = asyncio.run(main())
    assert b"response.completed" in data and b"answer" in data
    assert stalled is httpx2.ReadTimeout and dropped is httpx2.RemoteProtocolError
