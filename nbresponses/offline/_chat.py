"""``POST /chat/completions`` on the offline server: the same stand-in model, spoken as Chat Completions.

With no API key everything must still run, and models behind gateways and local servers speak Chat Completions:
this endpoint lets ``--api chat``, ``Client(api="chat")``, auto mode's fallback and any chat client (the openai
SDK's ``chat.completions.create``) be tried offline. A body is checked as OpenAI's endpoint checks it
(`check_chat`), translated into the request the model answers on ``/responses`` (`chat_model_request`), answered
by the server's responder (the offline model, or a test's script: its faults apply here too), and sent as one
``chat.completion`` body or as ``data:`` chunks ending with ``data: [DONE]`` (`completion_chunks`).

A chat endpoint keeps nothing: no ``previous_response_id``, nothing stored, nothing to retrieve.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._chat_checks import check_chat
from ._chat_input import chat_model_request
from ._chat_output import chat_answer, chat_usage, completion_body, completion_chunks
from ._faults import Fault, Stall
from ._model import Plan, default_model
from ._reply import APIError, OfflineReply, json_reply
from ._shapes import usage

if TYPE_CHECKING:
    from ._server import Handler, OfflineServer

__all__ = ["chat_routes", "complete"]

_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
_MALFORMED = b'data: {"id": "chatcmpl-offline", "object": "chat.completion.chunk", "choices": [{"delta": \n\n'


def chat_routes(server: OfflineServer) -> list[tuple[str, str, Handler]]:
    """The Chat Completions endpoint, for `OfflineServer.add_route`."""
    return [("POST", "chat/completions", lambda params, query, body: complete(server, body))]


def _data(value: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(value, ensure_ascii=False)}\n\n".encode()


def _error_body(error: dict[str, Any]) -> dict[str, Any]:
    message = str(error.get("message") or "The server had an error while processing your request.")
    return {"error": {"message": message, "type": "server_error", "param": None,
                      "code": error.get("code", "server_error")}}  # fmt: skip


def complete(server: OfflineServer, payload: Any) -> OfflineReply:
    """Answer one ``POST /chat/completions`` body."""
    invalid = check_chat(payload)
    if invalid is not None:
        return invalid.reply()
    chat = chat_model_request(payload)
    answer = server.responder(chat.request)
    if isinstance(answer, Fault) and answer.kind == "status":
        error: APIError = answer.api_error()
        return error.reply()
    fault = answer if isinstance(answer, Fault) else None
    plan = (
        answer
        if isinstance(answer, Plan)
        else (fault.plan if fault and isinstance(fault.plan, Plan) else None)
    )
    plan = plan if plan is not None else default_model(chat.request)
    request = chat.request
    counted = usage(request.body, plan, request, added=len(request.new_items))
    tokens = chat_usage(counted, choices=chat.choices)
    chat_id = "chatcmpl-" + server.new_id("c")[2:31]
    if plan.error is not None and not chat.stream:
        return json_reply(500, _error_body(plan.error))
    message = chat_answer(plan)
    if not chat.stream:
        body = completion_body(message, chat_id=chat_id, model=chat.model, created=server.now(), usage=tokens,
                               choices=chat.choices)  # fmt: skip
        return json_reply(200, body)
    sent = completion_chunks(message, chat_id=chat_id, model=chat.model, created=server.now(),
                             usage=tokens if chat.include_usage else None, choices=chat.choices)  # fmt: skip
    return OfflineReply(200, dict(_HEADERS), chunks=_stream(server, sent, fault, plan.error))


def _stream(
    server: OfflineServer, sent: list[dict[str, Any]], fault: Fault | None, error: dict[str, Any] | None
) -> Iterator[bytes | Stall]:
    """The SSE body: each chunk (paced like ``/responses`` deltas), a scripted fault, or a failure, then [DONE]."""
    if error is not None:  # a failed response: OpenAI sends the error as a data line mid-stream
        sent = sent[:1]
    for index, chunk in enumerate(sent):
        if fault is not None and index == fault.after:
            if fault.kind == "malformed":
                yield _MALFORMED
                return
            yield from fault.stream_break()
            return
        wait = server.event_delay if index else 0.0
        choice = (chunk.get("choices") or [{}])[0]
        delta = choice.get("delta") or {}
        if server.pace and any(
            delta.get(key) for key in ("content", "reasoning_content", "refusal", "tool_calls")
        ):
            wait = max(wait, 1.0 / server.pace)
        if wait:
            yield Stall(wait)
        yield _data(chunk)
    if error is not None:
        yield _data(_error_body(error))
        return
    yield b"data: [DONE]\n\n"
