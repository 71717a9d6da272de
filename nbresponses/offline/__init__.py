"""A stateful Responses API server that needs no key and no network: the default backend without an API key.

In process::

    from nbresponses.offline import OfflineServer
    client = OfflineServer().client()          # an nbresponses.Client; no socket
    print(client.responses.create(model="gpt-4.1", input="Hello").output_text)

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
from ._transport import OfflineTransport
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
    "OfflineTransport",
    "Plan",
    "Responder",
    "Route",
    "Stall",
    "WebSocketSession",
    "create_app",
    "default_model",
    "state_path",
]
