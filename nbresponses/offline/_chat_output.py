"""The stand-in model's answer as Chat Completions sends it: a ``chat.completion`` body or its chunks (pure).

Shapes follow OpenAI's recorded chat interactions (``../shared/reference/chat-streams/openai``): the first chunk
carries the role, then word-sized ``content`` deltas (``reasoning_content`` deltas before them, as DeepSeek
sends a model's reasoning), tool calls opened with their id and name and then streamed ``arguments`` by
``index``, a last chunk with the ``finish_reason``, and with ``stream_options.include_usage`` every chunk
carries ``usage: null`` and one more chunk with no choices carries the usage. ``[DONE]`` is the transport's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._events import chunks
from ._model import Plan

__all__ = ["ChatAnswer", "chat_answer", "chat_usage", "completion_body", "completion_chunks"]

FINGERPRINT = "fp_offline"
"""The ``system_fingerprint`` of every offline answer."""


@dataclass
class ChatAnswer:
    """One choice's message: what a plan's output items become in Chat Completions."""

    content: str | None = None
    refusal: str | None = None
    reasoning: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "stop"


def _annotation(annotation: dict[str, Any]) -> dict[str, Any] | None:
    if annotation.get("type") != "url_citation":
        return None
    keys = ("start_index", "end_index", "url", "title")
    return {"type": "url_citation", "url_citation": {k: annotation.get(k) for k in keys}}


def chat_answer(plan: Plan) -> ChatAnswer:
    """The message of ``plan``: its text, refusal, reasoning summary and function calls, and why it ended.

    Hosted-tool items (which a chat endpoint cannot run) are left out.
    """
    answer = ChatAnswer()
    texts: list[str] = []
    refusals: list[str] = []
    thoughts: list[str] = []
    for item in plan.output:
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or ():
                if part.get("type") == "refusal":
                    refusals.append(str(part.get("refusal") or ""))
                elif isinstance(part.get("text"), str):
                    offset = len("".join(texts))
                    for raw in part.get("annotations") or ():
                        converted = _annotation(raw)
                        if converted is not None:
                            where = converted["url_citation"]
                            where["start_index"] = (where["start_index"] or 0) + offset
                            where["end_index"] = (where["end_index"] or 0) + offset
                            answer.annotations.append(converted)
                    texts.append(part["text"])
        elif kind == "reasoning":
            thoughts += [str(p.get("text") or "") for p in item.get("summary") or () if isinstance(p, dict)]
        elif kind == "function_call":
            function = {"name": item.get("name"), "arguments": item.get("arguments") or "{}"}
            answer.tool_calls.append({"id": item.get("call_id"), "type": "function", "function": function})
    answer.content = "".join(texts) if texts or not (refusals or answer.tool_calls) else None
    answer.refusal = "".join(refusals) if refusals else None
    answer.reasoning = "\n\n".join(thoughts) if any(thoughts) else None
    if plan.status == "incomplete":
        answer.finish_reason = "content_filter" if plan.incomplete_reason == "content_filter" else "length"
    elif answer.tool_calls:
        answer.finish_reason = "tool_calls"
    return answer


def chat_usage(usage: dict[str, Any], *, choices: int = 1) -> dict[str, Any]:
    """Chat Completions usage from a Responses usage object (each choice's output counted)."""
    output = int(usage.get("output_tokens", 0)) * choices
    reasoning = int((usage.get("output_tokens_details") or {}).get("reasoning_tokens", 0)) * choices
    prompt = int(usage.get("input_tokens", 0))
    cached = int((usage.get("input_tokens_details") or {}).get("cached_tokens", 0))
    return {
        "prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }  # fmt: skip


def _message(answer: ChatAnswer) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer.content, "refusal": answer.refusal,
                               "annotations": answer.annotations}  # fmt: skip
    if answer.reasoning is not None:
        message["reasoning_content"] = answer.reasoning
    if answer.tool_calls:
        message["tool_calls"] = answer.tool_calls
    return message


def completion_body(
    answer: ChatAnswer, *, chat_id: str, model: str, created: int, usage: dict[str, Any], choices: int = 1
) -> dict[str, Any]:
    """The ``chat.completion`` object (``choices`` identical choices: the stand-in model is deterministic)."""
    return {
        "id": chat_id, "object": "chat.completion", "created": created, "model": model,
        "choices": [{"index": index, "message": _message(answer), "logprobs": None,
                     "finish_reason": answer.finish_reason} for index in range(choices)],
        "usage": usage, "service_tier": "default", "system_fingerprint": FINGERPRINT,
    }  # fmt: skip


def _deltas(answer: ChatAnswer) -> list[dict[str, Any]]:
    """One choice's deltas, in the order a model streams them."""
    speaks = answer.content is not None or answer.refusal is not None
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": "" if speaks else None, "refusal": None}]
    deltas += [{"reasoning_content": piece} for piece in chunks(answer.reasoning or "")]
    deltas += [{"content": piece} for piece in chunks(answer.content or "")]
    deltas += [{"refusal": piece} for piece in chunks(answer.refusal or "")]
    for index, call in enumerate(answer.tool_calls):
        function = call["function"]
        opened = {"index": index, "id": call["id"], "type": "function",
                  "function": {"name": function["name"], "arguments": ""}}  # fmt: skip
        deltas.append({"tool_calls": [opened]})
        for piece in chunks(function["arguments"]):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    if answer.annotations:
        deltas.append({"annotations": answer.annotations})
    return deltas


def completion_chunks(
    answer: ChatAnswer,
    *,
    chat_id: str,
    model: str,
    created: int,
    usage: dict[str, Any] | None,
    choices: int = 1,
) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a streamed answer; ``usage`` (None: not asked for) comes last."""
    base: dict[str, Any] = {"id": chat_id, "object": "chat.completion.chunk", "created": created, "model": model,
                            "service_tier": "default", "system_fingerprint": FINGERPRINT}  # fmt: skip
    if usage is not None:
        base["usage"] = None
    out = []
    deltas = _deltas(answer)
    for index in range(choices):
        for delta in deltas:
            out.append({**base, "choices": [{"index": index, "delta": delta, "logprobs": None,
                                             "finish_reason": None}]})  # fmt: skip
        out.append({**base, "choices": [{"index": index, "delta": {}, "logprobs": None,
                                         "finish_reason": answer.finish_reason}]})  # fmt: skip
    if usage is not None:
        out.append({**base, "choices": [], "usage": usage})
    return out
