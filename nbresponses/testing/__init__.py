"""Test doubles for code that talks to the Responses API: scripted replies, faults and a request journal.

Built on the offline server (`nbresponses.offline`), so what your code receives is the real protocol::

    from nbresponses import testing

    backend = testing.OfflineBackend().script([testing.text("Hello!"), testing.http_error(429, retry_after=1)])
    client = backend.client()

`offline_client(server)` / `async_offline_client(server)` wire a client to any `nbresponses.offline.OfflineServer`
in process (no socket); `InProcessTransport(server)` is the ``httpx2`` transport under them.

Record real interactions once and replay them without a key (`cassette_client`, ``RespondMagics.cassette``).
Load-test concurrent code against `LoadTestApp` (latency, 429s, rate-limit windows, server-side counters).
"""

from __future__ import annotations

from nbresponses._default import async_offline_client, offline_client
from nbresponses.transports.cassette import (
    Cassette,
    CassetteError,
    CassetteMiss,
    RecordingTransport,
    ReplayTransport,
)
from nbresponses.transports.in_process import InProcessTransport

from ._cassette import cassette_client
from ._load import LoadStats, LoadTestApp
from ._replies import (
    code_interpreter,
    disconnect,
    failed,
    file_search,
    function_call,
    http_error,
    image_generation,
    incomplete,
    malformed,
    mcp_call,
    reasoning,
    refusal,
    reply,
    stall,
    text,
    web_search,
)
from ._scripted import OfflineBackend, ScriptEntry

__all__ = [
    "Cassette",
    "CassetteError",
    "CassetteMiss",
    "InProcessTransport",
    "LoadStats",
    "LoadTestApp",
    "OfflineBackend",
    "RecordingTransport",
    "ReplayTransport",
    "ScriptEntry",
    "async_offline_client",
    "cassette_client",
    "code_interpreter",
    "disconnect",
    "failed",
    "file_search",
    "function_call",
    "http_error",
    "image_generation",
    "incomplete",
    "malformed",
    "mcp_call",
    "offline_client",
    "reasoning",
    "refusal",
    "reply",
    "stall",
    "text",
    "web_search",
]
