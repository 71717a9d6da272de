"""What each Responses endpoint sends and how its answer is read, shared by the sync and async clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from ._exceptions import InvalidParamsError
from ._http import RequestSpec
from .types.request import InputTokensParams, ResponseCompactParams, ResponseCreateParams

__all__ = [
    "cancel_spec",
    "compact_spec",
    "create_spec",
    "delete_spec",
    "input_items_spec",
    "input_tokens_spec",
    "retrieve_spec",
]


def _body(
    model: type[ResponseCreateParams | InputTokensParams | ResponseCompactParams], params: Mapping[str, Any]
) -> dict[str, Any]:
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
    return validated.model_dump(mode="json", exclude_unset=True, by_alias=True)


def _id(response_id: str) -> str:
    if not isinstance(response_id, str) or not response_id.strip():
        raise InvalidParamsError(f"A response id must be a non-empty string, got {response_id!r}.")
    return quote(response_id.strip(), safe="")


def create_spec(params: Mapping[str, Any], *, stream: bool) -> RequestSpec:
    """``POST /responses`` with validated, normalised parameters."""
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
    return RequestSpec("POST", "/responses/input_tokens", body=_body(InputTokensParams, params))


def compact_spec(params: Mapping[str, Any]) -> RequestSpec:
    """``POST /responses/compact``."""
    return RequestSpec("POST", "/responses/compact", body=_body(ResponseCompactParams, params))
