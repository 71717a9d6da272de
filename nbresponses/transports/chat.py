"""The Chat Completions bridge: Responses API calls answered by a server's ``/chat/completions``.

Most models a gateway sells, and every local server (Ollama, vLLM, LM Studio, llama.cpp's server), speak only
Chat Completions. The bridge takes a validated ``POST /responses`` body, sends the equivalent chat request
(`chat_request`) through the client's HTTP layer (same retries, timeouts and exception tree), and returns what
the Responses API would: a `Response`, or a `ResponseStream` whose pump (`ChatEventPump`) turns chat chunks into
Responses events (`ChatEventTranslator`). Above it, nothing knows which API answered.

A chat endpoint keeps no conversation: ``previous_response_id`` is refused (`BridgeStateError`) and the
conversation layer resends the thread's items instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from nbresponses._config import ClientConfig
from nbresponses._exceptions import APIError, APIStatusError
from nbresponses._secrets import redact, redact_bytes
from nbresponses.transports._chat_events import ChatEventTranslator
from nbresponses.transports._chat_request import chat_request, token_limit_field
from nbresponses.transports._chat_response import chat_response
from nbresponses.transports.base import AsyncReply, Reply, RequestSpec, request_id
from nbresponses.transports.stream import AsyncResponseStream, EventPump, ResponseStream
from nbresponses.types.events import ResponseStreamEvent, parse_event
from nbresponses.types.response import Response, end_status

__all__ = ["CHAT_PATH", "AsyncChatBridge", "ChatBridge", "ChatEventPump", "chat_body_response"]

logger = logging.getLogger("nbresponses")
_DONE = b"[DONE]"
CHAT_PATH = "/chat/completions"
"""Where the bridge sends its requests, under the base URL."""


class ChatEventPump(EventPump):
    """`EventPump` for a Chat Completions stream: chunks in, Responses events out, the same accumulator."""

    def __init__(
        self, *, request_id: str | None, secrets: tuple[str, ...], request: Mapping[str, Any]
    ) -> None:
        super().__init__(request_id=request_id, secrets=secrets)
        self.translator = ChatEventTranslator(request)

    def _add_events(self, messages: list[Any]) -> list[ResponseStreamEvent]:
        translator = self.translator
        for message in messages:
            if self.finished:
                break
            data = message.data
            if data == _DONE:
                self.finished = self.done_marker = True
                translator.close()
                break
            try:
                translator.feed(from_json(data))
            except (ValueError, TypeError, AttributeError, KeyError):
                raise self._malformed(data) from None
            if translator.terminal:
                self.finished = True
        return self._drain()

    def _drain(self) -> list[ResponseStreamEvent]:
        events = self.translator.events
        if events:
            self.translator.events = []
            add = self.accumulator.add
            for event in events:
                add(event)
        return events

    def finish(self) -> list[ResponseStreamEvent]:
        """The body ended: close the response if the stream finished (``[DONE]`` or a ``finish_reason``)."""
        translator = self.translator
        if translator.terminal or not (self.done_marker or translator.finish_reason):
            return []
        with self.lock:
            translator.close()
            return self._drain()

    def json_body(self, body: bytes) -> list[ResponseStreamEvent]:
        """A server that ignored ``stream: true`` and sent the whole ``chat.completion``: one terminal event."""
        try:
            data = json.loads(self.clean(body))
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            raise self._malformed(body[:200]) from None
        with self.lock:
            if data.get("error"):
                self.translator.fail(
                    data["error"] if isinstance(data["error"], dict) else {"message": str(data["error"])}
                )
                self.finished = True
                return self._drain()
            response = chat_response(data, request=self.translator._request)
            kind = f"response.{end_status(response['status'])}"
            event = parse_event(json.dumps({"type": kind, "sequence_number": 0, "response": response}))
            self.accumulator.add(event)
            self.finished = True
            return [event]

    def final(self) -> Response:
        """The final response, or the error that ended the stream."""
        if not self.accumulator.done and self.accumulator.error is None:
            raise self.broken("the stream ended with no finish_reason and no [DONE]")
        return super().final()


def chat_body_response(
    http_response: Reply | AsyncReply, request: Mapping[str, Any], secrets: tuple[str, ...]
) -> Response:
    """The `Response` for a non-stream ``chat.completion`` body."""
    try:
        data = json.loads(redact_bytes(http_response.content, secrets))
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
            raise ValueError("no choices")
        return Response.model_validate(chat_response(data, request=request))
    except (ValueError, ValidationError):
        preview = redact(http_response.text[:200], secrets)
        raise APIError(
            f"The server answered {http_response.status_code} with a body that is not a chat completion: {preview!r}",
            status=http_response.status_code,
            request_id=request_id(http_response.headers),
        ) from None


def _chat_spec(body: Mapping[str, Any], *, stream: bool, config: ClientConfig) -> RequestSpec:
    chat = chat_request(body, stream=stream, max_tokens_field=token_limit_field(config.base_url))
    return RequestSpec("POST", CHAT_PATH, body=chat, stream=stream)


_OPTIONAL = ("stream_options", "reasoning_effort", "parallel_tool_calls")


def retry_spec(spec: RequestSpec, error: APIStatusError) -> RequestSpec | None:
    """The request again, without what the server refused, when it is an extra we added or can do without.

    Older local servers refuse ``stream_options``; many chat models refuse ``reasoning_effort`` or
    ``parallel_tool_calls``; some servers (DeepSeek) take ``json_object`` but not ``json_schema``, and then the
    schema goes into a system message (the answer is still checked against it). None: nothing to retry.
    """
    body = spec.body or {}
    if error.status not in (400, 422):
        return None
    said = f"{error.message} {error.param or ''}".lower()
    for name in _OPTIONAL:
        if name in body and name in said:
            logger.info("The server refused %s; sending the request again without it", name)
            return replace(spec, body={key: value for key, value in body.items() if key != name})
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema" and ("response_format" in said or "json_schema" in said):
        schema = json.dumps((fmt.get("json_schema") or {}).get("schema") or {}, ensure_ascii=False)
        note = {
            "role": "system",
            "content": f"Answer with one JSON object only, valid against this JSON schema: {schema}",
        }
        logger.info("The server refused response_format json_schema; asking for json_object with the schema")
        return replace(spec, body={**body, "response_format": {"type": "json_object"},
                                   "messages": [*body.get("messages", []), note]})  # fmt: skip
    return None


class ChatBridge:
    """The bridge of a sync client.

    Args:
        send: the client's request function (retries, errors and timeouts included).
        config: the client's configuration (base URL and secrets).
    """

    def __init__(self, send: Callable[[RequestSpec], Reply], config: ClientConfig) -> None:
        self._send = send
        self._config = config

    def create(self, body: Mapping[str, Any], *, stream: bool) -> Response | ResponseStream:
        """Answer a validated Responses ``body`` through ``/chat/completions``."""
        spec = _chat_spec(body, stream=stream, config=self._config)
        while True:  # ends: each retry drops a parameter or the json_schema format, and there are few
            try:
                http_response = self._send(spec)
                break
            except APIStatusError as error:
                retry = retry_spec(spec, error)
                if retry is None:
                    raise
                spec = retry
        secrets = self._config.secrets
        if not stream:
            return chat_body_response(http_response, body, secrets)
        pump = ChatEventPump(request_id=request_id(http_response.headers), secrets=secrets, request=body)
        return ResponseStream(http_response, secrets=secrets, pump=pump)


class AsyncChatBridge:
    """The bridge of an `AsyncClient` (``send`` is awaitable)."""

    def __init__(self, send: Callable[[RequestSpec], Awaitable[AsyncReply]], config: ClientConfig) -> None:
        self._send = send
        self._config = config

    async def create(self, body: Mapping[str, Any], *, stream: bool) -> Response | AsyncResponseStream:
        """Answer a validated Responses ``body`` through ``/chat/completions``."""
        spec = _chat_spec(body, stream=stream, config=self._config)
        while True:  # ends: each retry drops a parameter or the json_schema format, and there are few
            try:
                http_response = await self._send(spec)
                break
            except APIStatusError as error:
                retry = retry_spec(spec, error)
                if retry is None:
                    raise
                spec = retry
        secrets = self._config.secrets
        if not stream:
            return chat_body_response(http_response, body, secrets)
        pump = ChatEventPump(request_id=request_id(http_response.headers), secrets=secrets, request=body)
        return AsyncResponseStream(http_response, secrets=secrets, pump=pump)
