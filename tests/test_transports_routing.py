"""Tests of nbresponses.transports.routing: which API a model goes to, and auto mode's one fallback."""

from __future__ import annotations

from typing import Any

import pytest

from nbresponses._exceptions import (
    APIStatusError,
    BadRequestError,
    BridgeStateError,
    InternalServerError,
    InvalidParamsError,
    NotFoundError,
    RateLimitError,
)
from nbresponses.transports.routing import ApiRouter, MemoryRoutes, refuses_responses

URL = "https://gateway.test/v1"


def error(cls: type[APIStatusError], status: int, message: str, **kwargs: Any) -> APIStatusError:
    return cls(message, status=status, **kwargs)


@pytest.mark.parametrize(
    "refusal",
    [
        error(BadRequestError, 400, "模型不支持", code="model_not_supported"),  # the code alone, any language
        error(NotFoundError, 404, "404 page not found"),  # Ollama, llama.cpp: no such route
        error(NotFoundError, 404, "Not Found"),
        error(APIStatusError, 405, "Method Not Allowed"),
        error(BadRequestError, 400, "The model 'gpt-3.5-turbo' is not supported for the responses endpoint."),
        error(BadRequestError, 400, "Unsupported endpoint /v1/responses for this model"),
    ],
)
def test_refusals_of_the_responses_endpoint(refusal: APIStatusError) -> None:
    assert refuses_responses(refusal)


@pytest.mark.parametrize(
    "other",
    [
        error(NotFoundError, 404, "Previous response with id 'resp_1' not found.", code="previous_response_not_found"),
        error(NotFoundError, 404, "Response with id 'resp_1' not found."),
        error(BadRequestError, 400, "无效的上一个响应ID", code="invalid_previous_response_id"),
        error(BadRequestError, 400, "Invalid value for temperature", param="temperature"),
        error(RateLimitError, 429, "Slow down on /responses"),
        error(InternalServerError, 500, "boom"),
        error(NotFoundError, 404, "The model `gpt-9` does not exist or you do not have access to it."),
        error(NotFoundError, 404, "No such thing", code="model_not_found"),
    ],
)  # fmt: skip
def test_other_errors_are_not_refusals(other: APIStatusError) -> None:
    assert not refuses_responses(other)
    assert not refuses_responses(ValueError("x"))


class Calls:
    def __init__(self, native_error: Exception | None = None, bridged_error: Exception | None = None) -> None:
        self.log: list[str] = []
        self.native_error, self.bridged_error = native_error, bridged_error

    def native(self) -> str:
        self.log.append("responses")
        if self.native_error is not None:
            raise self.native_error
        return "native"

    def bridged(self) -> str:
        self.log.append("chat")
        if self.bridged_error is not None:
            raise self.bridged_error
        return "bridged"


REFUSED = error(BadRequestError, 400, "not supported", code="model_not_supported")


def test_fixed_modes() -> None:
    calls = Calls()
    assert ApiRouter("chat", base_url=URL).run("m", calls.native, calls.bridged) == "bridged"
    assert ApiRouter("responses", base_url=URL).run("m", calls.native, calls.bridged) == "native"
    assert calls.log == ["chat", "responses"]
    assert ApiRouter("chat", base_url=URL).api_for("m") == "chat"
    with pytest.raises(ValueError, match="api must be one of"):
        ApiRouter("bridge", base_url=URL)  # type: ignore[arg-type]


def test_auto_falls_back_once_and_remembers() -> None:
    memory = MemoryRoutes()
    router = ApiRouter("auto", base_url=URL, memory=memory)
    calls = Calls(native_error=REFUSED)
    assert router.api_for("deepseek-chat") is None
    assert router.run("deepseek-chat", calls.native, calls.bridged) == "bridged"
    assert router.run("deepseek-chat", calls.native, calls.bridged) == "bridged"
    assert calls.log == ["responses", "chat", "chat"]  # no second try on /responses
    assert router.api_for("deepseek-chat") == "chat" and memory.api_route(URL, "deepseek-chat") == "chat"
    assert memory.api_route("https://other.test/v1", "deepseek-chat") is None  # per base URL


def test_auto_remembers_a_model_that_answered_on_responses_and_still_falls_back_if_refused_later() -> None:
    router = ApiRouter("auto", base_url=URL)
    assert router.run("gpt-4.1", Calls().native, Calls().bridged) == "native"
    assert router.api_for("gpt-4.1") == "responses"
    calls = Calls(native_error=REFUSED)
    assert router.run("gpt-4.1", calls.native, calls.bridged) == "bridged"
    assert router.api_for("gpt-4.1") == "chat"


def test_auto_raises_other_errors_and_a_bridge_that_fails_after_a_refusal_is_remembered() -> None:
    memory = MemoryRoutes()
    router = ApiRouter("auto", base_url=URL, memory=memory)
    limited = error(RateLimitError, 429, "slow down")
    with pytest.raises(RateLimitError):
        router.run("m", Calls(native_error=limited).native, Calls().bridged)
    assert router.api_for("m") is None  # not a refusal: nothing learned
    unknown = error(BadRequestError, 400, "unknown model for /responses")
    calls = Calls(native_error=unknown, bridged_error=error(BadRequestError, 400, "bad messages"))
    with pytest.raises(BadRequestError, match="bad messages"):  # the bridge's own error is the one to show
        router.run("m", calls.native, calls.bridged)
    # the refusal proved /responses does not serve m: the next call goes straight to the bridge
    assert calls.log == ["responses", "chat"] and memory.api_route(URL, "m") == "chat"
    again = Calls(native_error=unknown)
    assert router.run("m", again.native, again.bridged) == "bridged" and again.log == ["chat"]
    no_route = error(NotFoundError, 404, "404 page not found")
    calls = Calls(
        native_error=no_route, bridged_error=error(NotFoundError, 404, "Invalid URL (POST /v1/chat)")
    )
    with pytest.raises(NotFoundError, match="404 page not found"):  # no chat route either: the first error
        router.run("other", calls.native, calls.bridged)
    assert router.api_for("other") is None and memory.api_route(URL, "other") is None  # and nothing kept


@pytest.mark.parametrize(
    "failure",
    [
        InvalidParamsError("no hosted tools over the bridge: web_search cannot be used with it."),
        error(InternalServerError, 500, "boom"),
        KeyboardInterrupt(),
    ],
)
def test_a_refusal_is_remembered_even_when_the_bridge_then_fails(failure: BaseException) -> None:
    memory = MemoryRoutes()
    router = ApiRouter("auto", base_url=URL, memory=memory)
    calls = Calls(native_error=REFUSED, bridged_error=failure)  # type: ignore[arg-type]
    with pytest.raises(type(failure)):
        router.run("m", calls.native, calls.bridged)
    assert memory.api_route(URL, "m") == "chat"
    after = Calls(native_error=REFUSED)
    assert router.run("m", after.native, after.bridged) == "bridged" and after.log == ["chat"]


def test_a_refusal_with_server_state_routes_to_the_bridge_and_is_kept_once_the_bridge_answers() -> None:
    memory = MemoryRoutes()
    router = ApiRouter("auto", base_url=URL, memory=memory)
    calls = Calls(native_error=REFUSED, bridged_error=BridgeStateError("state", param="previous_response_id"))
    with pytest.raises(BridgeStateError):
        router.run("m", calls.native, calls.bridged)
    # the conversation resends the items to the bridge next; nothing is written down before it answers
    assert router.api_for("m") == "chat" and memory.api_route(URL, "m") is None
    assert router.run("m", Calls().native, Calls().bridged) == "bridged"
    assert memory.api_route(URL, "m") == "chat"


def test_a_tentative_bridge_without_a_chat_route_is_forgotten_and_the_refusal_shown() -> None:
    memory = MemoryRoutes()
    router = ApiRouter("auto", base_url=URL, memory=memory)
    calls = Calls(native_error=REFUSED, bridged_error=BridgeStateError("state", param="previous_response_id"))
    with pytest.raises(BridgeStateError):
        router.run("m", calls.native, calls.bridged)
    no_route = Calls(bridged_error=error(NotFoundError, 404, "Invalid URL (POST /v1/chat/completions)"))
    with pytest.raises(BadRequestError, match="not supported"):  # the /responses refusal says more
        router.run("m", no_route.native, no_route.bridged)
    assert no_route.log == ["chat"] and router.api_for("m") is None and memory.api_route(URL, "m") is None


@pytest.mark.parametrize(
    "failure",
    [
        InvalidParamsError("no hosted tools over the bridge: web_search cannot be used with it."),
        error(InternalServerError, 500, "boom"),
        KeyboardInterrupt(),
    ],
)
def test_a_tentative_bridge_that_fails_otherwise_is_remembered(failure: BaseException) -> None:
    """Auto mode's turn 2 of a thread: the refusal, the items resent to the bridge, which fails for its own reason."""
    memory = MemoryRoutes()
    router = ApiRouter("auto", base_url=URL, memory=memory)
    calls = Calls(native_error=REFUSED, bridged_error=BridgeStateError("state", param="previous_response_id"))
    with pytest.raises(BridgeStateError):
        router.run("m", calls.native, calls.bridged)
    failing = Calls(bridged_error=failure)  # type: ignore[arg-type]
    with pytest.raises(type(failure)):
        router.run("m", failing.native, failing.bridged)
    assert memory.api_route(URL, "m") == "chat"  # the next cell does not try /responses again
    after = Calls(native_error=REFUSED)
    assert router.run("m", after.native, after.bridged) == "bridged" and after.log == ["chat"]


def test_a_tentative_bridge_refused_for_state_again_stays_tentative() -> None:
    memory = MemoryRoutes()
    router = ApiRouter("auto", base_url=URL, memory=memory)
    state = BridgeStateError("state", param="previous_response_id")
    for calls in (Calls(native_error=REFUSED, bridged_error=state), Calls(bridged_error=state)):
        with pytest.raises(BridgeStateError):
            router.run("m", calls.native, calls.bridged)
        assert router.api_for("m") == "chat" and memory.api_route(URL, "m") is None
    no_route = Calls(bridged_error=error(NotFoundError, 404, "Invalid URL (POST /v1/chat/completions)"))
    with pytest.raises(BadRequestError, match="not supported"):  # the refusal is still the error to show
        router.run("m", no_route.native, no_route.bridged)
    assert router.api_for("m") is None


@pytest.mark.anyio
async def test_arun_falls_back_too() -> None:
    router = ApiRouter("auto", base_url=URL)
    log: list[str] = []

    async def native() -> str:
        log.append("responses")
        raise REFUSED

    async def bridged() -> str:
        log.append("chat")
        return "bridged"

    assert await router.arun("m", native, bridged) == "bridged"
    assert await router.arun("m", native, bridged) == "bridged"
    assert log == ["responses", "chat", "chat"]


@pytest.mark.anyio
async def test_arun_keeps_a_tentative_bridge_only_once_it_answers() -> None:
    memory = MemoryRoutes()
    router = ApiRouter("auto", base_url=URL, memory=memory)

    async def refused() -> str:
        raise REFUSED

    async def with_state() -> str:
        raise BridgeStateError("state", param="previous_response_id")

    async def no_route() -> str:
        raise error(NotFoundError, 404, "Invalid URL")

    async def answered() -> str:
        return "bridged"

    with pytest.raises(BridgeStateError):
        await router.arun("m", refused, with_state)
    with pytest.raises(BadRequestError):
        await router.arun("m", refused, no_route)
    assert router.api_for("m") is None
    with pytest.raises(BridgeStateError):
        await router.arun("m", refused, with_state)
    assert await router.arun("m", refused, answered) == "bridged"
    assert memory.api_route(URL, "m") == "chat"


@pytest.mark.anyio
async def test_arun_remembers_a_refusal_when_the_bridge_then_fails() -> None:
    memory = MemoryRoutes()
    router = ApiRouter("auto", base_url=URL, memory=memory)

    async def refused() -> str:
        raise REFUSED

    async def hosted() -> str:
        raise InvalidParamsError("no hosted tools over the bridge")

    async def no_route() -> str:
        raise error(NotFoundError, 404, "Invalid URL")

    with pytest.raises(BadRequestError, match="not supported"):
        await router.arun("other", refused, no_route)
    assert memory.api_route(URL, "other") is None
    with pytest.raises(InvalidParamsError):
        await router.arun("m", refused, hosted)
    assert memory.api_route(URL, "m") == "chat" and router.api_for("m") == "chat"
