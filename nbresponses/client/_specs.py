"""What each Responses endpoint sends and how an answer is read, shared by the sync and async clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pydantic import ValidationError

from nbresponses._exceptions import APIError, InvalidParamsError
from nbresponses._secrets import redact, redact_bytes
from nbresponses.transports.base import AsyncReply, Reply, RequestSpec, request_id

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "cancel_spec",
    "compact_spec",
    "create_spec",
    "delete_spec",
    "input_items_spec",
    "input_tokens_spec",
    "parse_reply",
    "retrieve_spec",
]

_M = TypeVar("_M", bound="BaseModel")


def parse_reply(model: type[_M], reply: Reply | AsyncReply, secrets: tuple[str, ...] = ()) -> _M:
    """The answer's body as ``model``; a body that is not one is an `APIError` quoting its start."""
    try:
        return model.model_validate_json(redact_bytes(reply.content, secrets))
    except ValidationError:
        preview = redact(reply.text[:200])
        raise APIError(
            f"The server answered {reply.status_code} with a body that is not a {model.__name__}: {preview!r}",
            status=reply.status_code,
            request_id=request_id(reply.headers),
        ) from None


def _body(model: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    # None means "not given" (as keyword defaults do): leave it out rather than send an explicit null,
    # which several gateways reject.
    given = {key: value for key, value in params.items() if value is not None}
    try:
        validated = model.model_validate(given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()[:5]
        )
        raise InvalidParamsError(f"Invalid request parameters ({problems}). Nothing was sent.") from None
    body: dict[str, Any] = validated.model_dump(mode="json", exclude_unset=True, by_alias=True)
    return body


def _id(response_id: str) -> str:
    if not isinstance(response_id, str) or not response_id.strip():
        raise InvalidParamsError(f"A response id must be a non-empty string, got {response_id!r}.")
    return quote(response_id.strip(), safe="")


def create_spec(params: Mapping[str, Any], *, stream: bool) -> RequestSpec:
    """``POST /responses`` with validated, normalised parameters."""
    from nbresponses.types.request import ResponseCreateParams  # the request models load on first use

    body = _body(ResponseCreateParams, params)
    if stream:
        body["stream"] = True
    else:
        body.pop("stream", None)
    return RequestSpec("POST", "/responses", body=body, stream=stream)


def retrieve_spec(
    response_id: str, *, stream: bool, starting_after: int | None, include: list[str] | None
) -> RequestSpec:
    """``GET /responses/{id}``, optionally resuming its event stream after a sequence number."""
    params: dict[str, Any] = {"stream": True if stream else None, "starting_after": starting_after}
    if include:
        params["include[]"] = include
    return RequestSpec("GET", f"/responses/{_id(response_id)}", params=params, stream=stream)


def delete_spec(response_id: str) -> RequestSpec:
    """``DELETE /responses/{id}``."""
    return RequestSpec("DELETE", f"/responses/{_id(response_id)}")


def cancel_spec(response_id: str) -> RequestSpec:
    """``POST /responses/{id}/cancel`` (background responses only)."""
    return RequestSpec("POST", f"/responses/{_id(response_id)}/cancel")


def input_items_spec(
    response_id: str, *, limit: int | None, order: str | None, after: str | None, include: list[str] | None
) -> RequestSpec:
    """``GET /responses/{id}/input_items`` (one page)."""
    if order not in (None, "asc", "desc"):
        raise InvalidParamsError(f"order must be 'asc' or 'desc', got {order!r}.")
    params: dict[str, Any] = {"limit": limit, "order": order, "after": after}
    if include:
        params["include[]"] = include
    return RequestSpec("GET", f"/responses/{_id(response_id)}/input_items", params=params)


def input_tokens_spec(params: Mapping[str, Any]) -> RequestSpec:
    """``POST /responses/input_tokens``."""
    from nbresponses.types.request import InputTokensParams

    return RequestSpec("POST", "/responses/input_tokens", body=_body(InputTokensParams, params))


def compact_spec(params: Mapping[str, Any]) -> RequestSpec:
    """``POST /responses/compact``."""
    from nbresponses.types.request import ResponseCompactParams

    return RequestSpec("POST", "/responses/compact", body=_body(ResponseCompactParams, params))
