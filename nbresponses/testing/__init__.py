"""Test doubles for code that talks to the Responses API: scripted replies, faults and a request journal.

Built on the offline server (`nbresponses.offline`), so what your code receives is the real protocol::

    from nbresponses import testing

    backend = testing.OfflineBackend().script([testing.text("Hello!"), testing.http_error(429, retry_after=1)])
    client = backend.client()

Record real interactions once and replay them without a key (`cassette_client`, ``RespondMagics.cassette``).
Load-test concurrent code against `LoadTestApp` (latency, 429s, rate-limit windows, server-side counters).
"""

from __future__ import annotations

from ._cassette import (
    Cassette,
    CassetteError,
    CassetteMiss,
    RecordingTransport,
    ReplayTransport,
    cassette_client,
)
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
    "LoadStats",
    "LoadTestApp",
    "OfflineBackend",
    "RecordingTransport",
    "ReplayTransport",
    "ScriptEntry",
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
    "reasoning",
    "refusal",
    "reply",
    "stall",
    "text",
    "web_search",
]
