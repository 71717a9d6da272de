"""`default_client`: the configured API when there is one, the offline backend when there is none."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from ._client import Client

__all__ = ["OFFLINE_NOTICE", "default_client", "offline_server", "wants_offline"]

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
        return Client(**options)
    print(f"nbresponses: {OFFLINE_NOTICE} Set OPENAI_API_KEY, or pass api_key= / base_url=, for a real API.",
          file=sys.stderr)  # fmt: skip
    client: Client = offline_server().client(**options)
    return client


def offline_server(history_path: str | os.PathLike[str] | None = None) -> Any:
    """An `OfflineServer` whose state is the file beside the history (shared by kernels, scripts, restarts).

    If that file cannot be opened (a read-only folder, a damaged file), the state is kept in memory and that is
    said on stderr.
    """
    import sqlite3
    from pathlib import Path

    from .offline import OfflineServer, state_path
    from .store import default_history_path

    path = state_path(Path(history_path) if history_path else default_history_path())
    try:
        return OfflineServer(database=path)
    except (sqlite3.Error, OSError) as error:
        print(f"nbresponses: the offline backend cannot use {path} ({error}); its responses are kept in memory "
              "for this session only.", file=sys.stderr)  # fmt: skip
        return OfflineServer()
