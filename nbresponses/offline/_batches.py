"""The offline server's Files and Batch APIs: ``/v1/files`` and ``/v1/batches``.

A batch's input file is checked when the batch is created (JSONL, unique ``custom_id``, ``POST`` to
``/v1/responses``); a bad file makes a ``failed`` batch with its errors, as on the real service. The batch then
goes ``validating`` → ``in_progress`` → ``completed`` over ``delay`` seconds: each time it is looked at, the
share of its lines that the elapsed time allows is answered by the server's model (so its request counts move),
and once all are done its output and error files are written. ``cancel`` makes it ``cancelling``, then
``cancelled`` with the lines answered so far. State lives in a `FileStore` (SQLite), so a kernel restart
between submitting and collecting loses nothing when the store is a file.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._files import FileStore, parse_multipart
from ._reply import APIError, OfflineReply, json_reply, page

if TYPE_CHECKING:
    from ._server import Handler, OfflineServer

__all__ = ["BATCH_SECONDS_VARIABLE", "DEFAULT_BATCH_SECONDS", "OfflineBatchAPI", "batch_routes"]

BATCH_SECONDS_VARIABLE = "NBRESPONSES_OFFLINE_BATCH_SECONDS"

DEFAULT_BATCH_SECONDS = 2.0
"""How long an offline batch takes from submission to completion, unless configured."""

_ENDPOINT = "/v1/responses"
_USAGE_KEYS = ("input_tokens", "output_tokens", "total_tokens")


def _reply(status: int, body: Any, content_type: str = "application/json") -> OfflineReply:
    if isinstance(body, bytes):
        return OfflineReply(status, {"content-type": content_type}, body)
    return json_reply(status, body)


def _error(status: int, message: str, *, code: str | None = None, param: str | None = None) -> OfflineReply:
    return APIError(status, message, code=code, param=param).reply()


def _check_lines(content: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The requests of an input file, and the problems that make the batch fail (OpenAI's error shape)."""
    lines, errors, seen = [], [], set()
    for number, raw in enumerate(content.decode("utf-8", "replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            errors.append(
                {"code": "invalid_json_line", "message": "This line is not valid JSON.", "line": number}
            )
            continue
        problem = None
        if not isinstance(line, dict) or not isinstance(line.get("body"), dict):
            problem = ("missing_required_parameter", "Each line needs a JSON object 'body'.")
        elif not isinstance(line.get("custom_id"), str) or not line["custom_id"]:
            problem = ("missing_required_parameter", "Each line needs a string 'custom_id'.")
        elif line["custom_id"] in seen:
            problem = ("duplicate_custom_id", f"The custom_id {line['custom_id']!r} is used more than once.")
        elif line.get("method") != "POST" or line.get("url") != _ENDPOINT:
            problem = ("invalid_url", f"The offline backend batches POST {_ENDPOINT} only.")
        if problem is not None:
            errors.append({"code": problem[0], "message": problem[1], "line": number, "param": None})
            continue
        seen.add(line["custom_id"])
        lines.append(line)
    if not lines and not errors:
        errors.append({"code": "empty_file", "message": "The input file has no requests.", "line": None})
    return lines, errors


class OfflineBatchAPI:
    """``/files`` and ``/batches`` of an offline server.

    Args:
        respond: answers one ``POST /responses`` body (non-streaming) as the server would.
        store: where files and batches are kept.
        delay: seconds from submission to completion.
    """

    def __init__(
        self,
        respond: Callable[[dict[str, Any]], OfflineReply],
        *,
        store: FileStore,
        delay: float = DEFAULT_BATCH_SECONDS,
    ) -> None:
        self.respond = respond
        self.store = store
        self.delay = delay
        self._lock = threading.RLock()  # one batch is advanced by one request at a time

    # ----- files -----

    def upload(self, body: bytes) -> OfflineReply:
        """``POST /files`` (multipart: ``file`` and ``purpose``)."""
        fields = parse_multipart(body)
        filename, content = fields.get("file", (None, b""))
        purpose = (fields.get("purpose") or (None, b""))[1].decode().strip()
        for name, given in (("file", "file" in fields), ("purpose", bool(purpose))):
            if not given:
                return _error(400, f"Missing required parameter: '{name}'.", code="missing_required_parameter",
                              param=name)  # fmt: skip
        return _reply(200, self.store.add_file(filename or "upload", purpose, content))

    def file(self, file_id: str, *, content: bool = False, delete: bool = False) -> OfflineReply:
        """``GET /files/{id}``, ``GET /files/{id}/content``, ``DELETE /files/{id}``."""
        found = self.store.file(file_id)
        if found is None:
            return _error(404, f"No such File object: {file_id}", param="id")
        if content:
            return _reply(200, self.store.content(file_id) or b"", "application/octet-stream")
        if delete:
            self.store.delete_file(file_id)
            return _reply(200, {"id": file_id, "object": "file", "deleted": True})
        return _reply(200, found)

    def files(self, query: dict[str, str]) -> OfflineReply:
        """``GET /files`` (``purpose``, ``limit``, ``after``, ``order``)."""
        return _reply(200, page(self.store.files(query.get("purpose"))[::-1], query))

    # ----- batches -----

    def batches(self, query: dict[str, str]) -> OfflineReply:
        """``GET /batches``: newest first."""
        with self._lock:
            return _reply(200, page([self.advance(i) for i in self.store.batch_ids()][::-1], query))

    def batch(self, batch_id: str, *, cancel: bool = False) -> OfflineReply:
        """``GET /batches/{id}`` and ``POST /batches/{id}/cancel``."""
        with self._lock:
            if self.store.batch(batch_id) is None:
                return _error(404, f"No batch found with id '{batch_id}'.", param="batch_id")
            return self.cancel(batch_id) if cancel else _reply(200, self.advance(batch_id))

    def create(self, payload: Any) -> OfflineReply:
        """``POST /batches``: check the input file and start the batch."""
        if not isinstance(payload, dict):
            return _error(400, "The request body must be a JSON object.")
        for name in ("input_file_id", "endpoint", "completion_window"):
            if not payload.get(name):
                return _error(400, f"Missing required parameter: '{name}'.", code="missing_required_parameter",
                              param=name)  # fmt: skip
        if payload["endpoint"] != _ENDPOINT:
            return _error(
                400, f"The offline backend batches {_ENDPOINT} only.", code="invalid_value", param="endpoint"
            )
        if payload["completion_window"] != "24h":
            return _error(400, "Invalid 'completion_window': only '24h' is supported.", code="invalid_value",
                          param="completion_window")  # fmt: skip
        file = self.store.file(str(payload["input_file_id"]))
        if file is None:
            return _error(404, f"No such File object: {payload['input_file_id']}", param="input_file_id")
        if file.get("purpose") != "batch":
            return _error(400, "The input file must be uploaded with purpose 'batch'.", param="input_file_id")
        lines, errors = _check_lines(self.store.content(file["id"]) or b"")
        now = int(self.store.clock())
        model = next((str(line["body"].get("model")) for line in lines if line["body"].get("model")), None)
        obj: dict[str, Any] = {
            "id": self.store.new_id("batch_"), "object": "batch", "endpoint": _ENDPOINT, "model": model,
            "errors": {"object": "list", "data": errors} if errors else None, "input_file_id": file["id"],
            "completion_window": "24h", "status": "failed" if errors else "validating",
            "output_file_id": None, "error_file_id": None, "created_at": now, "in_progress_at": None,
            "expires_at": now + 24 * 3600, "finalizing_at": None, "completed_at": None,
            "failed_at": now if errors else None, "expired_at": None, "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": 0 if errors else len(lines), "completed": 0, "failed": 0},
            "usage": None, "metadata": payload.get("metadata") or {},
        }  # fmt: skip
        self.store.add_batch(obj)
        return _reply(200, obj)

    def cancel(self, batch_id: str) -> OfflineReply:
        """``POST /batches/{id}/cancel``: lines answered so far are kept in its output file."""
        obj = self.advance(batch_id)
        if obj["status"] not in ("validating", "in_progress"):
            return _error(400, f"Cannot cancel a batch with status '{obj['status']}'.")
        obj = {**obj, "status": "cancelling", "cancelling_at": int(self.store.clock())}
        _, _, processed, output, errors = self.store.batch(batch_id) or (None, 0.0, 0, b"", b"")
        self.store.save_batch(obj, processed=processed, output=output, errors=errors)
        return _reply(200, obj)

    def advance(self, batch_id: str) -> dict[str, Any]:
        """The batch as of now: answer the lines its elapsed time allows, finish it when all are answered."""
        found = self.store.batch(batch_id)
        assert found is not None
        obj, created, processed, output, errors = found
        now = self.store.clock()
        if obj["status"] == "cancelling":
            obj.update(status="cancelled", cancelled_at=int(now))
            return self._finish(obj, processed, output, errors)
        if obj["status"] not in ("validating", "in_progress"):
            return obj
        file = self.store.content(obj["input_file_id"]) or b""
        lines, _ = _check_lines(file)
        share = 1.0 if self.delay <= 0 else min(1.0, (now - created) / self.delay)
        target = len(lines) if share >= 1.0 else math.floor(len(lines) * share)
        obj.update(status="in_progress", in_progress_at=obj["in_progress_at"] or int(now))
        new_output, new_errors = [output], [errors]
        counts = obj["request_counts"]
        for line in lines[processed:target]:
            text, ok = self._answer(line)
            (new_output if ok else new_errors).append(text)
            counts["completed" if ok else "failed"] += 1
            if ok:
                obj["usage"] = _add_usage(obj["usage"], json.loads(text)["response"]["body"].get("usage"))
        output, errors, processed = b"".join(new_output), b"".join(new_errors), max(processed, target)
        if processed >= len(lines):
            obj.update(status="completed", finalizing_at=int(now), completed_at=int(now))
            return self._finish(obj, processed, output, errors)
        self.store.save_batch(obj, processed=processed, output=output, errors=errors)
        return obj

    def _answer(self, line: dict[str, Any]) -> tuple[bytes, bool]:
        body = {k: v for k, v in line["body"].items() if k not in ("stream", "background")}
        reply = self.respond(body)
        try:
            answer = json.loads(reply.body)
        except ValueError:
            answer = {"error": {"message": reply.body.decode("utf-8", "replace")[:300]}}
        out = {"id": f"batch_req_{secrets.token_hex(12)}", "custom_id": line["custom_id"],
               "response": {"status_code": reply.status, "request_id": f"req_{secrets.token_hex(8)}", "body": answer},
               "error": None}  # fmt: skip
        return (json.dumps(out) + "\n").encode(), reply.status == 200

    def _finish(self, obj: dict[str, Any], processed: int, output: bytes, errors: bytes) -> dict[str, Any]:
        if output:
            obj["output_file_id"] = self.store.add_file(f"{obj['id']}_output.jsonl", "batch_output", output)[
                "id"
            ]
        if errors:
            obj["error_file_id"] = self.store.add_file(f"{obj['id']}_error.jsonl", "batch_output", errors)[
                "id"
            ]
        self.store.save_batch(obj, processed=processed, output=output, errors=errors)
        return obj


def _add_usage(total: dict[str, Any] | None, usage: dict[str, Any] | None) -> dict[str, Any] | None:
    if not usage:
        return total
    total = total or {"input_tokens": 0, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 0,
                      "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 0}  # fmt: skip
    for key in _USAGE_KEYS:
        total[key] += int(usage.get(key) or 0)
    total["input_tokens_details"]["cached_tokens"] += int(
        (usage.get("input_tokens_details") or {}).get("cached_tokens") or 0
    )
    total["output_tokens_details"]["reasoning_tokens"] += int(
        (usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0
    )
    return total


def batch_routes(
    server: OfflineServer, *, seconds: float | None = None
) -> list[tuple[str, str, Handler, bool]]:
    """The Files and Batch API routes of ``server`` (method, pattern, handler, raw body?).

    The store opens on first use, in the server's state file (so batches outlive a kernel) or in memory.
    """
    made: list[OfflineBatchAPI] = []

    def api() -> OfflineBatchAPI:
        if not made:
            delay = seconds
            if delay is None:
                delay = float(os.environ.get(BATCH_SECONDS_VARIABLE) or DEFAULT_BATCH_SECONDS)
            state = server.state
            store = FileStore(state.path if state.persistent else None, clock=server._clock)
            made.append(OfflineBatchAPI(server.create, store=store, delay=delay))
        return made[0]

    return [
        ("POST", "files", lambda p, q, body: api().upload(body), True),
        ("GET", "files", lambda p, q, b: api().files(q), False),
        ("GET", "files/{id}", lambda p, q, b: api().file(p["id"]), False),
        ("GET", "files/{id}/content", lambda p, q, b: api().file(p["id"], content=True), False),
        ("DELETE", "files/{id}", lambda p, q, b: api().file(p["id"], delete=True), False),
        ("POST", "batches", lambda p, q, body: api().create(body), False),
        ("GET", "batches", lambda p, q, b: api().batches(q), False),
        ("GET", "batches/{id}", lambda p, q, b: api().batch(p["id"]), False),
        ("POST", "batches/{id}/cancel", lambda p, q, b: api().batch(p["id"], cancel=True), False),
    ]
