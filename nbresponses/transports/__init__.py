"""Transports: the code that talks to a server, below the client.

Above this package everything sees Responses API events and `Response` objects, whatever the server speaks.

- `chat`: the Chat Completions bridge, a transport that sends ``/chat/completions`` requests and hands back
  Responses events and objects (for the models and local servers that only speak Chat Completions). Its
  translation is pure and lives apart: `chat_request` (request params → chat body), `chat_events` (streamed
  chunks → events) and `chat_response` (a whole chat body → ``Response``).
- `routing`: which API a model is sent to (``api="responses" | "chat" | "auto"``), the fallback of auto mode
  and the memory of what each base URL and model answered.
- `websocket`: the WebSocket mode (``Client(transport="websocket")``): one persistent connection for a thread's
  responses and a tool loop's rounds.
"""

from __future__ import annotations

__all__: list[str] = []
