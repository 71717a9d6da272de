"""A stateful Responses API server that needs no key and no network: the default backend without an API key.

In process::

    from nbresponses.offline import OfflineServer
    client = OfflineServer().client()          # an nbresponses.Client; no socket
    print(client.responses.create(model="gpt-4.1", input="Hello").output_text)

Over HTTP on loopback (for the official SDK or any other client): ``python -m nbresponses.offline --port 8765``.
Scripted replies and faults for tests: `nbresponses.testing`.
"""

from __future__ import annotations

from ._asgi import create_app
from ._faults import Fault, Stall
from ._model import DEFAULT_MODEL, ModelRequest, Plan, default_model
from ._server import OFFLINE_BASE_URL, OFFLINE_KEY, OfflineReply, OfflineServer, Responder
from ._transport import OfflineTransport

__all__ = [
    "DEFAULT_MODEL",
    "OFFLINE_BASE_URL",
    "OFFLINE_KEY",
    "Fault",
    "ModelRequest",
    "OfflineReply",
    "OfflineServer",
    "OfflineTransport",
    "Plan",
    "Responder",
    "Stall",
    "create_app",
    "default_model",
]
