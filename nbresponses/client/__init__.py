"""The client: `Client` / `AsyncClient` and their resources, with the call shape of the official SDK.

```python
client = nbresponses.Client()
response = client.responses.create(model="gpt-4.1", input="Hello")
```

- `_client`: the two clients (settings, transport, API router, WebSocket mode, the Chat Completions bridge);
- `_responses`, `_conversations`, `_files`, `_batches`, `_models`: ``client.responses`` and the other
  resources, each shared by the sync and async clients; `_specs`: what each ``/responses`` call sends and how an
  answer is read;
- `_twin`: an `AsyncClient` with the settings of any client (mapping a prompt over a table sends from it).

Below: `nbresponses.transports` (the only code that talks to a network). Above: conversations, tools, maps.
"""

from __future__ import annotations

from ._client import AsyncClient, Client

__all__ = ["AsyncClient", "Client"]
