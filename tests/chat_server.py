"""A small Chat Completions gateway of our own, for the bridge's unit and kernel tests.

It behaves like the seed gateways and local servers: ``/v1/chat/completions`` answers every model (streamed
or not, with tool calls, JSON-schema output, ``reasoning_content`` for models named ``*reasoner*``, usage with
``stream_options.include_usage``), while ``/v1/responses`` refuses the chat-only models with the seed docs'
``model_not_supported`` error (or, with ``responses_route=False``, has no such route: a bare 404, like a local
server). ``GET /v1/models`` lists the models. Every request is kept in `journal`.

The model is a deterministic echo that shows what it was sent: "You said: <last user text>", followed by
" Before that: <earlier user texts>" when the messages carry earlier turns, or "The tool said: <output>." after a
tool message. Offered tools are called once (arguments made from their schema, strings from the prompt's last
word); `script` queues exact replies and faults (a status with ``retry-after``, a stream cut mid-answer).

`ChatGateway.transport()` serves it in process (httpx2.MockTransport); `ChatGateway.app()` as ASGI, for uvicorn on
loopback (`tests.loopback.serve`) so a kernel in another process can reach it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

CHAT_ONLY = ("deepseek-chat", "deepseek-reasoner", "qwen-max", "llama3.2")


@dataclass
class Scripted:
    """One queued behaviour: a reply (``text`` and/or ``tool_calls``) or a fault."""

    text: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    status: int | None = None  # answer with this HTTP error instead
    retry_after: float | None = None
    error_code: str | None = None
    cut_after_chunks: int | None = None  # stream: drop the connection after this many chunks
    finish_reason: str | None = None


@dataclass
class Reply:
    """What the gateway answers: a JSON body or SSE chunks (ending with a cut when ``cut`` is set)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks: list[bytes] | None = None
    cut: bool = False


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"content-type": "application/json", **(headers or {})}, json.dumps(data).encode())


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def example(schema: Any, word: str) -> Any:
    """A value valid against a (simple, strict-mode) JSON schema."""
    if not isinstance(schema, dict):
        return word
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return example(schema["anyOf"][0], word)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        return {name: example(sub, word) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [example(schema.get("items"), word)]
    return {"integer": 42, "number": 1.5, "boolean": True, "null": None}.get(str(kind), word)


class ChatGateway:
    """The gateway's state: scripted behaviours, the journal, and the models it serves where."""

    def __init__(self, *, chat_only: tuple[str, ...] = CHAT_ONLY, responses_route: bool = True) -> None:
        self.chat_only = chat_only
        self.responses_route = responses_route
        self.journal: list[dict[str, Any]] = []
        self.scripted: list[Scripted] = []
        self._lock = threading.Lock()
        self._count = 0

    def script(self, *behaviours: Scripted) -> ChatGateway:
        """Queue behaviours for the next chat requests (one each, in order)."""
        self.scripted.extend(behaviours)
        return self

    def paths(self) -> list[str]:
        """The method and path of every request so far."""
        return [f"{entry['method']} {entry['path']}" for entry in self.journal]

    def chat_bodies(self) -> list[dict[str, Any]]:
        """The bodies of the chat requests so far."""
        return [entry["body"] for entry in self.journal if entry["path"].endswith("/chat/completions")]

    # -- handling ---------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, body: bytes) -> Reply:
        payload = json.loads(body) if body else {}
        with self._lock:
            self.journal.append({"method": method, "path": path, "body": payload})
        if path.endswith("/models") and method == "GET":
            models = [*self.chat_only, "gpt-4.1"]
            return _json(200, {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "gateway"}
                                                          for m in models]})  # fmt: skip
        if path.endswith("/responses") and method == "POST":
            if not self.responses_route:
                return Reply(404, {"content-type": "text/plain"}, b"404 page not found")
            model = payload.get("model")
            if model in self.chat_only:
                return _json(400, {"error": {"type": "invalid_request_error", "code": "model_not_supported",
                                             "message": f"The model '{model}' is not supported for the responses endpoint.",
                                             "param": "model"}})  # fmt: skip
            return _json(500, {"error": {"message": "this test gateway only refuses /responses"}})
        if path.endswith("/chat/completions") and method == "POST":
            return self._chat(payload)
        return Reply(404, {"content-type": "text/plain"}, b"404 page not found")

    def _next(self) -> Scripted:
        with self._lock:
            self._count += 1
            return self.scripted.pop(0) if self.scripted else Scripted()

    def _chat(self, request: dict[str, Any]) -> Reply:
        plan = self._next()
        if plan.status is not None:
            headers = {"retry-after": str(plan.retry_after)} if plan.retry_after is not None else {}
            return _json(plan.status, {"error": {"message": f"scripted {plan.status}", "type": "test",
                                                 "code": plan.error_code}}, headers)  # fmt: skip
        messages = request.get("messages") or []
        model = str(request.get("model") or "")
        text, calls = self._answer(request, messages, plan)
        reasoning = "Let me think about it." if "reasoner" in model else ""
        prompt_tokens = sum(len(_text(m.get("content")).split()) for m in messages) + 3 * len(messages)
        completion_tokens = len(text.split()) + sum(len(c["arguments"]) // 4 + 1 for c in calls)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                 "total_tokens": prompt_tokens + completion_tokens,
                 "prompt_tokens_details": {"cached_tokens": 0}}  # fmt: skip
        finish = plan.finish_reason or ("tool_calls" if calls else "stop")
        chat_id = f"chatcmpl-test{self._count:04d}"
        if not request.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": text or None}
            if reasoning:
                message["reasoning_content"] = reasoning
            if calls:
                message["tool_calls"] = [{"id": c["id"], "type": "function",
                                          "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]  # fmt: skip
            return _json(200, {"id": chat_id, "object": "chat.completion", "created": 1770000000, "model": model,
                               "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage})  # fmt: skip
        return self._stream(chat_id, model, request, text, calls, reasoning, finish, usage, plan)

    def _answer(
        self, request: dict[str, Any], messages: list[dict[str, Any]], plan: Scripted
    ) -> tuple[str, list[dict[str, Any]]]:
        if plan.text is not None or plan.tool_calls:
            calls = [{"id": f"call_{i}", "name": c["name"], "arguments": json.dumps(c.get("arguments", {}))}
                     for i, c in enumerate(plan.tool_calls or [])]  # fmt: skip
            return plan.text or "", calls
        users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
        last = messages[-1] if messages else {}
        word = (re.findall(r"[A-Za-z]+", users[-1]) or ["x"])[-1] if users else "x"
        tools = request.get("tools") or []
        if tools and last.get("role") == "user" and request.get("tool_choice") != "none":
            function = tools[0]["function"]
            arguments = example(function.get("parameters") or {}, word)
            return "", [
                {"id": f"call_{self._count}", "name": function["name"], "arguments": json.dumps(arguments)}
            ]
        fmt = request.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return json.dumps(example(fmt["json_schema"].get("schema"), word)), []
        if fmt.get("type") == "json_object":
            return json.dumps({"answer": word}), []
        if last.get("role") == "tool":
            return f"The tool said: {_text(last.get('content'))}.", []
        text = f"You said: {users[-1].strip() if users else ''}"
        if len(users) > 1:
            text += " Before that: " + " | ".join(u.strip() for u in users[:-1])
        return text, []

    def _stream(
        self, chat_id: str, model: str, request: dict[str, Any], text: str, calls: list[dict[str, Any]],
        reasoning: str, finish: str, usage: dict[str, Any], plan: Scripted,
    ) -> Reply:  # fmt: skip
        def chunk(delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> bytes:
            data = {"id": chat_id, "object": "chat.completion.chunk", "created": 1770000000, "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}], **extra}  # fmt: skip
            return f"data: {json.dumps(data)}\n\n".encode()

        chunks = [chunk({"role": "assistant", "content": ""})]
        for word in re.findall(r"\S+\s*", reasoning):
            chunks.append(chunk({"reasoning_content": word}))
        for word in re.findall(r"\s*\S+", text):
            chunks.append(chunk({"content": word}))
        for index, call in enumerate(calls):
            chunks.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                                 "function": {"name": call["name"], "arguments": ""}}]}))  # fmt: skip
            arguments = call["arguments"]
            for start in range(0, len(arguments), 7):
                piece = arguments[start : start + 7]
                chunks.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
        chunks.append(chunk({}, finish))
        if (request.get("stream_options") or {}).get("include_usage"):
            data = {"id": chat_id, "object": "chat.completion.chunk", "created": 1770000000, "model": model,
                    "choices": [], "usage": usage}  # fmt: skip
            chunks.append(f"data: {json.dumps(data)}\n\n".encode())
        chunks.append(b"data: [DONE]\n\n")
        cut = plan.cut_after_chunks is not None
        if cut:
            chunks = chunks[: plan.cut_after_chunks]
        return Reply(200, {"content-type": "text/event-stream"}, chunks=chunks, cut=cut)

    # -- serving ----------------------------------------------------------------------------------------

    def transport(self) -> httpx2.MockTransport:
        """Serve in process: a cut stream raises ``httpx2.ReadError`` after its last chunk."""

        def handler(request: httpx2.Request) -> httpx2.Response:
            reply = self.handle(request.method, request.url.path, request.read())
            if reply.chunks is None:
                return httpx2.Response(reply.status, headers=reply.headers, content=reply.body)
            chunks, cut = reply.chunks, reply.cut

            def body() -> Iterator[bytes]:
                yield from chunks
                if cut:
                    raise httpx2.ReadError("connection reset by the test gateway")

            return httpx2.Response(reply.status, headers=reply.headers, content=body())

        return httpx2.MockTransport(handler)

    def app(self) -> Callable[[Any, Any, Any], Awaitable[None]]:
        """An ASGI app over `handle`, for uvicorn on loopback."""

        async def app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            parts = []
            while True:
                message = await receive()
                parts.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            reply = self.handle(scope["method"], scope["path"], b"".join(parts))
            headers = [(k.encode(), v.encode()) for k, v in reply.headers.items()]
            await send({"type": "http.response.start", "status": reply.status, "headers": headers})
            if reply.chunks is None:
                await send({"type": "http.response.body", "body": reply.body})
                return
            for piece in reply.chunks:
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            if reply.cut:
                raise RuntimeError("scripted disconnect")  # uvicorn closes the connection mid-body
            await send({"type": "http.response.body", "body": b""})

        return app
