"""`default_client`: the configured API when there is one, the offline backend when there is none.

Also where a client meets the offline server: `offline_client` / `async_offline_client` wire a client to an
`OfflineServer` in process (neither knows the other: the server is served by the in-process transport).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import AsyncClient, Client
    from .offline import OfflineServer

__all__ = [
    "OFFLINE_NOTICE",
    "async_offline_client",
    "default_client",
    "offline_client",
    "offline_server",
    "wants_offline",
]

OFFLINE_NOTICE = (
    "No OPENAI_API_KEY and no base URL configured: using the offline backend (simulated answers, no network)."
)
"""What is said, once, when the offline backend answers (each caller adds how to use a real API)."""


def wants_offline(
    *, api_key: object = None, base_url: object = None, environ: Mapping[str, str] | None = None
) -> bool:
    """Whether the offline backend answers: no key and no base URL anywhere, or ``NBRESPONSES_BACKEND=offline``."""
    env = os.environ if environ is None else environ
    if env.get("NBRESPONSES_BACKEND") == "offline":  # forced (tests, CI, demos)
        return True
    has_key = bool(api_key) or bool(env.get("OPENAI_API_KEY"))
    return not has_key and not base_url and not env.get("OPENAI_BASE_URL")


def default_client(**options: Any) -> Client:
    """A `Client` from keyword arguments and the ``OPENAI_*`` environment, or the offline backend.

    With no API key and no base URL anywhere (or with ``NBRESPONSES_BACKEND=offline``), the client talks to an
    in-process `nbresponses.offline` server (simulated answers, no network) and says so once on stderr. Code
    written against it runs unchanged with a real key.
    """

    if not wants_offline(api_key=options.get("api_key"), base_url=options.get("base_url")):
        from .client import Client

        return Client(**options)
    print(f"nbresponses: {OFFLINE_NOTICE} Set OPENAI_API_KEY, or pass api_key= / base_url=, for a real API.",
          file=sys.stderr)  # fmt: skip
    return offline_client(offline_server(), **options)


def _offline_options(server: OfflineServer, options: dict[str, Any]) -> dict[str, Any]:
    from .offline import OFFLINE_BASE_URL, OFFLINE_KEY

    options.setdefault("api_key", OFFLINE_KEY)
    options.setdefault("base_url", OFFLINE_BASE_URL)
    if options.get("transport") == "websocket":
        options.setdefault("websocket_connect", server.websocket_connector())
    return options


def offline_client(server: OfflineServer | None = None, **options: Any) -> Client:
    """A `Client` talking to ``server`` (default: a new in-memory `OfflineServer`) in process, with no socket.

    ``options`` go to the client; with ``transport="websocket"`` responses are created over an in-process
    WebSocket connection.
    """
    from .client import Client
    from .offline import OfflineServer
    from .transports.http import HTTPClient
    from .transports.in_process import InProcessTransport

    server = server if server is not None else OfflineServer()
    transport = InProcessTransport(server)
    return Client(http_client=HTTPClient(transport=transport), **_offline_options(server, options))


def async_offline_client(server: OfflineServer | None = None, **options: Any) -> AsyncClient:
    """An `AsyncClient` talking to ``server`` in process (see `offline_client`)."""
    from .client import AsyncClient
    from .offline import OfflineServer
    from .transports.http import AsyncHTTPClient
    from .transports.in_process import InProcessTransport

    server = server if server is not None else OfflineServer()
    transport = InProcessTransport(server)
    return AsyncClient(http_client=AsyncHTTPClient(transport=transport), **_offline_options(server, options))


def offline_server(history_path: str | os.PathLike[str] | None = None, *, in_memory: bool = False) -> Any:
    """An `OfflineServer` whose state is the file beside the history (shared by kernels, scripts, restarts).

    If that file cannot be opened (a read-only folder, a damaged file), the state is kept in memory and that is
    said on stderr. ``in_memory`` keeps it there from the start: when the history itself could not use its
    file, no state file is made beside that file.
    """
    import sqlite3
    from pathlib import Path

    from .offline import OfflineServer, state_path
    from .store import default_history_path

    if in_memory:
        return OfflineServer()

    path = state_path(Path(history_path) if history_path else default_history_path())
    try:
        return OfflineServer(database=path)
    except (sqlite3.Error, OSError) as error:
        print(f"nbresponses: the offline backend cannot use {path} ({error}); its responses are kept in memory "
              "for this session only.", file=sys.stderr)  # fmt: skip
        return OfflineServer()
