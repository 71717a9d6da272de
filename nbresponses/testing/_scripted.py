"""`OfflineBackend`: the offline server with a script of exact replies and a journal of what it received."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from nbresponses._default import async_offline_client, offline_client
from nbresponses.client import AsyncClient, Client
from nbresponses.offline import Fault, ModelRequest, OfflineServer, Plan, default_model
from nbresponses.transports.in_process import InProcessTransport

__all__ = ["OfflineBackend", "ScriptEntry"]

ScriptEntry = Plan | Fault | dict[str, Any] | Callable[[ModelRequest], "Plan | Fault | dict[str, Any]"]
"""One scripted answer: a plan (`reply`, `failed`, ...), a fault, a single output item, or a function."""


class OfflineBackend:
    """A test double of the Responses API: scripted answers first, then the offline model.

    Example::

        from nbresponses import testing

        backend = testing.OfflineBackend()
        backend.script([testing.function_call("get_weather", {"city": "Paris"}), testing.text("Sunny.")])
        client = backend.client()
        ...
        assert backend.requests[1]["input"][0]["type"] == "function_call_output"

    Args:
        fallback: answers once the script is used up (default: the offline model).
        seed: varies generated ids.
        event_delay: seconds between streamed events (to look like a real model, or to measure live views).
    """

    def __init__(
        self,
        *,
        fallback: Callable[[ModelRequest], Plan] | None = None,
        seed: str = "",
        event_delay: float = 0.0,
    ) -> None:
        self._script: deque[ScriptEntry] = deque()
        self._lock = threading.Lock()
        self._fallback = fallback or default_model
        self.server = OfflineServer(self._respond, seed=seed, event_delay=event_delay, journal_limit=None)

    def script(self, entries: Iterable[ScriptEntry]) -> OfflineBackend:
        """Queue answers for the next ``POST /responses`` (or ``/chat/completions``) requests, in order.

        Returns the backend.
        """
        with self._lock:
            self._script.extend(entries)
        return self

    @property
    def pending(self) -> int:
        """Scripted answers not used yet."""
        return len(self._script)

    def _respond(self, request: ModelRequest) -> Plan | Fault:
        with self._lock:
            entry = self._script.popleft() if self._script else None
        if entry is None:
            return self._fallback(request)
        if callable(entry) and not isinstance(entry, Plan | Fault | dict):
            entry = entry(request)
        if isinstance(entry, dict):
            return Plan(output=[entry])
        return entry

    @property
    def journal(self) -> list[dict[str, Any]]:
        """Every request received: ``{"method", "path", "query", "body"}``."""
        return list(self.server.journal)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The bodies of the ``POST /responses`` requests and WebSocket ``response.create`` messages, in order."""
        return [
            entry["body"]
            for entry in self.server.journal
            if entry["method"] in ("POST", "WS") and entry["path"].rstrip("/").endswith("/responses")
        ]

    def transport(self) -> InProcessTransport:
        """An in-process ``httpx2`` transport (sync and async) serving this backend."""
        return InProcessTransport(self.server)

    def client(self, **options: Any) -> Client:
        """An `nbresponses.Client` wired to this backend."""
        return offline_client(self.server, **options)

    def async_client(self, **options: Any) -> AsyncClient:
        """An `nbresponses.AsyncClient` wired to this backend."""
        return async_offline_client(self.server, **options)
