"""Streamed responses: bytes in, typed events out, the connection always released.

`ResponseStream` (sync) and `AsyncResponseStream` differ only in how they read bytes; everything else lives in
`EventPump`, which turns chunks into events, folds them into a `ResponseAccumulator`, and decides how the
stream ended:

- ``response.completed`` / ``response.incomplete``: the final response (status ``incomplete`` keeps its reason);
- ``error`` and/or ``response.failed``: `ResponseFailedError` carrying the partial response;
- bytes that are not a valid event: `StreamError` carrying the partial response;
- ``data: [DONE]`` without a terminal event (gateways that drop it): if every item that started is done, the
  answer is kept as ``completed`` and `notices` says so; a stream cut inside an item is a `StreamError`;
- the body ending (or the connection dropping, or a read timeout) before a terminal event: `StreamError`.

The Chat Completions bridge reuses these classes with its own pump (``transports.chat``): chat chunks in, the
same events and `Response` out.

A live view may snapshot from a helper thread while the stream pauses (``render.TrailingRefresh``), so the
pump owns the one lock between the two threads: it holds it while it folds a chunk into the accumulator, and
`EventPump.snapshot` (what `ResponseStream.snapshot` and a view's refreshes call) takes it. The accumulator
itself stays single-threaded and free of locks.

The reply is closed in a ``finally``: on normal end, on ``break`` out of the loop, on an exception,
and on ``KeyboardInterrupt`` (a kernel interrupt), so nothing is left holding a connection. Transport-neutral:
the body is a `transports.base.Reply` (the HTTP transport's), whose read errors arrive as `BodyBroken`; the
WebSocket mode subclasses the stream classes with its own reading.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import replace
from types import TracebackType
from typing import Any, Self

from pydantic import ValidationError

from nbresponses._accumulator import TERMINAL_EVENTS, ResponseAccumulator
from nbresponses._exceptions import ResponseFailedError, StreamError, StreamTimeoutError
from nbresponses._secrets import REDACTED, known, redact
from nbresponses._sse import SSEDecoder
from nbresponses.structured import parse_into
from nbresponses.types.events import ResponseStreamEvent, parse_event
from nbresponses.types.response import Response, end_status

from .base import AsyncReply, BodyBroken, Reply, request_id

__all__ = ["AsyncResponseStream", "AsyncResponseStreamManager", "EventPump", "ResponseStream"]

_DONE = b"[DONE]"


class EventPump:
    """Turns body chunks into events and keeps the accumulated response (no I/O)."""

    def __init__(self, *, request_id: str | None, secrets: tuple[str, ...]) -> None:
        self.accumulator = ResponseAccumulator()
        self.lock = threading.RLock()
        """Held while events are folded into `accumulator` (once per chunk) and by `snapshot`."""
        self.decoder = SSEDecoder()
        self.request_id = request_id
        self.secrets = secrets
        # A server that echoes the key (in an error, in the answer) must not put it on screen or in the history.
        self._echoed = tuple(secret.encode() for secret in known(secrets))
        self.finished = False
        self.done_marker = False  # data: [DONE] arrived
        self.notices: list[str] = []

    def feed(self, chunk: bytes) -> list[ResponseStreamEvent]:
        return self._events(self.decoder.feed(chunk))

    def feed_message(self, data: bytes) -> list[ResponseStreamEvent]:
        """One whole event's JSON (a WebSocket message): its event, if the stream has not ended."""
        return self._events([_Message(data)])

    def flush(self) -> list[ResponseStreamEvent]:
        return self._events(self.decoder.flush())

    def _events(self, messages: list[Any]) -> list[ResponseStreamEvent]:
        if not messages:
            return []
        echoed = self._echoed
        if echoed:  # per message, not per chunk: a key split across two chunks is still one message
            for index, message in enumerate(messages):
                data = message.data
                for secret in echoed:
                    if secret in data:
                        messages[index] = replace(message, data=self.clean(data))
                        break
        with self.lock:  # once per chunk, not per event: a view may snapshot from a helper thread
            return self._add_events(messages)

    def snapshot(self) -> Response:
        """The response built so far; safe to call from another thread while the stream runs."""
        with self.lock:
            return self.accumulator.snapshot()

    def clean(self, data: bytes) -> bytes:
        """``data`` without the known secrets (a server that echoes the key must not get it on screen)."""
        for secret in self._echoed:
            if secret in data:
                data = data.replace(secret, REDACTED.encode())
        return data

    def _add_events(self, messages: list[Any]) -> list[ResponseStreamEvent]:
        events: list[ResponseStreamEvent] = []
        add = self.accumulator.add
        for message in messages:
            if self.finished:
                break
            data = message.data
            if data == _DONE:
                self.finished = self.done_marker = True
                break
            try:
                event = parse_event(data)
            except ValidationError:
                raise self._malformed(data) from None
            add(event)
            events.append(event)
            if event.type in TERMINAL_EVENTS:
                self.finished = True
        return events

    def json_body(self, body: bytes) -> list[ResponseStreamEvent]:
        """A gateway that ignored ``stream: true`` and sent a JSON response: replay it as one event."""
        body = self.clean(body)
        try:
            response = Response.model_validate_json(body)
        except ValidationError:
            raise self._malformed(body[:200]) from None
        kind = "response.failed" if response.status == "failed" else f"response.{end_status(response.status)}"
        payload = {"type": kind, "sequence_number": 0, "response": response.to_dict()}
        return self._events([_Message(json.dumps(payload).encode())])

    def finish(self) -> list[ResponseStreamEvent]:
        """The body ended: events that close the response, if the stream left that to us.

        After ``[DONE]`` with no terminal event, a response whose items are all done is completed here.
        """
        acc = self.accumulator
        if acc.done or acc.error is not None or not self.done_marker or not acc.items_complete:
            return []
        with self.lock:
            data = acc.rebuilt().to_dict()
            data["status"] = "completed"
            event = parse_event(json.dumps({"type": "response.completed", "response": data}))
            acc.add(event)
        self.notices.append(
            "The server ended the stream with [DONE] but without response.completed; every item had finished, "
            "so the answer is kept as completed (usage may be missing)."
        )
        return [event]

    def _malformed(self, data: bytes) -> StreamError:
        preview = redact(data[:120].decode("utf-8", "replace"), self.secrets)
        return StreamError(
            f"The stream sent an event that is not valid JSON: {preview!r}",
            response=self._partial(),
            request_id=self.request_id,
        )

    def _partial(self) -> Response | None:
        try:
            return self.snapshot()
        except ValidationError:
            return None

    def broken(self, reason: str, *, timeout: bool = False) -> StreamError:
        """The error for a stream that stopped before its end (``reason`` says how)."""
        received = self.accumulator.event_count
        message = (
            f"The stream stopped before the response was complete ({reason}; {received} events received)."
        )
        error_class = StreamTimeoutError if timeout else StreamError
        return error_class(message, response=self._partial(), request_id=self.request_id)

    def final(self) -> Response:
        """The final response, or the error that ended the stream."""
        acc = self.accumulator
        if acc.error is not None or (acc.done and self.snapshot().status == "failed"):
            response = self._partial()
            error: dict[str, Any] = dict(acc.error or {})
            if response is not None and response.error is not None:
                for key, value in response.error.to_dict().items():
                    error.setdefault(key, value)
            message = str(error.get("message") or "The response failed.")
            raise ResponseFailedError(
                redact(message, self.secrets),
                response=response,
                type=error.get("type"),
                code=error.get("code"),
                param=error.get("param"),
                request_id=self.request_id,
            )
        if not acc.done:
            if self.done_marker:
                raise self.broken(
                    "[DONE] arrived while an item was still streaming, without a terminal event"
                )
            reason = "the server ended the body" if self.finished else "the body ended"
            raise self.broken(f"{reason} without a terminal event")
        return self.snapshot()


class _Message:
    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def _is_json(reply: Reply | AsyncReply) -> bool:
    return reply.headers.get("content-type", "").split(";")[0].strip().endswith("json")


class _StreamBase:
    _pump: EventPump
    _reply: Reply | AsyncReply
    _text_format: Any = None

    def parse_as(self, text_format: Any) -> Self:
        """Have `get_final_response` parse the answer into ``text_format`` (its ``.parsed``); returns the stream.

        What ``client.responses.stream(..., text_format=Model)`` sets; ``text_format`` is a pydantic model
        class or a JSON-schema dict, as `nbresponses.structured.parse_into` takes.
        """
        self._text_format = text_format
        return self

    def _final(self) -> Response:
        """The final response (or what ended the stream), parsed when `parse_as` asked for it."""
        response = self._pump.final()
        if self._text_format is not None:
            parse_into(response, self._text_format)
        return response

    @property
    def http_response(self) -> Any:
        """The underlying HTTP response (its headers, and ``is_closed`` once the stream ended)."""
        return self._reply.raw

    @property
    def response_id(self) -> str | None:
        """The id of the response, once the first event arrived."""
        return self._pump.accumulator.response_id

    @property
    def accumulator(self) -> ResponseAccumulator:
        """The accumulator holding the state built so far (one thread's: from another, call `snapshot`)."""
        return self._pump.accumulator

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the HTTP response."""
        return self._pump.request_id

    def snapshot(self) -> Response:
        """The response as built from the events received so far (safe to call from another thread)."""
        return self._pump.snapshot()

    @property
    def notices(self) -> list[str]:
        """What the stream noticed and the user should know (e.g. a terminal event the server left out)."""
        return self._pump.notices


class ResponseStream(_StreamBase):
    """A streamed response: iterate it for typed events, or call `get_final_response`.

    Use it as a context manager so the connection is released even when you stop early::

        with client.responses.stream(model="gpt-4.1", input="Hi") as stream:
            for event in stream:
                if event.type == "response.output_text.delta":
                    print(event.delta, end="")
            response = stream.get_final_response()
    """

    _reply: Reply

    def __init__(self, reply: Reply, *, secrets: tuple[str, ...] = (), pump: EventPump | None = None) -> None:
        self._reply = reply
        request = request_id(reply.headers)
        self._pump = pump if pump is not None else EventPump(request_id=request, secrets=secrets)
        self._iterator = self._iterate()

    def __iter__(self) -> Iterator[ResponseStreamEvent]:
        return self._iterator

    def __next__(self) -> ResponseStreamEvent:
        return next(self._iterator)

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connection. Safe to call more than once."""
        self._reply.close()

    def until_done(self) -> ResponseStream:
        """Consume the remaining events."""
        for _ in self._iterator:
            pass
        return self

    def get_final_response(self) -> Response:
        """Consume the rest of the stream and return the final response (or raise what ended it).

        Raises:
            StructuredOutputError: the stream was asked for a ``text_format`` and the answer does not fit it.
        """
        self.until_done()
        return self._final()

    def _iterate(self) -> Iterator[ResponseStreamEvent]:
        pump = self._pump
        try:
            reply = self._reply
            if _is_json(reply):
                yield from pump.json_body(reply.read())
            else:
                for chunk in reply.iter_bytes():
                    yield from pump.feed(chunk)
                    if pump.finished:
                        break
                else:
                    yield from pump.flush()
            yield from pump.finish()
        except BodyBroken as broken:
            raise pump.broken(broken.reason, timeout=broken.timeout) from None
        finally:
            self.close()
        pump.final()


class AsyncResponseStream(_StreamBase):
    """The asyncio twin of `ResponseStream` (``async for`` / ``async with``)."""

    _reply: AsyncReply

    def __init__(
        self, reply: AsyncReply, *, secrets: tuple[str, ...] = (), pump: EventPump | None = None
    ) -> None:
        self._reply = reply
        request = request_id(reply.headers)
        self._pump = pump if pump is not None else EventPump(request_id=request, secrets=secrets)
        self._iterator = self._iterate()

    def __aiter__(self) -> AsyncIterator[ResponseStreamEvent]:
        return self._iterator

    async def __anext__(self) -> ResponseStreamEvent:
        return await self._iterator.__anext__()

    async def __aenter__(self) -> AsyncResponseStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the HTTP connection. Safe to call more than once."""
        await self._reply.aclose()

    async def until_done(self) -> AsyncResponseStream:
        """Consume the remaining events."""
        async for _ in self._iterator:
            pass
        return self

    async def get_final_response(self) -> Response:
        """Consume the rest of the stream and return the final response (or raise what ended it).

        Raises:
            StructuredOutputError: the stream was asked for a ``text_format`` and the answer does not fit it.
        """
        await self.until_done()
        return self._final()

    async def _iterate(self) -> AsyncIterator[ResponseStreamEvent]:
        pump = self._pump
        try:
            reply = self._reply
            if _is_json(reply):
                for event in pump.json_body(await reply.aread()):
                    yield event
            else:
                async for chunk in reply.aiter_bytes():
                    for event in pump.feed(chunk):
                        yield event
                    if pump.finished:
                        break
                else:
                    for event in pump.flush():
                        yield event
            for event in pump.finish():
                yield event
        except BodyBroken as broken:
            raise pump.broken(broken.reason, timeout=broken.timeout) from None
        finally:
            await self.close()
        pump.final()


class AsyncResponseStreamManager:
    """What ``AsyncClient.responses.stream(...)`` returns: use it as the openai SDK's, or await it.

    ``async with client.responses.stream(...) as stream`` sends the request on entering and closes the stream
    on leaving; ``stream = await client.responses.stream(...)`` (the earlier form) still works. Nothing is sent
    until one of the two happens.
    """

    def __init__(self, start: Callable[[], Awaitable[AsyncResponseStream]]) -> None:
        self._start = start
        self._stream: AsyncResponseStream | None = None

    def __await__(self) -> Generator[Any, None, AsyncResponseStream]:
        return self._start().__await__()

    async def __aenter__(self) -> AsyncResponseStream:
        self._stream = await self._start()
        return self._stream

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            await self._stream.close()
