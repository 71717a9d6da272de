"""Which API answers a model: ``/v1/responses``, or ``/chat/completions`` through the bridge.

``api="responses"`` and ``api="chat"`` are fixed. ``api="auto"`` sends to ``/v1/responses`` first; a model the
server refuses there (`refuses_responses`: ``model_not_supported``, a 404 or 405 route, or a 400 that names the
endpoint) is retried once through the bridge, and the choice is remembered per base URL and model in a
`RouteMemory` (in memory by default; the notebook magic keeps it in the history database, so it survives a
restart). After that, the model goes straight to the bridge: no second try on ``/responses``.

The refusal is what proves that ``/responses`` does not serve the model, so the choice is remembered whatever the
bridge then does: it answers, or it fails for a reason of its own (a hosted tool it cannot send, the chat
endpoint's 500, Ctrl-C); the next call goes to the bridge. Two cases keep nothing: a server with no chat route
either (the bridge's 404 / 405; the ``/responses`` refusal is the error shown), and a refusal met while the
request still carried server-side state (``previous_response_id``: `BridgeStateError`, before anything reached
the chat endpoint), which routes the model to the bridge for this process only, so that the conversation layer
can resend the thread's items there; the resent request's outcome then decides as above.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Literal, Protocol, TypeVar

from nbresponses._exceptions import APIStatusError, BridgeStateError

__all__ = ["API_MODES", "ApiMode", "ApiRouter", "MemoryRoutes", "RouteMemory", "refuses_responses"]

ApiMode = Literal["responses", "chat", "auto"]
API_MODES: tuple[ApiMode, ...] = ("auto", "responses", "chat")
"""The values of ``Client(api=...)``, ``%%respond --api`` and ``RespondMagics.api``."""

logger = logging.getLogger("nbresponses")
_T = TypeVar("_T")

_REFUSAL_CODES = frozenset({"model_not_supported", "unsupported_model", "model_not_supported_for_responses"})
_STATE_CODES = frozenset({"previous_response_not_found", "invalid_previous_response_id"})
_ENDPOINT_WORDS = (
    "/responses",
    "responses endpoint",
    "responses api",
    "responses interface",
    "for responses",
)


class RouteMemory(Protocol):
    """Where auto mode remembers which API each model of a base URL answered on."""

    def api_route(self, base_url: str, model: str) -> str | None:
        """``"chat"`` or ``"responses"`` if known."""

    def set_api_route(self, base_url: str, model: str, api: str) -> None:
        """Remember ``api`` for ``model`` at ``base_url``."""


class MemoryRoutes:
    """A `RouteMemory` in a dict (the default: forgotten when the process ends)."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], str] = {}

    def api_route(self, base_url: str, model: str) -> str | None:
        """The remembered API, if any."""
        return self._routes.get((base_url, model))

    def set_api_route(self, base_url: str, model: str, api: str) -> None:
        """Remember ``api``."""
        self._routes[(base_url, model)] = api


def refuses_responses(error: BaseException) -> bool:
    """Whether an error means "this server does not serve that model on /v1/responses" (try the bridge).

    ``model_not_supported`` (the seed gateways' code), a 404 / 405 / 501 that is about neither a model nor a
    stored response (a server without the route), or a 400 / 422 whose message names the Responses endpoint.
    """
    if not isinstance(error, APIStatusError):
        return False
    code = (error.code or "").lower()
    if code in _REFUSAL_CODES:
        return True
    if code in _STATE_CODES or error.param == "previous_response_id":
        return False
    message = (error.message or "").lower()
    if error.status in (404, 405, 501):
        # a missing route, not a missing model ("model_not_found": the chat endpoint would not know it either)
        # nor a missing stored response
        about_state = "previous" in message or "resp_" in message or "response with id" in message
        return not about_state and "model" not in message and "model" not in code
    if error.status in (400, 422):
        return any(word in message for word in _ENDPOINT_WORDS)
    return False


class ApiRouter:
    """Sends each call to the API its model should use, and learns in auto mode.

    Args:
        api: ``"responses"``, ``"chat"`` or ``"auto"``.
        base_url: the client's base URL (the memory's key with the model).
        memory: where auto mode's choices are kept (`MemoryRoutes` if None).
    """

    def __init__(self, api: ApiMode, *, base_url: str, memory: RouteMemory | None = None) -> None:
        if api not in API_MODES:
            raise ValueError(f"api must be one of {', '.join(API_MODES)}, got {api!r}")
        self.api: ApiMode = api
        self.base_url = base_url
        self.memory: RouteMemory = memory if memory is not None else MemoryRoutes()
        # model -> the /responses refusal that sent it to the bridge before the bridge took a request
        self._tentative: dict[str, APIStatusError] = {}

    def api_for(self, model: str | None) -> str | None:
        """The API ``model`` goes to: fixed by the mode, else what auto mode remembered (None: not known yet)."""
        if self.api != "auto":
            return self.api
        if not model:
            return None
        return "chat" if model in self._tentative else self.memory.api_route(self.base_url, model)

    def _fall_back(self, model: str, error: APIStatusError) -> None:
        logger.info("%s refused %s on /responses (%s); answering through the Chat Completions bridge",
                    self.base_url, model, error.code or error.status)  # fmt: skip

    def _learned(self, model: str | None, api: str, known: str | None) -> None:
        if model and known != api:
            self.memory.set_api_route(self.base_url, model, api)

    def _bridge_failed(
        self, model: str, error: BaseException, refusal: APIStatusError, known: str | None
    ) -> BaseException:
        """What to raise when the bridge failed for a model ``/responses`` refused, learning on the way.

        The refusal proved that ``/responses`` does not serve the model, so the route is remembered whatever the
        bridge did (a hosted tool it cannot send, a chat endpoint's 500, Ctrl-C), except when the server has no
        chat route either (404 / 405: the refusal is the error to show, and nothing is kept) or when the request
        still carried server-side state (`BridgeStateError`: routed to the bridge for this process, until the
        resent request shows whether a chat route exists).
        """
        if isinstance(error, BridgeStateError):
            self._tentative[model] = refusal
            return error
        self._tentative.pop(model, None)
        if isinstance(error, APIStatusError) and error.status in (404, 405):
            return refusal  # no chat route either: the /responses refusal says more
        self._learned(model, "chat", known)
        return error

    def _answered(self, model: str, known: str | None) -> None:
        self._tentative.pop(model, None)
        self._learned(model, "chat", known)

    def run(self, model: str | None, native: Callable[[], _T], bridged: Callable[[], _T]) -> _T:
        """Call ``native`` (``/responses``) or ``bridged`` (chat) for ``model``, falling back once in auto mode."""
        api = self.api_for(model)
        if api == "chat":
            refusal = self._tentative.get(model) if model else None
            if refusal is None or not model:
                return bridged()
            return self._bridge(model, refusal, None, bridged)
        if self.api == "responses" or not model:
            return native()
        try:
            result = native()
        except APIStatusError as error:
            if not refuses_responses(error):
                raise
            self._fall_back(model, error)
            return self._bridge(model, error, api, bridged)
        self._learned(model, "responses", api)
        return result

    def _bridge(
        self, model: str, refusal: APIStatusError, known: str | None, bridged: Callable[[], _T]
    ) -> _T:
        try:
            result = bridged()
        except BaseException as error:
            raised = self._bridge_failed(model, error, refusal, known)
            if raised is error:
                raise
            raise raised from None
        self._answered(model, known)
        return result

    async def arun(
        self, model: str | None, native: Callable[[], Awaitable[_T]], bridged: Callable[[], Awaitable[_T]]
    ) -> _T:
        """The asyncio twin of `run`."""
        api = self.api_for(model)
        if api == "chat":
            refusal = self._tentative.get(model) if model else None
            if refusal is None or not model:
                return await bridged()
            return await self._abridge(model, refusal, None, bridged)
        if self.api == "responses" or not model:
            return await native()
        try:
            result = await native()
        except APIStatusError as error:
            if not refuses_responses(error):
                raise
            self._fall_back(model, error)
            return await self._abridge(model, error, api, bridged)
        self._learned(model, "responses", api)
        return result

    async def _abridge(
        self, model: str, refusal: APIStatusError, known: str | None, bridged: Callable[[], Awaitable[_T]]
    ) -> _T:
        try:
            result = await bridged()
        except BaseException as error:
            raised = self._bridge_failed(model, error, refusal, known)
            if raised is error:
                raise
            raise raised from None
        self._answered(model, known)
        return result
