"""The offline server as an ASGI application, for a real server on loopback (``python -m nbresponses.offline``).

Raw ASGI over `OfflineServer.handle`: the same answers as the in-process transport, with stalls as real waits
and disconnects as a connection closed mid-body. A ``websocket`` scope on ``/responses`` is the Open Responses
WebSocket mode (`WebSocketSession`): one ``response.create`` at a time per connection, each answered with the
stream's events as text frames.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from ._body import MAX_BODY_BYTES
from ._faults import Disconnect, Stall
from ._server import OfflineServer
from ._websocket import CONNECTION_LIMIT_SECONDS, WebSocketSession

__all__ = ["create_app"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def _body(receive: Receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if not message.get("more_body") or size > MAX_BODY_BYTES:  # past the limit: the 400 needs no more
            return b"".join(chunks)


async def _http(backend: OfflineServer, scope: Scope, receive: Receive, send: Send) -> None:
    body = await _body(receive)
    query = dict(parse_qsl(scope.get("query_string", b"").decode()))
    reply = backend.handle(scope["method"], scope["path"], query, body)
    headers = [(k.encode(), v.encode()) for k, v in reply.headers.items()]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    if reply.chunks is None:
        await send({"type": "http.response.body", "body": reply.body})
        return
    try:
        for chunk in reply.chunks:
            if isinstance(chunk, Stall):
                await asyncio.sleep(chunk.seconds)
                continue
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except Disconnect:
        raise RuntimeError("scripted disconnect") from None  # the server closes the connection mid-body
    await send({"type": "http.response.body", "body": b""})


async def _websocket(
    backend: OfflineServer, scope: Scope, receive: Receive, send: Send, *, limit_seconds: float
) -> None:
    if (await receive())["type"] != "websocket.connect":
        return
    if [p for p in scope["path"].split("/") if p][-1:] != ["responses"]:
        await send(
            {"type": "websocket.close", "code": 1008, "reason": "WebSocket mode is served on /responses"}
        )
        return
    await send({"type": "websocket.accept"})
    session = WebSocketSession(backend, limit_seconds=limit_seconds)
    while True:
        try:
            message = await asyncio.wait_for(receive(), timeout=max(session.remaining(), 0))
        except TimeoutError:  # the connection reached its limit while idle: say so, then close
            await send({"type": "websocket.send", "text": json.dumps(session.limit_error())})
            await send({"type": "websocket.close", "code": 1000})
            return
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            text = (message.get("bytes") or b"").decode("utf-8", "replace")
        try:  # a client gone mid-stream ends the connection (uvicorn raises an OSError for it)
            for outgoing in session.handle(text):
                if isinstance(outgoing, Stall):
                    await asyncio.sleep(outgoing.seconds)
                    continue
                data = outgoing if isinstance(outgoing, str) else json.dumps(outgoing, ensure_ascii=False)
                await send({"type": "websocket.send", "text": data})
        except Disconnect:
            await send({"type": "websocket.close", "code": 1011, "reason": "scripted disconnect"})
            return
        except OSError:
            return
        if session.remaining() <= 0:
            await send({"type": "websocket.send", "text": json.dumps(session.limit_error())})
            await send({"type": "websocket.close", "code": 1000})
            return


def create_app(
    server: OfflineServer | None = None, *, websocket_limit_seconds: float = CONNECTION_LIMIT_SECONDS
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app serving ``server`` (a new `OfflineServer` by default) over HTTP and WebSocket.

    Args:
        server: the offline server to serve.
        websocket_limit_seconds: how long a WebSocket connection may live (60 minutes, as specified).
    """
    backend = server if server is not None else OfflineServer()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] == "http":
            await _http(backend, scope, receive, send)
        elif scope["type"] == "websocket":
            await _websocket(backend, scope, receive, send, limit_seconds=websocket_limit_seconds)

    return app
