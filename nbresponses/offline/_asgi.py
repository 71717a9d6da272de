"""The offline server as an ASGI application, for a real HTTP server on loopback (``python -m nbresponses.offline``).

Raw ASGI over `OfflineServer.handle`: the same answers as the in-process transport, with stalls as real waits
and disconnects as a connection closed mid-body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from ._faults import Disconnect, Stall
from ._server import OfflineServer

__all__ = ["create_app"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def create_app(server: OfflineServer | None = None) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app serving ``server`` (a new `OfflineServer` by default)."""
    backend = server if server is not None else OfflineServer()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
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

    return app
