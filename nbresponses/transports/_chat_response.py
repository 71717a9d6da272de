"""A Chat Completions answer, translated into the JSON of a Responses API ``Response`` (pure: no I/O).

Shared by the non-stream bridge (`chat_response`, a whole ``chat.completion`` body) and the stream translator
(`response_usage`, `finish_status`, `citation_annotations`, `response_base`).

Provider quirks handled here, each seen in recorded bodies: reasoning in ``reasoning_content`` (DeepSeek,
Qwen, Kimi, xAI) or ``reasoning`` (Groq) or as ``thinking`` content parts (Mistral Magistral); tool calls
without ``type`` (Mistral); ``citations`` (Perplexity) → ``url_citation`` annotations; cached tokens under
``prompt_tokens_details``, top level ``cached_tokens`` (Kimi) or ``prompt_cache_hit_tokens`` (DeepSeek); reasoning
tokens under ``completion_tokens_details`` or top level (Azure); and xAI's ``completion_tokens`` that leave the
reasoning tokens out (then ``total - prompt`` is the output, as the Responses API counts it).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

__all__ = [
    "as_dict",
    "chat_response",
    "citation_annotations",
    "finish_status",
    "item_ids",
    "response_base",
    "response_usage",
    "thinking_text",
]

# Request fields a Response echoes back (the configuration it ran with).
_ECHOED = ("instructions", "tools", "tool_choice", "text", "temperature", "top_p", "max_output_tokens",
           "parallel_tool_calls", "reasoning", "top_logprobs")  # fmt: skip
_MARKER = re.compile(r"\[(\d{1,3})\]")


def response_base(
    request: Mapping[str, Any] | None, *, response_id: str, model: Any, created: Any
) -> dict[str, Any]:
    """The fields of a Response before its output: id, model, creation time and the echoed request settings."""
    base: dict[str, Any] = {"id": response_id, "object": "response", "status": "in_progress"}
    if isinstance(created, (int, float)) and not isinstance(created, bool) and created > 0:
        base["created_at"] = created
    if isinstance(model, str) and model:
        base["model"] = model
    elif request and isinstance(request.get("model"), str):
        base["model"] = request["model"]
    for key in _ECHOED:
        if request and request.get(key) is not None:
            base[key] = request[key]
    return base


def item_ids(chat_id: Any) -> str:
    """A stem for the ids of the items of one answer (the chat id, or a fresh one)."""
    text = chat_id if isinstance(chat_id, str) and chat_id else uuid.uuid4().hex
    return re.sub(r"[^A-Za-z0-9_-]", "", text)[-48:] or uuid.uuid4().hex


def finish_status(finish_reason: Any) -> tuple[str, dict[str, Any] | None]:
    """The Response status (and ``incomplete_details``) for a chat ``finish_reason``."""
    if finish_reason == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish_reason == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty dict (servers send null where others send {})."""
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def response_usage(usage: Any) -> dict[str, Any] | None:
    """Responses ``usage`` for a chat ``usage`` object (None if there is none)."""
    if not isinstance(usage, Mapping):
        return None
    prompt = _count(usage.get("prompt_tokens"))
    completion = _count(usage.get("completion_tokens"))
    total = _count(usage.get("total_tokens"))
    if prompt is None and completion is None and total is None:
        return None
    prompt = prompt or 0
    output = completion or 0
    if total is not None and total - prompt > output:
        output = total - prompt  # the reasoning tokens were counted outside completion_tokens (xAI)
    prompt_details = as_dict(usage.get("prompt_tokens_details"))
    output_details = as_dict(usage.get("completion_tokens_details"))
    cached = _first_count(prompt_details.get("cached_tokens"), usage.get("cached_tokens"),
                          usage.get("prompt_cache_hit_tokens"))  # fmt: skip
    reasoning = _first_count(output_details.get("reasoning_tokens"), usage.get("reasoning_tokens"))
    result: dict[str, Any] = {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": cached or 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning or 0},
        "total_tokens": total if total is not None else prompt + output,
    }
    return result


def _first_count(*values: Any) -> int | None:
    counts = [_count(value) for value in values]
    positive = [count for count in counts if count]
    if positive:
        return positive[0]
    return next((count for count in counts if count is not None), None)


def citation_annotations(text: str, citations: Any) -> list[dict[str, Any]]:
    """``url_citation`` annotations for Perplexity-style ``citations`` (URLs numbered from 1 as ``[n]``)."""
    if not isinstance(citations, list) or not citations:
        return []
    spans: dict[int, tuple[int, int]] = {}
    for match in _MARKER.finditer(text):
        spans.setdefault(int(match.group(1)), match.span())
    annotations = []
    for number, url in enumerate(citations, start=1):
        if isinstance(url, str) and url:
            start, end = spans.get(number, (len(text), len(text)))
            annotations.append({"type": "url_citation", "url": url, "title": url, "start_index": start,
                                "end_index": end})  # fmt: skip
    return annotations


def _message_parts(message: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(reasoning texts, answer texts) of a chat message, whatever shape its content has."""
    reasoning: list[str] = []
    texts: list[str] = []
    thought = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(thought, str) and thought:
        reasoning.append(thought)
    content = message.get("content")
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        for part in content:
            if not isinstance(part, Mapping):
                continue
            if part.get("type") == "thinking":
                reasoning.append(thinking_text(part.get("thinking")))
            elif isinstance(part.get("text"), str):
                texts.append(part["text"])
    return reasoning, texts


def thinking_text(thinking: Any) -> str:
    """The text of a Mistral ``thinking`` part (a string, or a list of text parts)."""
    if isinstance(thinking, str):
        return thinking
    if isinstance(thinking, list):
        return "".join(str(p.get("text") or "") for p in thinking if isinstance(p, Mapping))
    return ""


def chat_response(body: Mapping[str, Any], *, request: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The Response JSON for a whole ``chat.completion`` body (its first choice)."""
    stem = item_ids(body.get("id"))
    response = response_base(request, response_id=str(body.get("id") or f"chatcmpl-{stem}"),
                             model=body.get("model"), created=body.get("created"))  # fmt: skip
    choices = [c for c in body.get("choices") or () if isinstance(c, dict)]
    choice = next((c for c in choices if c.get("index", 0) == 0), choices[0] if choices else {})
    message = as_dict(choice.get("message"))
    output: list[dict[str, Any]] = []
    reasoning, texts = _message_parts(message)
    if reasoning:
        output.append({"id": f"rs_{stem}", "type": "reasoning", "status": "completed", "summary": [],
                       "content": [{"type": "reasoning_text", "text": "".join(reasoning)}]})  # fmt: skip
    text = "".join(texts)
    refusal = message.get("refusal")
    if text or (isinstance(refusal, str) and refusal):
        parts: list[dict[str, Any]] = []
        if text:
            parts.append({"type": "output_text", "text": text, "logprobs": [],
                          "annotations": citation_annotations(text, body.get("citations"))})  # fmt: skip
        if isinstance(refusal, str) and refusal:
            parts.append({"type": "refusal", "refusal": refusal})
        output.append({"id": f"msg_{stem}", "type": "message", "role": "assistant", "status": "completed",
                       "content": parts})  # fmt: skip
    calls = [c for c in message.get("tool_calls") or () if isinstance(c, dict)]
    legacy = message.get("function_call")
    if not calls and isinstance(legacy, dict):
        calls = [{"id": None, "function": legacy}]
    for position, call in enumerate(calls):
        function = as_dict(call.get("function"))
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, str):
            arguments = json.dumps(arguments)  # a server that sends the arguments as an object
        output.append({"id": f"fc_{stem}_{position}", "type": "function_call", "status": "completed",
                       "call_id": call.get("id") or f"call_{stem}_{position}", "name": function.get("name") or "",
                       "arguments": arguments or ""})  # fmt: skip
    status, incomplete = finish_status(choice.get("finish_reason"))
    response["status"] = status
    if incomplete is not None:
        response["incomplete_details"] = incomplete
    response["output"] = output
    usage = response_usage(body.get("usage"))
    if usage is not None:
        response["usage"] = usage
    return response
