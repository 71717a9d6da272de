"""A stateful Responses API server that needs no key and no network: the default backend without an API key.

In process (no socket), through `nbresponses.testing`::

    from nbresponses import testing
    client = testing.offline_client()           # an nbresponses.Client on a fresh OfflineServer
    print(client.responses.create(model="gpt-4.1", input="Hello").output_text)

It is a peer of the client, built on `nbresponses.types` only: nothing here imports the client or a transport
(`nbresponses.transports.in_process` serves it to an ``httpx2`` client).

Over HTTP and WebSocket on loopback (for the official SDK or any other client):
``python -m nbresponses.offline --port 8765``. Responses and conversations are kept in SQLite (``database=``; the
magic and `nbresponses.default_client` use a file beside the history, so they survive restarts).
Scripted replies and faults for tests: `nbresponses.testing`.
"""

from __future__ import annotations

from ._asgi import create_app
from ._faults import Fault, Stall
from ._model import DEFAULT_MODEL, ModelRequest, Plan, default_model
from ._reply import APIError, OfflineReply
from ._server import OFFLINE_BASE_URL, OFFLINE_KEY, PACE_VARIABLE, OfflineServer, Responder, Route
from ._state import OfflineState, state_path
from ._websocket import InProcessConnector, WebSocketSession

__all__ = [
    "DEFAULT_MODEL",
    "OFFLINE_BASE_URL",
    "OFFLINE_KEY",
    "PACE_VARIABLE",
    "APIError",
    "Fault",
    "InProcessConnector",
    "ModelRequest",
    "OfflineReply",
    "OfflineServer",
    "OfflineState",
    "Plan",
    "Responder",
    "Route",
    "Stall",
    "WebSocketSession",
    "create_app",
    "default_model",
    "state_path",
]
