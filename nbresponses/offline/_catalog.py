"""The models the offline server lists (``GET /models``, ``GET /models/{id}``), and its one chat-only model.

The stand-in model answers any model name; these are the names it lists, in OpenAI's list shape, so that
``client.models.list()`` and ``%respond models`` can be tried with no key. ``offline-chat`` is served on
``/chat/completions`` only: ``/responses`` refuses it with the seed gateways' ``model_not_supported`` error (400,
"The model '…' is not supported for the responses endpoint."), as a gateway refuses DeepSeek or Qwen there, so
auto mode's fallback to the Chat Completions bridge can be watched offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._reply import APIError, OfflineReply, json_reply

if TYPE_CHECKING:
    from ._server import Handler

__all__ = ["CHAT_ONLY_MODELS", "LISTED_MODELS", "model_routes", "refuse_chat_only"]

CHAT_ONLY_MODELS = ("offline-chat",)
"""Models the offline server answers on ``/chat/completions`` only."""

LISTED_MODELS: tuple[tuple[str, int, str], ...] = (
    ("gpt-4.1", 1744316542, "system"),
    ("gpt-4.1-mini", 1744318173, "system"),
    ("gpt-4.1-nano", 1744321707, "system"),
    ("gpt-4o", 1715367049, "system"),
    ("gpt-4o-mini", 1721172741, "system"),
    ("gpt-5", 1754425777, "system"),
    ("o4-mini", 1744225351, "system"),
    ("offline-1", 1767225600, "nbresponses"),
    ("offline-chat", 1767225600, "nbresponses"),
)
"""(id, created, owned_by) of each listed model: what the magic and the examples use, and the offline ones."""


def _model(model_id: str, created: int, owner: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": owner}


def list_models() -> OfflineReply:
    """``GET /models``."""
    return json_reply(200, {"object": "list", "data": [_model(*entry) for entry in LISTED_MODELS]})


def retrieve_model(model_id: str) -> OfflineReply:
    """``GET /models/{id}``: a listed model, else OpenAI's 404."""
    for entry in LISTED_MODELS:
        if entry[0] == model_id:
            return json_reply(200, _model(*entry))
    message = f"The model `{model_id}` does not exist or you do not have access to it."
    return APIError(404, message, code="model_not_found", param="model").reply()


def model_routes() -> list[tuple[str, str, Handler]]:
    """The models endpoints, for `OfflineServer.add_route`."""
    return [
        ("GET", "models", lambda params, query, body: list_models()),
        ("GET", "models/{id}", lambda params, query, body: retrieve_model(params["id"])),
    ]


def refuse_chat_only(payload: Any) -> APIError | None:
    """The seed gateways' refusal of a chat-only model on ``/responses`` (None for every other model)."""
    model = payload.get("model") if isinstance(payload, dict) else None
    if model not in CHAT_ONLY_MODELS:
        return None
    message = f"The model '{model}' is not supported for the responses endpoint."
    return APIError(400, message, code="model_not_supported", param="model")
