"""What the offline server refuses, with the error bodies OpenAI sends for the same mistakes (pure).

A stand-in that accepts what the real API rejects lets bugs through to the first day with a key, so these follow
the recorded errors (``../shared/reference/streams/error-*``) and the messages the API is known to send.
"""

from __future__ import annotations

from typing import Any

from nbresponses.types.request import flat_function_tool

from ._reply import APIError

__all__ = ["check_create", "check_tool_outputs", "check_websocket", "conversation_id"]

_WEBSOCKET_FORBIDDEN = ("stream", "stream_options", "background")


def _missing(param: str) -> APIError:
    return APIError(
        400, f"Missing required parameter: '{param}'.", code="missing_required_parameter", param=param
    )


def _range(payload: dict[str, Any], name: str, low: float, high: float) -> APIError | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return APIError(400, f"Invalid type for '{name}': expected a decimal, but got {type(value).__name__} "
                             "instead.", code="invalid_type", param=name)  # fmt: skip
    if value < low:
        return APIError(400, f"Invalid '{name}': decimal below minimum value. Expected a value >= {low:g}, but got "
                             f"{value:g} instead.", code="decimal_below_min_value", param=name)  # fmt: skip
    if value > high:
        return APIError(400, f"Invalid '{name}': decimal above maximum value. Expected a value <= {high:g}, but got "
                             f"{value:g} instead.", code="decimal_above_max_value", param=name)  # fmt: skip
    return None


def _tools(tools: Any) -> APIError | None:
    if tools is None:
        return None
    if not isinstance(tools, list):
        return APIError(
            400, "Invalid type for 'tools': expected an array.", code="invalid_type", param="tools"
        )
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        if not isinstance(tool, dict) or not tool.get("type"):
            return _missing(f"{where}.type")
        kind = tool["type"]
        flat = flat_function_tool(tool)
        if kind == "function" and not flat.get("name"):
            return _missing(f"{where}.name")
        if kind == "file_search" and not tool.get("vector_store_ids"):
            return _missing(f"{where}.vector_store_ids")
        if kind == "code_interpreter" and not tool.get("container"):
            return _missing(f"{where}.container")
        if kind == "mcp" and not tool.get("server_label"):
            return _missing(f"{where}.server_label")
    return None


def conversation_id(payload: dict[str, Any]) -> str | None:
    """The ``conversation`` of a request, given as an id or as ``{"id": ...}``."""
    value = payload.get("conversation")
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def check_create(payload: Any) -> APIError | None:
    """The first reason ``POST /responses`` refuses ``payload``, or None."""
    if not isinstance(payload, dict):
        return APIError(400, "The request body must be a JSON object.")
    if not payload.get("model"):
        return _missing("model")
    for name, low, high in (("temperature", 0, 2), ("top_p", 0, 1)):
        invalid = _range(payload, name, low, high)
        if invalid is not None:
            return invalid
    if not isinstance(payload.get("input", ""), str | list):
        return APIError(400, "Invalid 'input': expected a string or an array of items.", code="invalid_type",
                        param="input")  # fmt: skip
    if payload.get("previous_response_id") and payload.get("conversation"):
        message = (
            "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or "
            "'conversation'."
        )
        return APIError(400, message, code="mutually_exclusive_parameters")
    if payload.get("conversation") is not None and conversation_id(payload) is None:
        return APIError(400, "Invalid 'conversation': expected a conversation id or an object with an 'id'.",
                        code="invalid_type", param="conversation")  # fmt: skip
    if payload.get("background") and payload.get("store") is False:
        return APIError(400, "Background mode requires store=true.", code="invalid_value", param="background")
    return _tools(payload.get("tools"))


def check_websocket(message: Any) -> APIError | None:
    """Why a WebSocket message is not a valid ``response.create`` (Open Responses forbids the HTTP-only fields)."""
    if not isinstance(message, dict):
        return APIError(400, "WebSocket messages must be JSON objects.", code="invalid_json")
    if message.get("type") != "response.create":
        kind = message.get("type")
        return APIError(400, f"Unsupported WebSocket message type {kind!r}: send 'response.create'.",
                        code="invalid_value", param="type")  # fmt: skip
    for name in _WEBSOCKET_FORBIDDEN:
        if name in message:
            return APIError(400, f"'{name}' must not be sent in WebSocket mode: the WebSocket streams every "
                                 "response.", code="unsupported_parameter", param=name)  # fmt: skip
    return None


def check_tool_outputs(context: list[dict[str, Any]], new_items: list[dict[str, Any]]) -> APIError | None:
    """Tool outputs must answer calls the model made, and every call of the context needs its output."""
    items = [*context, *new_items]
    calls = [i.get("call_id") for i in items if i.get("type") in ("function_call", "custom_tool_call")]
    outputs = {
        i.get("call_id")
        for i in items
        if i.get("type") in ("function_call_output", "custom_tool_call_output")
    }
    known = set(calls)
    for item in new_items:
        if (
            item.get("type") in ("function_call_output", "custom_tool_call_output")
            and item.get("call_id") not in known
        ):
            return APIError(400, f"No tool call found for function call output with call_id {item.get('call_id')}.",
                            param="input")  # fmt: skip
    for call_id in calls:
        if call_id not in outputs:
            return APIError(400, f"No tool output found for function call {call_id}.", param="input")
    return None
