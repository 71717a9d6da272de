"""A Chat Completions request as the stand-in model reads it: the same `ModelRequest` that ``/responses`` builds (pure).

The offline model answers Responses requests; a checked ``POST /chat/completions`` body (`check_chat`) is
translated into one, so both endpoints give the same answers:

- the leading ``system`` / ``developer`` messages → ``instructions``; later ones → system message items;
- ``user`` messages → user message items: text parts → ``input_text``, ``image_url`` → ``input_image``, ``file``
  → ``input_file``;
- ``assistant`` messages → an assistant message item and a ``function_call`` item per tool call;
- ``tool`` (and the deprecated ``function``) messages → ``function_call_output`` items;
- ``tools`` → flat function tools, ``tool_choice`` and ``parallel_tool_calls`` as given (the model reads both
  forms); ``response_format`` json_schema / json_object → ``text.format``;
- ``max_completion_tokens`` (else ``max_tokens``) → ``max_output_tokens``;
- ``reasoning_effort`` → ``reasoning`` with a summary, which the answer carries as ``reasoning_content``.

The messages after the last assistant message are the request's new items (`current_turn`, the rule the
``/responses`` path applies to a thread in client state); everything is its context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._items import current_turn
from ._model import ModelRequest

__all__ = ["ChatRequest", "chat_model_request"]


@dataclass
class ChatRequest:
    """A checked chat request: what the model sees, and how the answer is to be sent."""

    request: ModelRequest
    model: str
    stream: bool
    include_usage: bool
    choices: int


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    texts = []
    for part in content or ():
        if isinstance(part, dict):
            value = part.get("text") if part.get("type") != "refusal" else part.get("refusal")
            if isinstance(value, str):
                texts.append(value)
    return "".join(texts)


def _input_part(part: dict[str, Any]) -> dict[str, Any] | None:
    kind = part.get("type")
    if kind == "text":
        return {"type": "input_text", "text": str(part.get("text") or "")}
    if kind == "image_url":
        image = part.get("image_url") or {}
        return {"type": "input_image", "image_url": image.get("url"), "detail": image.get("detail", "auto")}
    if kind == "file":
        file = part.get("file") or {}
        return {
            "type": "input_file",
            **{k: file[k] for k in ("filename", "file_data", "file_id") if file.get(k)},
        }
    return None  # audio: the stand-in model hears nothing


def _user_content(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "input_text", "text": content}]
    parts = (_input_part(part) for part in content or () if isinstance(part, dict))
    return [part for part in parts if part is not None]


def _items(messages: list[dict[str, Any]]) -> tuple[str | None, list[dict[str, Any]]]:
    """The instructions (leading system and developer messages) and the input items of ``messages``."""
    instructions: list[str] = []
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message["role"]
        content = message.get("content")
        if role in ("system", "developer"):
            if not items:
                instructions.append(_text(content))
            else:
                items.append({"type": "message", "role": "system", "content": _user_content(content)})
        elif role == "user":
            items.append({"type": "message", "role": "user", "content": _user_content(content)})
        elif role == "assistant":
            text = _text(content)
            if text or not message.get("tool_calls"):
                part = {"type": "output_text", "text": text, "annotations": []}
                items.append({"type": "message", "role": "assistant", "content": [part]})
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                items.append({"type": "function_call", "call_id": call["id"], "name": function.get("name"),
                              "arguments": function.get("arguments") or "{}"})  # fmt: skip
        else:  # tool, and the deprecated function role (answered by name)
            call_id = message.get("tool_call_id") or message.get("name")
            items.append({"type": "function_call_output", "call_id": call_id, "output": _text(content)})
    joined = "\n\n".join(text for text in instructions if text)
    return (joined or None), items


def _flat_tool(tool: dict[str, Any]) -> dict[str, Any]:
    spec = tool.get(tool["type"]) or {}
    flat = {"type": tool["type"], "name": spec.get("name"), "description": spec.get("description")}
    if tool["type"] == "function":
        flat["parameters"] = spec.get("parameters") or {"type": "object", "properties": {}}
        flat["strict"] = bool(spec.get("strict"))
    return flat


def _text_format(fmt: Any) -> dict[str, Any] | None:
    if not isinstance(fmt, dict) or fmt.get("type") not in ("json_object", "json_schema"):
        return None
    if fmt["type"] == "json_object":
        return {"type": "json_object"}
    schema = fmt["json_schema"]
    return {"type": "json_schema", "name": schema["name"], "schema": schema.get("schema") or {},
            "strict": bool(schema.get("strict"))}  # fmt: skip


def chat_model_request(payload: dict[str, Any]) -> ChatRequest:
    """The `ChatRequest` of a chat body that `check_chat` accepted."""
    instructions, items = _items(payload["messages"])
    body: dict[str, Any] = {"model": payload["model"], "input": items}
    if instructions is not None:
        body["instructions"] = instructions
    if payload.get("tools"):
        body["tools"] = [_flat_tool(tool) for tool in payload["tools"]]
    for key in ("tool_choice", "parallel_tool_calls", "temperature", "top_p", "user", "metadata"):
        if payload.get(key) is not None:
            body[key] = payload[key]
    fmt = _text_format(payload.get("response_format"))
    if fmt is not None:
        body["text"] = {"format": fmt}
    limit = payload.get("max_completion_tokens", payload.get("max_tokens"))
    if limit is not None:
        body["max_output_tokens"] = limit
    effort = payload.get("reasoning_effort")
    if effort is not None and effort != "none":
        body["reasoning"] = {"effort": effort, "summary": "auto"}
    options = payload.get("stream_options") or {}
    return ChatRequest(
        request=ModelRequest(body=body, context=items, new_items=current_turn(items)),
        model=str(payload["model"]),
        stream=bool(payload.get("stream")),
        include_usage=bool(
            payload.get("stream") and isinstance(options, dict) and options.get("include_usage")
        ),
        choices=int(payload.get("n") or 1),
    )
