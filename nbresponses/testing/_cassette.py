"""`cassette_client`: a client that records real API interactions to a file once and replays them after.

The cassette file and its transports are `nbresponses.transports.cassette`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nbresponses.client import Client
from nbresponses.transports.cassette import Cassette, CassetteMode, RecordingTransport, ReplayTransport
from nbresponses.transports.http import HTTPClient

__all__ = ["cassette_client"]


def cassette_client(path: str | os.PathLike[str], *, mode: CassetteMode = "auto", **options: Any) -> Client:
    """An `nbresponses.Client` that records to or replays from the cassette at ``path``.

    ``auto`` replays when the file exists and records otherwise. Recording needs a real key (``api_key=`` or
    ``OPENAI_API_KEY``); replaying needs none.
    """
    replay = mode == "replay" or (mode == "auto" and Path(path).exists())
    if replay:
        options.setdefault("api_key", "cassette-replay")
        transport: ReplayTransport | RecordingTransport = ReplayTransport(Cassette(path))
        options.setdefault("max_retries", 0)
    else:
        key = options.get("api_key") or os.environ.get("OPENAI_API_KEY", "")
        transport = RecordingTransport(Cassette(path, secrets=(key,)))
    return Client(http_client=HTTPClient(transport=transport), **options)
