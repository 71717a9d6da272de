"""`default_client`: the configured API when there is one, the offline backend when there is none."""

from __future__ import annotations

import os
import sys
from typing import Any

from ._client import Client

__all__ = ["default_client"]


def default_client(**options: Any) -> Client:
    """A `Client` from keyword arguments and the ``OPENAI_*`` environment, or the offline backend.

    With no API key and no base URL anywhere (or with ``NBRESPONSES_BACKEND=offline``), the client talks to an
    in-process `nbresponses.offline` server (simulated answers, no network) and says so once on stderr. Code
    written against it runs unchanged with a real key.
    """

    has_key = options.get("api_key") or os.environ.get("OPENAI_API_KEY")
    has_url = options.get("base_url") or os.environ.get("OPENAI_BASE_URL")
    forced = os.environ.get("NBRESPONSES_BACKEND") == "offline"
    if (has_key or has_url) and not forced:
        return Client(**options)
    from .offline import OfflineServer

    print(
        "nbresponses: no OPENAI_API_KEY or base_url set, using the offline backend (simulated answers).",
        file=sys.stderr,
    )
    client: Client = OfflineServer().client(**options)
    return client
