"""The cassette transports: record real API interactions to a file (keys stripped), replay them by request match.

A notebook that talks to the real API once, with a cassette, can then be re-executed in CI with no key and no
network: ``%config RespondMagics.cassette = "notebook.cassette.json"``, or `nbresponses.testing.cassette_client`
from Python (which puts these ``httpx2`` transports under a client).

The file is JSON: a list of interactions, each with the request (method, path, JSON body) and the response
(status, a few headers, and the body text, an SSE stream included). Authorization and organization headers are
never written, and the key is scrubbed from everything that is (`nbresponses._secrets`). A file that is not such a
list is a `CassetteError` naming it, before anything is sent; it is never overwritten.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Literal

import httpx2

from nbresponses._exceptions import NBResponsesError
from nbresponses._secrets import redact_data

__all__ = [
    "Cassette",
    "CassetteError",
    "CassetteMiss",
    "CassetteMode",
    "RecordingTransport",
    "ReplayTransport",
]

_KEPT_HEADERS = ("content-type", "x-request-id", "retry-after", "retry-after-ms", "openai-processing-ms")
CassetteMode = Literal["auto", "record", "replay"]
"""``auto`` replays when the file exists and records otherwise."""


class CassetteMiss(NBResponsesError):
    """A request during replay that the cassette did not record."""


class CassetteError(NBResponsesError):
    """A cassette file that cannot be read or written, or is not a cassette."""


_FIX = "Restore it, or delete it to record the notebook again."


def _load(path: Path) -> list[dict[str, Any]]:
    """The interactions of the cassette at ``path``, checked for the shape replay relies on."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CassetteError(f"Cannot read the cassette {path}: {error.strerror or error}.") from None
    except ValueError as error:  # invalid JSON, or bytes that are not UTF-8
        raise CassetteError(f"The cassette {path} is not valid JSON ({error}). {_FIX}") from None
    if not isinstance(data, list):
        raise CassetteError(f"The cassette {path} is not a cassette (a JSON list of interactions). {_FIX}")
    for number, entry in enumerate(data, 1):
        request = entry.get("request") if isinstance(entry, dict) else None
        response = entry.get("response") if isinstance(entry, dict) else None
        if not (
            isinstance(request, dict)
            and isinstance(request.get("method"), str)
            and isinstance(request.get("path"), str)
            and isinstance(response, dict)
            and isinstance(response.get("status"), int)
            and isinstance(response.get("headers", {}), dict)
            and isinstance(response.get("body"), str)
        ):
            raise CassetteError(
                f"The cassette {path} is not a cassette: interaction {number} lacks a request (method, path) "
                f"or a response (status, body). {_FIX}"
            )
    return data


def _canonical(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode("utf-8", "replace")


class Cassette:
    """The interactions of one file; thread-safe; saved after every recorded interaction."""

    def __init__(self, path: str | os.PathLike[str], *, secrets: tuple[str, ...] = ()) -> None:
        self.path = Path(path)
        self.secrets = tuple(s for s in secrets if s)
        self._lock = threading.Lock()
        self.interactions: list[dict[str, Any]] = _load(self.path) if self.path.exists() else []
        self._used: set[int] = set()

    def record(self, request: httpx2.Request, body: bytes, response: httpx2.Response, content: bytes) -> None:
        """Append one interaction and save the file."""
        entry = {
            "request": {
                "method": request.method,
                "path": request.url.path,
                "query": str(request.url.query, "ascii"),
                "body": _canonical(body),
            },
            "response": {
                "status": response.status_code,
                "headers": {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS},
                "body": content.decode("utf-8", "replace"),
            },
        }
        with self._lock:
            self.interactions.append(redact_data(entry, self.secrets))
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text(
                    json.dumps(self.interactions, indent=1, ensure_ascii=False), encoding="utf-8"
                )
            except OSError as error:
                raise CassetteError(
                    f"Cannot write the cassette {self.path}: {error.strerror or error}."
                ) from None

    def find(self, request: httpx2.Request, body: bytes) -> dict[str, Any]:
        """The first unused interaction with the same method, path, query and JSON body."""
        wanted = (request.method, request.url.path, str(request.url.query, "ascii"), _canonical(body))
        with self._lock:
            for index, entry in enumerate(self.interactions):
                seen = entry["request"]
                if (
                    index not in self._used
                    and (seen["method"], seen["path"], seen.get("query", ""), seen["body"]) == wanted
                ):
                    self._used.add(index)
                    return {"headers": {}, **entry["response"]}
        raise CassetteMiss(
            f"{request.method} {request.url.path} was not recorded in {self.path} (or was already replayed). "
            "Record the notebook again with a key and mode='record', or delete the cassette to re-record."
        )


class RecordingTransport(httpx2.BaseTransport):
    """Passes requests to a real transport and records each exchange (the body is read whole, then replayed)."""

    def __init__(self, cassette: Cassette, inner: httpx2.BaseTransport | None = None) -> None:
        self.cassette = cassette
        self.inner = inner if inner is not None else httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        self.cassette.record(request, body, response, content)
        return httpx2.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    def close(self) -> None:
        self.inner.close()


class ReplayTransport(httpx2.BaseTransport):
    """Answers requests from a cassette; no network."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette = cassette

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        recorded = self.cassette.find(request, request.read())
        return httpx2.Response(recorded["status"], headers=recorded["headers"], content=recorded["body"].encode(),
                               request=request)  # fmt: skip
