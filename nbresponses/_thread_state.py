"""What a thread's requests carry, as pure rules: the items and logged prompt of a `Conversation.send`, and whether
an API error means the server keeps no conversation state for us (the thread must resend its items).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._exceptions import APIStatusError, BridgeStateError

__all__ = ["include_encrypted_reasoning", "prompt_text", "user_items", "wants_client_state"]

_STATE_PARAMS = ("previous_response_id", "store")
_STATE_CODES = ("previous_response_not_found", "invalid_previous_response_id")
_STATE_PHRASES = ("previous_response_id", "previous response", "zero data retention", "store")
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5", "codex")


def wants_client_state(error: BaseException, *, sent_previous_id: bool) -> bool:
    """Whether an API error means the server or gateway cannot keep conversation state for us."""
    if isinstance(error, BridgeStateError):
        return True
    if not isinstance(error, APIStatusError):
        return False
    if error.code in _STATE_CODES or error.param in _STATE_PARAMS:
        return True
    message = (error.message or "").lower()
    if error.status == 404 and sent_previous_id and "response" in message:
        return True
    return error.status in (400, 422, 501) and any(phrase in message for phrase in _STATE_PHRASES)


def user_items(input: str | Iterable[Any]) -> list[Any]:
    """The input items of a send: a text as one user message, content parts as one user message's content, and
    a list of items as it is."""
    if isinstance(input, str):
        return [{"role": "user", "content": input}]
    items = list(input)
    if items and all(
        isinstance(part, Mapping) and str(part.get("type", "")).startswith("input_") for part in items
    ):
        return [{"role": "user", "content": items}]  # content parts of one user message
    return items


def prompt_text(items: list[Any]) -> str:
    """The text a turn's prompt is logged as: the first text of its items ("" if none)."""
    for item in items:
        content = item.get("content") if isinstance(item, Mapping) else None
        if isinstance(content, str):
            return content
        for part in content or ():
            if isinstance(part, Mapping) and part.get("type") == "input_text":
                return str(part.get("text", ""))
    return ""


def include_encrypted_reasoning(body: dict[str, Any]) -> None:
    """Ask for reasoning's ``encrypted_content`` in a client-state request that reasons: without it, the
    reasoning items the next request resends cannot be read back by the server (it stored nothing)."""
    include = list(body.get("include") or [])
    reasoning_model = str(body.get("model", "")).startswith(_REASONING_PREFIXES)
    if ("reasoning" in body or reasoning_model) and "reasoning.encrypted_content" not in include:
        body["include"] = [*include, "reasoning.encrypted_content"]
