"""The offline Responses API server: routing and the responses endpoints, independent of any transport.

`OfflineServer.handle` takes a method, path, query and body and returns an `OfflineReply` (a JSON body, or an
iterator of SSE chunks). The in-process httpx2 transport and the ASGI app both wrap it, so they behave the same;
the ASGI app's WebSocket mode and the in-process WebSocket use `OfflineServer.respond` directly.

State lives in an `OfflineState` (SQLite: a file shared by processes, or ``:memory:``): responses with their
input items and context, so ``previous_response_id`` continues a conversation, and conversations. ``store=false``
responses are neither retrievable nor continuable over HTTP; ``background=true`` goes ``queued`` →
``in_progress`` → ``completed`` (one step per retrieve) and can be cancelled.

Routes are a table (`Route`): other endpoints are added with `OfflineServer.add_route`. The Files and Batch APIs
(``/files``, ``/batches``) are routes of `_batches`; ``/chat/completions`` of `_chat` and ``/models`` of `_catalog`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._body import BodyError, parse_body
from ._catalog import refuse_chat_only
from ._events import in_progress_form, response_events
from ._faults import Fault, Stall
from ._items import estimate_tokens, expand_compactions, normalize_input, pack_items
from ._model import ModelRequest, Plan, default_model
from ._reply import APIError, OfflineReply, error_reply, json_reply, page, sse
from ._shapes import response_body, usage
from ._state import MEMORY, OfflineState, StoredResponse
from ._validate import check_create, check_tool_outputs, conversation_id

__all__ = [
    "OFFLINE_BASE_URL",
    "OFFLINE_KEY",
    "Created",
    "OfflineReply",
    "OfflineServer",
    "Responder",
    "Route",
]

OFFLINE_BASE_URL = "http://offline.nbresponses.invalid/v1"
"""The base URL of in-process offline clients (``.invalid``: it can never reach a real host)."""
OFFLINE_KEY = "offline"
"""The placeholder key offline clients send (the server ignores it)."""
PACE_VARIABLE = "NBRESPONSES_OFFLINE_PACE"

Responder = Callable[[ModelRequest], "Plan | Fault"]
"""What answers a request: a model (a plan) or, for tests, a fault."""
Handler = Callable[[dict[str, str], dict[str, str], Any], OfflineReply]
"""A route's handler: path parameters, query, parsed JSON body → reply."""
ContextLookup = Callable[[str], "list[dict[str, Any]] | None"]

_PREFIX = {
    "message": "msg", "function_call": "fc", "reasoning": "rs", "web_search_call": "ws",
    "file_search_call": "fs", "code_interpreter_call": "ci", "image_generation_call": "ig", "mcp_call": "mcp",
    "custom_tool_call": "ctc", "function_call_output": "fco",
}  # fmt: skip


@dataclass(frozen=True)
class Route:
    """One endpoint: ``pattern`` is the path after the API root, e.g. ``responses/{id}/input_items``."""

    method: str
    pattern: tuple[str, ...]
    handler: Handler
    raw: bool = False
    """The handler is given the body's bytes, not parsed JSON (a multipart upload)."""

    def match(self, method: str, parts: list[str]) -> dict[str, str] | None:
        """The path parameters if ``method`` and ``parts`` are this route's, else None."""
        if method != self.method or len(parts) != len(self.pattern):
            return None
        params = {}
        for segment, part in zip(self.pattern, parts, strict=True):
            if segment.startswith("{"):
                params[segment.strip("{}")] = part
            elif segment != part:
                return None
        return params


@dataclass
class Created:
    """A response made by `OfflineServer.respond`: its events, its context, whether it was kept."""

    stored: StoredResponse
    events: list[dict[str, Any]]
    context: list[dict[str, Any]]
    fault: Fault | None = None


def _pace(value: float | None) -> float:
    if value is not None:
        return max(float(value), 0.0)
    try:
        return max(float(os.environ.get(PACE_VARIABLE, "0") or 0), 0.0)
    except ValueError:
        return 0.0


class OfflineServer:
    """A stateful Responses API server that answers with a deterministic model (or a test's script).

    Args:
        responder: answers each ``POST /responses``; defaults to the offline model.
        seed: varies the generated ids (with a file database, ids also differ between processes).
        clock: seconds since the epoch, for ``created_at``.
        event_delay: seconds between streamed events (0: as fast as possible).
        journal_limit: how many requests `journal` keeps (None: all; a test double keeps all).
        database: the SQLite file that keeps responses and conversations (``":memory:"``: this server only).
        pace: tokens per second of streamed text, so a person can watch it (default
            ``$NBRESPONSES_OFFLINE_PACE``; 0: as fast as possible).
        batch_seconds: how long a batch takes to complete (default ``$NBRESPONSES_OFFLINE_BATCH_SECONDS``, else 2).
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        seed: str = "",
        clock: Callable[[], float] = time.time,
        event_delay: float = 0.0,
        journal_limit: int | None = 256,
        database: str | Path = MEMORY,
        pace: float | None = None,
        batch_seconds: float | None = None,
    ) -> None:
        self.responder: Responder = responder or default_model
        self.event_delay = event_delay  # seconds between streamed events: the pace of a real model, for demos
        self.pace = _pace(pace)
        self.state = OfflineState(database)
        # Processes sharing a file must not mint the same ids; in memory, ids stay reproducible.
        self._seed = f"{seed}:{secrets.token_hex(8)}" if self.state.persistent else seed
        self._clock = clock
        self._counter = itertools.count(1)
        self._lock = threading.RLock()
        self.websocket_connections = 0
        """WebSocket connections opened so far (the ASGI app and in-process sockets count them)."""
        self.journal: deque[dict[str, Any]] = deque(maxlen=journal_limit)
        """The latest requests received (``journal_limit`` of them; None: all), oldest first:
        ``{"method", "path", "query", "body"}`` (body parsed from JSON; ``"WS"`` for a WebSocket
        ``response.create``, its body without the ``type``)."""
        self.routes: list[Route] = []
        for method, pattern, handler in (
            ("POST", "responses", lambda p, q, b: self.create(b)),
            ("POST", "responses/input_tokens", lambda p, q, b: self.input_tokens(b)),
            ("POST", "responses/compact", lambda p, q, b: self.compact(b)),
            ("GET", "responses/{id}", lambda p, q, b: self.retrieve(p["id"], q)),
            ("DELETE", "responses/{id}", lambda p, q, b: self.delete(p["id"])),
            ("POST", "responses/{id}/cancel", lambda p, q, b: self.cancel(p["id"])),
            ("GET", "responses/{id}/input_items", lambda p, q, b: self.input_items(p["id"], q)),
        ):
            self.add_route(method, pattern, handler)
        from ._conversations import conversation_routes

        for method, pattern, handler in conversation_routes(self):
            self.add_route(method, pattern, handler)
        from ._batches import batch_routes

        for method, pattern, handler, raw in batch_routes(self, seconds=batch_seconds):
            self.add_route(method, pattern, handler, raw=raw)
        from ._catalog import model_routes
        from ._chat import chat_routes

        for method, pattern, handler in (*chat_routes(self), *model_routes()):
            self.add_route(method, pattern, handler)

    # ----- ids -----

    def new_id(self, prefix: str) -> str:
        """An id shaped like OpenAI's (prefix, underscore, 48 hex digits)."""
        digest = hashlib.sha256(f"{self._seed}:{next(self._counter)}".encode()).hexdigest()
        return f"{prefix}_{digest[:48]}"

    def now(self) -> int:
        """The server clock, in whole seconds."""
        return int(self._clock())

    def with_ids(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Copies of ``items``, each with an id (and a status where the API gives one)."""
        out = []
        for raw in items:
            item = dict(raw)
            item.setdefault("id", self.new_id(_PREFIX.get(str(item.get("type")), "item")))
            if item.get("type") in ("function_call", "function_call_output", "message"):
                item.setdefault("status", "completed")
            out.append(item)
        return out

    # ----- routing -----

    def add_route(self, method: str, pattern: str, handler: Handler, *, raw: bool = False) -> None:
        """Serve ``method pattern`` (a path after the API root with ``{name}`` parameters) with ``handler``
        (``raw``: given the body's bytes instead of its JSON)."""
        self.routes.append(Route(method.upper(), tuple(p for p in pattern.split("/") if p), handler, raw))

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        parts = [p for p in path.split("/") if p]
        roots = {route.pattern[0] for route in self.routes}
        for start, part in enumerate(parts):  # any base path prefix (/v1, /openai/v1, ...)
            if part not in roots:
                continue
            for route in self.routes:
                params = route.match(method, parts[start:])
                if params is not None:
                    return route, params
        return None

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> OfflineReply:
        """Answer one HTTP request."""
        found = self._match(method.upper(), path)
        if found is None:
            return error_reply(404, f"Invalid URL ({method} {path})", type="invalid_request_error")
        if found[0].raw:
            self.journal.append({"method": method, "path": path, "query": dict(query), "body": None})
            with self._lock:
                return found[0].handler(found[1], query, body)
        try:
            payload = parse_body(body)
        except BodyError as error:
            return error_reply(400, str(error), type="invalid_request_error")
        self.journal.append({"method": method, "path": path, "query": dict(query), "body": payload})
        route, params = found
        with self._lock:
            return route.handler(params, query, payload)

    def _not_found(self, response_id: str, param: str | None = None) -> APIError:
        return APIError(
            404 if param is None else 400,
            f"Response with id '{response_id}' not found.",
            code="previous_response_not_found" if param else None,
            param=param,
        )

    # ----- making a response -----

    def _context(
        self, payload: dict[str, Any], lookup: ContextLookup | None = None
    ) -> tuple[list[dict[str, Any]], str | None, APIError | None]:
        """The context a request continues, the stored response it extends (if any), or why it cannot."""
        conversation = conversation_id(payload)
        if conversation is not None:
            if self.state.conversation(conversation) is None:
                return [], None, APIError(404, f"Conversation with id '{conversation}' not found.",
                                          param="conversation")  # fmt: skip
            return self.state.items(conversation), None, None
        previous = payload.get("previous_response_id")
        if not previous:
            return [], None, None
        local = lookup(str(previous)) if lookup is not None else None
        if local is not None:
            return local, None, None
        stored = self.state.context(str(previous))
        if stored is None:
            return [], None, self._not_found(str(previous), "previous_response_id")
        return stored, str(previous), None

    def respond(self, payload: Any, *, lookup: ContextLookup | None = None) -> Created | APIError:
        """Make (and keep, unless ``store=false``) the response to a ``POST /responses`` body.

        ``lookup`` finds contexts the store does not hold (a WebSocket's connection-local responses).
        """
        with self._lock:
            return self._respond(payload, lookup)

    def _respond(self, payload: Any, lookup: ContextLookup | None) -> Created | APIError:
        invalid = check_create(payload) or refuse_chat_only(payload)
        if invalid is not None:
            return invalid
        context, parent, missing = self._context(payload, lookup)
        if missing is not None:
            return missing
        new_items = self.with_ids(normalize_input(payload.get("input")))
        invalid = check_tool_outputs(context, new_items)
        if invalid is not None:
            return invalid
        added = expand_compactions(new_items)
        request = ModelRequest(body=payload, context=[*context, *added], new_items=new_items)
        answer = self.responder(request)
        if isinstance(answer, Fault) and answer.kind == "status":
            error: APIError = answer.api_error()
            return error
        plan = (
            answer if isinstance(answer, Plan) else (answer.plan if isinstance(answer.plan, Plan) else None)
        )
        plan = plan if plan is not None else default_model(request)
        response_id = self.new_id("resp")
        final = response_body(payload, response_id, plan.status, now=self.now())
        final["output"] = self.with_ids(plan.output)
        final["completed_at"] = self.now() if plan.status == "completed" else None
        if plan.incomplete_reason:
            final["incomplete_details"] = {"reason": plan.incomplete_reason}
        if plan.error is not None:
            final["error"] = {
                "code": plan.error.get("code", "server_error"),
                "message": plan.error.get("message", ""),
            }
        final["usage"] = usage(payload, plan, request, added=len(added))
        initial = in_progress_form(final)
        stored = StoredResponse(
            id=response_id, response=final, final=final, initial=initial, input_items=new_items,
            error=plan.error, conversation=conversation_id(payload), created_at=time.time(),
        )  # fmt: skip
        full = [*request.context, *final["output"]]
        if payload.get("background"):
            stored.response, stored.pending = {**initial, "status": "queued"}, ["in_progress", "final"]
        if payload.get("store", True) is not False:
            self.state.put(stored, full, parent=parent, delta=[*added, *final["output"]])
        if stored.conversation is not None:
            self.state.add_items(stored.conversation, [*new_items, *final["output"]])
        events = list(response_events(initial, final, error=plan.error))
        return Created(stored, events, full, answer if isinstance(answer, Fault) else None)

    def create(self, payload: Any) -> OfflineReply:
        """``POST /responses``."""
        made = self.respond(payload)
        if isinstance(made, APIError):
            return made.reply()
        background = bool(payload.get("background"))
        if payload.get("stream"):
            if background:  # runs on the server whatever the client does: done once its last event is sent
                self.state.update(made.stored.id, response=made.stored.initial, pending=[])
            return self._stream(made.events, made.fault, running=made.stored if background else None)
        return json_reply(200, made.stored.response)

    def delay(self, event: dict[str, Any], index: int) -> float:
        """Seconds to wait before sending the ``index``-th event (``event_delay``, and ``pace`` for deltas)."""
        wait = self.event_delay if index else 0.0
        if self.pace and str(event.get("type", "")).endswith(".delta"):
            wait = max(wait, 1.0 / self.pace)
        return wait

    def _stream(
        self, events: list[dict[str, Any]], fault: Fault | None, *, running: StoredResponse | None = None
    ) -> OfflineReply:
        """The SSE reply of ``events``; ``running`` is a background response that finishes with its stream."""
        headers = {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}

        def chunks() -> Iterator[bytes | Stall]:
            for index, event in enumerate(events):
                if running is not None:
                    current = self.state.get(running.id)
                    if current is None or current.response["status"] == "cancelled":
                        return
                if fault is not None and index == fault.after:
                    yield from fault.stream_break()
                    return
                wait = self.delay(event, index)
                if wait:
                    yield Stall(wait)
                yield sse(event)
            if running is not None:
                self.state.update(running.id, response=running.final, pending=[])

        return OfflineReply(200, headers, chunks=chunks())

    # ----- the other responses endpoints -----

    def retrieve(self, response_id: str, query: dict[str, str]) -> OfflineReply:
        """``GET /responses/{id}`` (``?stream=true&starting_after=N`` replays the stored events)."""
        found = self.state.get(response_id)
        if found is None:
            return self._not_found(response_id).reply()
        if query.get("stream") in ("true", "1"):
            try:
                after = int(query.get("starting_after", "-1") or -1)
            except ValueError:
                after = -1
            events = response_events(found.initial, found.final, error=found.error)
            return self._stream([e for e in events if e["sequence_number"] > after], None)
        if found.pending:
            step = found.pending.pop(0)
            found.response = (
                {**found.response, "status": "in_progress"} if step == "in_progress" else found.final
            )
            self.state.update(response_id, response=found.response, pending=found.pending)
        return json_reply(200, found.response)

    def delete(self, response_id: str) -> OfflineReply:
        """``DELETE /responses/{id}``."""
        if not self.state.delete(response_id):
            return self._not_found(response_id).reply()
        return json_reply(200, {"id": response_id, "object": "response.deleted", "deleted": True})

    def cancel(self, response_id: str) -> OfflineReply:
        """``POST /responses/{id}/cancel``: only a background response that has not finished can be cancelled."""
        found = self.state.get(response_id)
        if found is None:
            return self._not_found(response_id).reply()
        if not found.response.get("background"):
            return error_reply(
                400, "Only background responses can be cancelled.", type="invalid_request_error"
            )
        if found.response["status"] in ("queued", "in_progress"):
            found.response = {**found.response, "status": "cancelled"}
            self.state.update(response_id, response=found.response, pending=[])
        return json_reply(200, found.response)

    def input_items(self, response_id: str, query: dict[str, str]) -> OfflineReply:
        """``GET /responses/{id}/input_items`` with ``limit``, ``order``, ``after`` and ``before``."""
        found = self.state.get(response_id)
        if found is None:
            return self._not_found(response_id).reply()
        return json_reply(200, page(found.input_items, query))

    def input_tokens(self, payload: dict[str, Any]) -> OfflineReply:
        """``POST /responses/input_tokens``."""
        context, _, missing = self._context(payload if isinstance(payload, dict) else {})
        if missing is not None:
            return missing.reply()
        items = context + normalize_input(payload.get("input"))
        count = estimate_tokens(items, payload.get("instructions"))
        return json_reply(200, {"object": "response.input_tokens", "input_tokens": count})

    def compact(self, payload: dict[str, Any]) -> OfflineReply:
        """``POST /responses/compact``: the context packed into one opaque ``compaction`` item.

        Its ``encrypted_content`` is the context, encoded, so sending the item back as input restores it.
        """
        if not isinstance(payload, dict) or not payload.get("model"):
            return error_reply(400, "Missing required parameter: 'model'.", type="invalid_request_error",
                               code="missing_required_parameter", param="model")  # fmt: skip
        context, _, missing = self._context(payload)
        if missing is not None:
            return missing.reply()
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
        return json_reply(200, {**body, "created_at": self.now(), "usage": usage})

    # ----- what clients use to reach this server in process -----

    def websocket_connector(self) -> Any:
        """Opens in-process WebSocket connections to this server (``Client(websocket_connect=...)``)."""
        from ._websocket import InProcessConnector

        return InProcessConnector(self)
