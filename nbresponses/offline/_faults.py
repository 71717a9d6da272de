"""Faults the offline server can be scripted to produce: HTTP errors, broken, malformed and stalled streams."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Disconnect", "Fault", "FaultKind", "Stall"]

FaultKind = Literal["status", "disconnect", "malformed", "stall"]


class Disconnect(ConnectionError):
    """Raised inside a stream's chunks: the connection drops (transports turn it into a read error)."""


@dataclass(frozen=True)
class Stall:
    """Yielded inside a stream's chunks: no bytes for ``seconds`` (transports wait, up to their read timeout)."""

    seconds: float


@dataclass(frozen=True)
class Fault:
    """A scripted failure.

    Attributes:
        kind: ``status`` (an HTTP error), ``disconnect``, ``malformed`` (a non-JSON event) or ``stall``.
        after: for stream faults, how many events are sent first.
        status: the HTTP status of a ``status`` fault.
        retry_after: seconds for the ``retry-after`` header of a ``status`` fault.
        error: the error object of a ``status`` fault (OpenAI's shape), default from the status.
        seconds: how long a ``stall`` lasts.
    """

    kind: FaultKind
    after: int = 0
    status: int = 500
    retry_after: float | None = None
    error: dict[str, Any] | None = None
    seconds: float = 3600.0
    plan: Any = None  # the Plan whose events precede a stream fault (None: the offline model's answer)

    def api_error(self) -> Any:
        """The `APIError` of a ``status`` fault (OpenAI's error body for its status, unless one was given)."""
        from ._reply import APIError

        default = {
            400: ("invalid_request_error", None, "Invalid request."),
            401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
            404: ("invalid_request_error", None, "Not found."),
            429: ("requests", "rate_limit_exceeded", "Rate limit reached. Please try again later."),
        }.get(self.status, ("server_error", None, "The server had an error while processing your request."))
        error = self.error or {}
        headers = [("x-request-id", "req_offline_fault")]
        if self.retry_after is not None:
            headers += [
                ("retry-after", f"{self.retry_after:g}"),
                ("retry-after-ms", f"{self.retry_after * 1000:g}"),
            ]
        return APIError(self.status, str(error.get("message", default[2])), str(error.get("type", default[0])),
                        error.get("code", default[1]), error.get("param"), tuple(headers))  # fmt: skip

    def reply(self) -> Any:
        """The HTTP reply of a ``status`` fault."""
        return self.api_error().reply()

    def stream_break(self) -> Iterator[bytes | Stall]:
        """What the stream sends at the point of the fault."""
        if self.kind == "malformed":
            yield b'event: response.output_text.delta\ndata: {"type": "response.output_text.delta", "delta": \n\n'
        elif self.kind == "stall":
            yield Stall(self.seconds)
        elif self.kind == "disconnect":
            raise Disconnect("the offline server dropped the connection (scripted fault)")
