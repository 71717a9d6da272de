"""Constructors of scripted replies: output items, whole responses, and faults (for `OfflineBackend.script`)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from nbresponses.offline import Fault, Plan

__all__ = [
    "code_interpreter",
    "disconnect",
    "failed",
    "file_search",
    "function_call",
    "http_error",
    "image_generation",
    "incomplete",
    "malformed",
    "mcp_call",
    "reasoning",
    "refusal",
    "reply",
    "stall",
    "text",
    "web_search",
]

# A 1x1 transparent PNG: the smallest valid image for image_generation replies.
_PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def text(value: str, *, annotations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An assistant message with one ``output_text`` part."""
    part = {"type": "output_text", "text": value, "annotations": annotations or [], "logprobs": []}
    return {"type": "message", "role": "assistant", "status": "completed", "content": [part]}


def refusal(value: str) -> dict[str, Any]:
    """An assistant message that refuses."""
    part = {"type": "refusal", "refusal": value}
    return {"type": "message", "role": "assistant", "status": "completed", "content": [part]}


def function_call(
    name: str, arguments: dict[str, Any] | str | None = None, *, call_id: str | None = None
) -> dict[str, Any]:
    """A call of the function tool ``name``."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    item = {"type": "function_call", "status": "completed", "name": name, "arguments": args}
    item["call_id"] = call_id or "call_" + hashlib.sha256(f"{name}:{args}".encode()).hexdigest()[:24]
    return item


def reasoning(*summary: str) -> dict[str, Any]:
    """A reasoning item with the given summary paragraphs."""
    return {"type": "reasoning", "summary": [{"type": "summary_text", "text": s} for s in summary]}


def web_search(query: str, *, sources: tuple[str, ...] = ()) -> dict[str, Any]:
    """A hosted web search call."""
    action = {"type": "search", "query": query, "sources": [{"type": "url", "url": u} for u in sources]}
    return {"type": "web_search_call", "status": "completed", "action": action}


def file_search(*queries: str, results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A hosted file search call with its results (``file_id``, ``filename``, ``score``, ``text``)."""
    return {
        "type": "file_search_call",
        "status": "completed",
        "queries": list(queries),
        "results": results or [],
    }


def code_interpreter(code: str, *, logs: str = "", container_id: str = "cntr_offline") -> dict[str, Any]:
    """A hosted code interpreter call with its log output."""
    outputs = [{"type": "logs", "logs": logs}] if logs else []
    return {
        "type": "code_interpreter_call",
        "status": "completed",
        "code": code,
        "container_id": container_id,
        "outputs": outputs,
    }


def image_generation(result_b64: str = _PIXEL, *, prompt: str = "") -> dict[str, Any]:
    """A hosted image generation call whose result is a base64 PNG."""
    item: dict[str, Any] = {"type": "image_generation_call", "status": "completed", "result": result_b64}
    if prompt:
        item["revised_prompt"] = prompt
    return item


def mcp_call(server_label: str, name: str, arguments: dict[str, Any], *, output: str = "") -> dict[str, Any]:
    """A call of a tool on a remote MCP server."""
    return {
        "type": "mcp_call",
        "server_label": server_label,
        "name": name,
        "arguments": json.dumps(arguments),
        "output": output,
        "error": None,
    }


def reply(*items: dict[str, Any], reasoning_tokens: int = 0) -> Plan:
    """A completed response with these output items."""
    return Plan(output=list(items), reasoning_tokens=reasoning_tokens)


def incomplete(*items: dict[str, Any], reason: str = "max_output_tokens") -> Plan:
    """A response that stopped early (``status: incomplete``) with ``reason``."""
    return Plan(output=list(items), status="incomplete", incomplete_reason=reason)


def failed(
    code: str = "server_error", message: str = "The model failed to respond.", *items: dict[str, Any]
) -> Plan:
    """A stream ending in ``error`` then ``response.failed`` (a ``failed`` response when not streamed)."""
    return Plan(output=list(items), status="failed", error={"code": code, "message": message})


def http_error(
    status: int,
    *,
    retry_after: float | None = None,
    code: str | None = None,
    message: str | None = None,
    type: str | None = None,
    param: str | None = None,
) -> Fault:
    """An HTTP error answer (OpenAI's error body), optionally with ``retry-after``."""
    error = None
    if code or message or type or param:
        error = {"message": message or f"HTTP {status}", "type": type or "invalid_request_error", "param": param,
                 "code": code}  # fmt: skip
    return Fault("status", status=status, retry_after=retry_after, error=error)


def _plan(value: Plan | dict[str, Any] | None) -> Plan | None:
    return Plan(output=[value]) if isinstance(value, dict) else value


def disconnect(after: int, reply: Plan | dict[str, Any] | None = None) -> Fault:
    """The connection drops after ``after`` events of ``reply`` (default: the offline model's answer)."""
    return Fault("disconnect", after=after, plan=_plan(reply))


def malformed(after: int, reply: Plan | dict[str, Any] | None = None) -> Fault:
    """An event that is not valid JSON arrives after ``after`` good ones."""
    return Fault("malformed", after=after, plan=_plan(reply))


def stall(after: int, reply: Plan | dict[str, Any] | None = None, *, seconds: float = 3600.0) -> Fault:
    """The stream goes silent after ``after`` events (a client's read timeout must end it)."""
    return Fault("stall", after=after, plan=_plan(reply), seconds=seconds)
