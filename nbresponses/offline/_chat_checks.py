"""What ``POST /chat/completions`` refuses, with the error bodies OpenAI's endpoint sends for the same mistakes (pure).

A stand-in that accepts what the real endpoint rejects lets bugs through to the first day with a key, so these
follow the messages the Chat Completions endpoint is known to send (its misspelt "preceeding" included): a
missing model or messages, an unknown role or content part, a ``tool`` message that answers no call, an
assistant's ``tool_calls`` left without their ``tool`` messages, values out of range, malformed tools,
``tool_choice`` or ``parallel_tool_calls`` without tools, ``response_format`` without its schema or ``json_object``
without the word JSON in the messages, and ``stream_options`` without ``stream``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._reply import APIError

__all__ = ["check_chat"]

_ROLES = ("system", "assistant", "user", "function", "tool", "developer")
_PARTS = ("text", "image_url", "input_audio", "refusal", "audio", "file")
_FORMATS = ("text", "json_object", "json_schema")
_CHOICES = ("none", "auto", "required")
_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_RANGES = (
    ("temperature", 0, 2, False),
    ("top_p", 0, 1, False),
    ("presence_penalty", -2, 2, False),
    ("frequency_penalty", -2, 2, False),
    ("n", 1, 128, True),
    ("max_tokens", 1, None, True),
    ("max_completion_tokens", 1, None, True),
    ("top_logprobs", 0, 20, True),
)


def _missing(param: str) -> APIError:
    return APIError(
        400, f"Missing required parameter: '{param}'.", code="missing_required_parameter", param=param
    )


def _type_name(value: Any) -> str:
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a decimal", list: "an array",
            dict: "an object"}.get(type(value), "null")  # fmt: skip


def _wrong_type(param: str, expected: str, value: Any) -> APIError:
    message = f"Invalid type for '{param}': expected {expected}, but got {_type_name(value)} instead."
    return APIError(400, message, code="invalid_type", param=param)


def _invalid_value(param: str, value: Any, supported: tuple[str, ...]) -> APIError:
    listed = ", ".join(f"'{s}'" for s in supported[:-1]) + f", and '{supported[-1]}'"
    message = f"Invalid value: '{value}'. Supported values are: {listed}."
    return APIError(400, message, code="invalid_value", param=param)


def _range(
    payload: dict[str, Any], name: str, low: float, high: float | None, integer: bool
) -> APIError | None:
    value = payload.get(name)
    if value is None:
        return None
    kind = "integer" if integer else "decimal"
    if isinstance(value, bool) or not isinstance(value, int if integer else int | float):
        return _wrong_type(name, f"an {kind}" if integer else "a decimal", value)
    if value < low:
        return APIError(400, f"Invalid '{name}': {kind} below minimum value. Expected a value >= {low:g}, but got "
                             f"{value:g} instead.", code=f"{kind}_below_min_value", param=name)  # fmt: skip
    if high is not None and value > high:
        return APIError(400, f"Invalid '{name}': {kind} above maximum value. Expected a value <= {high:g}, but got "
                             f"{value:g} instead.", code=f"{kind}_above_max_value", param=name)  # fmt: skip
    return None


def _content(where: str, content: Any) -> APIError | None:
    if isinstance(content, str) or content is None:
        return None
    if not isinstance(content, list):
        return _wrong_type(f"{where}.content", "one of a string or an array", content)
    for index, part in enumerate(content):
        if not isinstance(part, dict):
            return _wrong_type(f"{where}.content[{index}]", "an object", part)
        kind = part.get("type")
        if kind is None:
            return _missing(f"{where}.content[{index}].type")
        if kind not in _PARTS:
            return _invalid_value(f"{where}.content[{index}].type", kind, _PARTS)
        if kind == "image_url" and not (part.get("image_url") or {}).get("url"):
            return _missing(f"{where}.content[{index}].image_url.url")
    return None


def _message(index: int, message: Any) -> APIError | None:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        return _wrong_type(where, "an object", message)
    role = message.get("role")
    if role is None:
        return _missing(f"{where}.role")
    if role not in _ROLES:
        return _invalid_value(f"{where}.role", role, _ROLES)
    if "content" not in message and not (
        role == "assistant" and (message.get("tool_calls") or "audio" in message)
    ):
        return _missing(f"{where}.content")
    if role == "tool" and not message.get("tool_call_id"):
        return _missing(f"{where}.tool_call_id")
    for call_index, call in enumerate(message.get("tool_calls") or () if role == "assistant" else ()):
        if not isinstance(call, dict) or not call.get("id"):
            return _missing(f"{where}.tool_calls[{call_index}].id")
        if not isinstance(call.get("function"), dict) or not call["function"].get("name"):
            return _missing(f"{where}.tool_calls[{call_index}].function.name")
    return _content(where, message.get("content"))


def _tool_sequence(messages: list[dict[str, Any]]) -> APIError | None:
    """Each ``tool`` message answers a call of the assistant message before it; each call gets its answer."""
    pending: dict[str, int] = {}  # call id -> the index of the assistant message that made it
    for index, message in enumerate(messages):
        role = message["role"]
        if role == "tool":
            if message.get("tool_call_id") not in pending:
                return APIError(400, "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                                     "message with 'tool_calls'.", param=f"messages.[{index}].role")  # fmt: skip
            pending.pop(message["tool_call_id"])
            continue
        if pending:
            return _unanswered(pending)
        if role == "assistant":
            pending = {call["id"]: index for call in message.get("tool_calls") or ()}
    return _unanswered(pending) if pending else None


def _unanswered(pending: dict[str, int]) -> APIError:
    message = (
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(pending)}"
    )
    return APIError(400, message, param=f"messages.[{min(pending.values())}].role")


def _tools(payload: dict[str, Any]) -> APIError | None:
    tools = payload.get("tools")
    if tools is None:
        for key in ("tool_choice", "parallel_tool_calls"):
            if payload.get(key) is not None and payload.get(key) != "none":
                return APIError(400, f"Invalid value for '{key}': '{key}' is only allowed when 'tools' are "
                                     "specified.", param=key)  # fmt: skip
        return None
    if not isinstance(tools, list):
        return _wrong_type("tools", "an array", tools)
    names: list[str] = []
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        if not isinstance(tool, dict):
            return _wrong_type(where, "an object", tool)
        if tool.get("type") not in ("function", "custom"):
            return _invalid_value(f"{where}.type", tool.get("type"), ("function", "custom"))
        spec = tool.get(tool["type"])
        if not isinstance(spec, dict):
            return _missing(f"{where}.{tool['type']}")
        name = spec.get("name")
        if not name:
            return _missing(f"{where}.{tool['type']}.name")
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            message = (
                f"Invalid '{where}.{tool['type']}.name': string does not match pattern. Expected a string that "
                "matches the pattern '^[a-zA-Z0-9_-]+$'."
            )
            return APIError(400, message, code="invalid_value", param=f"{where}.{tool['type']}.name")
        names.append(name)
    choice = payload.get("tool_choice")
    if isinstance(choice, str) and choice not in _CHOICES:
        return _invalid_value("tool_choice", choice, _CHOICES)
    if isinstance(choice, dict):
        function = choice.get("function")
        chosen = function.get("name") if isinstance(function, dict) else None
        if not chosen:
            return _missing("tool_choice.function.name")
        if chosen not in names:
            return APIError(400, f"Invalid value for 'tool_choice': no function named '{chosen}' was specified in "
                                 "the 'tools' parameter.", code="invalid_value", param="tool_choice")  # fmt: skip
    return None


def _response_format(payload: dict[str, Any], messages: list[dict[str, Any]]) -> APIError | None:
    fmt = payload.get("response_format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict):
        return _wrong_type("response_format", "an object", fmt)
    kind = fmt.get("type")
    if kind not in _FORMATS:
        return _invalid_value("response_format.type", kind, _FORMATS)
    if kind == "json_schema":
        schema = fmt.get("json_schema")
        if not isinstance(schema, dict):
            return _missing("response_format.json_schema")
        if not schema.get("name"):
            return _missing("response_format.json_schema.name")
    if kind == "json_object" and "json" not in json.dumps(messages, ensure_ascii=False).lower():
        message = "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
        message += "'json_object'."
        return APIError(400, message, param="messages")
    return None


def check_chat(payload: Any) -> APIError | None:
    """The first reason ``POST /chat/completions`` refuses ``payload``, or None."""
    if not isinstance(payload, dict):
        return APIError(400, "The request body must be a JSON object.")
    if not payload.get("model"):
        return APIError(400, "you must provide a model parameter")
    messages = payload.get("messages")
    if messages is None:
        return _missing("messages")
    if not isinstance(messages, list):
        return _wrong_type("messages", "an array", messages)
    if not messages:
        return APIError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
                             "empty array instead.", code="empty_array", param="messages")  # fmt: skip
    for index, message in enumerate(messages):
        invalid = _message(index, message)
        if invalid is not None:
            return invalid
    for name, low, high, integer in _RANGES:
        invalid = _range(payload, name, low, high, integer)
        if invalid is not None:
            return invalid
    effort = payload.get("reasoning_effort")
    if effort is not None and effort not in _EFFORTS:
        return _invalid_value("reasoning_effort", effort, _EFFORTS)
    if payload.get("stream_options") is not None and not payload.get("stream"):
        return APIError(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                        param="stream_options")  # fmt: skip
    return _tools(payload) or _response_format(payload, messages) or _tool_sequence(messages)
