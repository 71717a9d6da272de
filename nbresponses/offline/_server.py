"""The offline Responses API server: state and request handling, independent of any transport.

`OfflineServer.handle` takes a method, path, query and body and returns an `OfflineReply` (a JSON body, or an
iterator of SSE chunks). The in-process httpx2 transport and the ASGI app both wrap it, so they behave the same.
Responses are stored with their input items and their whole context, so ``previous_response_id`` continues a
conversation; ``store=false`` responses are neither retrievable nor continuable; ``background=true`` goes
``queued`` → ``in_progress`` → ``completed`` (one step per retrieve) and can be cancelled.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ._events import response_events
from ._faults import Fault, Stall
from ._items import estimate_tokens, expand_compactions, item_texts, normalize_input, pack_items
from ._model import DEFAULT_MODEL, ModelRequest, Plan, default_model

__all__ = ["OFFLINE_BASE_URL", "OFFLINE_KEY", "OfflineReply", "OfflineServer", "Responder"]

OFFLINE_BASE_URL = "http://offline.nbresponses.invalid/v1"
"""The base URL of in-process offline clients (``.invalid``: it can never reach a real host)."""
OFFLINE_KEY = "offline"
"""The placeholder key offline clients send (the server ignores it)."""

Responder = Callable[[ModelRequest], "Plan | Fault"]
"""What answers a request: a model (a plan) or, for tests, a fault."""

_PREFIX = {
    "message": "msg",
    "function_call": "fc",
    "reasoning": "rs",
    "web_search_call": "ws",
    "file_search_call": "fs",
    "code_interpreter_call": "ci",
    "image_generation_call": "ig",
    "mcp_call": "mcp",
    "custom_tool_call": "ctc",
    "function_call_output": "fco",
}


@dataclass
class OfflineReply:
    """An HTTP answer: status, headers, and either ``body`` (JSON) or ``chunks`` (an SSE stream)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks: Iterator[bytes | Stall] | None = None


@dataclass
class _Stored:
    response: dict[str, Any]
    input_items: list[dict[str, Any]]
    context: list[dict[str, Any]]
    events: list[dict[str, Any]]
    stored: bool
    final: dict[str, Any] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)  # background statuses still to go through


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> OfflineReply:
    return OfflineReply(
        status, {"content-type": "application/json", **(headers or {})}, json.dumps(body).encode()
    )


def error_reply(
    status: int, message: str, *, type: str, code: str | None = None, param: str | None = None
) -> OfflineReply:
    """An error in OpenAI's body shape."""
    return _json(status, {"error": {"message": message, "type": type, "param": param, "code": code}})


def _sse(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n".encode()


class OfflineServer:
    """A stateful Responses API server that answers with a deterministic model (or a test's script).

    Args:
        responder: answers each ``POST /responses``; defaults to the offline model.
        seed: varies the generated ids.
        clock: seconds since the epoch, for ``created_at``.
        event_delay: seconds between streamed events (0: as fast as possible).
        journal_limit: how many requests `journal` keeps (None: all; a test double keeps all).
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        seed: str = "",
        clock: Callable[[], float] = time.time,
        event_delay: float = 0.0,
        journal_limit: int | None = 256,
    ) -> None:
        self.responder: Responder = responder or default_model
        self.event_delay = event_delay  # seconds between streamed events: the pace of a real model, for demos
        self._seed = seed
        self._clock = clock
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._responses: dict[str, _Stored] = {}
        self.journal: deque[dict[str, Any]] = deque(maxlen=journal_limit)
        """The latest requests received (``journal_limit`` of them; None: all), oldest first:
        ``{"method", "path", "query", "body"}`` (body parsed from JSON)."""

    # ----- ids and shapes -----

    def new_id(self, prefix: str) -> str:
        """An id shaped like OpenAI's (prefix, underscore, 48 hex digits)."""
        digest = hashlib.sha256(f"{self._seed}:{next(self._counter)}".encode()).hexdigest()
        return f"{prefix}_{digest[:48]}"

    def _with_ids(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for raw in items:
            item = dict(raw)
            item.setdefault("id", self.new_id(_PREFIX.get(str(item.get("type")), "item")))
            if item.get("type") in ("function_call", "function_call_output", "message"):
                item.setdefault("status", "completed")
            out.append(item)
        return out

    def _response(self, body: dict[str, Any], response_id: str, status: str) -> dict[str, Any]:
        reasoning: dict[str, Any] = body["reasoning"] if isinstance(body.get("reasoning"), dict) else {}
        text: dict[str, Any] = body["text"] if isinstance(body.get("text"), dict) else {}
        return {
            "id": response_id,
            "object": "response",
            "created_at": int(self._clock()),
            "status": status,
            "background": bool(body.get("background")),
            "completed_at": None,
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "max_output_tokens": body.get("max_output_tokens"),
            "max_tool_calls": body.get("max_tool_calls"),
            "model": body.get("model") or DEFAULT_MODEL,
            "output": [],
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
            "service_tier": "default",
            "store": body.get("store", True) is not False,
            "temperature": body.get("temperature", 1.0),
            "text": {
                "format": text.get("format") or {"type": "text"},
                "verbosity": text.get("verbosity", "medium"),
            },
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": [_flat_tool(t) for t in body.get("tools") or []],
            "top_logprobs": body.get("top_logprobs", 0),
            "top_p": body.get("top_p", 1.0),
            "truncation": body.get("truncation", "disabled"),
            **({"user": body["user"]} if isinstance(body.get("user"), str) else {}),
            "metadata": body.get("metadata") or {},
            "presence_penalty": body.get("presence_penalty", 0.0),
            "frequency_penalty": body.get("frequency_penalty", 0.0),
            "safety_identifier": body.get("safety_identifier"),
            "prompt_cache_key": body.get("prompt_cache_key"),
        }

    # ----- routing -----

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> OfflineReply:
        """Answer one HTTP request."""
        parts = [p for p in path.split("/") if p]
        parts = parts[parts.index("responses") :] if "responses" in parts else []  # any base path prefix
        if not parts:
            return error_reply(404, f"Invalid URL ({method} {path})", type="invalid_request_error")
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            return error_reply(
                400, "We could not parse the JSON body of your request.", type="invalid_request_error"
            )
        self.journal.append({"method": method, "path": path, "query": dict(query), "body": payload})
        rest = parts[1:]
        with self._lock:
            if method == "POST" and not rest:
                return self.create(payload)
            if method == "POST" and rest == ["input_tokens"]:
                return self.input_tokens(payload)
            if method == "POST" and rest == ["compact"]:
                return self.compact(payload)
            if len(rest) == 1 and method == "GET":
                return self.retrieve(rest[0], query)
            if len(rest) == 1 and method == "DELETE":
                return self.delete(rest[0])
            if len(rest) == 2 and method == "POST" and rest[1] == "cancel":
                return self.cancel(rest[0])
            if len(rest) == 2 and method == "GET" and rest[1] == "input_items":
                return self.input_items(rest[0], query)
        return error_reply(404, f"Invalid URL ({method} {path})", type="invalid_request_error")

    def _not_found(self, response_id: str, param: str | None = None) -> OfflineReply:
        return error_reply(
            404 if param is None else 400,
            f"Response with id '{response_id}' not found.",
            type="invalid_request_error",
            code="previous_response_not_found" if param else None,
            param=param,
        )

    def _get(self, response_id: str) -> _Stored | None:
        found = self._responses.get(response_id)
        return found if found is not None and found.stored else None

    # ----- endpoints -----

    def _context(self, payload: dict[str, Any]) -> tuple[list[dict[str, Any]], OfflineReply | None]:
        previous = payload.get("previous_response_id")
        if previous is None:
            return [], None
        found = self._get(str(previous))
        if found is None:
            return [], self._not_found(str(previous), "previous_response_id")
        return list(found.context), None

    def _validate(self, payload: dict[str, Any]) -> OfflineReply | None:
        if not isinstance(payload, dict):
            return error_reply(400, "The request body must be a JSON object.", type="invalid_request_error")
        if not payload.get("model"):
            return error_reply(400, "Missing required parameter: 'model'.", type="invalid_request_error",
                               code="missing_required_parameter", param="model")  # fmt: skip
        for name, low, high in (("temperature", 0, 2), ("top_p", 0, 1)):
            value = payload.get(name)
            if value is not None and (not isinstance(value, int | float) or not low <= value <= high):
                return error_reply(400, f"Invalid '{name}': must be a number from {low} to {high}.",
                                   type="invalid_request_error", code="invalid_value", param=name)  # fmt: skip
        if not isinstance(payload.get("input", ""), str | list):
            return error_reply(400, "Invalid 'input': expected a string or an array of items.",
                               type="invalid_request_error", code="invalid_type", param="input")  # fmt: skip
        return None

    def create(self, payload: dict[str, Any]) -> OfflineReply:
        """``POST /responses``."""
        invalid = self._validate(payload)
        if invalid is not None:
            return invalid
        context, missing = self._context(payload)
        if missing is not None:
            return missing
        new_items = self._with_ids(normalize_input(payload.get("input")))
        request = ModelRequest(
            body=payload, context=expand_compactions(context + new_items), new_items=new_items
        )
        answer = self.responder(request)
        if isinstance(answer, Fault) and answer.kind == "status":
            reply: OfflineReply = answer.reply()
            return reply
        if isinstance(answer, Fault):
            plan = answer.plan if isinstance(answer.plan, Plan) else default_model(request)
        else:
            plan = answer
        response_id = self.new_id("resp")
        background = bool(payload.get("background"))
        final = self._finish(payload, response_id, plan, request)
        # Before any output the usage is the input alone: OpenAI sends null here, but both specs want an object.
        usage = final["usage"]
        pending_usage = {**usage, "output_tokens": 0, "total_tokens": usage["input_tokens"],
                         "output_tokens_details": {"reasoning_tokens": 0}}  # fmt: skip
        initial = {**self._response(payload, response_id, "queued" if background else "in_progress"),
                   "usage": pending_usage}  # fmt: skip
        in_progress = {**initial, "status": "in_progress"}
        events = list(response_events(in_progress, final, error=plan.error))
        stored = _Stored(
            response=final,
            input_items=new_items,
            context=request.context + final["output"],
            events=events,
            stored=payload.get("store", True) is not False,
            final=final,
        )
        if (
            stored.stored or background
        ):  # a store=false response can never be read back: keeping it only leaks
            self._responses[response_id] = stored
        if payload.get("stream"):
            if background:  # runs on the server whatever the client does: done once its last event is sent
                stored.response = in_progress
            return self._stream(
                events, answer if isinstance(answer, Fault) else None, running=stored if background else None
            )
        if background:
            stored.response = initial
            stored.pending = ["in_progress", "final"]
            return _json(200, initial)
        return _json(200, final)

    def _finish(
        self, payload: dict[str, Any], response_id: str, plan: Plan, request: ModelRequest
    ) -> dict[str, Any]:
        final = self._response(payload, response_id, plan.status)
        final["output"] = self._with_ids(plan.output)
        final["completed_at"] = int(self._clock()) if plan.status == "completed" else None
        if plan.incomplete_reason:
            final["incomplete_details"] = {"reason": plan.incomplete_reason}
        if plan.error is not None:
            final["error"] = {
                "code": plan.error.get("code", "server_error"),
                "message": plan.error.get("message", ""),
            }
        input_tokens = estimate_tokens(request.context, payload.get("instructions"))
        prior = estimate_tokens(request.context[: len(request.context) - len(request.new_items)])
        cached = (prior // 128) * 128 if prior >= 1024 else 0  # OpenAI caches prefixes from 1024 tokens
        text_tokens = sum(len(t) for item in plan.output for t in item_texts(item)) // 4 + len(plan.output)
        output_tokens = text_tokens + plan.reasoning_tokens
        limit = payload.get("max_output_tokens")
        if isinstance(limit, int) and limit > 0:
            output_tokens = min(output_tokens, limit)  # the real API never goes over its limit
        final["usage"] = {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": plan.reasoning_tokens},
            "total_tokens": input_tokens + output_tokens,
        }
        return final

    def _stream(
        self, events: list[dict[str, Any]], fault: Fault | None, *, running: _Stored | None = None
    ) -> OfflineReply:
        """The SSE reply of ``events``; ``running`` is a background response that finishes with its stream."""
        headers = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}

        def chunks() -> Iterator[bytes | Stall]:
            for index, event in enumerate(events):
                if running is not None and running.response["status"] == "cancelled":
                    return
                if fault is not None and index == fault.after:
                    yield from fault.stream_break()
                    return
                if self.event_delay and index:
                    yield Stall(self.event_delay)
                yield _sse(event)
            if running is not None:
                running.response = running.final

        return OfflineReply(200, headers, chunks=chunks())

    def retrieve(self, response_id: str, query: dict[str, str]) -> OfflineReply:
        """``GET /responses/{id}`` (``?stream=true&starting_after=N`` replays the stored events)."""
        found = self._get(response_id)
        if found is None:
            return self._not_found(response_id)
        if query.get("stream") in ("true", "1"):
            after = int(query.get("starting_after", "-1") or -1)
            events = [e for e in found.events if e["sequence_number"] > after]
            return self._stream(events, None)
        if found.pending:
            status = found.pending.pop(0)
            found.response = (
                {**found.response, "status": "in_progress"} if status == "in_progress" else found.final
            )
        return _json(200, found.response)

    def delete(self, response_id: str) -> OfflineReply:
        """``DELETE /responses/{id}``."""
        if self._get(response_id) is None:
            return self._not_found(response_id)
        del self._responses[response_id]
        return _json(200, {"id": response_id, "object": "response.deleted", "deleted": True})

    def cancel(self, response_id: str) -> OfflineReply:
        """``POST /responses/{id}/cancel``: only a background response that has not finished can be cancelled."""
        found = self._get(response_id)
        if found is None:
            return self._not_found(response_id)
        if not found.response.get("background"):
            return error_reply(
                400, "Only background responses can be cancelled.", type="invalid_request_error"
            )
        if found.response["status"] in ("queued", "in_progress"):
            found.pending = []
            found.response = {**found.response, "status": "cancelled"}
        return _json(200, found.response)

    def input_items(self, response_id: str, query: dict[str, str]) -> OfflineReply:
        """``GET /responses/{id}/input_items`` with ``limit``, ``order``, ``after`` and ``before``."""
        found = self._get(response_id)
        if found is None:
            return self._not_found(response_id)
        items = list(found.input_items)
        if query.get("order", "desc") == "desc":
            items.reverse()
        ids = [i["id"] for i in items]
        if query.get("after") in ids:
            items = items[ids.index(query["after"]) + 1 :]
        if query.get("before") in ids:
            items = items[: [i["id"] for i in items].index(query["before"])]
        limit = max(1, min(int(query.get("limit", "20") or 20), 100))
        page = items[:limit]
        return _json(200, {
            "object": "list", "data": page, "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None, "has_more": len(items) > limit,
        })  # fmt: skip

    def input_tokens(self, payload: dict[str, Any]) -> OfflineReply:
        """``POST /responses/input_tokens``."""
        context, missing = self._context(payload)
        if missing is not None:
            return missing
        items = context + normalize_input(payload.get("input"))
        count = estimate_tokens(items, payload.get("instructions"))
        return _json(200, {"object": "response.input_tokens", "input_tokens": count})

    def compact(self, payload: dict[str, Any]) -> OfflineReply:
        """``POST /responses/compact``: the context packed into one opaque ``compaction`` item.

        Its ``encrypted_content`` is the context, encoded, so sending the item back as input restores it.
        """
        if not isinstance(payload, dict) or not payload.get("model"):
            return error_reply(400, "Missing required parameter: 'model'.", type="invalid_request_error",
                               code="missing_required_parameter", param="model")  # fmt: skip
        context, missing = self._context(payload)
        if missing is not None:
            return missing
        items = expand_compactions(context + normalize_input(payload.get("input")))
        output = [{"type": "compaction", "id": self.new_id("cmp"), "encrypted_content": pack_items(items)}]
        tokens = estimate_tokens(items)
        usage = {
            "input_tokens": tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": tokens // 8,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": tokens + tokens // 8,
        }
        body = {"id": self.new_id("cmp"), "object": "response.compaction", "output": output}
        return _json(200, {**body, "created_at": int(self._clock()), "usage": usage})

    def stored_count(self) -> int:
        """How many responses are held."""
        return len(self._responses)

    # ----- clients wired to this server -----

    def transport(self) -> Any:
        """An ``httpx2`` transport (sync and async) serving this server in process."""
        from ._transport import OfflineTransport

        return OfflineTransport(self)

    def client(self, **options: Any) -> Any:
        """An `nbresponses.Client` talking to this server in process (``options`` go to the client)."""
        import httpx2

        from nbresponses._client import Client

        options.setdefault("api_key", OFFLINE_KEY)
        options.setdefault("base_url", OFFLINE_BASE_URL)
        return Client(http_client=httpx2.Client(transport=self.transport()), **options)

    def async_client(self, **options: Any) -> Any:
        """An `nbresponses.AsyncClient` talking to this server in process."""
        import httpx2

        from nbresponses._client import AsyncClient

        options.setdefault("api_key", OFFLINE_KEY)
        options.setdefault("base_url", OFFLINE_BASE_URL)
        return AsyncClient(http_client=httpx2.AsyncClient(transport=self.transport()), **options)


def _flat_tool(tool: Any) -> Any:
    if isinstance(tool, dict) and tool.get("type") == "function":
        flat = {k: v for k, v in tool.items() if k != "function"}
        if isinstance(tool.get("function"), dict):
            flat.update(tool["function"])
        flat.setdefault("description", None)
        flat.setdefault("parameters", {"type": "object", "properties": {}})
        flat.setdefault("strict", False)
        return flat
    return tool
