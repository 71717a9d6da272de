"""Access to the interactions recorded from the live OpenAI API, for tests.

The recordings live outside the repository, in ``../shared/reference/streams`` next to the checkout (override
with the ``NBRESPONSES_STREAMS_DIR`` environment variable). Each ``*.json`` file there is one HTTP interaction:
``{"name", "source", "request": {...}, "response": {"status", "content_type", "body", "body_format"}, ...}``
with ``response.body`` always a string:

- ``body_format == "raw"``: the body exactly as sent; for streams, the SSE text (``event:``/``data:`` lines).
- ``"reserialized-json"``: a JSON body, re-serialized by the recording tool.
- ``"jsonl-data-payloads"``: a stream stored as one JSON ``data`` payload per line (SSE framing dropped).

Typical use::

    def test_something() -> None:
        require_recordings()          # skips outside CI when the folder is absent, fails under CI=true
        for recording in load_recordings():
            if is_stream(recording):
                for data in iter_sse_payloads(recording): ...
            else:
                body = json_body(recording)

The SSE parsing here is deliberately tiny and independent of ``nbresponses._sse``, so the recordings can test
that module too.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from nbresponses.types import UnknownModel

__all__ = [
    "STREAMS_DIR",
    "is_stream",
    "iter_sse_payloads",
    "json_body",
    "load_recordings",
    "require_recordings",
    "unknown_models",
]

STREAMS_DIR = Path(
    os.environ.get("NBRESPONSES_STREAMS_DIR")
    or Path(__file__).resolve().parents[2] / "shared" / "reference" / "streams"
)
"""The folder of recorded interactions (one ``*.json`` file each)."""


def require_recordings() -> None:
    """Skip the calling test when the recordings are absent; fail instead when ``CI=true``."""
    if STREAMS_DIR.is_dir() and any(STREAMS_DIR.glob("*.json")):
        return
    message = f"recorded interactions not found in {STREAMS_DIR}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@functools.cache
def _texts() -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8") for path in sorted(STREAMS_DIR.glob("*.json")))


def load_recordings() -> list[dict[str, Any]]:
    """Return every recording, sorted by file name; fresh dicts on each call, so tests may mutate them.

    Returns an empty list when the folder is absent: call :func:`require_recordings` first.
    """
    return [json.loads(text) for text in _texts()]


def is_stream(recording: dict[str, Any]) -> bool:
    """Whether the recorded response is an event stream (raw SSE or data-only JSONL)."""
    response = recording["response"]
    if response["body_format"] == "jsonl-data-payloads":
        return True
    return "event-stream" in (response.get("content_type") or "")


def json_body(recording: dict[str, Any]) -> Any:
    """Return the parsed JSON body of a non-stream recording."""
    if is_stream(recording):
        raise ValueError(f"{recording['name']} is a stream; use iter_sse_payloads")
    return json.loads(recording["response"]["body"])


def iter_sse_payloads(recording: dict[str, Any]) -> list[bytes]:
    """Return the ``data`` payload of every event of a recorded stream, in order, as UTF-8 bytes.

    Raw SSE is split on blank lines; the ``data:`` lines of one event are joined with ``\\n`` (one space after
    the colon is dropped, as in the SSE spec); events without data (comments, ``event:`` alone) and a final
    ``[DONE]`` sentinel are left out.
    """
    response = recording["response"]
    body: str = response["body"]
    if response["body_format"] == "jsonl-data-payloads":
        return [line.encode() for line in body.splitlines() if line.strip()]
    if not is_stream(recording):
        raise ValueError(f"{recording['name']} is not a stream")
    payloads: list[bytes] = []
    for block in body.replace("\r\n", "\n").replace("\r", "\n").split("\n\n"):
        data = [line[5:].removeprefix(" ") for line in block.split("\n") if line.startswith("data:")]
        if data and data != ["[DONE]"]:
            payloads.append("\n".join(data).encode())
    return payloads


def unknown_models(value: Any, path: str = "$") -> list[str]:
    """Return ``"<path>: <type>"`` for every ``UnknownModel`` fallback inside a parsed value.

    Walks declared fields of nested models, lists and dicts, so a known type that failed validation and fell
    back to its ``Unknown*`` model shows up here instead of passing silently.
    """
    found: list[str] = []
    if isinstance(value, UnknownModel):
        found.append(f"{path}: {value.type}")
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            found += unknown_models(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found += unknown_models(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += unknown_models(item, f"{path}.{key}")
    return found
