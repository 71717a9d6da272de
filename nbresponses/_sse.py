"""An incremental Server-Sent Events decoder over bytes (pure: no I/O).

It follows the WHATWG HTML "event stream interpretation" rules
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation), cited as
``[WHATWG]`` on the lines that implement them. Bytes arrive in arbitrary chunks; any chunking of the same bytes
yields the same messages.

Why by hand rather than ``httpx-sse``: that decoder works on ``str`` lines, so every chunk is decoded to text
and each event's data re-encoded before ``json.loads``/pydantic; ours stays on bytes and splits a whole chunk's
complete lines in one C call (``bytes.splitlines``), which is what keeps the per-event cost low
(``benchmarks/stream_throughput.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["SSEDecoder", "SSEMessage", "iter_sse"]

_BOM = b"\xef\xbb\xbf"
_CR = 13
_LF = 10
_COLON = 58
_SPACE = 32


@dataclass(frozen=True, slots=True)
class SSEMessage:
    """One dispatched event: its type, its data (lines joined by LF), the last event id and a retry hint."""

    event: str = "message"
    data: bytes = b""
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Feeds on byte chunks, returns the messages each chunk completes.

    Example::

        decoder = SSEDecoder()
        for chunk in body:
            for message in decoder.feed(chunk):
                handle(message.data)
        for message in decoder.flush():
            handle(message.data)
    """

    __slots__ = ("_buffer", "_data", "_event", "_last_id", "_retry", "_skip_lf", "_started")

    def __init__(self) -> None:
        self._buffer = bytearray()  # the incomplete last line, never re-copied per chunk
        self._data: list[bytes] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._skip_lf = False
        self._started = False

    @property
    def pending_bytes(self) -> int:
        """Bytes received but not yet part of a complete line (useful to report a truncated stream)."""
        return len(self._buffer)

    @property
    def last_event_id(self) -> str | None:
        """The last ``id:`` seen, as a client would send back in ``Last-Event-ID``."""
        return self._last_id

    def feed(self, chunk: bytes) -> list[SSEMessage]:
        """Decode one chunk; returns the messages whose terminating blank line it contained."""
        if not chunk:
            return []
        if self._skip_lf:
            # [WHATWG] a CRLF pair is one line end even when the CR and LF arrive in different chunks.
            self._skip_lf = False
            if chunk[0] == _LF:
                chunk = chunk[1:]
        buffer = self._buffer
        buffer += chunk
        if not self._started:
            # [WHATWG] "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
            if len(buffer) < 3 and _BOM.startswith(buffer):
                return []
            self._started = True
            if buffer.startswith(_BOM):
                del buffer[:3]
        end = max(buffer.rfind(b"\n"), buffer.rfind(b"\r"))
        if end < 0:
            return []
        if buffer[end] == _CR and end == len(buffer) - 1:
            self._skip_lf = True  # only a CR that ends the chunk may pair with an LF starting the next one
        # [WHATWG] lines end in CRLF, LF or CR; bytes.splitlines splits on exactly those three.
        lines = bytes(buffer[: end + 1]).splitlines()
        del buffer[: end + 1]
        return self._lines(lines)

    def flush(self) -> list[SSEMessage]:
        """End of stream: decode a last line left without a line end and dispatch what is pending.

        [WHATWG] discards an event without its final blank line; we dispatch it when it has data, because some
        gateways omit the last blank line. A body cut mid-event still fails later: its data is not valid JSON.
        """
        lines = [bytes(self._buffer)] if self._buffer else []
        self._buffer.clear()
        self._skip_lf = False
        lines.append(b"")
        messages = self._lines(lines)
        self._data = []
        self._event = ""
        return messages

    def _lines(self, lines: list[bytes]) -> list[SSEMessage]:
        messages: list[SSEMessage] = []
        data = self._data
        for line in lines:
            if line.startswith(b"data:"):  # the hot path: nearly every line of a Responses stream
                value = line[6:] if line[5:6] == b" " else line[5:]
                data.append(value)
            elif not line:
                # [WHATWG] a blank line dispatches; with no data field nothing is dispatched, but the event
                # type is reset either way.
                if data:
                    messages.append(
                        SSEMessage(self._event or "message", b"\n".join(data), self._last_id, self._retry)
                    )
                    data = self._data = []
                self._event = ""
            elif line[0] == _COLON:
                continue  # [WHATWG] a line starting with a colon is a comment (": keep-alive")
            else:
                self._field(line)
        return messages

    def _field(self, line: bytes) -> None:
        colon = line.find(b":")
        if colon < 0:
            name, value = line, b""  # [WHATWG] a line with no colon is a field name with an empty value
        else:
            name = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
        if name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"data":
            self._data.append(value)
        elif name == b"id" and b"\x00" not in value:  # [WHATWG] an id containing NULL is ignored
            self._last_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():  # [WHATWG] only an all-ASCII-digit retry is honoured
            self._retry = int(value)
        # [WHATWG] any other field name is ignored


def iter_sse(chunks: Iterable[bytes]) -> Iterator[SSEMessage]:
    """Decode an iterable of byte chunks into messages (flushing at the end)."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()
