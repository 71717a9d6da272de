"""The shapes of the response objects the offline server sends: the response body and its usage (pure)."""

from __future__ import annotations

from typing import Any

from nbresponses.types.request import normalize_tool

from ._items import estimate_tokens, item_texts
from ._model import DEFAULT_MODEL, ModelRequest, Plan
from ._validate import conversation_id

__all__ = ["response_body", "usage"]


def _flat_tool(tool: Any) -> Any:
    flat = normalize_tool(tool)
    if isinstance(flat, dict) and flat.get("type") == "function":
        flat = dict(flat)
        flat.setdefault("description", None)
        flat.setdefault("parameters", {"type": "object", "properties": {}})
        flat.setdefault("strict", False)
    return flat


def response_body(body: dict[str, Any], response_id: str, status: str, *, now: int) -> dict[str, Any]:
    """A response object for request ``body``, with no output yet (the configuration it runs with)."""
    reasoning: dict[str, Any] = body["reasoning"] if isinstance(body.get("reasoning"), dict) else {}
    text: dict[str, Any] = body["text"] if isinstance(body.get("text"), dict) else {}
    conversation = conversation_id(body)
    return {
        "id": response_id, "object": "response", "created_at": now, "status": status,
        "background": bool(body.get("background")), "completed_at": None,
        **({"conversation": {"id": conversation}} if conversation else {}),
        "error": None, "incomplete_details": None, "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"), "max_tool_calls": body.get("max_tool_calls"),
        "model": body.get("model") or DEFAULT_MODEL, "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "service_tier": "default", "store": body.get("store", True) is not False,
        "temperature": body.get("temperature", 1.0),
        "text": {"format": text.get("format") or {"type": "text"}, "verbosity": text.get("verbosity", "medium")},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": [_flat_tool(t) for t in body.get("tools") or []],
        "top_logprobs": body.get("top_logprobs", 0), "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        **({"user": body["user"]} if isinstance(body.get("user"), str) else {}),
        "metadata": body.get("metadata") or {}, "presence_penalty": body.get("presence_penalty", 0.0),
        "frequency_penalty": body.get("frequency_penalty", 0.0),
        "safety_identifier": body.get("safety_identifier"), "prompt_cache_key": body.get("prompt_cache_key"),
    }  # fmt: skip


def usage(payload: dict[str, Any], plan: Plan, request: ModelRequest, *, added: int) -> dict[str, Any]:
    """Estimated usage: the context's tokens (the last ``added`` items are new), cached prefix, output."""
    split = len(request.context) - added
    prior = estimate_tokens(request.context[:split])
    input_tokens = prior + estimate_tokens(request.context[split:], payload.get("instructions"))
    cached = (prior // 128) * 128 if prior >= 1024 else 0  # OpenAI caches prefixes from 1024 tokens
    text_tokens = sum(len(t) for item in plan.output for t in item_texts(item)) // 4 + len(plan.output)
    output_tokens = text_tokens + plan.reasoning_tokens
    limit = payload.get("max_output_tokens")
    if isinstance(limit, int) and limit > 0:
        output_tokens = min(output_tokens, limit)  # the real API never goes over its limit
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": plan.reasoning_tokens},
        "total_tokens": input_tokens + output_tokens,
    }
