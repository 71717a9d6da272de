"""The Conversations API of the offline server: conversations and their items, kept in the server's state.

``POST /conversations`` (with first ``items`` and ``metadata``), ``GET`` / ``POST`` (update metadata) /
``DELETE /conversations/{id}``, and ``/conversations/{id}/items`` (create, list, retrieve, delete), in the
shapes of the recorded OpenAI interactions. ``POST /responses`` with ``conversation`` reads the items as context
and appends the turn's input and output items (see `OfflineServer.respond`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._items import normalize_input
from ._reply import APIError, OfflineReply, json_reply, page

if TYPE_CHECKING:
    from ._server import Handler, OfflineServer

__all__ = ["conversation_routes"]

_MAX_METADATA = 16


def _not_found(conversation_id: str) -> OfflineReply:
    return APIError(404, f"Conversation with id '{conversation_id}' not found.").reply()


def _metadata(value: Any) -> dict[str, str] | APIError:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return APIError(400, "Invalid 'metadata': expected an object of string values.", code="invalid_type",
                        param="metadata")  # fmt: skip
    if len(value) > _MAX_METADATA:
        message = f"Invalid 'metadata': too many keys. Expected at most {_MAX_METADATA}, but got {len(value)} instead."
        return APIError(400, message, code="object_above_max_properties", param="metadata")
    return {str(k): v for k, v in value.items()}


def _items(server: OfflineServer, payload: Any, *, required: bool) -> list[dict[str, Any]] | APIError:
    raw = payload.get("items") if isinstance(payload, dict) else None
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw):
        return APIError(400, "Missing required parameter: 'items'.", code="missing_required_parameter",
                        param="items")  # fmt: skip
    return server.with_ids(normalize_input(raw))


def conversation_routes(server: OfflineServer) -> list[tuple[str, str, Handler]]:
    """The routes of the Conversations API, bound to ``server``."""
    state = server.state

    def create(params: dict[str, str], query: dict[str, str], payload: Any) -> OfflineReply:
        metadata = _metadata(payload.get("metadata") if isinstance(payload, dict) else None)
        items = _items(server, payload, required=False)
        for problem in (metadata, items):
            if isinstance(problem, APIError):
                return problem.reply()
        assert isinstance(metadata, dict) and isinstance(items, list)
        conversation = {"id": server.new_id("conv"), "object": "conversation", "created_at": server.now(),
                        "metadata": metadata}  # fmt: skip
        state.create_conversation(conversation, items)
        return json_reply(200, conversation)

    def retrieve(params: dict[str, str], query: dict[str, str], payload: Any) -> OfflineReply:
        found = state.conversation(params["id"])
        return json_reply(200, found) if found is not None else _not_found(params["id"])

    def update(params: dict[str, str], query: dict[str, str], payload: Any) -> OfflineReply:
        if state.conversation(params["id"]) is None:
            return _not_found(params["id"])
        if not isinstance(payload, dict) or "metadata" not in payload:
            return APIError(400, "Missing required parameter: 'metadata'.", code="missing_required_parameter",
                            param="metadata").reply()  # fmt: skip
        metadata = _metadata(payload["metadata"])
        if isinstance(metadata, APIError):
            return metadata.reply()
        state.set_metadata(params["id"], metadata)
        return json_reply(200, state.conversation(params["id"]))

    def delete(params: dict[str, str], query: dict[str, str], payload: Any) -> OfflineReply:
        if state.conversation(params["id"]) is None:
            return _not_found(params["id"])
        state.delete_conversation(params["id"])
        return json_reply(200, {"id": params["id"], "object": "conversation.deleted", "deleted": True})

    def add_items(params: dict[str, str], query: dict[str, str], payload: Any) -> OfflineReply:
        if state.conversation(params["id"]) is None:
            return _not_found(params["id"])
        items = _items(server, payload, required=True)
        if isinstance(items, APIError):
            return items.reply()
        state.add_items(params["id"], items)
        return json_reply(200, page(items, {"order": "asc", "limit": "100"}))

    def list_items(params: dict[str, str], query: dict[str, str], payload: Any) -> OfflineReply:
        if state.conversation(params["id"]) is None:
            return _not_found(params["id"])
        return json_reply(200, page(state.items(params["id"]), query))

    def get_item(params: dict[str, str], query: dict[str, str], payload: Any) -> OfflineReply:
        if state.conversation(params["id"]) is None:
            return _not_found(params["id"])
        item = state.item(params["id"], params["item_id"])
        if item is None:
            return APIError(404, f"Item with id '{params['item_id']}' not found.").reply()
        return json_reply(200, item)

    def delete_item(params: dict[str, str], query: dict[str, str], payload: Any) -> OfflineReply:
        conversation = state.conversation(params["id"])
        if conversation is None:
            return _not_found(params["id"])
        if state.item(params["id"], params["item_id"]) is None:
            return APIError(404, f"Item with id '{params['item_id']}' not found.").reply()
        state.delete_item(params["id"], params["item_id"])
        return json_reply(200, conversation)

    return [
        ("POST", "conversations", create),
        ("GET", "conversations/{id}", retrieve),
        ("POST", "conversations/{id}", update),
        ("DELETE", "conversations/{id}", delete),
        ("POST", "conversations/{id}/items", add_items),
        ("GET", "conversations/{id}/items", list_items),
        ("GET", "conversations/{id}/items/{item_id}", get_item),
        ("DELETE", "conversations/{id}/items/{item_id}", delete_item),
    ]
